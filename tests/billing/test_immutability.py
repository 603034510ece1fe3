"""A finalised invoice cannot change: the model layer refuses it whatever the caller (a view, the admin,
a shell), so corrections are a void or a credit note."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import Invoice, InvoiceImmutable, InvoiceLine
from billing.services import apply_payment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total", Decimal("1")),
        ("number", "INV-HACKED"),
        ("currency", "USD"),
        ("notes", "changed"),
        ("bill_to_address", "elsewhere"),
        ("tax_rate", Decimal("5")),
    ],
)
def test_save_refuses_content_changes_once_finalised(world, sent, field, value):
    stale = Invoice.objects.get(pk=sent.pk)
    setattr(stale, field, value)
    with pytest.raises(InvoiceImmutable, match="cannot be edited"):
        stale.save()
    assert getattr(Invoice.objects.get(pk=sent.pk), field) == getattr(sent, field)


def test_a_draft_object_loaded_before_finalising_cannot_overwrite_it(world, draft):
    from billing.services import finalise_invoice

    stale = Invoice.objects.get(pk=draft.pk)  # loaded as a draft
    finalise_invoice(invoice=draft, actor=world.owner)
    stale.notes = "sneaky"
    with pytest.raises(InvoiceImmutable):
        stale.save()


def test_lines_of_a_finalised_invoice_cannot_change(world, sent):
    line = sent.lines.first()
    line.unit_price = Decimal("1")
    with pytest.raises(InvoiceImmutable):
        line.save()
    with pytest.raises(InvoiceImmutable):
        line.delete()
    with pytest.raises(InvoiceImmutable):
        InvoiceLine.objects.create(invoice=sent, description="extra", unit_price=Decimal("1"))
    assert sent.lines.count() == 2


def test_a_finalised_invoice_cannot_be_deleted(world, sent):
    with pytest.raises(InvoiceImmutable, match="void it"):
        Invoice.objects.get(pk=sent.pk).delete()


def test_money_and_status_still_move(world, sent):
    apply_payment(invoice=sent, amount=sent.total, currency="EUR")
    assert Invoice.objects.get(pk=sent.pk).status == "paid"


def test_drafts_are_editable(world, draft):
    draft.notes = "fine"
    draft.save()
    assert Invoice.objects.get(pk=draft.pk).notes == "fine"
