"""The access log never carries the one-time tokens that some staff URLs hold in their path."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.urls import reverse
from gunicorn.config import Config

from config.gunicorn_logging import RedactingLogger, redact


def test_secret_paths_are_redacted_and_others_kept():
    reset = reverse("accounts:password-reset-confirm", args=["MQ", "c4l0ng-t0ken-abc123"])
    confirm = reverse("accounts:confirm-email", args=["MQ", "c0nf1rm-t0ken"])
    join = reverse("accounts:join", args=["j01n-t0ken-xyz"])
    for url, secret in ((reset, "c4l0ng-t0ken-abc123"), (confirm, "c0nf1rm-t0ken"), (join, "j01n-t0ken-xyz")):
        assert secret in url
        cleaned = redact(f"GET {url}?next=/x HTTP/1.1")
        assert secret not in cleaned
        assert "[redacted]" in cleaned
    for kept in (
        reverse("accounts:password-reset-done"),
        reverse("accounts:password-reset-complete"),
        reverse("accounts:confirm-email-resend"),
        "/app/clients/12/",
    ):
        assert redact(kept) == kept


def test_the_logger_redacts_every_atom_it_writes():
    logger = RedactingLogger(Config())
    url = reverse("accounts:join", args=["s3cr3t-inv1te"])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": url,
        "PATH_INFO": url,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://portal.example" + url,
        "REMOTE_ADDR": "127.0.0.1",
    }
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(
        resp, SimpleNamespace(headers=[("Referer", environ["HTTP_REFERER"])]), environ, datetime.timedelta(0)
    )
    written = " ".join(str(v) for v in atoms.values())
    assert "s3cr3t-inv1te" not in written
    assert atoms["r"] == "GET /app/join/[redacted] HTTP/1.1"
