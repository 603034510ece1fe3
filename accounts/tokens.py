from __future__ import annotations

import base64
import hashlib
import secrets

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import salted_hmac


def new_token() -> tuple[str, str]:
    """A URL-safe token of 32 random bytes and its SHA-256 (the only part we store)."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    # Plain SHA-256 is right here: the input has 256 bits of entropy, so there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


def delivery_token(purpose: str, delivery_key: str) -> str:
    """A token fixed by one outbox delivery (its row id and creation time), for emails that carry a link.

    Minting a random token per run made a redelivered job (a sweep racing a slow worker, a retry after
    the SMTP server took the mail but the ack was lost) send a second link and, for staff invites,
    overwrite the first one's hash. An HMAC under SECRET_KEY is as unguessable as 32 random bytes, is
    never stored, and is the same on every run of that delivery.
    """
    mac = salted_hmac("accounts.tokens.delivery", f"{purpose}:{delivery_key}", algorithm="sha256")
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for the sign-up confirmation link: Django's reset-token machinery (HMAC, timestamped,
    PASSWORD_RESET_TIMEOUT), keyed on the confirmation state so a link works until it has been used."""

    key_salt = "accounts.tokens.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp: int) -> str:
        return f"{user.pk}{user.email}{user.email_confirmed_at}{timestamp}"


email_confirmation_token = EmailConfirmationTokenGenerator()
