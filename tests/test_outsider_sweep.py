"""The outsider sweep: every URL under /app/ and /p/, filled with workspace A's object ids, requested as
people who must not see A's client "Secretco": workspace B's staff, B's contact, a contact of A's *other*
client, and an anonymous visitor. None may get a 200 that shows Secretco data, and no POST may change
anything.

New URLs are covered automatically: the patterns come from the URLconf. A new URL keyword needs an
entry in ID_FOR below (the test fails loudly until it has one). Every fixture object of A's client has
"Secretco" in a visible field, so one marker finds any leak.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.apps import apps
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import portal_client, staff_client

MARKERS = ("secretco",)
# POSTs that only end the caller's own session: posting them would sign the actor out for the rest of
# the sweep (they are tested on their own).
OWN_SESSION_POSTS = {"accounts:logout", "portal:logout", "accounts:portal-preview-exit"}
BOGUS_TOKEN = "x" * 43

# keyword → how to find workspace A's (Secretco's) object for it
ID_FOR: dict[str, Callable] = {
    "slug": lambda w: w.ws.slug,
    "client_id": lambda w: w.client.pk,
    "contact_id": lambda w: w.contact.pk,
    "token": lambda w: BOGUS_TOKEN,
    "uidb64": lambda w: "MQ",
}

# Extra per-issue fixtures register here: fn(world) -> None that creates Secretco-named objects and
# adds their ids to ID_FOR-style lookups on `world.extra`.
SWEEP_EXTRAS: list[Callable] = []

from tests.assessments.sweep import evidence_sweep_extra  # noqa: E402

SWEEP_EXTRAS.append(evidence_sweep_extra)


def _walk(patterns, prefix="", ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            new_ns = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), new_ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (f"{ns}:{p.name}" if ns else p.name), list(p.pattern.converters)


def swept_patterns():
    found = [
        (route, name, kwargs)
        for route, name, kwargs in _walk(get_resolver().url_patterns)
        if route.startswith(("app/", "p/"))
    ]
    assert found, "no URL patterns under /app/ or /p/"
    return found


def _fill(world, kwargs) -> dict:
    values = {}
    for key in kwargs:
        source = getattr(world, "extra", {}).get(key) or ID_FOR.get(key)
        assert source is not None, f"outsider sweep: add an id for URL keyword {key!r} to ID_FOR"
        values[key] = source(world) if callable(source) else source
    return values


def _snapshot() -> dict:
    """Every row of every Portal model, minus fields that legitimately tick on a read."""
    ignore = {"last_seen_at", "last_access_at"}
    state = {}
    for label in ("accounts", "activity", "assessments", "projects", "proposals", "billing", "portal"):
        for model in apps.get_app_config(label).get_models():
            fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ignore]
            if model.__name__ == "PortalSession":
                fields = [f for f in fields if f != "ended_at" and f != "ended_reason"]
            state[model._meta.label] = sorted(map(repr, model.objects.values_list(*fields)))
    return state


def _leaks(response) -> bool:
    if response.status_code != 200:
        location = response.get("Location", "").lower()
        return any(m in location for m in MARKERS)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return any(m.encode() in body.lower() for m in MARKERS)


@pytest.mark.django_db(transaction=True)
def test_outsiders_never_see_or_change_workspace_a(world):
    world.extra = {}
    for extra in SWEEP_EXTRAS:
        extra(world)
    actors = {
        "anonymous": HttpClient(),
        "b_staff": staff_client(world.outsider_staff),
        "b_contact": portal_client(world.outsider_contact),
        "a_other_client_contact": portal_client(world.other_contact),
    }
    owner = staff_client(world.owner)
    a_contact = portal_client(world.contact)
    problems: list[str] = []
    owner_ok = 0
    patterns = swept_patterns()
    before = _snapshot()
    for route, name, kwargs in patterns:
        url = reverse(name, kwargs=_fill(world, kwargs))
        insider = owner if route.startswith("app/") else a_contact
        if insider.get(url).status_code == 200:
            owner_ok += 1
        for label, http in actors.items():
            urls = [url]
            if route.startswith("p/") and label == "b_contact":
                urls.append(url.replace("/p/alpha/", "/p/bravo/", 1))  # A's ids under B's own portal
            for target in urls:
                got = http.get(target)
                if _leaks(got):
                    problems.append(f"GET {target} as {label}: {got.status_code} shows Secretco data")
                if name in OWN_SESSION_POSTS:
                    continue
                posted = http.post(target, {})
                if _leaks(posted):
                    problems.append(f"POST {target} as {label}: {posted.status_code} shows Secretco data")
        after = _snapshot()
        if after != before:
            changed = [k for k in before if before[k] != after[k]]
            problems.append(f"{url}: outsiders' requests changed {changed}")
            before = after
    assert not problems, "\n".join(problems)
    # The sweep must reach real pages, or it proves nothing.
    assert owner_ok >= len(patterns) // 3, f"only {owner_ok} of {len(patterns)} URLs gave the insider a 200"


def test_every_swept_pattern_is_named():
    for route, name, _ in swept_patterns():
        assert name, f"unnamed URL pattern {route}: name it so the sweep can reverse it"


def _team_ids(world) -> None:
    """A's teammate and a pending teammate invitation (its email says Secretco, so a leak shows)."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Membership, StaffInvite

    world.extra["membership_id"] = Membership.objects.get(user=world.member, workspace=world.ws).pk
    world.extra["invite_id"] = StaffInvite.objects.create(
        workspace=world.ws,
        email="secretco-hire@alpha.example",
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    ).pk


SWEEP_EXTRAS.append(_team_ids)
