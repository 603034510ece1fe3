"""Invoice and credit-note prefixes can never produce the same number (one may not be the other's start),
and a number that is taken anyway (the settings were changed so a series repeats) is a clear message for
staff with nothing done: no number used, no PDF, no event, the draft still a draft."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from activity.models import Event
from billing import services
from billing.models import BillingSettings, CreditNote, Invoice, InvoicePdf, InvoiceStatus, prefixes_overlap
from billing.selectors import billing_settings
from tests.billing.conftest import make_draft

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("invoice_prefix", "credit_prefix", "overlap"),
    [
        ("INV-{year}-", "CN-{year}-", False),
        ("INV-", "CN-", False),
        ("INV-", "INV-", True),
        ("INV-", "INV-C-", True),  # INV-C-0001 is also what "INV-" + "C-0001" would read
        ("INV-CN-", "INV-", True),
        ("INV-{year}-", "INV-2026-", True),  # the same numbers in 2026
        ("INV-{year}", "INV-20", True),
        ("", "CN-", True),  # an empty prefix starts every number
        ("A-", "B-", False),
    ],
)
def test_prefixes_that_could_give_the_same_number_overlap(invoice_prefix, credit_prefix, overlap):
    assert prefixes_overlap(invoice_prefix, credit_prefix) is overlap


def settings_form(**override) -> dict:
    return {
        "invoice_prefix": "INV-{year}-",
        "credit_note_prefix": "CN-{year}-",
        "number_digits": 4,
        "default_currency": "EUR",
        "payment_terms_days": 30,
        "default_tax_rate": "0",
        "reminder_interval_days": 7,
        **override,
    }


def test_the_settings_page_refuses_overlapping_prefixes(world, owner_http):
    url = reverse("billing:settings")
    bad = owner_http.post(url, settings_form(invoice_prefix="INV-", credit_note_prefix="INV-C-"))
    assert bad.status_code == 422 and bad.context["form"].errors["credit_note_prefix"]
    assert billing_settings(world.ws).credit_note_prefix == "CN-{year}-"
    good = owner_http.post(url, settings_form(invoice_prefix="INV-", credit_note_prefix="CR-"))
    assert good.status_code == 302
    assert BillingSettings.objects.get(workspace=world.ws).credit_note_prefix == "CR-"


def repeat_the_invoice_series(world) -> None:
    """Staff change the prefix so that the new series starts where the old one was: "INV-2026-000" with
    one digit numbers INV-2026-0001 again."""
    conf = billing_settings(world.ws)
    conf.invoice_prefix, conf.number_digits = "INV-{year}-000", 1
    conf.save()


def test_a_number_clash_is_a_clear_message_with_nothing_done(world, sent):
    repeat_the_invoice_series(world)
    draft = make_draft(world)
    pdfs, events = InvoicePdf.objects.count(), Event.objects.count()
    with pytest.raises(services.NumberClash, match=f"{sent.number}, is already used"):
        services.finalise_invoice(invoice=draft, actor=world.owner)
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT and draft.number == ""
    assert InvoicePdf.objects.count() == pdfs and Event.objects.count() == events
    # The series' increment rolled back with it: fixing the prefix continues where it was.
    conf = billing_settings(world.ws)
    conf.invoice_prefix, conf.number_digits = "INV-{year}-", 4
    conf.save()
    assert services.finalise_invoice(invoice=draft, actor=world.owner).number.endswith("-0002")


def test_the_staff_page_says_so(world, owner_http, sent):
    repeat_the_invoice_series(world)
    draft = make_draft(world)
    response = owner_http.post(reverse("billing:invoice-finalise", args=[draft.pk]), follow=True)
    assert response.status_code == 200
    text = " ".join(str(m) for m in response.context["messages"])
    assert "already used in this workspace" in text and "Invoice settings" in text
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT


def test_a_credit_note_number_clash_issues_nothing(world, sent):
    services.issue_credit_note(invoice=sent, actor=world.owner, amount=Decimal("10"), reason="Goodwill")
    conf = billing_settings(world.ws)
    conf.credit_note_prefix, conf.number_digits = "CN-{year}-000", 1
    conf.save()
    with pytest.raises(services.NumberClash, match="credit note number"):
        services.issue_credit_note(invoice=sent, actor=world.owner, amount=Decimal("10"), reason="Again")
    sent.refresh_from_db()
    assert CreditNote.objects.count() == 1 and sent.amount_credited == Decimal("10")


def test_the_database_constraints_are_recognised_as_clashes(world, sent):
    """The race the checks cannot see (two finalisations past the check at once) ends at the unique
    constraint: its IntegrityError is recognised by the constraint's name."""
    clone = make_draft(world)
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        Invoice.objects.filter(pk=clone.pk).update(number=sent.number, status=InvoiceStatus.SENT)
    assert services._clash_kind(caught.value) == "invoice"
    with pytest.raises(IntegrityError) as other, transaction.atomic():
        Invoice.objects.filter(pk=clone.pk).update(status=InvoiceStatus.SENT)  # another constraint
    assert services._clash_kind(other.value) is None
