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
import ipaddress
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


# --- staff sign-in: per address+IP pair, a slower ceiling per address, and per IP -----------------------
# A limit per address alone lets anyone lock a staff member out by guessing at their address (any
# spelling, from anywhere). So failures count per (address, IP) pair first; the per-address ceiling is
# higher and slower, and does not apply from a pair that has signed in before, so a storm from
# elsewhere does not keep the real person out on their own network. The IP comes from
# core.http.client_ip, so a forged X-Forwarded-For cannot pick a fresh bucket.

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "5/15m" → (5, 900). Same syntax as django-ratelimit's rates."""
    count, _, period = rate.partition("/")
    number = period[:-1] or "1"
    return int(count), int(number) * _UNITS[period[-1]]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


KNOWN_PAIR_SECONDS = 90 * 86400


def network_key(ip: str) -> str:
    """IPv6 clients usually hold a whole /64 and can rotate through it: count the /64, as django-ratelimit
    does for its own "ip" key."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class StaffLoginThrottle:
    """One staff sign-in attempt: `allow()` before the password is checked, `succeeded()` after."""

    group = "staff-login"  # shared by /app/login and /admin/login: one allowance, not one per door

    def __init__(self, *, address: str, ip: str):
        self.address = normalize_email_key(address)
        ip = network_key(ip)
        self.ip_bucket = f"rl:{self.group}:ip:{_digest(ip)}"
        self.pair_bucket = f"rl:{self.group}:pair:{_digest(self.address, ip)}"
        self.address_bucket = address_bucket(self.group, self.address)
        self.known_key = f"rl:{self.group}:known:{_digest(self.address, ip)}"
        self._taken: list[str] = []

    def allow(self) -> bool:
        from django.conf import settings

        checks = [(self.ip_bucket, settings.STAFF_LOGIN_RATE_PER_IP)]
        checks.append((self.pair_bucket, settings.STAFF_LOGIN_RATE_PER_PAIR))
        if not cache.get(self.known_key):
            checks.append((self.address_bucket, settings.STAFF_LOGIN_RATE_PER_ADDRESS))
        for bucket, rate in checks:
            limit, period = parse_rate(rate)
            if not take_attempt(bucket, limit=limit, period=period):
                # Refused before the next bucket is touched: an attacker stopped by their pair's limit
                # does not keep eating the address's shared ceiling.
                return False
            self._taken.append(bucket)
        return True

    def succeeded(self) -> None:
        """The password was right: give back the pair and address attempts and remember this pair."""
        for bucket in self._taken:
            if bucket != self.ip_bucket:
                refund_attempt(bucket)
        cache.set(self.known_key, 1, KNOWN_PAIR_SECONDS)
