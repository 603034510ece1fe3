"""The portal's deliverables list comes in windows of 100, newest first, with the project filter kept in
the "Show more" link; titles and names are escaped in the page and in the htmx fragment."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from projects.models import Deliverable, Project, ProjectStatus
from tests.conftest import portal_client
from tests.projects.test_portal_projects import _deliverables

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "show-more"}


def _list_url() -> str:
    return reverse("portal:deliverable-list", kwargs={"slug": "alpha"})


def _newest_first(project) -> list[int]:
    return list(Deliverable.objects.filter(project=project).values_list("pk", flat=True))  # Meta ordering


def test_first_window_then_the_rest_in_order(world, project):
    _deliverables(project, world.owner, 230)
    http = portal_client(world.contact)
    page = http.get(_list_url())
    assert page.status_code == 200
    order = _newest_first(project)
    assert [d.pk for d in page.context["deliverables"]] == order[:100]
    assert page.content.decode().count("data-deliverable=") == 100
    window = page.context["window"]
    assert (window.total, window.has_more) == (230, True)
    second = http.get(f"{_list_url()}?{window.fragment_query}", **HTMX)
    assert second.templates[0].name == "portal/projects/_deliverable_rows.html"
    assert [d.pk for d in second.context["deliverables"]] == order[100:200]
    third = http.get(f"{_list_url()}?{second.context['window'].fragment_query}", **HTMX)
    assert [d.pk for d in third.context["deliverables"]] == order[200:]
    assert not third.context["window"].has_more


def test_project_filter_is_kept_and_junk_rows_do_not_fail(world, project):
    other = Project.objects.create(
        workspace=world.ws, client=world.client, name="Other", status=ProjectStatus.ACTIVE
    )
    _deliverables(project, world.owner, 120)
    _deliverables(other, world.owner, 5)
    http = portal_client(world.contact)
    page = http.get(_list_url(), {"project": str(project.pk)})
    window = page.context["window"]
    assert window.total == 120
    assert parse_qs(urlsplit("?" + window.fragment_query).query)["project"] == [str(project.pk)]
    nxt = http.get(f"{_list_url()}?{window.fragment_query}", **HTMX)
    assert {d.project_id for d in nxt.context["deliverables"]} == {project.pk}
    for junk in ("x", "-1", "0", "10000000000", "%00"):
        assert http.get(_list_url(), {"rows": junk, "start": junk}).status_code == 200
        assert http.get(_list_url(), {"rows": junk, "start": junk}, **HTMX).status_code == 200


def test_titles_and_project_names_are_escaped_in_page_and_fragment(world, project):
    project.name = XSS
    project.save()
    _deliverables(project, world.owner, 110)
    Deliverable.objects.filter(project=project).update(title=XSS)
    http = portal_client(world.contact)
    for response in (http.get(_list_url()), http.get(_list_url(), {"rows": "200", "start": "100"}, **HTMX)):
        body = response.content.decode()
        assert response.status_code == 200
        assert XSS not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_query_count_is_flat_at_30_and_300_rows(world, project, django_assert_max_num_queries):
    http = portal_client(world.contact)
    _deliverables(project, world.owner, 30)
    http.get(_list_url())
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        http.get(_list_url(), {"rows": "5000"})
    _deliverables(project, world.owner, 270)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        response = http.get(_list_url(), {"rows": "5000"})
    assert len(response.context["deliverables"]) == 300
