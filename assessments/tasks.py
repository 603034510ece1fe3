from __future__ import annotations

from celery import shared_task

from assessments import package
from assessments.reminders import queue_daily_digests


@shared_task
def send_daily_digests() -> int:
    """Celery beat runs this daily (settings.CELERY_BEAT_SCHEDULE); running it twice sends nothing twice."""
    return queue_daily_digests()


@shared_task
def purge_old_packages() -> int:
    """Daily (settings.CELERY_BEAT_SCHEDULE): drop evidence packages past their retention."""
    return package.purge_old_packages()
