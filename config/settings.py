"""Settings for Portal, read from the environment.

With no environment at all this gives a laptop set-up: SQLite, Celery in eager mode, local media and
console email. Every real part switches on through one variable (see the README's configuration table).
Production mode (DEBUG=0) refuses to start without SECRET_KEY, ALLOWED_HOSTS and AUDIT_CHAIN_KEYS.
"""

from __future__ import annotations

import hmac
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-" + "x" * 32)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    # Fail loudly: a production process must never run on a guessable key or accept any Host header.
    if not env.str("SECRET_KEY", default=""):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0")
    if not env.list("ALLOWED_HOSTS", default=[]):
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=0")
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# DEBUG shows the product's 404/500 pages (core/middleware.py) unless this asks for Django's debug pages.
DEBUG_TECHNICAL_ERRORS = env.bool("DEBUG_TECHNICAL_ERRORS", default=False)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base URL used in emails (magic links, invites). Requests know their own host; tasks do not.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "accounts.admin_apps.PortalAdminConfig",  # django.contrib.admin with a rate-limited, TOTP-guarded site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "sequences",  # django-sequences: gap-free invoice and credit-note numbers (billing.numbering)
    "core",
    "files",
    "accounts",
    "activity",
    "assessments",
    "projects",
    "proposals",
    "billing",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but one, so that responses made by any middleware below also get its headers.
    "core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.ProductErrorPagesMiddleware",
    # Serves pages kept whole (accounts/kept_pages.py) before the rest of the chain runs.
    "accounts.kept_pages.KeptPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.StaffIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Reads the workspace the two middleware below attach, after the view: unsafe requests retire its
    # cached fragments (core/fragments.py).
    "core.fragments.RetireFragmentsMiddleware",
    "accounts.middleware.StaffWorkspaceMiddleware",
    "portal.middleware.PortalAuthMiddleware",
    # Turns django-ratelimit's `Ratelimited` into RATELIMIT_VIEW's 429 (without it: a bare 403).
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "accounts.context_processors.workspace",
                "portal.context_processors.portal_nav",
                # Last: inside a fragment rendered for the cache, the CSRF token is a placeholder that
                # each response fills in (core/fragments.py).
                "core.fragments.csrf_placeholder",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Production keeps each worker's connection open (seconds; a health check before reuse drops a dead one);
# DEBUG closes it after each request, so runserver's threads never pile up idle connections.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The laptop set-up takes parallel uploads too: WAL lets readers run beside the writer, IMMEDIATE
    # takes the write lock when a transaction starts (no deadlocking upgrade from a read lock), and the
    # busy timeout makes a second writer wait for the first instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))  # collectstatic's target
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"  # never served publicly: files go through authorising views

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Storage: local files by default, a private S3 bucket when a bucket is named ---------------
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
# Lifetime of presigned download URLs: a few minutes, long enough to start a large download.
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=300)
if AWS_STORAGE_BUCKET_NAME:
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": AWS_QUERYSTRING_EXPIRE,
            "file_overwrite": False,
            "signature_version": "s3v4",
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
        },
    }
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}


# --- Chain of custody: the audit chain's HMAC keys (never in the database) and its checkpoints -------
# AUDIT_CHAIN_KEYS is "id:secret,id2:secret2" (or the same, one per line, in AUDIT_CHAIN_KEYS_FILE).
# New events are signed with AUDIT_CHAIN_KEY_ID (default: the first id listed); older ids stay listed so
# events signed before a rotation still verify. With DEBUG and nothing set, a dev key ("dev") is derived
# from SECRET_KEY; production refuses to start without a configured key, as it does without SECRET_KEY.
def _audit_chain_keys(raw: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    for entry in raw.replace("\n", ",").split(","):
        if not entry.strip():
            continue
        key_id, sep, secret = entry.strip().partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_.-]{1,16}", key_id) or len(secret) < 32:
            raise ImproperlyConfigured(
                "AUDIT_CHAIN_KEYS entries are id:secret (id of 1-16 letters, digits, _.-; secret of 32+ "
                f"characters); {key_id[:16]!r} is not"
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"AUDIT_CHAIN_KEYS lists the key id {key_id!r} twice")
        keys[key_id] = secret
    return keys


