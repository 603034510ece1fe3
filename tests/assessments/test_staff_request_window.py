"""The staff assessment page lists requests in windows of 100 with "Show more" (filters and sort kept);
the status counts cover every request; titles are escaped in the page and the htmx fragment."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from assessments.models import EvidenceRequest
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "show-more"}


def _assessment(world, n: int, title: str = "Request {i}", priority: str = "high"):
    assessment = AssessmentFactory(client=world.client)
    EvidenceRequest.objects.bulk_create(
        [
            EvidenceRequest(
                assessment=assessment,
                requirement=f"2.{i + 1}",
                requirement_key=f"{i:08d}",
                title=title.format(i=i),
                priority=priority if i % 2 else "low",
            )
            for i in range(n)
        ]
    )
    return assessment


def _url(assessment) -> str:
    return reverse("assessments:assessment-detail", kwargs={"assessment_id": assessment.pk})


def test_windows_in_natural_order_with_filters_kept(world, owner_http):
    assessment = _assessment(world, 420)
    page = owner_http.get(_url(assessment), {"sort": "req", "priority": "high"})
    assert page.status_code == 200
    assert page.context["counts"]["total"] == 420  # counts cover every request
    expected = [f"2.{i + 1}" for i in range(1, 420, 2)]
    assert [r.requirement for r in page.context["requests"]] == expected[:100]
    assert page.content.decode().count('id="request-') == 100
    window = page.context["window"]
    assert window.total == 210
    query = parse_qs(urlsplit("?" + window.fragment_query).query)
    assert query == {"sort": ["req"], "priority": ["high"], "rows": ["200"], "start": ["100"]}
    second = owner_http.get(f"{_url(assessment)}?{window.fragment_query}", **HTMX)
    assert second.templates[0].name == "assessments/_request_rows.html"
    assert [r.requirement for r in second.context["requests"]] == expected[100:200]
    assert second.context["requests"][0].edit_url == reverse(
        "assessments:request-edit",
        kwargs={"assessment_id": assessment.pk, "request_id": second.context["requests"][0].pk},
    )
    for junk in ("x", "-1", "0", "10000000000"):
        assert owner_http.get(_url(assessment), {"rows": junk, "start": junk}).status_code == 200
        assert owner_http.get(_url(assessment), {"rows": junk, "start": junk}, **HTMX).status_code == 200


def test_titles_are_escaped_in_page_and_fragment(world, owner_http):
    assessment = _assessment(world, 130, title=XSS + " {i}")
    for response in (
        owner_http.get(_url(assessment)),
        owner_http.get(_url(assessment), {"rows": "200", "start": "100"}, **HTMX),
    ):
        body = response.content.decode()
        assert response.status_code == 200
        assert XSS not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_query_count_is_flat_at_30_and_300_rows(world, owner_http, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, big = _assessment(world, 30), _assessment(world, 300)
    owner_http.get(_url(small))
    with CaptureQueriesContext(connection) as ctx:
        owner_http.get(_url(small), {"rows": "5000"})
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        response = owner_http.get(_url(big), {"rows": "5000"})
    assert len(response.context["requests"]) == 300
