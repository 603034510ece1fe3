"""Stripe's webhook: verify, dedupe, guard, then apply what Stripe says now.

1. `verify` checks the `Stripe-Signature` header against each configured endpoint secret (the platform
   and the Connect endpoints have their own) with stripe-python's `construct_event` and its default
   tolerance (5 minutes): anything else is refused without saying why.
2. An event whose livemode is not the one configured is recorded and ignored.
3. The objects are read again from Stripe (on the connected account) before the transaction; the event's
   own copy of them is never trusted.
4. In one transaction: the event id is inserted (unique: a replay, concurrent or days later, finds it and
   changes nothing), and its effect is applied through billing.payments / billing.connect, forward only.
   A failure rolls back both, so Stripe's retry applies it later.

Handled: checkout.session.completed / async_payment_succeeded / async_payment_failed / expired,
charge.refunded, charge.refund.updated (a refund that failed), account.updated, account.application.deauthorized. Other types: recorded, 200.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import stripe
from django.db import IntegrityError, transaction

from billing import connect, payments
from billing.payment_models import CheckoutAttempt, EventOutcome, StripeAccount, StripeEvent
from billing.stripe_client import expected_livemode, payments_configured, stripe_client, webhook_secrets

logger = logging.getLogger(__name__)

SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}


def verify(payload: bytes, signature: str | None) -> dict | None:
    """The event as a plain dict when one of the endpoint secrets signed exactly these bytes recently."""
    # A signature is hex: a non-ASCII header would make hmac.compare_digest raise TypeError (a 500).
    if not payments_configured() or not signature or not signature.isascii():
        return None
    client = stripe_client()
    for secret in webhook_secrets():
        try:
            event = client.construct_event(payload, signature, secret)
        except (stripe.SignatureVerificationError, ValueError):
            continue
        return event.to_dict()
    return None


@dataclass
class Plan:
    """What an event will do once its id is claimed: `apply()` runs inside the claiming transaction."""

    outcome: str = EventOutcome.IGNORED
    note: str = ""
    workspace_id: int | None = None
    apply: Callable[[], str] | None = None


def handle(event: dict) -> str:
    """Apply one verified event exactly once; returns its outcome ("duplicate" for a replay)."""
    event_id = event.get("id") or ""
    if not event_id:
        return EventOutcome.IGNORED
    if StripeEvent.objects.filter(event_id=event_id).exists():
        return "duplicate"  # the common replay, answered before asking Stripe anything
    if bool(event.get("livemode")) != expected_livemode():
        plan = Plan(
            EventOutcome.IGNORED, f"livemode {bool(event.get('livemode'))} is not the configured mode"
        )
    else:
        plan = _plan(event)  # may read Stripe; a StripeError propagates (500: Stripe retries)
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=event_id,
                type=(event.get("type") or "")[:100],
                account=event.get("account") or "",
                livemode=bool(event.get("livemode")),
                created=dt.datetime.fromtimestamp(int(event.get("created") or 0), tz=dt.UTC),
                workspace_id=plan.workspace_id,
                outcome=plan.outcome,
                note=plan.note[:300],
            )
            if plan.apply is not None:
                record.outcome = plan.apply()
                record.save(update_fields=["outcome"])
    except IntegrityError:
        # The same event, delivered twice at once: the other delivery claimed it (and applied it).
        if StripeEvent.objects.filter(event_id=event_id).exists():
            return "duplicate"
        raise
    return record.outcome


def _plan(event: dict) -> Plan:
    kind = event.get("type") or ""
    obj = (event.get("data") or {}).get("object") or {}
    if kind in SESSION_EVENTS:
        return _plan_session(event, obj)
    if kind in ("charge.refunded", "charge.refund.updated"):
        return _plan_refund(event, obj)
    if kind == "account.updated":
        return _plan_account(event, obj)
    if kind == "account.application.deauthorized":
        return _plan_deauthorized(event)
    return Plan(EventOutcome.IGNORED, "not a type we handle")


def _plan_session(event: dict, obj: dict) -> Plan:
    attempt = (
        CheckoutAttempt.objects.select_related("workspace").filter(session_id=obj.get("id") or "-").first()
    )
    if attempt is None:
        return Plan(EventOutcome.IGNORED, "not a Checkout Session we created")
    account = event.get("account") or ""
    if (
        account != attempt.stripe_account
        or not StripeAccount.objects.filter(workspace_id=attempt.workspace_id, account_id=account).exists()
    ):
        logger.warning(
            "Stripe event %s: account %r is not the invoice's workspace's", event.get("id"), account
        )
        return Plan(
            EventOutcome.REJECTED,
            "the event's account is not the invoice's workspace's",
            attempt.workspace_id,
        )
    facts = payments.fetch_session(attempt)
    if bool(facts.session.get("livemode")) != expected_livemode():
        return Plan(
            EventOutcome.REJECTED, "the session's livemode is not the configured mode", attempt.workspace_id
        )
    return Plan(
        workspace_id=attempt.workspace_id,
        apply=lambda: payments.sync_session(attempt=attempt, facts=facts, event_id=event["id"]),
    )


def _plan_refund(event: dict, obj: dict) -> Plan:
    # charge.refunded carries the charge; charge.refund.updated (a refund failed, say) the refund.
    charge = obj if obj.get("object") != "refund" else {"id": obj.get("charge"), **_intent_of(obj)}
    if isinstance(charge.get("id"), dict):
        charge = {**charge, "id": charge["id"].get("id")}
    account = event.get("account") or ""
    payment = payments.payment_for_charge(charge)
    if payment is None:
        # Ours only if Stripe's payment intent names one of the account's invoices: then staff are told.
        found = payments.unknown_payment_refunds(account_id=account, charge=charge) if account else None
        if found is None:
            return Plan(EventOutcome.IGNORED, "not a charge of a payment we recorded")
        invoice, refunds = found
        return Plan(
            workspace_id=invoice.workspace_id,
            apply=lambda: payments.record_unknown_payment_refunds(
                account_id=account, invoice=invoice, refunds=refunds, event_id=event["id"]
            ),
        )
    if account != payment.stripe_account:
        return Plan(EventOutcome.REJECTED, "the event's account is not the payment's", payment.workspace_id)
    if not payment.charge_id:
        payment.charge_id = charge.get("id") or ""
    refunds = payments.fetch_refunds(payment)
    return Plan(
        workspace_id=payment.workspace_id,
        apply=lambda: payments.sync_refunds(payment=payment, refunds=refunds, event_id=event["id"]),
    )


def _intent_of(refund: dict) -> dict:
    intent = refund.get("payment_intent")
    return {"payment_intent": intent} if intent else {}


def _plan_account(event: dict, obj: dict) -> Plan:
    account_id = event.get("account") or obj.get("id") or ""
    record = StripeAccount.objects.filter(account_id=account_id).first()
    if record is None:
        return Plan(EventOutcome.IGNORED, "not an account we connected")
    if record.disconnected_at is not None:
        return Plan(EventOutcome.IGNORED, "the account was disconnected", record.workspace_id)
    account = stripe_client().v1.accounts.retrieve(account_id).to_dict()

    def apply() -> str:
        locked = StripeAccount.objects.select_for_update().get(pk=record.pk)
        if locked.disconnected_at is not None:
            return EventOutcome.NO_CHANGE
        return EventOutcome.APPLIED if connect.apply_account(locked, account) else EventOutcome.NO_CHANGE

    return Plan(workspace_id=record.workspace_id, apply=apply)


def _plan_deauthorized(event: dict) -> Plan:
    record = StripeAccount.objects.filter(account_id=event.get("account") or "-").first()
    if record is None:
        return Plan(EventOutcome.IGNORED, "not an account we connected")

    def apply() -> str:
        done = connect.disconnect(record=record, event_id=event["id"])
        return EventOutcome.APPLIED if done else EventOutcome.NO_CHANGE

    return Plan(workspace_id=record.workspace_id, apply=apply)