AUDIT_CHAIN_KEYS_FILE = env.str("AUDIT_CHAIN_KEYS_FILE", default="")
AUDIT_CHAIN_KEYS = _audit_chain_keys(
    Path(AUDIT_CHAIN_KEYS_FILE).read_text()
    if AUDIT_CHAIN_KEYS_FILE
    else env.str("AUDIT_CHAIN_KEYS", default="")
)
if not AUDIT_CHAIN_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("AUDIT_CHAIN_KEYS (or AUDIT_CHAIN_KEYS_FILE) must be set when DEBUG=0")
    AUDIT_CHAIN_KEYS = {"dev": hmac.new(SECRET_KEY.encode(), b"portal.audit-chain.dev", "sha256").hexdigest()}
AUDIT_CHAIN_KEY_ID = env.str("AUDIT_CHAIN_KEY_ID", default=next(iter(AUDIT_CHAIN_KEYS)))
if AUDIT_CHAIN_KEY_ID not in AUDIT_CHAIN_KEYS:
    raise ImproperlyConfigured(f"AUDIT_CHAIN_KEY_ID {AUDIT_CHAIN_KEY_ID!r} is not in AUDIT_CHAIN_KEYS")
# A signed checkpoint of a chain's head goes to storage every this many events (0: only by the beat task,
# at verification and in packages), under AUDIT_CHECKPOINT_PREFIX/<chain>/<seq>.json, never overwritten.
AUDIT_CHECKPOINT_EVERY = env.int("AUDIT_CHECKPOINT_EVERY", default=20)
AUDIT_CHECKPOINT_PREFIX = env.str("AUDIT_CHECKPOINT_PREFIX", default="audit/checkpoints").strip("/")

# --- Email ---------------------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Portal <no-reply@portal.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Redis, cache, Celery ------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, keeping one Redis client per connection pool (core/cache.py).
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs must not hang requests and saves (fragment bumps run in post_save).
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT_SECONDS", default=2),
                "socket_timeout": env.float("REDIS_TIMEOUT_SECONDS", default=2),
            },
        }
    }
    # Staff sessions are read from Redis (written through to the database): no session query per page.
    # Only with a shared cache: a per-process one would keep a signed-out session alive in other processes.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # django-ratelimit warns that a per-process cache is not shared between workers; on a laptop
    # there is one process, so the warning is noise there.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
# Deployments sharing one Redis DB keep apart by queue name (the production-shape test uses its own).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker child that grew past this (KB) after a task (a large PDF, a preview) is replaced by a fresh one.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=512 * 1024)
# A request must not hang when the broker is down: publish fails fast and the outbox sweep
# delivers later (see activity/outbox.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "activity.tasks.sweep_outbox", "schedule": 60.0},
    "evidence-package-purge": {
        "task": "assessments.tasks.purge_old_packages",
        "schedule": crontab(hour=3, minute=30),
    },
    "evidence-digests": {
        "task": "assessments.tasks.send_daily_digests",
        "schedule": crontab(hour=env.int("DIGEST_HOUR_UTC", default=7), minute=0),
    },
    # billing.reminders: one reminder per overdue invoice per day at most, whatever the schedule.
    "invoice-overdue-reminders": {
        "task": "billing.tasks.send_overdue_reminders",
        "schedule": crontab(hour=env.int("DIGEST_HOUR_UTC", default=7), minute=15),
    },
}
# Apply what Stripe's webhooks missed (billing.reconcile), daily.
CELERY_BEAT_SCHEDULE["payments-reconcile"] = {
    "task": "billing.payment_tasks.reconcile_payments",
    "schedule": crontab(hour=env.int("RECONCILE_HOUR_UTC", default=4), minute=15),
}
CELERY_BEAT_SCHEDULE["proposal-expiry"] = {
    "task": "proposals.tasks.expire_proposals",
    "schedule": crontab(hour=0, minute=10),
}
# Partial upload files (files/upload_handlers.py) a killed worker left in the storage directory.
CELERY_BEAT_SCHEDULE["abandoned-uploads"] = {
    "task": "files.tasks.sweep_abandoned_uploads",
    "schedule": crontab(minute=40),
}
# Anchor every chain head that moved since its last checkpoint (activity.checkpoints).
CELERY_BEAT_SCHEDULE["audit-checkpoints"] = {
    "task": "activity.tasks.checkpoint_chains",
    "schedule": env.int("AUDIT_CHECKPOINT_INTERVAL_SECONDS", default=15 * 60),
}

