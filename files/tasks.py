"""Celery discovers tasks in `<app>.tasks`: the preview build lives beside its cache (files.preview_jobs)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from files.preview_jobs import build_preview_task
from files.upload_handlers import sweep_partial_uploads

__all__ = ["build_preview_task", "sweep_abandoned_uploads"]


@shared_task
def sweep_abandoned_uploads() -> int:
    """Hourly (settings.CELERY_BEAT_SCHEDULE): partial upload files left by a killed worker."""
    return sweep_partial_uploads(settings.UPLOAD_PARTIAL_MAX_AGE_SECONDS)
