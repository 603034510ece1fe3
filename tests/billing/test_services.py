"""The invoice state machine: drafts, finalising, payments, refunds, credit notes and voids — every
transition and every refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from activity.models import Event
from billing import services
from billing.models import InvoiceStatus
from billing.services import PaymentRefused
from tests.billing.conftest import make_draft

D = Decimal


def test_draft_has_no_number_and_stored_totals(world, draft):
    assert draft.number == ""
    assert draft.status == InvoiceStatus.DRAFT
    assert (draft.subtotal, draft.tax, draft.total) == (D("3049.99"), D("610.00"), D("3659.99"))
    assert [line.amount for line in draft.lines.all()] == [D("3000.00"), D("49.99")]
    assert Event.objects.filter(verb="invoice.created", target_id=str(draft.pk)).exists()


def test_finalise_numbers_and_freezes(world, sent):
    assert sent.status == InvoiceStatus.SENT
    assert sent.number.startswith("INV-") and sent.number.endswith("-0001")
    assert sent.issue_date is not None and sent.due_date is not None
    assert sent.bill_to_name == world.client.name
    assert sent.pdf is not None and len(sent.pdf.sha256) == 64
    assert sent.amount_due == D("3659.99")


def test_payment_then_paid(world, sent):
    services.apply_payment(invoice=sent, amount=D("1000"), currency="EUR", reference="TR-1")
    assert sent.status == InvoiceStatus.SENT and sent.amount_due == D("2659.99")
    services.apply_payment(invoice=sent, amount=D("2659.99"), currency="eur")
    assert sent.status == InvoiceStatus.PAID and sent.amount_due == 0 and sent.paid_at
    verbs = list(Event.objects.filter(target_id=str(sent.pk)).values_list("verb", flat=True))
    assert "invoice.payment_recorded" in verbs and "invoice.paid" in verbs


def test_payment_refusals(world, draft, sent):
    with pytest.raises(PaymentRefused):
        services.apply_payment(invoice=sent, amount=D("10"), currency="USD")
    with pytest.raises(PaymentRefused):
        services.apply_payment(invoice=sent, amount=D("0"), currency="EUR")
    other = make_draft(world)
    with pytest.raises(PaymentRefused):
        services.apply_payment(invoice=other, amount=D("10"), currency="EUR")