# --- Portal behaviour --------------------------------------------------------------------------
MAGIC_LINK_TTL_SECONDS = env.int("MAGIC_LINK_TTL_SECONDS", default=15 * 60)
PORTAL_SESSION_DAYS = env.int("PORTAL_SESSION_DAYS", default=30)
PORTAL_SESSION_COOKIE = "portal_session"
PORTAL_LAST_SEEN_INTERVAL_SECONDS = 60
LOGIN_RATE_PER_EMAIL = env.str("LOGIN_RATE_PER_EMAIL", default="5/15m")
LOGIN_RATE_PER_IP = env.str("LOGIN_RATE_PER_IP", default="20/15m")
# Staff sign-in (the /app/ form and the admin's): failures per address+IP pair, a slower ceiling per
# address (not applied from an address+IP pair that signed in before), and attempts per IP.
STAFF_LOGIN_RATE_PER_PAIR = env.str("STAFF_LOGIN_RATE_PER_PAIR", default="10/15m")
STAFF_LOGIN_RATE_PER_ADDRESS = env.str("STAFF_LOGIN_RATE_PER_ADDRESS", default="50/1h")
STAFF_LOGIN_RATE_PER_IP = env.str("STAFF_LOGIN_RATE_PER_IP", default="30/15m")
# Contact invites and resends: per contact address and per workspace.
INVITE_RATE_PER_CONTACT = env.str("INVITE_RATE_PER_CONTACT", default="3/1h")
INVITE_RATE_PER_WORKSPACE = env.str("INVITE_RATE_PER_WORKSPACE", default="30/1h")
RATELIMIT_VIEW = "core.views.rate_limited"
# The proxies in front of the app (addresses or CIDRs, comma-separated). X-Forwarded-For is read only
# when the peer is one of them; empty = the app is reached directly and REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# django-ratelimit's "ip" key and every recorded IP come from this one helper (core/http.py).
RATELIMIT_IP_META_KEY = "core.http.client_ip"
OUTBOX_SWEEP_AGE_SECONDS = env.int("OUTBOX_SWEEP_AGE_SECONDS", default=30)
# How long one worker holds an outbox row (activity/tasks.py) before another may try it.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
LOGO_MAX_BYTES = env.int("LOGO_MAX_BYTES", default=1024 * 1024)

