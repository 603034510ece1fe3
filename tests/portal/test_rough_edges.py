"""What a new user tripped over (issue "rough edges"): each behaviour pinned by a test."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Workspace
from assessments.models import Status
from core import colour
from core.templatetags.core_tags import possessive
from tests.conftest import portal_client, staff_client
from tests.factories import AssessmentAccessFactory, AssessmentFactory, EvidenceRequestFactory


def _dash(http):
    return http.get(reverse("portal:dashboard", args=["alpha"]))


def test_dashboard_cards_add_up(world, ev):
    for status in (
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.ACCEPTED,
        Status.WAIVED,
        Status.CHANGES_REQUESTED,
    ):
        EvidenceRequestFactory(assessment=ev.assessment, status=status)
    response = _dash(portal_client(world.contact))
    widget = next(w for w in response.context["widgets"] if w.section.key == "assessments")
    summary = str(widget.html)
    body = response.content.decode()
    assert 'data-count="total">6<' in body and 'data-count="in_review">2<' in body
    assert "1 open · 1 changes requested · 2 in review (1 being reviewed) · 1 accepted · 1 waived" in summary


def test_overdue_is_only_shown_to_the_client_while_it_is_theirs(world, ev):
    past = timezone.localdate() - timedelta(days=3)
    handed_in = EvidenceRequestFactory(assessment=ev.assessment, status=Status.SUBMITTED, due_date=past)
    still_theirs = EvidenceRequestFactory(
        assessment=ev.assessment, status=Status.CHANGES_REQUESTED, due_date=past
    )
    assert handed_in.is_overdue and not handed_in.is_overdue_for_client  # staff still see it late
    assert still_theirs.is_overdue_for_client
    http = portal_client(world.contact)
    page = http.get(reverse("portal:request-detail", args=["alpha", handed_in.pk])).content.decode()
    assert "Overdue" not in page
    page = http.get(reverse("portal:request-detail", args=["alpha", still_theirs.pk])).content.decode()
    assert "Overdue" in page


def test_staff_preview_renders_no_write_controls(world, ev):
    owner = staff_client(world.owner)
    owner.post(reverse("accounts:portal-preview", args=[world.client.pk, world.contact.pk]))
    page = owner.get(reverse("portal:request-detail", args=["alpha", ev.request.pk]))
    assert page.status_code == 200 and page.wsgi_request.portal_preview
    body = page.content.decode()
    for control in ("data-upload-form", "data-dropzone", 'id="submit-review"', "Send message", "/delete"):
        assert control not in body, control
    assert "Preview mode: messages are read-only." in body
    # The contact themself gets the controls.
    body = portal_client(world.contact).get(reverse("portal:request-detail", args=["alpha", ev.request.pk]))
    assert "data-dropzone" in body.content.decode()


def test_assessments_page_goes_straight_to_the_only_assessment(world, ev):
    http = portal_client(world.contact)
    response = http.get(reverse("portal:assessment-list", args=["alpha"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:assessment-detail", args=["alpha", ev.assessment.pk])
    second = AssessmentFactory(client=world.client, name="SAQ D 2027")
    AssessmentAccessFactory(assessment=second, contact=world.contact)
    EvidenceRequestFactory(assessment=second, status=Status.CHANGES_REQUESTED)
    response = http.get(reverse("portal:assessment-list", args=["alpha"]))
    assert response.status_code == 200
    rows = {a.name: a for a in response.context["assessments"]}
    assert set(rows) == {"PCI DSS ROC 2026", "SAQ D 2027"}
    assert rows["SAQ D 2027"].to_do == 1 and rows["PCI DSS ROC 2026"].to_do == 1
    assert "summary-cards" not in response.content.decode()  # not the dashboard again


def test_possessive_never_says_s_s():
    assert possessive("Acme Payments") == "Acme Payments'"
    assert possessive("Jordan") == "Jordan's"


def test_staff_thread_speaks_to_staff(world, ev):
    url = reverse("assessments:request-detail", args=[ev.assessment.pk, ev.request.pk])
    body = staff_client(world.owner).get(url).content.decode()
    assert "Questions about this request? Ask here." not in body
    assert "Write to the client about this request here" in body


def test_no_remove_logo_box_without_a_logo(world):
    body = staff_client(world.owner).get(reverse("accounts:settings"))
    assert "remove_logo" not in body.context["form"].fields


@pytest.mark.parametrize("debug", [True, False])
def test_product_404_page_in_both_modes(world, settings, debug):
    settings.DEBUG = debug
    response = portal_client(world.contact).get("/p/alpha/requests/999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body and "Go to Alpha Assurance" in body
    assert "Using the URLconf" not in body and "Traceback" not in body


@pytest.mark.parametrize("accent", ["#facc15", "#ffffff", "#4f46e5", "#000000", "#22c55e"])
def test_links_and_focus_read_on_light_and_dark_surfaces_whatever_the_accent(accent):
    ws = Workspace(name="W", slug="w", accent_color=accent)
    for surface in colour.LIGHT_SURFACES:
        assert colour.contrast(ws.link_colour_light, surface) >= 4.5
    for surface in colour.DARK_SURFACES:
        assert colour.contrast(ws.link_colour_dark, surface) >= 4.5
    assert colour.contrast(ws.accent_contrast, accent) >= 4.5


def test_a_yellow_accent_gets_readable_links_in_the_page_and_mail(world):
    Workspace.objects.filter(pk=world.ws.pk).update(accent_color="#facc15")
    from django.test import Client

    body = Client().get(reverse("portal:login", args=["alpha"])).content.decode()
    ws = Workspace.objects.get(pk=world.ws.pk)
    assert f"--link:{ws.link_colour_light}" in body and f"--link:{ws.link_colour_dark}" in body
    assert ws.link_colour_light != "#facc15"


def test_history_refreshes_after_a_message(world, ev, contact_http):
    url = reverse("portal:request-messages", args=["alpha", ev.request.pk])
    response = contact_http.post(url, {"body": "Here it is"}, headers={"hx-request": "true"})
    assert response["HX-Trigger"] == "evidence-changed"
    page = contact_http.get(reverse("portal:request-detail", args=["alpha", ev.request.pk])).content.decode()
    assert 'hx-trigger="evidence-changed from:body"' in page
    fragment = contact_http.get(
        reverse("portal:request-detail", args=["alpha", ev.request.pk]),
        headers={"hx-request": "true", "hx-target": "history"},
    ).content.decode()
    assert fragment.lstrip().startswith("{#") is False and 'id="history"' in fragment
    assert "<html" not in fragment and "wrote on" not in fragment and "wrote a message" in fragment


def test_preview_facts_show_a_type_name_not_a_mime_type(world, ev):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from tests.factories import EvidenceFileFactory

    record = EvidenceFileFactory(
        request=ev.request,
        file=default_storage.save("evidence/x/exe", ContentFile(b"MZ" + b"\0" * 100)),
        original_name="tool.exe",
        content_type="application/x-msdownload",
    )
    body = (
        staff_client(world.owner).get(reverse("assessments:file-preview", args=[record.pk])).content.decode()
    )
    assert "application/x-msdownload" not in body


def test_assessments_widget_only_where_the_client_is_assessed(world):
    http = portal_client(world.contact)
    keys = [w.section.key for w in _dash(http).context["widgets"]]
    assert "assessments" not in keys  # an agency's client is not shown "0 requests"
    AssessmentFactory(client=world.client, name="Not shared with Pat")
    response = _dash(http)
    assert "assessments" in [w.section.key for w in response.context["widgets"]]
    assert "No assessments have been shared with you yet." in response.content.decode()
