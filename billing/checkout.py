"""Pay: a Stripe Checkout Session on the workspace's connected account (a direct charge).

The amount and currency come from the invoice as stored (its amount due), never from the browser. Each
attempt is a `CheckoutAttempt` row whose idempotency key is sent with the session's creation, so a retry
of that attempt (a double click, a network hiccup) gets the same session back from Stripe instead of a
second one; a still-open session for the same amount is reused. Coming back from Checkout marks nothing:
only Stripe's webhook (or the reconcile) does, after reading the session again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import stripe
from django.db import transaction
from django.utils import timezone

from billing.connect import StripeUnavailable, connected_account
from billing.models import Invoice
from billing.payment_models import AttemptStatus, CheckoutAttempt, Payment
from billing.stripe_client import application_fee_percent, on_account, payments_configured, stripe_client
from core.errors import ServiceError
from core.http import absolute_url
from core.money import HUNDRED, from_minor, quantize, to_minor

logger = logging.getLogger(__name__)

# Stripe keeps an idempotency key for 24 hours and a session open for 24 hours: reuse well inside both.
REUSE_WINDOW = timedelta(hours=20)
# A session about to expire is not worth sending someone to.
MIN_REMAINING = timedelta(minutes=30)


class PayKind:
    NOT_SET_UP = "not_set_up"  # no Stripe keys, or the firm has no account taking charges
    PAYABLE = "payable"
    PROCESSING = "processing"  # back from Checkout, or a bank debit clearing: waiting for Stripe's word
    SETTLED = "settled"  # nothing owed (paid, credited, refunded, void)


@dataclass
class PayState:
    kind: str
    payments: list[Payment] = field(default_factory=list)


def pay_state(invoice: Invoice, *, returned: bool = False) -> PayState:
    """What the portal's invoice page offers. `returned`: the browser just came back from Checkout."""
    payments = list(Payment.objects.filter(invoice=invoice).prefetch_related("refunds").order_by("paid_at"))
    if not invoice.is_payable:
        return PayState(PayKind.SETTLED, payments)
    processing = CheckoutAttempt.objects.filter(invoice=invoice, status=AttemptStatus.PROCESSING).exists()
    if processing or returned:
        return PayState(PayKind.PROCESSING, payments)
    if not can_take_payments(invoice.workspace):
        return PayState(PayKind.NOT_SET_UP, payments)
    return PayState(PayKind.PAYABLE, payments)


def can_take_payments(workspace) -> bool:
    if not payments_configured():
        return False
    account = connected_account(workspace)
    return account is not None and account.can_take_payments


def application_fee_minor(amount_minor: int, currency: str) -> int:
    percent = application_fee_percent()
    if percent <= 0:
        return 0
    fee = quantize(from_minor(amount_minor, currency) * percent / HUNDRED, currency)
    return to_minor(fee, currency)


def _session_params(attempt: CheckoutAttempt) -> dict:
    """Built from the attempt row alone, so a retry with the same idempotency key sends the same request."""
    invoice = attempt.invoice
    slug = attempt.workspace.slug
    ids = {
        "invoice_id": str(invoice.pk),
        "workspace_id": str(attempt.workspace_id),
        "attempt_id": str(attempt.pk),
    }
    metadata = {**ids, "invoice_number": invoice.number}
    params: dict = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": attempt.currency.lower(),
                    "unit_amount": attempt.amount_minor,
                    "product_data": {"name": f"Invoice {invoice.number}"},
                },
            }
        ],
        "client_reference_id": f"invoice-{invoice.pk}",
        "metadata": metadata,
        "payment_intent_data": {"description": f"Invoice {invoice.number}", "metadata": metadata},
        "success_url": absolute_url(
            "portal:invoice-detail", slug=slug, invoice_id=invoice.pk, query="payment=returned"
        ),
        "cancel_url": absolute_url(
            "portal:invoice-detail", slug=slug, invoice_id=invoice.pk, query="payment=cancelled"
        ),
    }
    if attempt.application_fee_minor > 0:
        params["payment_intent_data"]["application_fee_amount"] = attempt.application_fee_minor
    if attempt.contact_id and attempt.contact.email:
        params["customer_email"] = attempt.contact.email
    return params


