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

import stripe
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
    MismatchKind,
    MismatchReason,
    Payment,
    PaymentMismatch,
    Refund,
)
from billing.services import PaymentRefused, apply_payment, apply_refund
from billing.stripe_client import on_account, stripe_client
from core.errors import ServiceError
from core.http import is_id
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
    """The refunds of a payment's charge as Stripe lists them now (every status: `sync_refunds` applies
    the succeeded ones and reports a failed one it had applied)."""
    client = stripe_client()
    listing = client.v1.refunds.list(
        {"charge": payment.charge_id, "limit": 100}, options=on_account(payment.stripe_account)
    )
    return [refund.to_dict() for refund in listing.auto_paging_iter()]


FAILED_REFUND_STATUSES = {"failed", "canceled"}


def sync_refunds(*, payment: Payment, refunds: list[dict], event_id: str = "") -> str:
    """Record each succeeded refund not seen yet and apply it to the invoice. Call inside a transaction.

    A refund that cannot be applied is a `PaymentMismatch` for staff, never an error and never a guess:
    another currency, an amount past what is left of the payment, an invoice that refuses it (staff had
    recorded it by hand, say), or one Stripe now says failed after we applied it (the money stayed with
    the firm)."""
    payment = Payment.objects.select_for_update(of=("self",)).select_related("invoice").get(pk=payment.pk)
    known = set(Refund.objects.filter(payment=payment).values_list("stripe_refund_id", flat=True))
    outcome = EventOutcome.NO_CHANGE

    def mismatch(data: dict, reason: str, detail: str) -> None:
        nonlocal outcome
        refund_mismatch(payment=payment, refund=data, reason=reason, detail=detail, event_id=event_id)
        outcome = EventOutcome.MISMATCH

    for data in sorted(refunds, key=lambda r: (r.get("created") or 0, r["id"])):
        status = data.get("status")
        if status in FAILED_REFUND_STATUSES:
            if data["id"] in known:
                mismatch(
                    data,
                    MismatchReason.REFUND_FAILED,
                    f"Refund {data['id']} was recorded, then Stripe reported it {status}: the money did "
                    "not go back to the client.",
                )
            continue
        if status != "succeeded" or data["id"] in known:
            continue  # pending: applied once it succeeds
        currency = (data.get("currency") or "").upper()
        if currency != payment.currency:
            mismatch(
                data,
                MismatchReason.REFUND_CURRENCY,
                f"Refund {data['id']} is in {currency or '?'}; the payment was in {payment.currency}.",
            )
            continue
        amount = _minor(data.get("amount"))
        left = payment.amount_minor - payment.amount_refunded_minor
        if amount is None or amount <= 0 or amount > left:
            mismatch(
                data,
                MismatchReason.REFUND_AMOUNT,
                f"Refund {data['id']} of {data.get('amount')!r} minor units; {left} of the payment's "
                f"{payment.amount_minor} were left to refund.",
            )
            continue
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
            # The money went back all the same: the refund stays on record with its payment, the invoice
            # is left as staff set it, and staff are asked to look.
            logger.warning(
                "refund %s recorded but not applied to invoice %s: %s", data["id"], payment.invoice_id, exc
            )
            mismatch(data, MismatchReason.REFUND_REFUSED, str(exc))
            continue
        outcome = EventOutcome.APPLIED if outcome != EventOutcome.MISMATCH else outcome
        # Reported earlier as a refund of a payment not recorded here: now it is, and the refund is applied.
        PaymentMismatch.objects.filter(
            stripe_refund_id=data["id"], reason=MismatchReason.UNKNOWN_PAYMENT, resolved_at__isnull=True
        ).update(
            payment=payment,
            resolved_at=timezone.now(),
            resolution_note="Settled automatically: the payment was recorded later and this refund was "
            "applied to the invoice.",
        )
    return outcome


