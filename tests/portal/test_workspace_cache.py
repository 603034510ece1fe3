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
