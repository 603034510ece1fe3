"""Money in and out of an invoice: the one state machine for payments and refunds (the Stripe side calls
these and never writes an invoice's status itself)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Contact, User
from billing.models import MAX_AMOUNT, Invoice, InvoiceStatus
from billing.services._shared import _expire_checkout_after_commit, _lock, _log, _sync
from core import money
from core.errors import ServiceError


class PaymentRefused(ServiceError):
    """Money could not be applied to the invoice (wrong currency, not payable, too much refunded…).
    The Stripe side records such a payment for staff instead of applying it."""


def _settle(invoice: Invoice) -> None:
    """Move a sent invoice forward once payments and credit notes cover it (never backward)."""
    if invoice.status != InvoiceStatus.SENT:
        return
    owed = invoice.total - invoice.amount_credited
    if invoice.amount_paid_net >= owed:
        if invoice.amount_paid_net > 0:
            invoice.status = InvoiceStatus.PAID
            invoice.paid_at = timezone.now()
        else:
            invoice.status = InvoiceStatus.CREDITED


def _money_in(invoice: Invoice, amount: Decimal, currency: str) -> Decimal:
    if (currency or "").upper() != invoice.currency:
        raise PaymentRefused(
            f"{invoice.label} is in {invoice.currency}; a {(currency or '?').upper()} amount cannot be applied to it."
        )
    try:
        value = money.quantize(Decimal(amount), invoice.currency)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise PaymentRefused(f"{amount!r} is not an amount.") from exc
    if value <= 0:
        raise PaymentRefused("An amount must be more than zero.")
    if value > MAX_AMOUNT:
        raise PaymentRefused(f"An amount is at most {MAX_AMOUNT:,}.")
    return value


@transaction.atomic
def apply_payment(
    *,
    invoice: Invoice,
    amount: Decimal,
    currency: str,
    actor: User | None = None,
    contact: Contact | None = None,
    reference: str = "",
    method: str = "manual",
    paid_at=None,
) -> Invoice:
    """Money arrived for an invoice (Stripe's webhook, or staff recording a bank transfer). Forward only:
    a sent invoice becomes paid once payments cover its total less credit notes; a paid one stays paid
    (a second payment is recorded, not refused). Refused: a draft, a void or credited invoice, another
    currency. Records the client-visible "paid invoice INV-…" (or "paid part of") in this transaction."""
    locked = _lock(invoice)
    value = _money_in(locked, amount, currency)
    if locked.status not in (InvoiceStatus.SENT, InvoiceStatus.PAID):
        raise PaymentRefused(
            f"Invoice {locked.label} is {locked.get_status_display().lower()}: it takes no payment."
        )
    if locked.amount_paid + value > MAX_AMOUNT:
        raise PaymentRefused(f"{locked.label} cannot record more than {MAX_AMOUNT:,} in payments.")
    locked.amount_paid += value
    before = locked.status
    _settle(locked)
    if locked.status == InvoiceStatus.PAID and paid_at is not None and before != InvoiceStatus.PAID:
        locked.paid_at = paid_at
    locked.save(update_fields=["amount_paid", "status", "paid_at"])
    verb = (
        "invoice.paid"
        if locked.status == InvoiceStatus.PAID and before != InvoiceStatus.PAID
        else "invoice.payment_recorded"
    )
    _log(
        locked,
        verb,
        user=actor,
        contact=contact,
        amount=value,
        currency=locked.currency,
        reference=reference[:200],
        method=method,
        amount_due=locked.amount_due,
    )
    _expire_checkout_after_commit(locked)
    return _sync(invoice, locked)


@transaction.atomic
def apply_refund(
    *,
    invoice: Invoice,
    amount: Decimal,
    currency: str,
    actor: User | None = None,
    reference: str = "",
    method: str = "manual",
) -> Invoice:
    """Money paid back. Never more than was paid; once everything paid is refunded the invoice is
    refunded (a partial refund leaves it paid)."""
    locked = _lock(invoice)
    value = _money_in(locked, amount, currency)
    if locked.status not in (InvoiceStatus.SENT, InvoiceStatus.PAID):
        raise PaymentRefused(
            f"Invoice {locked.label} is {locked.get_status_display().lower()}: nothing to refund."
        )
    if value > locked.refundable:
        raise PaymentRefused(
            f"That refunds {money.format_money(value, locked.currency)} but only "
            f"{money.format_money(locked.refundable, locked.currency)} was paid on {locked.label}."
        )
    locked.amount_refunded += value
    if locked.status == InvoiceStatus.PAID and locked.amount_refunded >= locked.amount_paid:
        locked.status = InvoiceStatus.REFUNDED
        locked.refunded_at = timezone.now()
    locked.save(update_fields=["amount_refunded", "status", "refunded_at"])
    _log(
        locked,
        "invoice.refunded",
        user=actor,
        amount=value,
        currency=locked.currency,
        reference=reference[:200],
        method=method,
        full=locked.status == InvoiceStatus.REFUNDED,
    )
    return _sync(invoice, locked)
