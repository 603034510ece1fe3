"""What Stripe says about a Checkout Session, applied to its invoice: forward only, once.

The webhook and the nightly reconcile both end here. They first read the session again from Stripe, on
the connected account it belongs to (`fetch_session`: never the event's copy), then, in one transaction
with the attempt row locked, `sync_session` moves the attempt forward:

- payment_status "paid": the amount and currency must be the attempt's (what we asked for, from the
  invoice as stored) and the invoice must still owe at least that much; then a `Payment` row, the invoice
  through `billing.services.apply_payment` (the one state machine for money), a receipt to the contact
  and a note to staff (outbox, after commit). Otherwise a `PaymentMismatch` for staff, nothing applied.
- complete but unpaid: "processing" while the payment intent is (a bank debit clears in days), "failed"
  once it needs another payment method.
- expired: "expired".

An attempt that is paid (or a mismatch) is final, and a session already turned into a payment never is
again (`Payment.checkout_session_id` is unique), so replays, late events and events out of order change
nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from activity import outbox
from activity.services import record_event
from billing.models import Invoice
from billing.payment_models import (
    ATTEMPT_RANK,
    AttemptStatus,
    CheckoutAttempt,
    EventOutcome,
    MismatchReason,
    Payment,
    PaymentMismatch,
    Refund,
)
from billing.services import PaymentRefused, apply_payment, apply_refund
from billing.stripe_client import on_account, stripe_client
from core.money import from_minor, to_minor

logger = logging.getLogger(__name__)

FAILED_INTENT_STATUSES = {"requires_payment_method", "canceled"}


@dataclass(frozen=True)
class SessionFacts:
    """A Checkout Session as Stripe has it now, with its payment intent and charge when there are some."""

    session: dict
    intent: dict | None = None
    charge: dict | None = None


def fetch_session(attempt: CheckoutAttempt) -> SessionFacts:
    """Read the attempt's session (and its payment intent and charge) on its connected account.
    Raises stripe.StripeError when Stripe cannot answer: the caller retries later."""
    client = stripe_client()
    options = on_account(attempt.stripe_account)
    session = client.v1.checkout.sessions.retrieve(attempt.session_id, options=options).to_dict()
    intent = charge = None
    intent_id = session.get("payment_intent")
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id")
    if intent_id:
        intent = client.v1.payment_intents.retrieve(intent_id, options=options).to_dict()
        charge_id = intent.get("latest_charge")
        if isinstance(charge_id, dict):
            charge_id = charge_id.get("id")
        if charge_id and session.get("payment_status") == "paid":
            charge = client.v1.charges.retrieve(charge_id, options=options).to_dict()
    return SessionFacts(session=session, intent=intent, charge=charge)


def _advance(attempt: CheckoutAttempt, status: str) -> bool:
    if ATTEMPT_RANK[status] <= ATTEMPT_RANK[attempt.status]:
        return False
    attempt.status = status
    attempt.save(update_fields=["status", "updated_at"])
    return True


def sync_session(*, attempt: CheckoutAttempt, facts: SessionFacts, event_id: str = "") -> str:
    """Apply what the session says to its attempt and invoice. Call inside a transaction. Returns an
    EventOutcome value."""
    attempt = (
        CheckoutAttempt.objects.select_for_update(of=("self",))
        .select_related("invoice", "workspace", "contact")
        .get(pk=attempt.pk)
    )
    session = facts.session
    if session.get("id") != attempt.session_id:
        raise ValueError("the session read from Stripe is not this attempt's")
    if attempt.status in (AttemptStatus.PAID, AttemptStatus.MISMATCH):
        return EventOutcome.NO_CHANGE
    if session.get("payment_status") == "paid":
        return _paid(attempt, facts, event_id)
    if session.get("status") == "expired":
        return EventOutcome.APPLIED if _advance(attempt, AttemptStatus.EXPIRED) else EventOutcome.NO_CHANGE
    if session.get("status") == "complete":
        failed = (facts.intent or {}).get("status") in FAILED_INTENT_STATUSES
        moved = _advance(attempt, AttemptStatus.FAILED if failed else AttemptStatus.PROCESSING)
        return EventOutcome.APPLIED if moved else EventOutcome.NO_CHANGE
    return EventOutcome.NO_CHANGE  # still open: the customer has not paid yet


def _mismatch(attempt: CheckoutAttempt, facts: SessionFacts, reason: str, detail: str, event_id: str) -> str:
    session = facts.session
    mismatch, created = PaymentMismatch.objects.get_or_create(
        checkout_session_id=attempt.session_id,
        defaults={
            "workspace": attempt.workspace,
            "invoice": attempt.invoice,
            "attempt": attempt,
            "payment_intent_id": (facts.intent or {}).get("id") or "",
            "stripe_account": attempt.stripe_account,
            "event_id": event_id,
            "reason": reason,
            "expected_minor": attempt.amount_minor,
            "expected_currency": attempt.currency,
            "paid_minor": int(session.get("amount_total") or 0),
            "paid_currency": (session.get("currency") or "").upper()[:3],
            "detail": detail[:300],
        },
    )
    _advance(attempt, AttemptStatus.MISMATCH)
    if created:
        record_event(
            workspace=attempt.workspace,
            client=attempt.invoice.client,
            verb="payment.mismatch",
            target=attempt.invoice,
            data={
                "mismatch_id": mismatch.pk,
                "reason": reason,
                "session": attempt.session_id,
                "paid_minor": mismatch.paid_minor,
                "paid_currency": mismatch.paid_currency,
            },
        )
        outbox.enqueue("billing.payment_mismatch_email", mismatch_id=mismatch.pk)
    return EventOutcome.MISMATCH


def _paid(attempt: CheckoutAttempt, facts: SessionFacts, event_id: str) -> str:
    session = facts.session
    if Payment.objects.filter(checkout_session_id=attempt.session_id).exists():
        _advance(attempt, AttemptStatus.PAID)
        return EventOutcome.NO_CHANGE
    paid_minor = int(session.get("amount_total") or 0)
    paid_currency = (session.get("currency") or "").upper()
    invoice = Invoice.objects.select_for_update().get(pk=attempt.invoice_id)
    if paid_currency != attempt.currency or paid_currency != invoice.currency:
        return _mismatch(
            attempt,
            facts,
            MismatchReason.CURRENCY,
            f"Paid in {paid_currency or '?'}; the invoice is in {invoice.currency}.",
            event_id,
        )
    if paid_minor != attempt.amount_minor:
        return _mismatch(
            attempt,
            facts,
            MismatchReason.AMOUNT,
            f"Paid {paid_minor} minor units; Checkout was opened for {attempt.amount_minor}.",
            event_id,
        )
    if paid_minor > to_minor(invoice.amount_due, invoice.currency):
        return _mismatch(
            attempt,
            facts,
            MismatchReason.NOT_OWED,
            f"{invoice.label} owes {invoice.amount_due} {invoice.currency} now ({invoice.get_status_display()}).",
            event_id,
        )
    paid_at = timezone.now()
    if facts.charge and facts.charge.get("created"):
        paid_at = dt.datetime.fromtimestamp(int(facts.charge["created"]), tz=dt.UTC)
    try:
        with transaction.atomic():  # a refusal below leaves no Payment row behind
            payment = Payment.objects.create(
                workspace=attempt.workspace,
                invoice=invoice,
                attempt=attempt,
                contact=attempt.contact,
                amount_minor=paid_minor,
                currency=paid_currency,
                stripe_account=attempt.stripe_account,
                checkout_session_id=attempt.session_id,
                payment_intent_id=(facts.intent or {}).get("id") or None,
                charge_id=(facts.charge or {}).get("id") or "",
                receipt_url=(facts.charge or {}).get("receipt_url") or "",
                event_id=event_id,
                paid_at=paid_at,
            )
            apply_payment(
                invoice=invoice,
                amount=from_minor(paid_minor, paid_currency),
                currency=paid_currency,
                contact=attempt.contact,
                reference=(facts.intent or {}).get("id") or attempt.session_id,
                method="stripe",
                paid_at=paid_at,
            )
    except PaymentRefused as exc:
        return _mismatch(attempt, facts, MismatchReason.REFUSED, str(exc), event_id)
    _advance(attempt, AttemptStatus.PAID)
    outbox.enqueue("billing.payment_receipt_email", payment_id=payment.pk)
    outbox.enqueue("billing.payment_staff_email", payment_id=payment.pk)
    return EventOutcome.APPLIED


# --- refunds -----------------------------------------------------------------------------------------


def fetch_refunds(payment: Payment) -> list[dict]:
    """The succeeded refunds of a payment's charge, as Stripe lists them now."""
    client = stripe_client()
    listing = client.v1.refunds.list(
        {"charge": payment.charge_id, "limit": 100}, options=on_account(payment.stripe_account)
    )
    refunds = [refund.to_dict() for refund in listing.auto_paging_iter()]
    return [refund for refund in refunds if refund.get("status") == "succeeded"]


