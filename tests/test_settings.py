"""Production mode refuses unsafe configuration, and `check --deploy` is clean when configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    base.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", DEBUG="0", ALLOWED_HOSTS="portal.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", DEBUG="0", SECRET_KEY="k" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_check_deploy_is_clean_in_production_mode():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="a-very-long-random-production-secret-" + "z8Y" * 20,
        ALLOWED_HOSTS="portal.example.com",
        AUDIT_CHAIN_KEYS="k1:" + "a-very-long-random-audit-chain-secret-" + "q7W" * 10,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_keeps_database_connections_and_checks_them():
    production = dict(
        DEBUG="0",
        SECRET_KEY="k" * 60,
        ALLOWED_HOSTS="portal.example.com",
        AUDIT_CHAIN_KEYS="k1:" + "a" * 40,
        DATABASE_URL="postgres://portal@db:5432/portal",
    )
    show = "from django.conf import settings as s; d = s.DATABASES['default']; "
    show += "print('DB', d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], s.EMAIL_BACKEND, s.EMAIL_FILE_PATH)"
    result = _manage("shell", "-c", show, EMAIL_URL="filemail:////var/mail/portal", **production)
    assert "DB 600 True django.core.mail.backends.filebased.EmailBackend /var/mail/portal" in result.stdout, (
        result.stdout + result.stderr
    )
    result = _manage("shell", "-c", show, CONN_MAX_AGE="60", EMAIL_URL="filemail:////tmp/m", **production)
    assert "DB 60 True" in result.stdout, result.stderr


import pytest  # noqa: E402


@pytest.mark.django_db
def test_security_headers_on_a_page(client):
    response = client.get("/app/login")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self' 'nonce-" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    )


def test_preview_time_limits_must_leave_room_for_the_soft_one():
    result = _manage("check", PREVIEW_TASK_SOFT_TIME_LIMIT="30", PREVIEW_TASK_TIME_LIMIT="30")
    assert result.returncode != 0
    assert "PREVIEW_TASK_SOFT_TIME_LIMIT must be positive and below" in result.stderr


def test_the_stripe_api_is_only_reached_over_https_or_on_loopback():
    refused = _manage("check", STRIPE_API_BASE="http://stripe.example.com")
    assert refused.returncode != 0
    assert "STRIPE_API_BASE must be an https:// address" in refused.stderr
    for base in ("https://api.stripe.com", "http://127.0.0.1:12111", "http://localhost:12111"):
        assert _manage("check", STRIPE_API_BASE=base).returncode == 0, base
