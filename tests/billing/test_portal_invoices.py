"""Portal invoices: the list and the page show what a client owes (never a draft, never another client's),
the PDF downloads, the dashboard widget, the feed, the Invoices visibility toggle and staff preview."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import set_visibility
from billing import services
from billing.models import Invoice
from portal.sections import client_feed
from tests.billing.conftest import make_draft
from tests.conftest import portal_client

pytestmark = pytest.mark.django_db
D = Decimal


def _url(name, *args):
    return reverse(f"portal:{name}", args=["alpha", *args])


def _overdue(invoice, days=5):
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=days))
    invoice.refresh_from_db()
    return invoice


def test_list_shows_finalised_invoices_of_the_contacts_client_only(world, contact_http, sent):
    draft = make_draft(world)
    theirs = services.finalise_invoice(
        invoice=make_draft(world, client=world.other_client), actor=world.owner
    )
    paid = services.finalise_invoice(invoice=make_draft(world), actor=world.owner)
    services.apply_payment(invoice=paid, amount=paid.total, currency="EUR")
    _overdue(sent)
    page = contact_http.get(_url("invoice-list"))
    assert set(page.context["invoices"]) == {sent, paid}
    assert page.context["outstanding"] == [("EUR", D("3659.99"))]
    html = page.content.decode()
    assert sent.number in html and paid.number in html and "Overdue" in html and "Paid" in html
    for hidden in (draft, theirs):
        assert contact_http.get(_url("invoice-detail", hidden.pk)).status_code == 404


def test_invoice_page_shows_lines_tax_totals_and_what_is_due(world, contact_http, sent):
    services.apply_payment(invoice=sent, amount=D("1000"), currency="EUR")
    services.issue_credit_note(invoice=sent, actor=world.owner, amount=D("659.99"), reason="Goodwill")
    page = contact_http.get(_url("invoice-detail", sent.pk))
    assert page.status_code == 200
    html = page.content.decode()
    for expected in ("Design sprint", "Tax 20% on €3,049.99", "€610.00", "€3,659.99", "€1,000.00", "€659.99"):
        assert expected in html, expected
    assert page.context["invoice"].amount_due == D("2000.00")
    assert 'id="portal-amount-due">€2,000.00<' in html
    assert "Online payment is not set up" in html  # the Pay slot until the Stripe side fills it
    assert _url("invoice-download", sent.pk) in html and _url("invoice-preview", sent.pk) in html
    (note,) = page.context["credit_notes"]
    assert _url("invoice-credit-note-download", note.pk) in html
    assert contact_http.get(_url("invoice-preview", sent.pk)).status_code == 200
    assert contact_http.get(_url("invoice-raw", sent.pk))["Content-Type"] == "application/pdf"


def test_paid_and_void_invoices_say_so_and_offer_no_payment(world, contact_http, sent):
    services.apply_payment(invoice=sent, amount=sent.total, currency="EUR")
    html = contact_http.get(_url("invoice-detail", sent.pk)).content.decode()
    assert "Paid" in html and "Online payment is not set up" not in html
    other = services.finalise_invoice(invoice=make_draft(world), actor=world.owner)
    services.void_invoice(invoice=other, actor=world.owner, reason="Sent by mistake")
    html = contact_http.get(_url("invoice-detail", other.pk)).content.decode()
    assert "This invoice is void" in html and "Sent by mistake" in html


def test_dashboard_widget_shows_outstanding_and_next_due(world, contact_http, sent):
    later = services.finalise_invoice(invoice=make_draft(world, currency="USD"), actor=world.owner)
    _overdue(sent)
    page = contact_http.get(_url("dashboard"))
    html = page.content.decode()
    assert 'id="invoices-widget"' in html
    assert "€3,659.99" in html and "$3,659.99" in html and "Overdue" in html
    assert html.index(sent.number) < html.index(later.number)  # soonest due first


def test_widget_empty_state(world, contact_http):
    html = contact_http.get(_url("dashboard")).content.decode()
    assert "Nothing to pay: no outstanding invoices." in html


def test_feed_shows_client_events_in_client_wording(world, sent):
    services.apply_payment(invoice=sent, amount=sent.total, currency="EUR", contact=world.contact)
    make_draft(world)  # a draft's events are internal
    verbs = [e.verb for e in client_feed(world.contact)]
    assert "invoice.finalised" in verbs and "invoice.paid" in verbs and "invoice.created" not in verbs
    page = portal_client(world.contact).get(_url("dashboard"))
    assert "paid invoice" in page.content.decode()


def test_hidden_invoices_section_404s_and_leaves_nav_and_dashboard(world, contact_http, sent):
    set_visibility(client=world.client, actor=world.owner, hidden={"invoices"})
    for name, args in (
        ("invoice-list", ()),
        ("invoice-detail", (sent.pk,)),
        ("invoice-download", (sent.pk,)),
        ("invoice-preview", (sent.pk,)),
        ("invoice-raw", (sent.pk,)),
    ):
        assert contact_http.get(_url(name, *args)).status_code == 404, name
    html = contact_http.get(_url("dashboard")).content.decode()
    assert 'id="invoices-widget"' not in html and _url("invoice-list") not in html
    assert not Invoice.objects.for_contact(world.contact).exists()


def test_revoked_contact_and_disabled_portal_see_nothing(world, sent):
    world.contact.revoked_at = timezone.now()
    assert not Invoice.objects.for_contact(world.contact).exists()
    world.client.portal_enabled = False
    world.client.save()
    world.contact.revoked_at = None
    assert not Invoice.objects.for_contact(world.contact).exists()


def test_outsiders_get_404(world, sent):
    for contact in (world.other_contact, world.outsider_contact):
        http = portal_client(contact)
        slug = contact.workspace.slug
        for name in ("invoice-detail", "invoice-download", "invoice-preview", "invoice-raw"):
            assert http.get(reverse(f"portal:{name}", args=[slug, sent.pk])).status_code == 404, name


def test_widget_is_two_queries_however_many_invoices(world, django_assert_num_queries):
    """The total is summed by the database, the list is the first three: two queries for any number."""
    from billing.section import invoices_widget

    for n in range(8):
        draft = make_draft(world)
        Invoice.objects.filter(pk=draft.pk).update(
            status="sent", number=f"T-{n}", due_date=timezone.localdate()
        )
    contact = type(world.contact).objects.select_related("client").get(pk=world.contact.pk)
    with django_assert_num_queries(2):
        context = invoices_widget(contact)
    assert context["outstanding"] == [("EUR", D("3659.99") * 8)]
    assert len(context["due_invoices"]) == 3


def test_widget_total_is_the_sum_of_each_amount_due(world):
    """Paid, refunded and credited amounts come off each invoice, and an overpaid invoice owes nothing
    (never a negative amount that would lower what the others owe): as `Invoice.amount_due` says."""
    from billing.section import invoices_widget

    rows = [
        {"amount_paid": D("100.00"), "amount_refunded": D("10.00"), "amount_credited": D("5.50")},
        {"amount_paid": D("5000.00")},  # overpaid: owes 0, not -1,340.01
        {},
    ]
    for n, amounts in enumerate(rows):
        draft = make_draft(world, currency="JPY" if n == 2 else "EUR")
        Invoice.objects.filter(pk=draft.pk).update(
            status="sent", number=f"S-{n}", due_date=timezone.localdate(), **amounts
        )
    contact = type(world.contact).objects.select_related("client").get(pk=world.contact.pk)
    outstanding = Invoice.objects.for_contact(contact).outstanding()
    expected: dict[str, Decimal] = {}
    for invoice in outstanding:
        expected[invoice.currency] = expected.get(invoice.currency, D(0)) + invoice.amount_due
    context = invoices_widget(contact)
    assert context["outstanding"] == sorted(expected.items())
    assert dict(context["outstanding"])["EUR"] == D("3659.99") - D("100") + D("10") - D("5.50")
    assert [str(a) for _, a in context["outstanding"]] == [str(a) for _, a in sorted(expected.items())]
