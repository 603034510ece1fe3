"""The audit chain's HMAC keys. They live in settings (environment or a file), never in the database, so
someone who can rewrite the database cannot recompute a valid chain (activity.models.Event.compute_hash)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


class UnknownChainKey(LookupError):
    """An event or checkpoint names a key id that is not configured in AUDIT_CHAIN_KEYS."""


def current_key_id() -> str:
    return settings.AUDIT_CHAIN_KEY_ID


def sign(key_id: str, message: bytes) -> str:
    """Hex HMAC-SHA256 of `message` with the secret of `key_id`."""
    try:
        secret = settings.AUDIT_CHAIN_KEYS[key_id]
    except KeyError:
        raise UnknownChainKey(key_id) from None
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(key_id: str, message: bytes, signature: str) -> bool:
    """Constant-time check; False for an unknown key id too (the caller words that case itself)."""
    try:
        return hmac.compare_digest(sign(key_id, message), signature or "")
    except UnknownChainKey:
        return False
