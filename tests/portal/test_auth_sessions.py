from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Contact, LinkPurpose, PortalSession
from tests.conftest import portal_client, staff_client, use_link

pytestmark = pytest.mark.django_db

DASH = "/p/alpha/"


def _dashboard_ok(http) -> bool:
    response = http.get(DASH)
    return response.status_code == 200 and b"Welcome" in response.content


def test_session_cookie_stores_only_a_hash_and_lasts_30_days(world):
    http = portal_client(world.contact)
    raw = http.cookies[settings.PORTAL_SESSION_COOKIE].value
    session = PortalSession.objects.get()
    assert session.token_hash != raw and len(session.token_hash) == 64
    assert abs((session.expires_at - session.created_at) - timedelta(days=30)) < timedelta(seconds=1)
    assert _dashboard_ok(http)


def test_expired_session_redirects_to_login_and_clears_cookie(world):
    http = portal_client(world.contact)
    PortalSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = http.get(DASH)
    assert response.status_code == 302
    assert response["Location"].startswith("/p/alpha/login")
    assert response.cookies[settings.PORTAL_SESSION_COOKIE].value == ""


def test_logout_ends_the_session(world):
    http = portal_client(world.contact)
    raw = http.cookies[settings.PORTAL_SESSION_COOKIE].value
    assert http.get(reverse("portal:logout", kwargs={"slug": "alpha"})).status_code == 405  # POST only
    response = http.post(reverse("portal:logout", kwargs={"slug": "alpha"}))
    assert response.status_code == 302
    session = PortalSession.objects.get()
    assert session.ended_at is not None and session.ended_reason == "logout"
    # Even a copy of the old cookie is dead now.
    http.cookies[settings.PORTAL_SESSION_COOKIE] = raw
    assert not _dashboard_ok(http)


def test_revoke_sessions_signs_everyone_out_but_keeps_access(world):
    a = portal_client(world.contact)
    second = Contact.objects.create(client=world.client, email="lee@secretco.example")
    b = portal_client(second)
    other = portal_client(world.other_contact)
    ended = services.revoke_client_sessions(client=world.client, actor=world.owner)
    assert ended == 2
    assert not _dashboard_ok(a) and not _dashboard_ok(b)
    assert _dashboard_ok(other)  # another client's contacts are untouched
    assert _dashboard_ok(portal_client(Contact.objects.get(pk=world.contact.pk)))  # can sign in again


def test_disable_portal_ends_sessions_and_blocks_new_links(world):
    http = portal_client(world.contact)
    url = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    services.disable_portal(client=world.client, actor=world.owner)
    assert not _dashboard_ok(http)
    assert use_link(http, url).status_code == 400  # outstanding link dead too
    with pytest.raises(services.PortalAccessError):
        services.issue_magic_link(contact=Contact.objects.get(pk=world.contact.pk), purpose=LinkPurpose.LOGIN)


def test_revoked_contact_mid_session_is_out_at_once(world):
    http = portal_client(world.contact)
    assert _dashboard_ok(http)
    services.revoke_contact(contact=world.contact, actor=world.owner)
    response = http.get(DASH)
    assert response.status_code == 302
    assert PortalSession.objects.get().ended_reason == "access_revoked"


def test_login_rotates_the_session(world):
    http = portal_client(world.contact)
    old = http.cookies[settings.PORTAL_SESSION_COOKIE].value
    url = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    use_link(http, url)
    new = http.cookies[settings.PORTAL_SESSION_COOKIE].value
    assert new != old
    sessions = PortalSession.objects.order_by("created_at")
    assert sessions[0].ended_reason == "rotated" and sessions[1].ended_at is None


def test_last_seen_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    http = portal_client(world.contact)
    session = PortalSession.objects.get()
    stamp = session.last_seen_at
    for _ in range(3):
        http.get(DASH)
    session.refresh_from_db()
    assert session.last_seen_at == stamp  # no write per request
    PortalSession.objects.filter(pk=session.pk).update(last_seen_at=timezone.now() - timedelta(minutes=2))
    # Two minutes on for the kept dashboard too (accounts/kept_pages.py), whose entry ends when a write is due.
    later = timezone.now() + timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        http.get(DASH)
    session.refresh_from_db()
    contact = Contact.objects.get(pk=world.contact.pk)
    assert timezone.now() - session.last_seen_at < timedelta(seconds=5)
    assert contact.last_access_at == session.last_seen_at


def test_portal_session_is_not_a_staff_login_and_vice_versa(world):
    contact_http = portal_client(world.contact)
    response = contact_http.get(reverse("accounts:client-list"))
    assert response.status_code == 302 and "/app/login" in response["Location"]
    owner_http = staff_client(world.owner)
    response = owner_http.get(DASH)
    assert response.status_code == 302 and response["Location"].startswith("/p/alpha/login")


def test_session_cookie_of_one_workspace_is_useless_in_another(world):
    http = portal_client(world.contact)
    raw = http.cookies[settings.PORTAL_SESSION_COOKIE].value
    http.cookies[settings.PORTAL_SESSION_COOKIE] = raw
    http.cookies[settings.PORTAL_SESSION_COOKIE]["path"] = "/"
    assert http.get("/p/bravo/").status_code == 302


def test_next_parameter_only_returns_inside_the_portal(world, client):
    url = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    response = use_link(client, url, next="https://evil.example/steal")
    assert response["Location"] == DASH
    url = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    response = use_link(client, url, next="/p/alpha/?tab=x")
    assert response["Location"] == "/p/alpha/?tab=x"