# --- Upload policies (files/policies.py): each use says its sniffed types and size ------------------
# Types are sniffed from the bytes (files/uploads.py), never taken from the name or the browser.
PDF_AND_IMAGES = ["application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"]
OFFICE_TYPES = [
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
]
# A view that declares no policy (`@accepts_uploads`) accepts only small files.
FILE_UPLOAD_DEFAULT_MAX_BYTES = env.int("FILE_UPLOAD_DEFAULT_MAX_BYTES", default=1024 * 1024)
FILE_UPLOAD_DEFAULT_TYPES = env.list("FILE_UPLOAD_DEFAULT_TYPES", default=PDF_AND_IMAGES)
EVIDENCE_MAX_UPLOAD_BYTES = env.int("EVIDENCE_MAX_UPLOAD_BYTES", default=100 * 1024 * 1024)
EVIDENCE_ALLOWED_TYPES = env.list(
    "EVIDENCE_ALLOWED_TYPES",
    default=[
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ],
)
# How many files one evidence request may hold (all rounds), and how much a workspace may store in all.
EVIDENCE_MAX_FILES_PER_REQUEST = env.int("EVIDENCE_MAX_FILES_PER_REQUEST", default=100)
WORKSPACE_STORAGE_QUOTA_BYTES = env.int("WORKSPACE_STORAGE_QUOTA_BYTES", default=20 * 1024**3)
DELIVERABLE_MAX_UPLOAD_BYTES = env.int("DELIVERABLE_MAX_UPLOAD_BYTES", default=500 * 1024 * 1024)
DELIVERABLE_ALLOWED_TYPES = env.list(
    "DELIVERABLE_ALLOWED_TYPES",
    default=[
        *PDF_AND_IMAGES,
        *OFFICE_TYPES,
        "text/plain",
        "text/csv",
        "application/zip",
        "video/mp4",
        "video/quicktime",
        "video/webm",
    ],
)
CONTRACT_MAX_UPLOAD_BYTES = env.int("CONTRACT_MAX_UPLOAD_BYTES", default=25 * 1024 * 1024)
CONTRACT_ALLOWED_TYPES = env.list("CONTRACT_ALLOWED_TYPES", default=["application/pdf"])
LOGO_ALLOWED_TYPES = env.list(
    "LOGO_ALLOWED_TYPES", default=["image/png", "image/jpeg", "image/gif", "image/webp"]
)
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=1024 * 1024)
IMPORT_ALLOWED_TYPES = env.list("IMPORT_ALLOWED_TYPES", default=["text/csv", "text/plain"])
# Uploads above this many bytes stream to a temporary file instead of memory (Django's default, made explicit).
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default="") or None
# --- Previews (files/previews.py, files/preview_jobs.py): bounded in time and memory whatever the file ----
# XLSX parts are refused above these inflated sizes before openpyxl parses anything.
PREVIEW_XLSX_SHARED_STRINGS_MAX_BYTES = env.int(
    "PREVIEW_XLSX_SHARED_STRINGS_MAX_BYTES", default=8 * 1024 * 1024
)
PREVIEW_XLSX_SHEET_MAX_BYTES = env.int("PREVIEW_XLSX_SHEET_MAX_BYTES", default=8 * 1024 * 1024)
PREVIEW_XLSX_PART_MAX_BYTES = env.int("PREVIEW_XLSX_PART_MAX_BYTES", default=4 * 1024 * 1024)  # styles, …
# CSV lines longer than this are cut (and a row may span at most four times this).
PREVIEW_CSV_LINE_MAX_CHARS = env.int("PREVIEW_CSV_LINE_MAX_CHARS", default=64 * 1024)
# CSV/XLSX tables are built once per SHA-256 by a Celery task and cached this long.
PREVIEW_CACHE_SECONDS = env.int("PREVIEW_CACHE_SECONDS", default=7 * 24 * 3600)
# The portal's workspace (name, branding) per slug is kept this long by each process (accounts/workspaces.py);
# a save in the process forgets it at once. 0 turns the cache off.
WORKSPACE_CACHE_SECONDS = env.int("WORKSPACE_CACHE_SECONDS", default=10)
# The dashboard's widgets and long lists' rows are kept per viewer in the shared cache until anything in
# their workspace changes, and at most this long (core/fragments.py). 0 turns this off.
FRAGMENT_CACHE_SECONDS = env.int("FRAGMENT_CACHE_SECONDS", default=60)
PREVIEW_TASK_SOFT_TIME_LIMIT = env.int("PREVIEW_TASK_SOFT_TIME_LIMIT", default=20)
PREVIEW_TASK_TIME_LIMIT = env.int("PREVIEW_TASK_TIME_LIMIT", default=30)
if not 0 < PREVIEW_TASK_SOFT_TIME_LIMIT < PREVIEW_TASK_TIME_LIMIT:
    # The soft limit turns into a cached "could not be previewed"; the hard one kills the worker's child.
    raise ImproperlyConfigured(
        "PREVIEW_TASK_SOFT_TIME_LIMIT must be positive and below PREVIEW_TASK_TIME_LIMIT"
    )
