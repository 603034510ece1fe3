"""Periodic work of proposals (Celery beat, config/settings.py)."""

from __future__ import annotations

from celery import shared_task

from proposals import workflow


@shared_task
def expire_proposals() -> int:
    """Mark open proposals past their expiry date expired (the pages already treat them as expired)."""
    return workflow.expire_due()
