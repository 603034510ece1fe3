from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Contact, LinkPurpose, MagicLink, PortalSession
from accounts.tokens import hash_token
from activity.models import Event, OutboxMessage
from tests.conftest import open_link, split_link, use_link

pytestmark = pytest.mark.django_db(transaction=True)


def _link_for(contact) -> str:
    return services.issue_magic_link(contact=contact, purpose=LinkPurpose.LOGIN)


def _link_from_mail(message) -> str:
    match = re.search(r"(/p/[-\w]+/auth#t=[-\w]+)", message.body)
    assert match, message.body
    return match.group(1)


def test_token_is_long_random_and_only_its_hash_is_stored(world):
    url = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    path, raw = split_link(url)
    assert path == "/p/alpha/auth" and raw not in path  # the token is only in the fragment
    assert len(raw) >= 43  # 32 bytes, base64url
    link = MagicLink.objects.get()
    assert link.token_hash == hash_token(raw)
    assert raw not in link.token_hash
    assert link.expires_at - link.created_at == timedelta(minutes=15)
    assert link.workspace == world.ws


def test_get_shows_confirmation_and_does_not_spend_the_link(world, client):
    link = _link_for(world.contact)
    for _ in range(3):  # a mail scanner prefetching the link (or running its script) changes nothing
        assert client.get(split_link(link)[0]).status_code == 200
        response = open_link(client, link)
        assert response.status_code == 200
        assert b"Sign in" in response.content
        assert settings.PORTAL_SESSION_COOKIE not in response.cookies
    assert MagicLink.objects.get().used_at is None
    assert PortalSession.objects.count() == 0
    assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "same-origin"


