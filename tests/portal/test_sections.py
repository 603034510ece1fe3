"""The section registry (core/sections.py, portal/sections.py): a section added by an app of its own shows up
in the portal nav, the dashboard, the client's feed and the staff toggles, and its URLs answer 404 while it
is hidden — with no change to portal/ or accounts/."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.services import set_visibility
from activity import verbs
from activity.services import record_event
from core import sections
from tests.conftest import portal_client, staff_client


@pytest.fixture
def widgets_app(world):
    """Install tests.sectionapp (its ready() registers the section and verbs); put the registries back after."""
    from django.test.utils import override_settings

    with override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.sectionapp"], ROOT_URLCONF="tests.sectionapp.urls"
    ):
        assert sections.get_section("widgets") is not None
        yield
    sections.unregister_section("widgets")
    verbs.unregister("widget.delivered")
    verbs.unregister("widget.audited")


def _nav_keys(response, only=("dashboard", "assessments", "widgets")) -> list[str]:
    """The nav's keys among `only` (other apps' sections, e.g. projects, sit between them)."""
    return [item.key for item in response.context["portal_nav"] if item.key in only]


def _widget_keys(response, only=("assessments", "widgets")) -> list[str]:
    return [w.section.key for w in response.context["widgets"] if w.section.key in only]


def test_a_section_from_its_own_app_shows_everywhere_and_hides_at_once(world, widgets_app):
    from tests.assessments.conftest import make_evidence

    make_evidence(world)  # the client is assessed too: its widget shows beside the new one, in order
    record_event(workspace=world.ws, client=world.client, verb="widget.delivered", target=world.client)
    record_event(workspace=world.ws, client=world.client, verb="widget.audited", target=world.client)
    http = portal_client(world.contact)
    dashboard = http.get(reverse("portal:dashboard", args=["alpha"]))
    assert _nav_keys(dashboard) == ["dashboard", "assessments", "widgets"]  # registry order
    assert _widget_keys(dashboard) == ["assessments", "widgets"]
    body = dashboard.content.decode()
    assert "WIDGET-DASHBOARD 7 for Pat Secret" in body
    feed_verbs = [e.verb for e in dashboard.context["events"]]
    assert "widget.delivered" in feed_verbs and "widget.audited" not in feed_verbs  # staff-only verb
    assert "received widget" in body and "audited widget" not in body
    assert http.get(reverse("portal:widget-list", args=["alpha"])).content == b"WIDGET-LIST-PAGE"
    # Staff see a toggle for it on the client page.
    owner = staff_client(world.owner)
    hub = owner.get(reverse("accounts:client-detail", kwargs={"client_id": world.client.pk}))
    assert "show_widgets" in hub.context["visibility_form"].fields

    owner.post(
        reverse("accounts:portal-visibility", kwargs={"client_id": world.client.pk}),
        {"show_assessments": "on"},
    )
    dashboard = http.get(reverse("portal:dashboard", args=["alpha"]))
    assert _nav_keys(dashboard) == ["dashboard", "assessments"]
    assert _widget_keys(dashboard) == ["assessments"]
    assert "widget.delivered" not in [e.verb for e in dashboard.context["events"]]
    assert "WIDGET-DASHBOARD" not in dashboard.content.decode()
    assert http.get(reverse("portal:widget-list", args=["alpha"])).status_code == 404


def test_hiding_assessments_hides_its_nav_widget_feed_and_urls(world):
    from tests.assessments.conftest import make_evidence

    ev = make_evidence(world)
    http = portal_client(world.contact)
    detail = reverse("portal:request-detail", args=["alpha", ev.request.pk])
    assert http.get(detail).status_code == 200
    set_visibility(client=world.client, actor=world.owner, hidden={"assessments"})
    dashboard = http.get(reverse("portal:dashboard", args=["alpha"]))
    assert _nav_keys(dashboard) == ["dashboard"]
    assert _widget_keys(dashboard) == []
    assert not [e for e in dashboard.context["events"] if e.verb.startswith(("evidence.", "assessment."))]
    for url in (reverse("portal:assessment-list", args=["alpha"]), detail):
        assert http.get(url).status_code == 404


def test_sections_come_in_a_stable_order():
    keys = [s.key for s in sections.sections()]
    assert keys == sorted(keys, key=lambda k: (sections.get_section(k).order, k))
    assert "assessments" in keys
