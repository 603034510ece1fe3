from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import Membership, Plan, StaffInvite, User, Workspace
from tests.conftest import admin_client, staff_client

pytestmark = pytest.mark.django_db(transaction=True)


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "#0f766e").save(buf, "PNG")
    return buf.getvalue()


def test_teammates_need_the_team_plan(world, owner_http):
    world.ws.plan = Plan.SOLO
    world.ws.save()
    response = owner_http.post(
        reverse("accounts:staff-invite"), {"email": "new@alpha.example", "role": "member"}, follow=True
    )
    assert b"Upgrade to the Team plan" in response.content
    assert not StaffInvite.objects.exists() and mail.outbox == []


def test_staff_invite_and_join_with_a_new_account(world, owner_http, client):
    owner_http.post(reverse("accounts:staff-invite"), {"email": "New@Alpha.example", "role": "admin"})
    invite = StaffInvite.objects.get()
    assert invite.email == "new@alpha.example"
    assert len(mail.outbox) == 1
    link = re.search(r"/app/join/[-\w]+", mail.outbox[0].body).group(0)
    assert invite.token_hash not in mail.outbox[0].body
    response = client.post(link, {"full_name": "New Admin", "password": "another-long-pass-91"})
    assert response.status_code == 302
    user = User.objects.get(email="new@alpha.example")
    assert Membership.objects.get(user=user, workspace=world.ws).role == "admin"
    assert client.get(reverse("accounts:client-list")).status_code == 200
    assert client.get(link).status_code == 404  # used


def test_members_cannot_invite_or_rebrand(world):
    http = staff_client(world.member)
    assert (
        http.post(
            reverse("accounts:staff-invite"), {"email": "x@alpha.example", "role": "member"}
        ).status_code
        == 403
    )
    response = http.post(reverse("accounts:settings"), {"accent_color": "#000000"}, follow=True)
    assert b"Only owners and admins" in response.content
    assert Workspace.objects.get(pk=world.ws.pk).accent_color != "#000000"


def test_branding_logo_and_colour(world, owner_http, client):
    logo = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    response = owner_http.post(reverse("accounts:settings"), {"accent_color": "#0f766e", "logo": logo})
    assert response.status_code == 302
    ws = Workspace.objects.get(pk=world.ws.pk)
    assert ws.accent_color == "#0f766e" and ws.logo_content_type == "image/png"
    assert "logo.png" not in ws.logo.name  # stored under a generated key
    served = client.get(reverse("portal:logo", kwargs={"slug": "alpha"}))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    page = client.get(reverse("portal:login", kwargs={"slug": "alpha"})).content.decode()
    assert "--accent:#0f766e" in page and "/p/alpha/logo" in page


@pytest.mark.parametrize(
    "name,content,ctype",
    [
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
        ("logo.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("big.png", b"\x89PNG" + b"0" * (1024 * 1024 + 10), "image/png"),
    ],
)
def test_branding_refuses_non_images(world, owner_http, name, content, ctype):
    response = owner_http.post(
        reverse("accounts:settings"),
        {"accent_color": "#123456", "logo": SimpleUploadedFile(name, content, content_type=ctype)},
    )
    assert response.status_code == 200
    assert (
        b"not a PNG, JPEG, GIF or WebP image" in response.content or b"larger than 1 MB" in response.content
    )
    assert not Workspace.objects.get(pk=world.ws.pk).logo


def test_bad_accent_colour_is_refused(world, owner_http):
    response = owner_http.post(reverse("accounts:settings"), {"accent_color": "red;}</style><script>"})
    assert response.status_code == 200 and b"Use a colour like" in response.content


def test_free_plan_shows_powered_by_badge_only_on_free(world, client):
    url = reverse("portal:login", kwargs={"slug": "alpha"})
    assert b"Powered by" not in client.get(url).content
    world.ws.plan = Plan.FREE
    world.ws.save()
    assert b"Powered by" in client.get(url).content


def test_password_reset_by_email(world, client):
    response = client.post(reverse("accounts:password-reset"), {"email": "OWNER@alpha.example"})
    assert response.status_code == 302
    client.post(reverse("accounts:password-reset"), {"email": "ghost@alpha.example"})
    assert len(mail.outbox) == 1
    link = re.search(r"/app/password-reset/[^/\s]+/[-\w]+", mail.outbox[0].body).group(0)
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "fresh-long-pass-55", "new_password2": "fresh-long-pass-55"},
    )
    assert done.status_code == 302
    assert User.objects.get(pk=world.owner.pk).check_password("fresh-long-pass-55")


def test_staff_login_with_email_and_rate_limit(world, client):
    url = reverse("accounts:login")
    ok = client.post(url, {"username": "Owner@Alpha.example", "password": "correct horse battery"})
    assert ok.status_code == 302
    client.logout()
    codes = [
        client.post(url, {"username": "owner@alpha.example", "password": "wrong"}).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_admin_is_for_superusers_only(world, owner_http):
    assert owner_http.get("/admin/").status_code == 302
    root = User.objects.create_superuser(email="root@portal.example", password="root-pass-long-123")
    assert admin_client(root, "root-pass-long-123").get("/admin/accounts/workspace/").status_code == 200


def test_owner_removes_a_member_and_cancels_an_invite(world, owner_http):
    member = Membership.objects.get(user=world.member, workspace=world.ws)
    owner_http.post(reverse("accounts:member-remove", kwargs={"membership_id": member.pk}))
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert staff_client(world.member).get(reverse("accounts:client-list")).status_code == 302
    owner = Membership.objects.get(user=world.owner, workspace=world.ws)
    response = owner_http.post(
        reverse("accounts:member-remove", kwargs={"membership_id": owner.pk}), follow=True
    )
    assert b"owner cannot be removed" in response.content
    owner_http.post(reverse("accounts:staff-invite"), {"email": "later@alpha.example", "role": "member"})
    invite = StaffInvite.objects.get()
    owner_http.post(reverse("accounts:staff-invite-cancel", kwargs={"invite_id": invite.pk}))
    assert StaffInvite.objects.get().revoked_at is not None
    link = re.search(r"/app/join/[-\w]+", mail.outbox[-1].body).group(0)
    assert owner_http.get(link).status_code == 404


def test_members_cannot_remove_teammates(world):
    owner = Membership.objects.get(user=world.owner, workspace=world.ws)
    http = staff_client(world.member)
    assert http.post(reverse("accounts:member-remove", kwargs={"membership_id": owner.pk})).status_code == 403
