"""Celery tasks of online payment (imported by BillingConfig.ready, scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import stripe
from celery import shared_task

from billing.reconcile import reconcile_payments as run_reconcile
from billing.stripe_client import payments_configured


@shared_task
def reconcile_payments() -> dict:
    """Daily: apply what the webhooks missed (idempotent, safe beside them)."""
    if not payments_configured():
        return {}
    return dict(run_reconcile())


@shared_task(
    autoretry_for=(stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError),
    retry_backoff=True,
    retry_backoff_max=900,
    max_retries=8,
)
def expire_checkout_sessions(invoice_id: int) -> dict:
    """Queued after commit when an invoice stops owing (void, credited, paid): its open Checkout
    Sessions are expired on Stripe. Idempotent; a retry after a partial run expires only what is left."""
    if not payments_configured():
        return {}
    from billing.checkout import expire_sessions_nobody_should_pay

    return expire_sessions_nobody_should_pay(invoice_id)
