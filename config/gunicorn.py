"""Gunicorn settings, read from the environment: `gunicorn -c config/gunicorn.py config.wsgi:application`.

Used by the Dockerfile, docker-compose.yml and tests/test_production_shape.py, so the way production runs
is the way the test runs. Every value has a GUNICORN_* override; the defaults suit a small container.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


# Where to listen: GUNICORN_BIND wins, else PORT (what most platforms set), else 0.0.0.0:8000.
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"

# Sync workers: 2 × cores + 1, capped (a large host should run several containers, not 65 workers that
# each hold a database connection).
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, _int("GUNICORN_MAX_WORKERS", 8)))
# More than one thread turns the sync worker into gthread: slow clients (uploads) tie up less.
threads = _int("GUNICORN_THREADS", 1)
# A request running this long is killed (uploads of 100 MB over a slow link need the room).
timeout = _int("GUNICORN_TIMEOUT", 120)
# On SIGTERM (a deploy), workers finish what they are doing for this long.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Restart each worker after this many requests (± jitter, so they do not all restart at once): bounds
# the effect of any slow leak. 0 turns it off.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# The workers' heartbeat files: in memory when /dev/shm exists (a container's /tmp may be a slow overlay,
# and a blocked heartbeat write gets a healthy worker killed).
# gunicorn creates them itself (mkstemp, private to its user), so a shared directory is safe.
SHM = "/dev/shm"  # noqa: S108
if os.path.isdir(SHM):
    worker_tmp_dir = SHM

# Access log to stdout, errors to stderr: the container runtime collects both.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# …with one-time tokens in URL paths (password reset, confirm email, invites) redacted.
logger_class = "config.gunicorn_logging.RedactingLogger"
