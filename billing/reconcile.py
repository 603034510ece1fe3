"""What the webhooks missed: every unsettled Checkout attempt's session is read again from Stripe and
applied through the same forward-only `billing.payments.sync_session`, and the refunds of recent
payments through `sync_refunds`. Running it twice, or beside a webhook, changes nothing more.
Run daily by Celery beat (billing.payment_tasks) and by `manage.py reconcile_payments`."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

import stripe
from django.db import transaction
from django.utils import timezone

from billing import payments
from billing.payment_models import AttemptStatus, CheckoutAttempt, Payment

logger = logging.getLogger(__name__)

# Sessions live 24 hours and a bank debit clears within days: older attempts are left alone.
ATTEMPT_MAX_AGE = timedelta(days=14)
# A payment still "processing" after this long will not clear (a bank debit takes days, not weeks): its
# attempt is retired once Stripe, asked again, still does not say paid, so the invoice offers Pay again.
PROCESSING_GIVE_UP = ATTEMPT_MAX_AGE
# A row still "creating" after this long never got its session (the request died before Stripe answered).
CREATING_GIVE_UP = timedelta(days=1)


def reconcile_payments(*, refund_days: int = 30, workspace=None) -> Counter:
    """Returns how many attempts/payments ended in each outcome (and "errors")."""
    now = timezone.now()
    counts: Counter = Counter()
    attempts = CheckoutAttempt.objects.unsettled().filter(created_at__gte=now - ATTEMPT_MAX_AGE)
    if workspace is not None:
        attempts = attempts.for_workspace(workspace)
    stale = attempts.filter(session_id=None, created_at__lt=now - CREATING_GIVE_UP)
    if abandoned := stale.update(status=AttemptStatus.EXPIRED, updated_at=now):
        counts["abandoned"] += abandoned
    for attempt in attempts.exclude(session_id=None).order_by("created_at").iterator():
        try:
            facts = payments.fetch_session(attempt)
            with transaction.atomic():
                counts[payments.sync_session(attempt=attempt, facts=facts)] += 1
        except stripe.StripeError as exc:
            logger.warning("reconcile: attempt %s not read from Stripe: %s", attempt.pk, exc)
            counts["errors"] += 1
    _retire_stuck(now, counts, workspace)
    recent = Payment.objects.filter(paid_at__gte=now - timedelta(days=refund_days)).exclude(charge_id="")
    if workspace is not None:
        recent = recent.for_workspace(workspace)
    for payment in recent.iterator():
        if payment.refunded_fully:
            continue
        try:
            refunds = payments.fetch_refunds(payment)
            with transaction.atomic():
                counts["refunds " + payments.sync_refunds(payment=payment, refunds=refunds)] += 1
        except stripe.StripeError as exc:
            logger.warning("reconcile: refunds of payment %s not read from Stripe: %s", payment.pk, exc)
            counts["errors"] += 1
    return counts


# A payment intent in one of these has the money, or is about to: never retire its attempt.
PAID_INTENT_STATUSES = {"succeeded", "requires_capture"}


def _says_paid(facts: payments.SessionFacts) -> bool:
    """Stripe says paid by the session, its payment intent or its charge (they can disagree for a moment
    while an async payment settles): any one of them keeps the attempt alive."""
    intent = facts.intent or {}
    charge = facts.charge or {}
    return (
        facts.session.get("payment_status") == "paid"
        or intent.get("status") in PAID_INTENT_STATUSES
        or (charge.get("paid") is True and charge.get("status") == "succeeded")
    )


def _retire_stuck(now, counts: Counter, workspace=None) -> None:
    """Attempts "processing" for longer than PROCESSING_GIVE_UP: read the session once more and apply it
    (paid after all: a payment like any other); if Stripe still does not say paid, the attempt is failed
    and logged. One Stripe cannot be asked about stays as it is until the next run."""
    stuck = CheckoutAttempt.objects.filter(
        status=AttemptStatus.PROCESSING, created_at__lt=now - PROCESSING_GIVE_UP
    ).exclude(session_id=None)
    if workspace is not None:
        stuck = stuck.for_workspace(workspace)
    for attempt in stuck.order_by("created_at").iterator():
        try:
            facts = payments.fetch_session(attempt)
        except stripe.StripeError as exc:
            logger.warning("reconcile: stuck attempt %s not read from Stripe: %s", attempt.pk, exc)
            counts["errors"] += 1
            continue
        with transaction.atomic():
            outcome = payments.sync_session(attempt=attempt, facts=facts)
            retired = not _says_paid(facts) and CheckoutAttempt.objects.filter(
                pk=attempt.pk, status=AttemptStatus.PROCESSING
            ).update(status=AttemptStatus.FAILED, updated_at=timezone.now())
        if retired:
            logger.warning(
                "reconcile: attempt %s of invoice %s retired: processing since %s and Stripe still says %s/%s",
                attempt.pk,
                attempt.invoice_id,
                attempt.created_at.isoformat(),
                facts.session.get("status"),
                (facts.intent or {}).get("status") or facts.session.get("payment_status"),
            )
            counts["retired"] += 1
        else:
            counts[outcome] += 1
