"""Heavy previews (CSV and XLSX tables) are built once per SHA-256, by a Celery task, and cached.

A page asks `preview_for(record)`: a cached table comes back at once; otherwise the build is queued
(once: a pending marker in the cache) and the page shows "Preparing preview…" and polls. The task runs
under soft and hard time limits (PREVIEW_TASK_SOFT_TIME_LIMIT / PREVIEW_TASK_TIME_LIMIT) on top of the
size guards in files/previews.py, so a hostile file costs a worker seconds, never a web process.
With Celery eager (a laptop, the tests) the table is simply built inline.

The key is the content's SHA-256 (plus its kind, size and the preview format's version), so two uploads of
the same bytes share one build, and changing how previews look only needs PREVIEW_VERSION bumped.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.core.cache import cache

from files.previews import UNREADABLE, Kind, Preview, build_preview, kind_for

logger = logging.getLogger(__name__)

PREVIEW_VERSION = 3  # 3: tables are files.tables.Table (pickled by name)
HEAVY_KINDS = frozenset({Kind.CSV, Kind.XLSX})
# A build that never reported back (its worker was killed at the hard limit, or died, or no worker runs)
# is queued again once; after that the file is shown as not previewable, for an hour rather than for
# PREVIEW_CACHE_SECONDS: a file that kills workers costs at most two builds an hour, and an outage of the
# workers is not remembered for a week.
MAX_ATTEMPTS = 2
LOST_BUILD_SECONDS = 3600


def cache_key(record) -> str:
    kind = kind_for(record.content_type)
    return f"files:preview:v{PREVIEW_VERSION}:{kind}:{record.sha256}:{record.size}"


# A worker that could not reach the store reports that for this long (the page stops polling and says so),
# then the next view tries again: an outage is never cached as the file's preview.
UNREACHABLE_SECONDS = 60


def _store(key: str, preview: Preview, *, unreachable_seconds: int = 0) -> Preview:
    if preview.cacheable:
        cache.set(key, preview, settings.PREVIEW_CACHE_SECONDS)
    elif unreachable_seconds:
        cache.set(key, preview, unreachable_seconds)
    return preview


def build_and_store(record, *, unreachable_seconds: int = 0) -> Preview:
    return _store(cache_key(record), build_preview(record), unreachable_seconds=unreachable_seconds)


def preview_for(record) -> Preview:
    """The preview to show now: built, cached, or `pending=True` while a worker builds it."""
    kind = kind_for(record.content_type)
    if kind not in HEAVY_KINDS:
        return build_preview(record)  # nothing to parse (PDF, image, other) or a bounded 100 KB read (text)
    key = cache_key(record)
    cached = cache.get(key)
    if cached is not None:
        return cached
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return build_and_store(record)
    pending = Preview(kind=kind, pending=True)
    # One build at a time per content; the marker outlives the hard time limit, then a poll re-queues.
    if not cache.add(f"{key}:pending", 1, settings.PREVIEW_TASK_TIME_LIMIT + 30):
        return pending
    attempts = _count_attempt(key)
    if attempts > MAX_ATTEMPTS:
        logger.warning("preview of stored file %s never finished after %s attempts", record.pk, attempts - 1)
        failed = Preview(kind=kind, error=UNREADABLE)
        cache.set(key, failed, LOST_BUILD_SECONDS)
        return failed
    try:
        build_preview_task.delay(record._meta.label, record.pk)
    except Exception:  # noqa: BLE001 - broker down: the guards bound the work, so build it here
        logger.warning(
            "could not queue the preview of stored file %s; building inline", record.pk, exc_info=True
        )
        cache.delete(f"{key}:pending")
        return build_and_store(record)
    return pending


def _count_attempt(key: str) -> int:
    attempts_key = f"{key}:attempts"
    cache.add(attempts_key, 0, LOST_BUILD_SECONDS)
    try:
        return cache.incr(attempts_key)
    except ValueError:  # expired between add and incr
        cache.add(attempts_key, 1, LOST_BUILD_SECONDS)
        return 1


# acks_late=False on purpose (the project default is True): a file that gets its worker killed must not
# be handed to the next worker again and again. The page re-queues it at most MAX_ATTEMPTS times.
@shared_task(
    acks_late=False,
    ignore_result=True,
    soft_time_limit=settings.PREVIEW_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.PREVIEW_TASK_TIME_LIMIT,
)
def build_preview_task(model_label: str, pk: int) -> None:
    model = apps.get_model(model_label)
    record = model._default_manager.filter(pk=pk).first()
    if record is None:
        return
    key = cache_key(record)
    try:
        # A soft time limit inside becomes a cached "could not be previewed".
        build_and_store(record, unreachable_seconds=UNREACHABLE_SECONDS)
    finally:
        cache.delete_many([f"{key}:pending", f"{key}:attempts"])  # it reported back: not a lost build
