"""Gunicorn's access log without the secrets some URLs carry in their path.

Password-reset, confirm-email and team-invite links put a one-time token in the path
(accounts/urls.py); the default access log would write it to stdout, where log collectors keep it far
longer than the token's life. Portal sign-in links carry theirs in the fragment, which never reaches the
server. Used by config/gunicorn.py (`logger_class`).
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

# /app/password-reset/<uid>/<token>, /app/confirm-email/<uid>/<token>, /app/join/<token>
_SECRET_IN_PATH = re.compile(
    r"(/(?:password-reset|confirm-email)/[^/?#\s]+/|/join/)(?!resend\b|sent\b|complete\b)[^/?#\s]+"
)


def redact(text: str) -> str:
    """`text` with the token of every secret-bearing path replaced by `[redacted]`."""
    return _SECRET_IN_PATH.sub(r"\1[redacted]", text)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
