"""The portal's workspace per slug is kept a few seconds per process: a second page costs no lookup,
a save (branding, rename) is seen at once, each request gets its own copy, and 0 turns it off."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.workspaces import workspace_for_slug

pytestmark = pytest.mark.django_db


def _workspace_lookups(http, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(url).status_code == 200
    return sum('FROM "accounts_workspace"' in q["sql"] for q in ctx.captured_queries)


def test_second_page_finds_the_workspace_in_the_cache(world, client):
    url = reverse("portal:login", kwargs={"slug": "alpha"})
    assert _workspace_lookups(client, url) == 1
    assert _workspace_lookups(client, url) == 0


def test_a_branding_change_is_seen_at_once(world, contact_http):
    url = reverse("portal:dashboard", kwargs={"slug": "alpha"})
    contact_http.get(url)
    world.ws.accent_color = "#0a7d3b"
    world.ws.name = "Alpha <Renamed>"
    world.ws.save()
    body = contact_http.get(url).content.decode()
    assert "#0a7d3b" in body
    assert "Alpha &lt;Renamed&gt;" in body


def test_each_caller_gets_its_own_copy(world):
    first = workspace_for_slug("alpha")
    first.name = "changed in one request"
    assert workspace_for_slug("alpha").name == "Alpha Assurance"
    assert workspace_for_slug("nope") is None


def test_zero_turns_the_cache_off(world, settings, client):
    settings.WORKSPACE_CACHE_SECONDS = 0
    url = reverse("portal:login", kwargs={"slug": "alpha"})
    assert _workspace_lookups(client, url) == 1
    assert _workspace_lookups(client, url) == 1


# --- Access is never cached: only the workspace row is, and it carries no one's access. -------------------


def _warm(http, world) -> str:
    """The dashboard once, so the workspace is in this process's cache (and stays: no workspace save)."""
    url = reverse("portal:dashboard", kwargs={"slug": "alpha"})
    assert http.get(url).status_code == 200
    assert _workspace_lookups(http, url) == 0  # served from the cache from now on
    return url


def _refused(response) -> bool:
    return response.status_code in (302, 403, 404) and "Secretco" not in response.content.decode()


@pytest.mark.parametrize("how", ["portal disabled", "contact revoked", "sessions revoked"])
def test_access_taken_away_ends_on_the_next_request_with_the_workspace_cached(world, contact_http, how):
    from accounts import services

    url = _warm(contact_http, world)
    if how == "portal disabled":
        services.disable_portal(client=world.client, actor=world.owner)
    elif how == "contact revoked":
        services.revoke_contact(contact=world.contact, actor=world.owner)
    else:
        services.revoke_client_sessions(client=world.client, actor=world.owner)
    assert _refused(contact_http.get(url))


def test_slugs_never_share_an_entry(world):
    assert workspace_for_slug("alpha").pk == world.ws.pk
    assert workspace_for_slug("bravo").pk == world.ws_b.pk
    assert workspace_for_slug("ALPHA") is None  # an exact match, as before the cache
