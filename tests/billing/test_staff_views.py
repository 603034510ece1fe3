"""Staff invoice pages: the list (filters in the URL, outstanding per currency), the draft editor (htmx add
and remove keep every keystroke, totals computed on the server, one message per bad field), finalise and
send with the PDF attached, resend, void, credit note, a manual payment, settings and the hub tab."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Invoice, InvoiceStatus
from tests.billing.conftest import make_draft

pytestmark = pytest.mark.django_db
D = Decimal
HTMX = {"HX-Request": "true"}


def _header(world, **extra) -> dict:
    return {
        "client": world.client.pk,
        "project": "",
        "currency": "EUR",
        "issue_date": "",
        "due_date": "",
        "tax_rate": "20",
        "discount_percent": "0",
        "bill_to_address": "1 Market Street",
        "notes": "Thanks!",
        **extra,
    }


def _lines(*rows) -> dict:
    data = {"lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0"}
    for i, (description, quantity, price, rate) in enumerate(rows):
        data.update(
            {
                f"lines-{i}-description": description,
                f"lines-{i}-quantity": quantity,
                f"lines-{i}-unit_price": price,
                f"lines-{i}-tax_rate": rate,
            }
        )
    return data


# --- list ------------------------------------------------------------------------------------------------


def test_list_filters_and_outstanding_per_currency(world, owner_http, sent):
    usd = services.finalise_invoice(invoice=make_draft(world, currency="USD"), actor=world.owner)
    Invoice.objects.filter(pk=usd.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    draft = make_draft(world, client=world.other_client)
    url = reverse("billing:invoice-list")
    page = owner_http.get(url)
    assert set(page.context["invoices"]) == {sent, usd, draft}
    assert page.context["outstanding"] == [("EUR", D("3659.99")), ("USD", D("3659.99"))]
    assert page.context["overdue"] == [("USD", D("3659.99"))]
    assert list(owner_http.get(url, {"status": "overdue"}).context["invoices"]) == [usd]
    assert list(owner_http.get(url, {"status": "draft"}).context["invoices"]) == [draft]
    assert list(owner_http.get(url, {"client": world.other_client.pk}).context["invoices"]) == [draft]
    fragment = owner_http.get(url, {"status": "sent"}, headers={**HTMX, "HX-Target": "invoice-table"})
    assert [t.name for t in fragment.templates][0] == "billing/_invoice_table.html"
    # Another workspace's client id is no filter at all (the form refuses it).
    foreign = owner_http.get(url, {"client": world.outsider_client.pk})
    assert "client" in foreign.context["filters"].errors


def test_nav_and_hub_tab(world, owner_http, sent):
    from core.hub import tabs_for

    (tab,) = [t for t in tabs_for(world.client) if t.key == "invoices"]
    assert (tab.label, tab.count, tab.url) == ("Invoices", 1, f"/app/invoices/?client={world.client.pk}")
    hub = owner_http.get(reverse("accounts:client-detail", args=[world.client.pk]))
    assert f'href="/app/invoices/?client={world.client.pk}" data-hub-tab="invoices"' in hub.content.decode()
    assert (
        'href="/app/invoices/" aria-current="page"'
        in owner_http.get(reverse("billing:invoice-list")).content.decode()
    )


# --- the draft editor ------------------------------------------------------------------------------------


def test_create_page_has_defaults_from_settings(world, owner_http):
    page = owner_http.get(reverse("billing:invoice-create"), {"client": world.client.pk})
    form = page.context["form"]
    assert form.initial["client"] == world.client.pk and form.initial["currency"] == "EUR"
    assert page.context["formset"].total_form_count() == 1


def test_add_and_remove_lines_keep_what_was_typed(world, owner_http):
    url = reverse("billing:invoice-create")
    typed = {**_header(world), **_lines(("Design", "2", "1500", ""), ("Hosting", "1", "49.99", "0"))}
    added = owner_http.post(
        url, {**typed, "action": "add-line"}, headers={**HTMX, "HX-Target": "line-editor"}
    )
    assert added.templates[0].name == "billing/_line_editor.html"
    formset = added.context["formset"]
    assert formset.total_form_count() == 3
    assert [f["description"].value() for f in formset.forms] == ["Design", "Hosting", ""]
    removed = owner_http.post(url, {**typed, "action": "remove-0"})  # without JavaScript: the whole page
    assert removed.templates[0].name == "billing/invoice_form.html"
    assert [f["description"].value() for f in removed.context["formset"].forms] == ["Hosting"]
    assert removed.context["form"]["notes"].value() == "Thanks!"
    assert not Invoice.objects.exists()


def test_live_totals_come_from_the_server(world, owner_http):
    url = reverse("billing:invoice-create")
    data = {
        **_header(world, discount_percent="10"),
        **_lines(("Design", "2", "1500", ""), ("Books", "1", "100", "5"), ("Half typed", "", "", "")),
        "action": "recalc",
    }
    response = owner_http.post(url, data, headers={**HTMX, "HX-Target": "invoice-totals"})
    assert response.templates[0].name == "billing/_totals.html"
    totals = response.context["totals"]
    # 3100 - 10% = 2790; tax 20% on 2700 = 540 and 5% on 90 = 4.50.
    assert (totals.subtotal, totals.discount, totals.tax, totals.total) == (
        D(3100),
        D(310),
        D("544.50"),
        D("3334.50"),
    )
    assert response.context["incomplete"] == 1
    assert "€3,334.50" in response.content.decode()


def test_save_creates_a_draft(world, owner_http):
    response = owner_http.post(
        reverse("billing:invoice-create"),
        {**_header(world), **_lines(("Design", "2", "1,500.00", ""), ("", "1", "", "")), "action": "save"},
    )
    invoice = Invoice.objects.get()
    assert response.url == reverse("billing:invoice-detail", args=[invoice.pk])
    assert invoice.status == InvoiceStatus.DRAFT and invoice.total == D("3600.00")
    assert invoice.lines.count() == 1  # the empty row was ignored


def test_bad_input_says_what_is_wrong_per_field_and_keeps_everything(world, owner_http):
    response = owner_http.post(
        reverse("billing:invoice-create"),
        {
            **_header(world, tax_rate="abc", due_date="2020-01-01", issue_date="2020-02-01"),
            **_lines(("Design", "0", "1e3", ""), ("", "1", "20", ""), ("Fine", "1", "10", "150")),
            "action": "save",
        },
    )
    assert response.status_code == 422
    form, formset = response.context["form"], response.context["formset"]
    assert form.errors["tax_rate"] == ["“abc” is not a number."]
    assert form.errors["due_date"] == ["The due date cannot be before the issue date."]
    assert formset.forms[0].errors == {"quantity": ["More than 0."], "unit_price": ["“1e3” is not a number."]}
    assert formset.forms[1].errors == {"description": ["Describe the line."]}
    assert formset.forms[2].errors == {"tax_rate": ["At most 100."]}
    html = response.content.decode()
    assert 'value="1e3"' in html and 'value="Fine"' in html and "Thanks!" in html
    assert not Invoice.objects.exists()


def test_no_lines_is_refused(world, owner_http):
    response = owner_http.post(
        reverse("billing:invoice-create"), {**_header(world), **_lines(("", "1", "", "")), "action": "save"}
    )
    assert response.status_code == 422
    assert "Add at least one line" in response.content.decode()


def test_edit_draft_and_refuse_editing_a_finalised_one(world, owner_http, draft):
    url = reverse("billing:invoice-edit", args=[draft.pk])
    page = owner_http.get(url)
    assert [f["description"].value() for f in page.context["formset"].forms] == ["Design sprint", "Hosting"]
    owner_http.post(
        url, {**_header(world, notes="Edited"), **_lines(("Only", "1", "5", "")), "action": "save"}
    )
    draft.refresh_from_db()
    assert draft.notes == "Edited" and draft.total == D("6.00")
    services.finalise_invoice(invoice=draft, actor=world.owner)
    refused = owner_http.post(url, {**_header(world), **_lines(("x", "1", "1", "")), "action": "save"})
    assert refused.status_code == 302
    draft.refresh_from_db()
    assert draft.total == D("6.00")


# --- actions ---------------------------------------------------------------------------------------------


def test_finalise_and_send_emails_the_pdf_and_a_portal_link(
    world, owner_http, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_http.post(reverse("billing:invoice-finalise", args=[draft.pk]), {"send": "1"})
    draft.refresh_from_db()
    assert response.status_code == 302 and draft.status == InvoiceStatus.SENT
    (message,) = mail.outbox
    assert message.to == [world.contact.email]
    assert draft.number in message.subject
    assert f"/p/alpha/invoices/{draft.pk}/" in message.body
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"{draft.number}.pdf", "application/pdf")
    with draft.pdf.file.open("rb") as fh:
        assert content == fh.read()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        owner_http.post(reverse("billing:invoice-send", args=[draft.pk]))
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("Reminder:")


def test_detail_page_for_each_state(world, owner_http, draft):
    page = owner_http.get(reverse("billing:invoice-detail", args=[draft.pk]))
    assert b'id="finalise"' in page.content and page.context["invoice"].is_draft
    services.finalise_invoice(invoice=draft, actor=world.owner)
    page = owner_http.get(reverse("billing:invoice-detail", args=[draft.pk]))
    html = page.content.decode()
    assert draft.number in html and "Record a payment" in html and "Void invoice" in html
    assert reverse("billing:invoice-preview", args=[draft.pk]) in html
    preview = owner_http.get(reverse("billing:invoice-preview", args=[draft.pk]))
    assert preview.status_code == 200


def test_void_needs_a_reason_then_voids(world, owner_http, sent):
    url = reverse("billing:invoice-void", args=[sent.pk])
    refused = owner_http.post(url, {"reason": ""})
    assert refused.status_code == 422 and refused.context["void_form"].errors["reason"]
    assert refused.context["open_panel"] == "void"
    owner_http.post(url, {"reason": "Duplicate"})
    sent.refresh_from_db()
    assert sent.status == InvoiceStatus.VOID and sent.void_reason == "Duplicate"


def test_credit_note_and_payment_forms(world, owner_http, sent):
    too_much = owner_http.post(
        reverse("billing:invoice-credit", args=[sent.pk]), {"amount": "5000", "reason": "x"}
    )
    assert too_much.status_code == 422
    assert "at most €3,659.99" in too_much.context["credit_form"].non_field_errors()[0]
    owner_http.post(
        reverse("billing:invoice-credit", args=[sent.pk]), {"amount": "659.99", "reason": "Discount"}
    )
    owner_http.post(
        reverse("billing:invoice-payment", args=[sent.pk]), {"amount": "3000", "reference": "TR-9"}
    )
    sent.refresh_from_db()
    assert sent.status == InvoiceStatus.PAID and sent.amount_credited == D("659.99")


def test_credit_lines_form(world, owner_http, sent):
    """Credit one of the two design days: priced as invoiced (1,500 + 20% tax), the line printed on the
    note; bad quantities are field errors that keep what was typed, and nothing is issued."""
    url = reverse("billing:invoice-credit", args=[sent.pk])
    design, hosting = sent.lines.order_by("position")
    page = owner_http.get(reverse("billing:invoice-detail", args=[sent.pk])).content.decode()
    assert f'name="qty_{design.pk}"' in page and "Design sprint: quantity to credit" in page
    assert "Invoiced 2 × €1,500.00." in page

    nothing = owner_http.post(url, {"by": "lines", "reason": "x"})
    assert nothing.status_code == 422
    assert "at least one line" in nothing.context["credit_lines_form"].non_field_errors()[0]
    too_many = owner_http.post(url, {"by": "lines", f"qty_{design.pk}": "3", "reason": "Half the sprint"})
    assert too_many.status_code == 422
    assert too_many.context["credit_lines_form"].errors[f"qty_{design.pk}"] == ["At most 2."]
    assert "Half the sprint" in too_many.content.decode()  # what was typed stays
    negative = owner_http.post(url, {"by": "lines", f"qty_{hosting.pk}": "-1", "reason": "x"})
    assert negative.status_code == 422
    assert negative.context["credit_lines_form"].errors[f"qty_{hosting.pk}"] == ["-1 is below 0."]
    assert not sent.credit_notes.exists()

    done = owner_http.post(url, {"by": "lines", f"qty_{design.pk}": "1", "reason": "One day not used"})
    assert done.status_code == 302
    note = sent.credit_notes.get()
    assert (note.subtotal, note.tax, note.total) == (D("1500.00"), D("300.00"), D("1800.00"))
    assert [(n.description, n.quantity, n.unit_price) for n in note.lines.all()] == [
        ("Design sprint", D("1"), D("1500.00"))
    ]
    sent.refresh_from_db()
    assert sent.amount_credited == D("1800.00") and sent.status == InvoiceStatus.SENT
    # A line's bound is what earlier credit notes left of it.
    over = owner_http.post(url, {"by": "lines", f"qty_{design.pk}": "2", "reason": "Again"})
    assert over.status_code == 422
    assert over.context["credit_lines_form"].errors[f"qty_{design.pk}"] == ["At most 1."]
    assert "1 credited already." in over.content.decode()
    owner_http.post(url, {"by": "lines", f"qty_{design.pk}": "1", "reason": "The other day"})
    page = owner_http.get(reverse("billing:invoice-detail", args=[sent.pk])).content.decode()
    assert re.search(rf'name="qty_{design.pk}"[^>]*disabled', page)  # nothing left of that line
    sent.refresh_from_db()
    owner_http.post(
        reverse("billing:invoice-credit", args=[sent.pk]), {"amount": str(sent.creditable), "reason": "Rest"}
    )
    sent.refresh_from_db()
    assert sent.creditable == 0 and sent.status == InvoiceStatus.CREDITED


def test_delete_draft(world, owner_http, draft):
    response = owner_http.post(reverse("billing:invoice-delete", args=[draft.pk]))
    assert response.url == reverse("billing:invoice-list") and not Invoice.objects.exists()


# --- settings --------------------------------------------------------------------------------------------


def test_settings_preview_the_next_number_and_validate_the_prefix(world, owner_http, sent):
    url = reverse("billing:settings")
    year = timezone.localdate().year
    assert owner_http.get(url).context["preview"]["invoice"] == f"INV-{year}-0002"
    bad = owner_http.post(
        url,
        {
            "invoice_prefix": "INV-{month}-",
            "credit_note_prefix": "CN-",
            "number_digits": 4,
            "default_currency": "EUR",
            "payment_terms_days": 14,
            "default_tax_rate": "20",
            "reminder_interval_days": 7,
        },
    )
    assert bad.status_code == 422 and bad.context["form"].errors["invoice_prefix"]
    owner_http.post(
        url,
        {
            "invoice_prefix": "A-",
            "credit_note_prefix": "CN-",
            "number_digits": 3,
            "default_currency": "GBP",
            "payment_terms_days": 14,
            "default_tax_rate": "20",
            "reminder_interval_days": 7,
            "from_name": "Alpha Ltd",
        },
    )
    assert owner_http.get(url).context["preview"]["invoice"] == "A-001"
    invoice = services.finalise_invoice(invoice=make_draft(world), actor=world.owner)
    assert invoice.number == "A-001"
    assert invoice.due_date == invoice.issue_date + timedelta(days=14)


def test_members_cannot_change_settings(world):
    from tests.conftest import staff_client

    assert staff_client(world.member).get(reverse("billing:settings")).status_code == 403
