"""The studio demo gains invoices in every state; a second run adds none."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from billing.models import CreditNote, Invoice

pytestmark = pytest.mark.django_db


def test_studio_invoices_in_every_state_and_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    invoices = Invoice.objects.filter(workspace__slug="studio")
    shown = {i.display_status for i in invoices}
    assert shown == {"Draft", "Sent", "Overdue", "Paid", "Void", "Credited"}
    assert CreditNote.objects.filter(workspace__slug="studio").count() == 1
    paid = invoices.get(status="paid")
    assert paid.amount_paid == paid.total and paid.pdf is not None
    numbers = [i.number for i in invoices if i.number]
    assert len(numbers) == len(set(numbers)) == 5 and all(n.startswith("INV-") for n in numbers)
    count = invoices.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Invoice.objects.filter(workspace__slug="studio").count() == count