def _reusable(invoice: Invoice, contact, account_id: str, amount_minor: int) -> CheckoutAttempt | None:
    """The contact's own open attempt for the same amount (its session has their email prefilled)."""
    now = timezone.now()
    for attempt in CheckoutAttempt.objects.filter(
        invoice=invoice,
        contact=contact,
        status__in=(AttemptStatus.CREATING, AttemptStatus.OPEN),
        stripe_account=account_id,
        amount_minor=amount_minor,
        currency=invoice.currency,
        created_at__gte=now - REUSE_WINDOW,
    ).order_by("-created_at"):
        if attempt.session_expires_at is None or attempt.session_expires_at > now + MIN_REMAINING:
            return attempt
    return None


def start_checkout(*, invoice: Invoice, contact) -> str:
    """The Checkout URL to send the contact to for what the invoice owes now."""
    if getattr(contact, "is_staff_preview", False):
        raise ServiceError("Preview mode: payments are not made from a preview.")
    account = connected_account(invoice.workspace) if payments_configured() else None
    if account is None or not account.can_take_payments:
        raise ServiceError(
            "Online payment is not set up for this invoice. Please pay by the means on the invoice."
        )
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().select_related("workspace").get(pk=invoice.pk)
        if not locked.is_payable:
            raise ServiceError(f"Invoice {locked.label} has nothing left to pay.")
        amount_minor = to_minor(locked.amount_due, locked.currency)
        attempt = _reusable(locked, contact, account.account_id, amount_minor)
        if attempt is None:
            attempt = CheckoutAttempt.objects.create(
                workspace=locked.workspace,
                invoice=locked,
                contact=contact,
                stripe_account=account.account_id,
                idempotency_key=f"portal-checkout-{uuid.uuid4()}",
                amount_minor=amount_minor,
                currency=locked.currency,
                application_fee_minor=application_fee_minor(amount_minor, locked.currency),
            )
    return _session_url(attempt)


def _session_url(attempt: CheckoutAttempt) -> str:
    attempt = CheckoutAttempt.objects.select_related("invoice", "workspace", "contact").get(pk=attempt.pk)
    client = stripe_client()
    options = on_account(attempt.stripe_account)
    try:
        if attempt.session_id:
            session = client.v1.checkout.sessions.retrieve(attempt.session_id, options=options).to_dict()
            if session.get("status") == "open":
                return session["url"]
            # Paid, being paid, or expired meanwhile: the webhook or the reconcile records which. Open a
            # new attempt only for an expired one; a completed one shows "processing" on the invoice page.
            if session.get("status") == "expired":
                CheckoutAttempt.objects.filter(
                    pk=attempt.pk, status__in=(AttemptStatus.CREATING, AttemptStatus.OPEN)
                ).update(status=AttemptStatus.EXPIRED, updated_at=timezone.now())
                return start_checkout(invoice=attempt.invoice, contact=attempt.contact)
            # Completed on Stripe (paid, or a bank debit under way): show "processing" until the
            # webhook (or the reconcile) says which; this marks nothing paid.
            CheckoutAttempt.objects.filter(
                pk=attempt.pk, status__in=(AttemptStatus.CREATING, AttemptStatus.OPEN)
            ).update(status=AttemptStatus.PROCESSING, updated_at=timezone.now())
            raise AlreadyPaying()
        session = client.v1.checkout.sessions.create(
            _session_params(attempt), options={**options, "idempotency_key": attempt.idempotency_key}
        ).to_dict()
    except stripe.StripeError as exc:
        if not attempt.session_id and exc.http_status is not None and exc.http_status not in (409, 429):
            # Stripe answered the creation with an error, and keeps that answer under this attempt's
            # idempotency key for 24 hours (500s included): retrying the attempt would only replay it, so
            # the next press starts a new one. Without an answer (a timeout, 409, 429) the session may
            # exist or the retry may succeed: the attempt and its key stay for the next press.
            CheckoutAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.CREATING).update(
                status=AttemptStatus.EXPIRED, updated_at=timezone.now()
            )
        raise StripeUnavailable() from exc
    expires = session.get("expires_at")
    now = timezone.now()
    CheckoutAttempt.objects.filter(pk=attempt.pk).update(
        session_id=session["id"],
        session_url=session["url"],
        session_expires_at=datetime.fromtimestamp(int(expires), tz=UTC) if expires else None,
        updated_at=now,
    )
    CheckoutAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.CREATING).update(
        status=AttemptStatus.OPEN
    )
    _expire_older(attempt)
    return session["url"]