def sync_refunds(*, payment: Payment, refunds: list[dict]) -> str:
    """Record each refund not seen yet and apply it to the invoice. Call inside a transaction."""
    payment = Payment.objects.select_for_update(of=("self",)).select_related("invoice").get(pk=payment.pk)
    known = set(Refund.objects.filter(payment=payment).values_list("stripe_refund_id", flat=True))
    outcome = EventOutcome.NO_CHANGE
    for data in sorted(refunds, key=lambda r: (r.get("created") or 0, r["id"])):
        if data["id"] in known or (data.get("currency") or "").upper() != payment.currency:
            continue
        amount = int(data.get("amount") or 0)
        if amount <= 0 or payment.amount_refunded_minor + amount > payment.amount_minor:
            continue  # Stripe never refunds more than the charge; a row that says so is not ours to apply
        Refund.objects.create(
            workspace=payment.workspace,
            payment=payment,
            stripe_refund_id=data["id"],
            amount_minor=amount,
            currency=payment.currency,
            refunded_at=dt.datetime.fromtimestamp(
                int(data.get("created") or timezone.now().timestamp()), tz=dt.UTC
            ),
        )
        payment.amount_refunded_minor += amount
        payment.save(update_fields=["amount_refunded_minor"])
        try:
            with transaction.atomic():
                apply_refund(
                    invoice=payment.invoice,
                    amount=from_minor(amount, payment.currency),
                    currency=payment.currency,
                    reference=data["id"],
                    method="stripe",
                )
        except PaymentRefused as exc:
            # The money went back all the same (say staff had already recorded this refund by hand): the
            # refund stays on record with its payment, the invoice is left as staff set it.
            logger.warning(
                "refund %s recorded but not applied to invoice %s: %s", data["id"], payment.invoice_id, exc
            )
            outcome = EventOutcome.MISMATCH
            continue
        outcome = EventOutcome.APPLIED if outcome != EventOutcome.MISMATCH else outcome
    return outcome


def payment_for_charge(charge: dict) -> Payment | None:
    intent = charge.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    found = Payment.objects.filter(charge_id=charge.get("id") or "-").first()
    if found is None and intent:
        found = Payment.objects.filter(payment_intent_id=intent).first()
    return found
