from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A URL-safe token of 32 random bytes and its SHA-256 (the only part we store)."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    # Plain SHA-256 is right here: the input has 256 bits of entropy, so there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()
