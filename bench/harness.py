"""Shared set-up for benchmarks: Django with the test settings, a throw-away database and media root.

The database is a fresh one named after this process (never the suite's `test_portal_test`, which a
parallel `make test` may be using), created and migrated here and dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_active = False


@contextlib.contextmanager
def django_env() -> Iterator[Path]:
    """Yield a temporary MEDIA_ROOT with Django set up on a fresh database (re-entrant)."""
    global _active
    if _active:
        from django.conf import settings

        yield Path(settings.MEDIA_ROOT)
        return
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    # WeasyPrint logs every layout step at INFO and eager Celery every task: keep the figures readable.
    for name in ("weasyprint", "fontTools", "celery", "activity", "assessments"):
        logging.getLogger(name).setLevel(logging.WARNING)
    media = Path(tempfile.mkdtemp(prefix="portal-bench-media-"))
    settings.MEDIA_ROOT = str(media)
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"portal_bench_{os.getpid()}"
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    _active = True
    try:
        yield media
    finally:
        _active = False
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        shutil.rmtree(media, ignore_errors=True)


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 1024 / 1024:.1f} MB"