class AlreadyPaying(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "A payment for this invoice is already on its way: this page updates once Stripe confirms it."
        )


def _expire_older(attempt: CheckoutAttempt) -> None:
    """Close the invoice's other open sessions (an earlier amount, say), so only one can still be paid.
    Best effort: one that cannot be expired is left to Stripe's own expiry and to the mismatch check."""
    client = stripe_client()
    older = CheckoutAttempt.objects.filter(invoice_id=attempt.invoice_id, status=AttemptStatus.OPEN).exclude(
        pk=attempt.pk
    )
    for other in older.exclude(session_id=None):
        try:
            client.v1.checkout.sessions.expire(other.session_id, options=on_account(other.stripe_account))
        except stripe.StripeError:
            continue
        CheckoutAttempt.objects.filter(pk=other.pk, status=AttemptStatus.OPEN).update(
            status=AttemptStatus.EXPIRED, updated_at=timezone.now()
        )


# No answer, or one that says "later": the task retries (billing.payment_tasks).
RETRYABLE = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def expire_sessions_nobody_should_pay(invoice_id: int) -> dict[str, int]:
    """Expire, on Stripe, the open Checkout Sessions of an invoice that no longer owes their amount (it was
    voided, credited or paid meanwhile): a contact holding one in another tab would otherwise pay for
    nothing and the payment would only become a mismatch for staff. Idempotent: an attempt already
    expired or settled is skipped, a session Stripe says is no longer open is read again and its attempt
    moved on, and a session that is missing or on an account we lost is left to Stripe's own expiry.

    Raises a RETRYABLE error when Stripe did not answer (the task retries); returns counts per outcome."""
    counts: dict[str, int] = {}
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        return counts
    due_minor = to_minor(invoice.amount_due, invoice.currency) if invoice.is_payable else 0
    attempts = (
        CheckoutAttempt.objects.filter(
            invoice_id=invoice_id, status__in=(AttemptStatus.CREATING, AttemptStatus.OPEN)
        )
        .exclude(session_id=None)
        .filter(amount_minor__gt=due_minor)  # a session for what is still owed stays payable
    )
    client = stripe_client()
    for attempt in attempts:
        options = on_account(attempt.stripe_account)
        try:
            client.v1.checkout.sessions.expire(attempt.session_id, options=options)
            outcome = "expired"
        except stripe.InvalidRequestError as exc:
            # Stripe refuses to expire a session that is no longer open ("Only Checkout Sessions with a
            # status in ["open"] can be expired"): its own state is read instead.
            if exc.http_status == 404:
                outcome = "missing"  # gone from the account: nobody can pay it
            else:
                outcome = _not_open(client, attempt, options)
        except stripe.PermissionError:
            outcome = "no access"  # the account was disconnected: Stripe expires the session in 24 hours
        except RETRYABLE:
            raise
        except stripe.StripeError as exc:
            logger.warning("session %s of attempt %s not expired: %s", attempt.session_id, attempt.pk, exc)
            outcome = "error"
        if outcome in ("expired", "missing", "already expired"):
            CheckoutAttempt.objects.filter(
                pk=attempt.pk, status__in=(AttemptStatus.CREATING, AttemptStatus.OPEN)
            ).update(status=AttemptStatus.EXPIRED, updated_at=timezone.now())
        counts[outcome] = counts.get(outcome, 0) + 1
    if counts:
        logger.info("invoice %s: open Checkout Sessions expired: %s", invoice_id, counts)
    return counts


def _not_open(client, attempt: CheckoutAttempt, options: dict) -> str:
    """Stripe refused to expire the session: read it. Expired meanwhile, or complete (a payment made on it
    comes through the webhook or the reconcile, a mismatch if the invoice no longer owes it)."""
    try:
        session = client.v1.checkout.sessions.retrieve(attempt.session_id, options=options).to_dict()
    except RETRYABLE:
        raise
    except stripe.StripeError as exc:
        logger.warning("session %s of attempt %s not read: %s", attempt.session_id, attempt.pk, exc)
        return "error"
    return "already expired" if session.get("status") == "expired" else "already complete"