# Descriptions (Markdown) longer than this are refused by forms and the CSV import.
EVIDENCE_DESCRIPTION_MAX_CHARS = env.int("EVIDENCE_DESCRIPTION_MAX_CHARS", default=20_000)
# Built evidence packages are deleted after this many days (a fresh export rebuilds one at any time).
EVIDENCE_PACKAGE_RETENTION_DAYS = env.int("EVIDENCE_PACKAGE_RETENTION_DAYS", default=14)
# A partial upload file untouched this long belongs to no live request (a live upload writes to it with
# every chunk): the hourly sweep (files.tasks) deletes it.
UPLOAD_PARTIAL_MAX_AGE_SECONDS = env.int("UPLOAD_PARTIAL_MAX_AGE_SECONDS", default=6 * 3600)
FILE_UPLOAD_HANDLERS = [
    "files.upload_handlers.SizeLimitUploadHandler",  # skips oversized files (per the view's policy) unspooled
    "files.upload_handlers.MemoryUploadHandler",  # small requests (FILE_UPLOAD_MAX_MEMORY_SIZE) in memory
    "files.upload_handlers.StreamToStorageUploadHandler",  # local storage: written once, hashed as it streams
    "files.upload_handlers.TemporaryUploadHandler",  # other storages (S3): spooled, then streamed to storage
]

# --- Stripe Connect (billing/stripe_client.py) ----------------------------------------------------
# With no STRIPE_SECRET_KEY online payment is "not set up": no Connect button, no Pay button, and the
# webhook answers 400. Everything talks to Stripe through billing.stripe_client.stripe_client().
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")  # unused: Checkout is a redirect
# Endpoint secrets (whsec_…) of the platform and the Connect endpoints, which differ: every one listed is
# tried. STRIPE_WEBHOOK_SECRET (one secret) is still read, for older .env files.
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
STRIPE_WEBHOOK_SECRETS = [
    *env.list("STRIPE_WEBHOOK_SECRETS", default=[]),
    *([env.str("STRIPE_WEBHOOK_SECRET")] if env.str("STRIPE_WEBHOOK_SECRET", default="") else []),
]
# Where the API is: Stripe's own unless tests or a staging stand-in point it elsewhere.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com").rstrip("/")
# The secret key travels with every call: plain HTTP only to a stand-in on this machine.
if not STRIPE_API_BASE.startswith("https://") and urlsplit(STRIPE_API_BASE).hostname not in LOOPBACK_HOSTS:
    raise ImproperlyConfigured("STRIPE_API_BASE must be an https:// address (or a stand-in on loopback).")
# Events whose livemode differs are recorded and ignored; by default live keys expect live events.
STRIPE_LIVEMODE = env.bool("STRIPE_LIVEMODE", default=STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_")))
# The platform's fee on each payment, as a percentage of the amount (Decimal, 0 = no fee).
STRIPE_APPLICATION_FEE_PERCENT = env.str("STRIPE_APPLICATION_FEE_PERCENT", default="0")
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=20)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# Origins the browser is sent to after a form POST (Checkout, Connect onboarding): CSP form-action
# covers redirects that follow a form submission, so the pages with those forms allow these.
STRIPE_REDIRECT_ORIGINS = env.list(
    "STRIPE_REDIRECT_ORIGINS", default=["https://checkout.stripe.com", "https://connect.stripe.com"]
)
try:
    _fee = Decimal(STRIPE_APPLICATION_FEE_PERCENT)
except InvalidOperation as exc:
    raise ImproperlyConfigured("STRIPE_APPLICATION_FEE_PERCENT must be a number, e.g. 1.5") from exc
if not (_fee.is_finite() and 0 <= _fee < 100):
    raise ImproperlyConfigured("STRIPE_APPLICATION_FEE_PERCENT must be at least 0 and below 100")

# --- Security headers ------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# A staff session that sees no request for this long is signed out (accounts.middleware).
STAFF_IDLE_TIMEOUT_MINUTES = env.int("STAFF_IDLE_TIMEOUT_MINUTES", default=60)
# Sent on every response: the app uses none of these browser features.
PERMISSIONS_POLICY = env.str(
    "PERMISSIONS_POLICY",
    default="camera=(), microphone=(), geolocation=(), payment=(), usb=()",
)
# Superusers need a TOTP device (django-otp) to use /admin/; `manage.py admin_totp EMAIL` enrols one.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Portal")
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
PORTAL_COOKIE_SECURE = not DEBUG

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:"],
        "object-src": [NONE],
        "frame-src": [SELF, "blob:"],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "connect-src": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.server": {"level": "INFO"}},
}
