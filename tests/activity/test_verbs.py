"""The verb registry (activity/verbs.py): every verb is worded for both audiences, no raw code is ever
rendered, and a client's feed shows only client-audience verbs of the sections visible to them."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.services import set_visibility
from activity import verbs
from activity.models import Event
from activity.services import record_event
from portal.sections import client_feed
from tests.conftest import portal_client, staff_client

# Internal events the issue names: a client must never see these.
INTERNAL = {
    "portal.disabled",
    "contact.revoked",
    "portal.visibility_changed",
    "assessment.package_ready",
    "assessment.integrity_verified",
}


def _one_event_per_verb(world) -> list[Event]:
    from tests.assessments.conftest import make_evidence

    ev = make_evidence(world)
    events = []
    for verb in verbs.all_verbs():
        data = {"assessment_id": ev.assessment.pk} if verb.section == "assessments" else {}
        events.append(
            record_event(
                workspace=world.ws,
                client=world.client,
                verb=verb.code,
                actor_user=world.owner,
                target=ev.request,
                data=data,
            )
        )
    return events


def test_every_verb_is_worded_for_both_audiences_and_no_code_is_shown(world):
    events = _one_event_per_verb(world)
    assert {e.verb for e in events} >= INTERNAL
    staff_html = render_to_string("activity/_feed.html", {"events": events, "audience": "staff"})
    client_html = render_to_string("activity/_feed.html", {"events": events, "audience": "client"})
    for verb in verbs.all_verbs():
        assert verb.label("staff") and verb.label("client")
        assert verb.label("staff") in staff_html, verb.code
        assert verb.code not in staff_html and verb.code not in client_html


def test_client_feed_shows_only_client_verbs_of_visible_sections(world):
    _one_event_per_verb(world)
    client_verbs = {v.code for v in verbs.all_verbs() if v.audience == verbs.CLIENT}
    shown = {e.verb for e in client_feed(world.contact, limit=500)}
    assert shown == client_verbs
    assert not shown & INTERNAL
    # The dashboard, as the contact sees it: client wording, nothing internal, no codes.
    body = portal_client(world.contact).get(reverse("portal:dashboard", args=["alpha"])).content.decode()
    for code in INTERNAL:
        assert verbs.get(code).label("staff") not in body
    assert not [v.code for v in verbs.all_verbs() if v.code in body]
    # Hide the Assessments section: its verbs leave the feed at once.
    set_visibility(client=world.client, actor=world.owner, hidden={"assessments"})
    world.contact.client.refresh_from_db()
    shown = {e.verb for e in client_feed(world.contact, limit=500)}
    assert not {v for v in shown if verbs.get(v).section == "assessments"}


def test_staff_pages_word_every_verb(world):
    _one_event_per_verb(world)
    owner = staff_client(world.owner)
    for url in (
        reverse("accounts:activity"),
        reverse("accounts:client-detail", kwargs={"client_id": world.client.pk}),
    ):
        body = owner.get(url).content.decode()
        assert not [v.code for v in verbs.all_verbs() if v.code in body], url
    # Every verb has one event, more than a page's worth: the wording may be on any page.
    pages = [owner.get(reverse("accounts:activity"), {"page": n}).content.decode() for n in (1, 2, 3)]
    assert any("built an evidence package of" in page for page in pages)


def test_an_unregistered_verb_is_refused(world):
    with pytest.raises(verbs.UnknownVerb):
        record_event(workspace=world.ws, verb="nobody.registered_this")
    assert not Event.objects.filter(verb="nobody.registered_this").exists()


def test_a_verb_needs_a_known_audience():
    with pytest.raises(ValueError):
        verbs.Verb("x.y", "did", audience="everyone")
