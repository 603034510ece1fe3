from __future__ import annotations

from celery import shared_task

from billing.reminders import queue_overdue_reminders


@shared_task
def send_overdue_reminders() -> int:
    """Celery beat runs this daily (settings.CELERY_BEAT_SCHEDULE); running it twice sends nothing twice."""
    return queue_overdue_reminders()
