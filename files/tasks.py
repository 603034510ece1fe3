"""Celery discovers tasks in `<app>.tasks`: the preview build lives beside its cache (files.preview_jobs)."""

from __future__ import annotations

from files.preview_jobs import build_preview_task

__all__ = ["build_preview_task"]
