"""Test settings: real PostgreSQL and Redis (the suite's promise), fast hashing, mail in memory."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_test")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DEBUG", "1")
# The host Django's test client sends: links in mails point there, and pages are kept whole only for the
# site's own host (accounts/kept_pages.py), as in production. Set outright, not defaulted: the Makefile
# exports SITE_URL for `make run`, and a suite run under another host would never reach kept pages.
os.environ["SITE_URL"] = "http://testserver"

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# A fresh media folder per test process, so parallel runs never see each other's files.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-media-"))
SILENCED_SYSTEM_CHECKS = []