def _minor(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def refund_mismatch(
    *,
    refund: dict,
    reason: str,
    detail: str,
    event_id: str = "",
    payment: Payment | None = None,
    invoice: Invoice | None = None,
    stripe_account: str = "",
) -> PaymentMismatch:
    """Record (once per Stripe refund) a refund that was not applied, with an event and a note to staff."""
    invoice = invoice or payment.invoice
    expected_minor = payment.amount_minor - payment.amount_refunded_minor if payment else 0
    mismatch, created = PaymentMismatch.objects.get_or_create(
        stripe_refund_id=refund["id"],
        defaults={
            "workspace_id": invoice.workspace_id,
            "invoice": invoice,
            "kind": MismatchKind.REFUND,
            "payment": payment,
            "payment_intent_id": (payment.payment_intent_id if payment else "")
            or _id_of(refund.get("payment_intent")),
            "stripe_account": payment.stripe_account if payment else stripe_account,
            "event_id": event_id,
            "reason": reason,
            "expected_minor": max(expected_minor, 0),
            "expected_currency": payment.currency if payment else invoice.currency,
            "paid_minor": _minor(refund.get("amount")) or 0,
            "paid_currency": (refund.get("currency") or "").upper()[:3],
            "detail": detail[:300],
        },
    )
    if created:
        record_event(
            workspace=invoice.workspace,
            client=invoice.client,
            verb="payment.mismatch",
            target=invoice,
            data={
                "mismatch_id": mismatch.pk,
                "kind": MismatchKind.REFUND,
                "reason": reason,
                "refund": refund["id"],
                "paid_minor": mismatch.paid_minor,
                "paid_currency": mismatch.paid_currency,
            },
        )
        outbox.enqueue("billing.payment_mismatch_email", mismatch_id=mismatch.pk)
    return mismatch


def _id_of(value) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def unknown_payment_refunds(*, account_id: str, charge: dict) -> tuple[Invoice, list[dict]] | None:
    """A refunded charge with no Payment on record: when Stripe's payment intent (read again, on the
    account) names an invoice of the account's workspace in our Checkout metadata, that invoice and the
    charge's succeeded refunds; otherwise None (a charge of the firm's that Portal never took)."""
    from billing.payment_models import StripeAccount

    record = StripeAccount.objects.filter(account_id=account_id).first()
    intent_id = _id_of(charge.get("payment_intent"))
    if record is None or not intent_id or not charge.get("id"):
        return None
    client = stripe_client()
    options = on_account(account_id)
    try:
        intent = client.v1.payment_intents.retrieve(intent_id, options=options).to_dict()
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return None  # not a payment intent of this account: nothing of ours
        raise
    metadata = intent.get("metadata") or {}
    if str(metadata.get("workspace_id") or "") != str(record.workspace_id):
        return None
    invoice_id = str(metadata.get("invoice_id") or "")
    invoice = (
        Invoice.objects.filter(workspace_id=record.workspace_id, pk=invoice_id).first()
        if is_id(invoice_id)
        else None
    )
    if invoice is None:
        return None
    listing = client.v1.refunds.list({"charge": charge["id"], "limit": 100}, options=options)
    refunds = [r.to_dict() for r in listing.auto_paging_iter()]
    return invoice, [r for r in refunds if r.get("status") == "succeeded"]


def record_unknown_payment_refunds(
    *, account_id: str, invoice: Invoice, refunds: list[dict], event_id: str = ""
) -> str:
    """Each refund of a payment we have no record of becomes a mismatch (once). Call inside a transaction."""
    for refund in refunds:
        refund_mismatch(
            refund=refund,
            invoice=invoice,
            stripe_account=account_id,
            reason=MismatchReason.UNKNOWN_PAYMENT,
            detail=f"Stripe refunded charge {refund.get('charge') or '?'}, a payment for {invoice.label} "
            "that is not recorded here (if the nightly reconcile records it, the refund follows).",
            event_id=event_id,
        )
    return EventOutcome.MISMATCH if refunds else EventOutcome.NO_CHANGE


def payment_for_charge(charge: dict) -> Payment | None:
    intent = charge.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    found = Payment.objects.filter(charge_id=charge.get("id") or "-").first()
    if found is None and intent:
        found = Payment.objects.filter(payment_intent_id=intent).first()
    return found


# --- staff review ---------------------------------------------------------------------------------------

MAX_RESOLUTION_NOTE = 1000


@transaction.atomic
def resolve_mismatch(*, mismatch: PaymentMismatch, actor, note: str) -> PaymentMismatch:
    """Staff reviewed a mismatch (refunded it in Stripe, recorded it by hand, or decided it stands) and
    say what they did. Once only; audited on the invoice's trail. Changes no money: that is done by the
    invoice's own actions."""
    note = (note or "").strip()
    if not note:
        raise ServiceError("Say what was done about it (for example: refunded in Stripe on 3 Dec).")
    if len(note) > MAX_RESOLUTION_NOTE:
        raise ServiceError(f"A note is at most {MAX_RESOLUTION_NOTE} characters.")
    locked = PaymentMismatch.objects.select_for_update().select_related("invoice__client").get(pk=mismatch.pk)
    if locked.resolved_at is not None:
        raise ServiceError("This mismatch was already marked reviewed.")
    locked.resolved_at = timezone.now()
    locked.resolved_by = actor
    locked.resolution_note = note
    locked.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    invoice = locked.invoice
    record_event(
        workspace=invoice.workspace,
        client=invoice.client,
        verb="payment.mismatch_resolved",
        actor_user=actor,
        target=invoice,
        data={
            "mismatch_id": locked.pk,
            "kind": locked.kind,
            "reason": locked.reason,
            "note": note,
            "invoice_id": invoice.pk,
            "number": invoice.number,
        },
    )
    return locked
