"""Headers on every response: Permissions-Policy everywhere, no-store on every signed-in page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import portal_client, staff_client

pytestmark = pytest.mark.django_db


def test_permissions_policy_on_every_response(world, client):
    for url in ["/app/login", "/p/alpha/login", "/p/alpha/auth", "/no-such-page/"]:
        response = client.get(url)
        assert "camera=()" in response["Permissions-Policy"], url


def test_signed_in_staff_pages_are_not_stored(world):
    http = staff_client(world.owner)
    for url in [reverse("accounts:client-list"), reverse("accounts:settings"), reverse("accounts:activity")]:
        response = http.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store", url


def test_signed_in_portal_pages_are_not_stored(world):
    http = portal_client(world.contact)
    response = http.get(reverse("portal:dashboard", kwargs={"slug": "alpha"}))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"


def test_responses_made_by_middleware_get_the_headers_too(world):
    """Preview refusals come from the portal middleware itself, before any view."""
    http = staff_client(world.owner)
    http.post(
        reverse(
            "accounts:portal-preview", kwargs={"client_id": world.client.pk, "contact_id": world.contact.pk}
        )
    )
    response = http.post(reverse("portal:logout", kwargs={"slug": "alpha"}))
    assert response.status_code == 403
    assert "camera=()" in response["Permissions-Policy"] and response["Cache-Control"] == "no-store"
