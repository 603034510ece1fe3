"""Rate-limit keys for email addresses typed into sign-in and reset forms.

A per-address limit only works if every spelling that reaches the same account lands in the same bucket.
Accounts are found case-insensitively (`email__iexact`, which PostgreSQL runs as UPPER() = UPPER()), and
UPPER() also folds look-alikes onto ASCII letters: "ſ" (long s) → "S", "ı" (dotless i) → "I", "K" (Kelvin
sign) → "K". A key that only lower-cased the raw POST value gave "Owner@…", "OWNER@…" or "pat@ſecretco…"
a fresh bucket each, so the per-address limit could be walked around one spelling at a time.
"""

from __future__ import annotations

import contextlib
import hashlib
import unicodedata
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest


def normalize_email_key(value: str) -> str:
    """One key for every spelling the database would match (and a few more: stricter is fine here)."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    return value.upper().lower()


def post_email_key(field: str) -> Callable[[str, HttpRequest], str]:
    """A django-ratelimit `key` callable reading the email address from POST[field]."""

    def key(group: str, request: HttpRequest) -> str:
        return normalize_email_key(request.POST.get(field, ""))

    return key


# --- failed sign-ins per address ------------------------------------------------------------------------
# django-ratelimit counts every POST. For a password form we count attempts up front (atomically, so that
# parallel guesses cannot all slip past a check) and give the attempt back when the password was right:
# the limit is on guessing, and a person who signs in has not used up their allowance.


def address_bucket(group: str, address: str) -> str:
    digest = hashlib.sha256(normalize_email_key(address).encode()).hexdigest()
    return f"rl:{group}:{digest}"


def take_attempt(bucket: str, *, limit: int, period: int) -> bool:
    """Count one attempt. False when the bucket was already full: the attempt must not run."""
    cache.add(bucket, 0, period)
    try:
        count = cache.incr(bucket)
    except ValueError:  # the bucket expired between add() and incr()
        cache.add(bucket, 1, period)
        count = 1
    return count <= limit


def refund_attempt(bucket: str) -> None:
    with contextlib.suppress(ValueError):
        cache.decr(bucket)
