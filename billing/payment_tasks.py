"""Celery tasks of online payment (imported by BillingConfig.ready, scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from billing.reconcile import reconcile_payments as run_reconcile
from billing.stripe_client import payments_configured


@shared_task
def reconcile_payments() -> dict:
    """Daily: apply what the webhooks missed (idempotent, safe beside them)."""
    if not payments_configured():
        return {}
    return dict(run_reconcile())
