from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import services
from activity.models import Event
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


def _start_preview(http, world, contact=None):
    contact = contact or world.contact
    url = reverse(
        "accounts:portal-preview", kwargs={"client_id": contact.client_id, "contact_id": contact.pk}
    )
    return http.post(url)


def test_staff_preview_shows_the_contacts_portal_read_only(world, owner_http):
    services.disable_portal(client=world.client, actor=world.owner)  # preview works even when off
    response = _start_preview(owner_http, world)
    assert response["Location"] == "/p/alpha/"
    page = owner_http.get("/p/alpha/")
    body = page.content.decode()
    assert page.status_code == 200 and "Preview Mode" in body and "Pat Secret" in body
    assert "Log out" not in body
    events = Event.objects.count()
    refused = owner_http.post(reverse("portal:logout", kwargs={"slug": "alpha"}))
    assert refused.status_code == 403 and b"read-only" in refused.content
    refused = owner_http.post(
        reverse("portal:login", kwargs={"slug": "alpha"}), {"email": world.contact.email}
    )
    assert refused.status_code == 403
    assert Event.objects.count() == events


def test_exit_preview(world, owner_http):
    _start_preview(owner_http, world)
    response = owner_http.post(reverse("accounts:portal-preview-exit"))
    assert response["Location"] == reverse("accounts:client-detail", kwargs={"client_id": world.client.pk})
    assert owner_http.get("/p/alpha/").status_code == 302


def test_preview_is_only_for_staff_of_that_workspace(world):
    outsider = staff_client(world.outsider_staff)
    assert _start_preview(outsider, world).status_code == 404
    # A preview flag planted in B-staff's session does not open A's portal.
    session = outsider.session
    session["portal_preview_contact_id"] = world.contact.pk
    session.save()
    assert outsider.get("/p/alpha/").status_code == 302


def test_preview_needs_post(world, owner_http):
    url = reverse(
        "accounts:portal-preview", kwargs={"client_id": world.client.pk, "contact_id": world.contact.pk}
    )
    assert owner_http.get(url).status_code == 405
