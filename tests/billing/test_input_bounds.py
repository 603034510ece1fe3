"""Amounts too large for the ledger are refused with a message on the field, never a 500: the draft
editor (save and live totals), a manual payment and a credit note."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services
from billing.models import Invoice, InvoiceStatus
from core.errors import ServiceError
from core.money import PricedLine
from tests.billing.test_staff_views import HTMX, _header, _lines

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("quantity", "price"),
    [
        ("1000000000000", "1"),  # wider than the quantity column
        ("1", "99999999999999999999999999999999"),  # beyond Decimal's 28 digits of precision
        ("99999999", "9999999999"),  # each fits its column, their product does not fit the total
    ],
)
def test_editor_refuses_amounts_the_ledger_cannot_hold(world, owner_http, quantity, price):
    url = reverse("billing:invoice-create")
    data = {**_header(world), **_lines(("Huge", quantity, price, ""))}
    recalc = owner_http.post(url, {**data, "action": "recalc"}, headers=HTMX)
    assert recalc.status_code == 200
    response = owner_http.post(url, data)
    assert response.status_code == 422
    assert not Invoice.objects.exists()


def test_create_invoice_service_refuses_totals_too_large(world):
    line = PricedLine(description="Huge", quantity=D("99999999"), unit_price=D("9999999999"))
    with pytest.raises(ServiceError):
        services.create_invoice(
            workspace=world.ws, client=world.client, actor=world.owner, currency="EUR", lines=[line]
        )
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("amount", ["1000000000000", "99999999999999999999999999999999"])
def test_manual_payment_too_large_is_a_form_error(world, owner_http, sent, amount):
    url = reverse("billing:invoice-payment", args=[sent.pk])
    response = owner_http.post(url, {"amount": amount, "reference": "x"})
    assert response.status_code == 422
    sent.refresh_from_db()
    assert sent.amount_paid == 0 and sent.status == InvoiceStatus.SENT


def test_credit_note_absurd_amount_is_a_form_error(world, owner_http, sent):
    url = reverse("billing:invoice-credit", args=[sent.pk])
    response = owner_http.post(url, {"amount": "99999999999999999999999999999999", "reason": "x"})
    assert response.status_code == 422
    assert not sent.credit_notes.exists()
