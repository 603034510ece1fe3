"""The Django admin: superusers only, a TOTP second factor, and the staff login's brute-force limits."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.ratelimits import parse_rate
from tests.conftest import enrol_totp, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "root-pass-long-123"


@pytest.fixture
def root():
    return User.objects.create_superuser(email="root@portal.example", password=PASSWORD)


def admin_login(http: Client, *, password: str = PASSWORD, code: str = "", ip: str = "127.0.0.1", user=None):
    data = {"username": "root@portal.example", "password": password, "otp_token": code}
    device = TOTPDevice.objects.filter(user=user).first() if user else None
    if device is not None:
        data["otp_device"] = device.persistent_id
    return http.post("/admin/login/?next=/admin/", data, REMOTE_ADDR=ip)


def test_a_password_alone_does_not_open_the_admin(root):
    http = Client()
    assert admin_login(http).status_code == 200  # the form asks for a code
    assert http.get("/admin/").status_code == 302
    # Signed in elsewhere with the password (the staff login) is not enough either.
    staff = Client()
    staff.force_login(root)
    assert staff.get("/admin/accounts/workspace/").status_code == 302


def test_a_real_totp_code_opens_it_and_a_wrong_one_does_not(root):
    uri = enrol_totp(root)
    assert uri.startswith("otpauth://totp/") and "issuer=Portal" in uri
    wrong = f"{(int(totp_code(uri)) + 1) % 1_000_000:06d}"
    http = Client()
    assert admin_login(http, code=wrong, user=root).status_code == 200
    assert http.get("/admin/").status_code == 302
    time.sleep(1.1)  # django-otp backs a device off for a second after a wrong code
    assert admin_login(http, code=totp_code(uri), user=root).status_code == 302
    assert http.get("/admin/accounts/workspace/").status_code == 200


def test_enrolment_is_for_superusers_and_needs_reset_to_replace(root, world):
    with pytest.raises(CommandError, match="not a superuser"):
        call_command("admin_totp", world.owner.email, stdout=StringIO())
    first = enrol_totp(root)
    with pytest.raises(CommandError, match="--reset"):
        call_command("admin_totp", root.email, stdout=StringIO())
    out = StringIO()
    call_command("admin_totp", root.email, "--reset", stdout=out)
    assert out.getvalue().strip() != first and TOTPDevice.objects.filter(user=root).count() == 1


def test_admin_login_has_the_staff_login_limits(root):
    uri = enrol_totp(root)
    limit = parse_rate(settings.STAFF_LOGIN_RATE_PER_PAIR)[0]
    http = Client()
    codes = [admin_login(http, password="wrong", user=root).status_code for _ in range(limit)]
    assert codes == [200] * limit
    late = admin_login(http, code=totp_code(uri), user=root)
    assert late.status_code == 429
    assert http.get("/admin/").status_code == 302
    # One allowance across both doors: the staff login from the same network is held too.
    staff = Client().post(
        "/app/login", {"username": "root@portal.example", "password": PASSWORD}, REMOTE_ADDR="127.0.0.1"
    )
    assert staff.status_code == 429
