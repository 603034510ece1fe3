"""What every part of billing.services shares: the audit event, the row lock, checkout expiry."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.models import Contact, User
from activity.services import record_event
from billing.models import Invoice

logger = logging.getLogger(__name__)
ZERO = Decimal(0)


def _log(
    invoice: Invoice, verb: str, *, user: User | None = None, contact: Contact | None = None, **data
) -> None:
    record_event(
        workspace=invoice.workspace,
        client=invoice.client,
        verb=verb,
        actor_user=user,
        actor_contact=contact,
        target=invoice,
        data={
            **{k: _jsonable(v) for k, v in data.items()},
            "invoice_id": invoice.pk,
            "number": invoice.number,
        },
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _lock(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("workspace", "client").get(pk=invoice.pk)


def _sync(target: Invoice, source: Invoice) -> Invoice:
    """Callers keep their object: copy the locked row's state onto it."""
    for field in Invoice._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _expire_checkout_after_commit(invoice: Invoice) -> None:
    """The invoice owes less than before (void, credit note, payment): once that is committed, expire its
    open Checkout Sessions for more than it owes now (billing.payment_tasks), so none can still be paid."""
    from billing.payment_models import AttemptStatus, CheckoutAttempt
    from billing.payment_tasks import expire_checkout_sessions  # imports billing.payments, which imports us

    open_attempts = CheckoutAttempt.objects.filter(
        invoice_id=invoice.pk, status__in=(AttemptStatus.CREATING, AttemptStatus.OPEN)
    ).exclude(session_id=None)
    if open_attempts.exists():
        invoice_id = invoice.pk
        # robust: a broker outage must not turn the committed change into an error page (Stripe expires
        # the session itself within 24 hours, and a payment on it becomes a mismatch, not a payment).
        transaction.on_commit(lambda: expire_checkout_sessions.delay(invoice_id), robust=True)
