from __future__ import annotations

from celery import shared_task

from assessments.reminders import queue_daily_digests


@shared_task
def send_daily_digests() -> int:
    """Celery beat runs this daily (settings.CELERY_BEAT_SCHEDULE); running it twice sends nothing twice."""
    return queue_daily_digests()
