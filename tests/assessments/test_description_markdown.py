"""Request descriptions: Markdown rendered once when saved (stored sanitised HTML, shown by every page),
with a parser whose work is linear in the input, and a length cap in the form."""

from __future__ import annotations

import importlib
import sys

import pytest
from django.apps import apps
from django.test import override_settings
from django.urls import reverse

from assessments.markup import render_markdown
from assessments.models import EvidenceRequest
from assessments.services import import_requests, update_request
from tests.conftest import portal_client

pytestmark = pytest.mark.django_db

HOSTILE = ["[", "![", "*a", "[a](", "<", "> ", "_a", "`a"]


def _detail(ev, evidence=None) -> str:
    evidence = evidence or ev.request
    return reverse("assessments:request-detail", args=[ev.assessment.pk, evidence.pk])


def test_description_is_rendered_when_saved_and_pages_show_the_stored_html(world, ev, owner_http):
    ev.request.description = "Provide the **current** diagram <script>alert(1)</script>"
    ev.request.save()
    ev.request.refresh_from_db()
    assert ev.request.description_html.startswith("<p>Provide the <strong>current</strong> diagram")
    assert "<script" not in ev.request.description_html
    # Pages show what was stored: they never parse Markdown while answering.
    EvidenceRequest.objects.filter(pk=ev.request.pk).update(description_html="<p>stored <em>once</em></p>")
    assert "<p>stored <em>once</em></p>" in owner_http.get(_detail(ev)).content.decode()
    portal = portal_client(world.contact).get(reverse("portal:request-detail", args=["alpha", ev.request.pk]))
    assert "<p>stored <em>once</em></p>" in portal.content.decode()


def test_updates_and_imports_render_too(world, ev):
    update_request(evidence=ev.request, actor=world.owner, description="*changed*")
    ev.request.refresh_from_db()
    assert ev.request.description_html.strip() == "<p><em>changed</em></p>"
    (created,) = import_requests(
        assessment=ev.assessment,
        actor=world.owner,
        rows=[{"requirement": "9.9", "title": "Imported", "description": "a `code` span", "tags": ""}],
    )
    created = EvidenceRequest.objects.get(pk=created.pk)
    assert created.description_html.strip() == "<p>a <code>code</code> span</p>"


def test_migration_backfills_existing_rows(world, ev):
    EvidenceRequest.objects.filter(pk=ev.request.pk).update(description="**old row**", description_html="")
    migration = importlib.import_module("assessments.migrations.0003_evidencerequest_description_html")
    migration.backfill(apps, None)
    ev.request.refresh_from_db()
    assert ev.request.description_html.strip() == "<p><strong>old row</strong></p>"


@override_settings(EVIDENCE_DESCRIPTION_MAX_CHARS=100)
def test_form_refuses_a_description_over_the_cap(world, ev, owner_http):
    url = reverse("assessments:request-create", kwargs={"assessment_id": ev.assessment.pk})
    data = {"requirement": "10.1", "title": "Logs", "priority": "high", "tags": ""}
    response = owner_http.post(url, {**data, "description": "x" * 101})
    assert response.status_code == 200
    assert response.context["form"].errors["description"]
    assert not EvidenceRequest.objects.filter(title="Logs").exists()
    assert owner_http.post(url, {**data, "description": "x" * 100}).status_code == 302


def test_ten_thousand_brackets_render_as_text():
    html = render_markdown("[" * 10_000)
    assert html.count("[") == 10_000 and html.startswith("<p>")


def _python_lines(text: str) -> int:
    """Python lines executed while rendering: the work a quadratic pure-Python parser cannot hide."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        render_markdown(text)
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("unit", HOSTILE)
def test_rendering_work_grows_linearly_with_hostile_input(unit):
    # Python-Markdown scanned forward from every "[" (24 s for 10,000 of them); four times the input may
    # cost about four times the work, never sixteen.
    small, large = _python_lines(unit * 500), _python_lines(unit * 2000)
    assert large <= 5 * max(small, 50)
    html = render_markdown(unit * 20_000)
    assert 0 < len(html) < 40 * len(unit * 20_000)
