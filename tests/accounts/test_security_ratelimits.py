"""Per-address rate limits cannot be walked around by re-spelling the address."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.ratelimits import normalize_email_key, parse_rate

pytestmark = pytest.mark.django_db(transaction=True)

# Every one of these finds owner@alpha.example (case-insensitive lookup), so each must share its bucket.
OWNER_SPELLINGS = [
    "owner@alpha.example",
    "Owner@alpha.example",
    "OWNER@ALPHA.EXAMPLE",
    " owner@alpha.example ",
    "oWnEr@AlPhA.eXaMpLe",
]


def test_normalized_key_folds_what_the_database_folds():
    assert {normalize_email_key(s) for s in OWNER_SPELLINGS} == {"owner@alpha.example"}
    # PostgreSQL's UPPER() maps long s and dotless i onto S and I: so must the key.
    assert normalize_email_key("pat@\u017fecretco.example") == "pat@secretco.example"
    assert normalize_email_key("\u0131nfo@x.example") == "info@x.example"
    assert normalize_email_key("\u212aim@x.example") == "kim@x.example"


def address_ceiling() -> int:
    """The per-address ceiling (failures from IPs that never signed in to that account)."""
    return parse_rate(settings.STAFF_LOGIN_RATE_PER_ADDRESS)[0]


def test_staff_login_limit_per_address_ignores_case_and_spaces(world, client):
    url = reverse("accounts:login")
    # Spread over many IPs so only the per-address ceiling can stop it.
    ceiling = address_ceiling()
    codes = [
        client.post(
            url,
            {"username": OWNER_SPELLINGS[i % len(OWNER_SPELLINGS)], "password": "wrong"},
            REMOTE_ADDR=f"10.1.0.{i}",
        ).status_code
        for i in range(ceiling)
    ]
    assert codes == [200] * ceiling
    # A fresh spelling is still the same account: the right password must not get through now.
    late = client.post(
        url, {"username": "OwNeR@alpha.example", "password": "correct horse battery"}, REMOTE_ADDR="10.1.1.1"
    )
    assert late.status_code == 429
    assert "_auth_user_id" not in client.session


def test_password_reset_is_limited_per_address_across_ips(world, client):
    url = reverse("accounts:password-reset")
    codes = [
        client.post(
            url, {"email": OWNER_SPELLINGS[i % len(OWNER_SPELLINGS)]}, REMOTE_ADDR=f"10.2.0.{i}"
        ).status_code
        for i in range(8)
    ]
    assert codes[:5] == [302] * 5
    assert codes[5:] == [429] * 3  # never a bare 403: django-ratelimit's middleware + core.views
    assert len(mail.outbox) == 5
    limited = client.post(url, {"email": "owner@alpha.example"}, REMOTE_ADDR="10.2.9.9")
    assert limited.status_code == 429
    assert [t.name for t in limited.templates][0] == "accounts/rate_limited.html"  # the staff front door


def _without_csrf(html: bytes) -> bytes:
    """The page minus what differs on every response anyway (CSRF tokens, CSP nonces)."""
    html = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)
    html = re.sub(rb'"X-CSRFToken": "[^"]+"', b"", html)
    return re.sub(rb'nonce="[^"]+"', b"", html)


@pytest.mark.parametrize("limit", ["address", "ip"])
def test_a_rate_limited_login_does_not_say_whether_the_password_was_right(world, client, limit):
    """Past the limit the password must not even be checked: a 429 that shows "wrong password" only for
    wrong guesses would let an attacker carry on guessing at full speed."""
    url = reverse("accounts:login")
    for i in range(30 if limit == "ip" else address_ceiling()):
        address = f"nobody{i}@alpha.example" if limit == "ip" else "owner@alpha.example"
        ip = "10.4.0.1" if limit == "ip" else f"10.4.1.{i}"
        client.post(url, {"username": address, "password": "wrong"}, REMOTE_ADDR=ip)
    ip = "10.4.0.1" if limit == "ip" else "10.4.2.1"
    wrong = client.post(url, {"username": "owner@alpha.example", "password": "wrong"}, REMOTE_ADDR=ip)
    right = client.post(
        url, {"username": "owner@alpha.example", "password": "correct horse battery"}, REMOTE_ADDR=ip
    )
    assert wrong.status_code == right.status_code == 429
    assert b"correct email" not in wrong.content
    assert _without_csrf(wrong.content) == _without_csrf(right.content)
    assert "_auth_user_id" not in client.session


def test_sign_up_is_limited_per_ip_and_per_address(world, client):
    """Each sign-up makes a workspace or mails an owner: one IP cannot mint workspaces without end, and
    many IPs cannot flood one owner's inbox."""
    url = reverse("accounts:signup")

    def sign_up(n: int, email: str, ip: str) -> int:
        data = {"workspace_name": f"Mint {n}", "email": email, "password": "a-long-unusual-pass-77"}
        return client.post(url, data, REMOTE_ADDR=ip).status_code

    from accounts.models import Workspace

    before = Workspace.objects.count()
    codes = [sign_up(i, f"mint{i}@mint.example", "198.51.100.7") for i in range(12)]
    assert codes == [302] * 10 + [429] * 2
    assert Workspace.objects.count() == before + 10
    # Another IP is not held back by the first one's limit.
    assert sign_up(99, "other@mint.example", "198.51.100.8") == 302

    # The owner of an existing account is mailed at most five times however many IPs ask.
    mail.outbox.clear()
    codes = [sign_up(i, OWNER_SPELLINGS[i % len(OWNER_SPELLINGS)], f"10.3.0.{i}") for i in range(7)]
    assert codes == [302] * 5 + [429] * 2
    assert len(mail.outbox) == 5
    limited = client.post(
        url,
        {"workspace_name": "Late", "email": "owner@alpha.example", "password": "a-long-unusual-pass-77"},
        REMOTE_ADDR="10.3.9.9",
    )
    assert limited.status_code == 429 and "accounts/rate_limited.html" in [t.name for t in limited.templates]


def test_refused_sign_ups_do_not_use_up_an_address(world, client):
    """Only a sign-up that would go through counts for its address: retrying a weak password (or anyone
    typing that address into the form) cannot lock the address out for an hour."""
    url = reverse("accounts:signup")
    for i in range(6):
        weak = client.post(
            url,
            {"workspace_name": "Kite", "email": "kim@kite.example", "password": "password"},
            REMOTE_ADDR=f"10.4.0.{i}",
        )
        assert weak.status_code == 200 and "too common" in weak.content.decode()
    done = client.post(
        url,
        {"workspace_name": "Kite", "email": "kim@kite.example", "password": "a-long-unusual-pass-77"},
        REMOTE_ADDR="10.4.1.1",
    )
    assert done.status_code == 302