def test_post_signs_in_once_and_second_post_fails(world, client):
    link = _link_for(world.contact)
    first = use_link(client, link)
    assert first.status_code == 302
    assert first["Location"] == reverse("portal:dashboard", kwargs={"slug": "alpha"})
    cookie = first.cookies[settings.PORTAL_SESSION_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/p/alpha/"
    assert int(cookie["max-age"]) == 30 * 86400
    assert client.get(first["Location"]).status_code == 200
    assert Event.objects.filter(verb="portal.login", actor_contact=world.contact).count() == 1

    other_browser = client_class_fresh()
    second = use_link(other_browser, link)
    assert second.status_code == 400
    assert b"already been used" in second.content
    assert settings.PORTAL_SESSION_COOKIE not in second.cookies
    assert PortalSession.objects.count() == 1


def client_class_fresh():
    from django.test import Client

    return Client()


def test_expired_link_shows_friendly_page_with_new_link_form(world, client):
    link = _link_for(world.contact)
    MagicLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = use_link(client, link)
    assert response.status_code == 400
    body = response.content.decode()
    assert "expired" in body
    assert "Send me a new link" in body
    assert PortalSession.objects.count() == 0


def test_link_is_bound_to_its_workspace(world, client):
    link = _link_for(world.contact).replace("/p/alpha/", "/p/bravo/")
    response = use_link(client, link)
    assert response.status_code == 400
    assert MagicLink.objects.get().used_at is None


@pytest.mark.parametrize("block", ["revoked", "disabled"])
def test_revoked_contact_or_disabled_portal_cannot_use_a_link(world, client, block):
    link = _link_for(world.contact)
    if block == "revoked":
        services.revoke_contact(contact=world.contact, actor=world.owner)
    else:
        services.disable_portal(client=world.client, actor=world.owner)
    assert open_link(client, link).status_code == 400
    assert use_link(client, link).status_code == 400
    assert PortalSession.objects.count() == 0
    fresh = Contact.objects.select_related("client").get(pk=world.contact.pk)
    with pytest.raises(services.PortalAccessError):
        services.issue_magic_link(contact=fresh, purpose=LinkPurpose.LOGIN)


def test_garbage_token_is_a_friendly_400(world, client):
    response = open_link(client, "/p/alpha/auth#t=not-a-real-token")
    assert response.status_code == 400
    assert b"not valid" in response.content


def test_self_service_login_sends_a_link_only_to_active_contacts(world, client):
    url = reverse("portal:login", kwargs={"slug": "alpha"})
    known = client.post(url, {"email": "PAT@secretco.example"})
    unknown = client.post(url, {"email": "nobody@nowhere.example"})
    other_ws = client.post(url, {"email": world.outsider_contact.email})
    assert known.status_code == unknown.status_code == other_ws.status_code == 200

    # Same words for everyone (no enumeration); only the echoed address differs.
    def normalise(response, email):
        body = response.content.decode().replace(email, "EMAIL")
        body = re.sub(r'nonce="[^"]+"', "", body)
        return re.sub(r'("X-CSRFToken": "|value=")[-\w]{32,}', "", body)

    assert normalise(known, "PAT@secretco.example") == normalise(unknown, "nobody@nowhere.example")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@secretco.example"]
    # The mailed link works.
    assert use_link(client, _link_from_mail(mail.outbox[0])).status_code == 302


def test_login_does_the_same_work_for_known_and_unknown_addresses(world, client):
    """No timing shortcut: the request only writes an outbox row; the lookup happens in the task."""
    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = False
    url = reverse("portal:login", kwargs={"slug": "alpha"})
    try:
        from unittest import mock

        client.get(url)  # the portal's workspace is cached for a few seconds: both POSTs find it there
        with mock.patch("activity.outbox.dispatch") as dispatch:  # keep the broker out of this count
            with CaptureQueriesContext(connection) as known:
                client.post(url, {"email": "pat@secretco.example"})
            with CaptureQueriesContext(connection) as unknown:
                client.post(url, {"email": "nobody@nowhere.example"})
        # Neither request looks the address up: the only table touched besides the workspace is the outbox.
        assert not any("accounts_contact" in q["sql"] for q in known.captured_queries)
        assert [q["sql"].split()[0] for q in known.captured_queries] == [
            q["sql"].split()[0] for q in unknown.captured_queries
        ]
        assert dispatch.call_count == 2
    finally:
        celery_app.conf.task_always_eager = True
    assert OutboxMessage.objects.filter(handler="accounts.login_link_email").count() == 2


@pytest.mark.parametrize("block", ["revoked", "disabled"])
def test_self_service_login_sends_nothing_when_access_is_off(world, client, block):
    if block == "revoked":
        services.revoke_contact(contact=world.contact, actor=world.owner)
    else:
        services.disable_portal(client=world.client, actor=world.owner)
    response = client.post(reverse("portal:login", kwargs={"slug": "alpha"}), {"email": world.contact.email})
    assert response.status_code == 200
    assert b"Check your email" in response.content
    assert mail.outbox == []


def test_login_rate_limit_per_email_answers_429(world, client):
    url = reverse("portal:login", kwargs={"slug": "alpha"})
    codes = [
        client.post(url, {"email": world.contact.email}, REMOTE_ADDR=f"10.0.0.{i}").status_code
        for i in range(7)
    ]
    assert codes[:5] == [200] * 5
    assert codes[5:] == [429, 429]
    assert len(mail.outbox) == 5


def test_login_rate_limit_per_ip_answers_429(world, client):
    url = reverse("portal:login", kwargs={"slug": "alpha"})
    codes = [client.post(url, {"email": f"x{i}@example.com"}).status_code for i in range(22)]
    assert codes.count(200) == 20
    assert codes[-1] == 429
    assert b"Too many requests" in client.post(url, {"email": "y@example.com"}).content


def test_invalid_email_is_a_form_error_not_a_send(world, client):
    response = client.post(reverse("portal:login", kwargs={"slug": "alpha"}), {"email": "not-an-email"})
    assert response.status_code == 200
    assert b"Enter a valid email address" in response.content
    assert OutboxMessage.objects.count() == 0


def test_unknown_workspace_is_404(client):
    assert client.get("/p/no-such-firm/login").status_code == 404


def test_magic_link_command(world):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("magic_link", world.contact.email, workspace="alpha", stdout=out)
    assert re.match(r"^http://[^/]+/p/alpha/auth#t=[-\w]{43,}$", out.getvalue().strip())
    services.revoke_contact(contact=world.contact, actor=world.owner)
    with pytest.raises(CommandError, match="revoked"):
        call_command("magic_link", world.contact.email, workspace="alpha", stdout=StringIO())
    services.disable_portal(client=world.other_client, actor=world.owner)
    with pytest.raises(CommandError, match="disabled"):
        call_command("magic_link", world.other_contact.email, workspace="alpha", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("magic_link", "pat@secretco.example", workspace="bravo", stdout=StringIO())
