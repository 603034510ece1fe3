"""Long portal lists come in windows: the first 100 rows and a "Show more" link (a plain GET with
`rows=`, which htmx turns into a request for the next rows only), in the list's own order, with the
filters kept; counts cover every row; the cost of a page does not grow with the rows behind it; and
what clients and staff typed is escaped in every window and fragment."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AssessmentAccess, EvidenceRequest, Status
from core.listing import MAX_ROWS, WINDOW  # noqa: F401
from tests.conftest import portal_client
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "show-more"}


def seed(world, n: int, *, title: str = "Request {i}", status=None) -> Assessment:
    """`n` requests in requirement order 1.1 … 1.n, due dates spread around today."""
    assessment = AssessmentFactory(client=world.client)
    AssessmentAccess.objects.create(assessment=assessment, contact=world.contact)
    today = timezone.localdate()
    statuses = list(Status.values)
    EvidenceRequest.objects.bulk_create(
        [
            EvidenceRequest(
                assessment=assessment,
                requirement=f"1.{i + 1}",
                requirement_key=f"{i:08d}",
                title=title.format(i=i),
                status=status or statuses[i % len(statuses)],
                priority="high",
                due_date=today + timedelta(days=i % 30 - 10),
            )
            for i in range(n)
        ]
    )
    return assessment


def list_url(assessment) -> str:
    return reverse("portal:assessment-detail", kwargs={"slug": "alpha", "assessment_id": assessment.pk})


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def test_first_window_has_100_rows_a_show_more_link_and_the_full_count(world):
    assessment = seed(world, 250)
    response = portal_client(world.contact).get(list_url(assessment), {"sort": "req"})
    assert response.status_code == 200
    window = response.context["window"]
    assert [r.requirement for r in response.context["requests"]] == [f"1.{i + 1}" for i in range(WINDOW)]
    assert (window.total, window.shown, window.has_more) == (250, 100, True)
    body = response.content.decode()
    assert body.count("data-requirement=") == WINDOW
    assert "250 requests" in body  # the count covers every row, not the window
    assert f'href="?{window.next_query.replace("&", "&amp;")}"' in body  # works without JavaScript
    assert query_of("?" + window.next_query) == {"sort": ["req"], "rows": ["200"]}
    assert query_of("?" + window.fragment_query) == {"sort": ["req"], "rows": ["200"], "start": ["100"]}


def test_show_more_fragment_returns_the_next_rows_in_order_then_the_rest(world):
    assessment = seed(world, 250)
    http = portal_client(world.contact)
    second = http.get(list_url(assessment), {"sort": "req", "rows": "200", "start": "100"}, **HTMX)
    assert second.status_code == 200
    assert second.templates[0].name == "portal/assessments/_request_rows.html"  # rows only, no page
    assert [r.requirement for r in second.context["requests"]] == [f"1.{i + 1}" for i in range(100, 200)]
    assert "<html" not in second.content.decode()
    third_query = second.context["window"].fragment_query
    assert query_of("?" + third_query) == {"sort": ["req"], "rows": ["300"], "start": ["200"]}
    third = http.get(f"{list_url(assessment)}?{third_query}", **HTMX)
    assert [r.requirement for r in third.context["requests"]] == [f"1.{i + 1}" for i in range(200, 250)]
    assert not third.context["window"].has_more
    assert "Show" not in third.content.decode()  # nothing more to show: no link


def test_without_javascript_the_link_shows_the_longer_page(world):
    assessment = seed(world, 150)
    response = portal_client(world.contact).get(list_url(assessment), {"rows": "200", "start": "100"})
    # No htmx: `start` is ignored and the whole page comes with every row up to `rows`.
    assert "portal/assessments/assessment_detail.html" in {t.name for t in response.templates}
    assert "<html" in response.content.decode()
    assert len(response.context["requests"]) == 150


def test_filters_and_sort_are_kept_in_the_show_more_link(world):
    assessment = seed(world, 260, status=Status.OPEN)
    EvidenceRequest.objects.filter(assessment=assessment, requirement_key__gte="00000250").update(
        status=Status.ACCEPTED
    )
    http = portal_client(world.contact)
    response = http.get(list_url(assessment), {"status": "open", "sort": "-req"})
    window = response.context["window"]
    assert window.total == 250
    assert query_of("?" + window.fragment_query) == {
        "status": ["open"],
        "sort": ["-req"],
        "rows": ["200"],
        "start": ["100"],
    }
    nxt = http.get(f"{list_url(assessment)}?{window.fragment_query}", **HTMX)
    rows = nxt.context["requests"]
    assert [r.requirement for r in rows] == [f"1.{i + 1}" for i in range(149, 49, -1)]  # natural, descending
    assert {r.status for r in rows} == {"open"}


@pytest.mark.parametrize(
    ("rows", "shown"),
    [
        ("0", 1),
        ("1", 1),
        ("-5", WINDOW),
        ("abc", WINDOW),
        ("1e9", WINDOW),
        ("99999999999", WINDOW),
        ("999999", 120),
        ("", WINDOW),
        ("50", 50),
    ],
)
def test_rows_is_bounded_and_junk_is_harmless(world, rows, shown):
    assessment = seed(world, 120)
    http = portal_client(world.contact)
    response = http.get(list_url(assessment), {"rows": rows, "start": "junk"})
    assert response.status_code == 200
    assert len(response.context["requests"]) == min(shown, 120)
    fragment = http.get(list_url(assessment), {"rows": rows, "start": "-1"}, **HTMX)
    assert fragment.status_code == 200


def test_rows_never_exceeds_the_maximum(world):
    assessment = seed(world, 5)
    response = portal_client(world.contact).get(list_url(assessment), {"rows": str(MAX_ROWS * 10)})
    assert response.status_code == 200
    assert len(response.context["requests"]) == 5


def test_request_titles_are_escaped_in_the_page_and_in_the_fragment(world):
    assessment = seed(world, 130, title=XSS + " {i}")
    http = portal_client(world.contact)
    for response in (
        http.get(list_url(assessment)),
        http.get(list_url(assessment), {"rows": "200", "start": "100"}, **HTMX),
    ):
        body = response.content.decode()
        assert XSS not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_other_clients_requests_never_appear(world):
    mine = seed(world, 3)
    theirs = AssessmentFactory(client=world.other_client)
    EvidenceRequest.objects.create(assessment=theirs, requirement="9.9", title="Othercorp secret")
    http = portal_client(world.contact)
    assert http.get(list_url(theirs)).status_code == 404
    assert http.get(list_url(theirs), {"rows": "200", "start": "0"}, **HTMX).status_code == 404
    assert "Othercorp secret" not in http.get(list_url(mine), {"rows": "5000"}).content.decode()


def test_query_count_is_flat_at_30_and_300_rows(world, django_assert_max_num_queries):
    http = portal_client(world.contact)
    counts = []
    for n in (30, 300):
        assessment = seed(world, n)
        url = list_url(assessment)
        http.get(url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert http.get(url, {"rows": "5000"}).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        http.get(url, {"rows": "200", "start": "100"}, **HTMX)


def test_overdue_labels_and_file_counts_match_the_models(world):
    from tests.factories import EvidenceFileFactory

    assessment = seed(world, 40)
    for n, evidence in enumerate(EvidenceRequest.objects.filter(assessment=assessment)[:4]):
        EvidenceFileFactory.create_batch(n, request=evidence)
    response = portal_client(world.contact).get(list_url(assessment))
    for r in response.context["requests"]:
        fresh = EvidenceRequest.objects.get(pk=r.pk)
        assert r.overdue == fresh.is_overdue_for_client
        assert r.status_label == fresh.get_status_display()
        assert r.priority_label == fresh.get_priority_display()
        assert r.file_count == fresh.files.count()
        assert r.url == reverse("portal:request-detail", kwargs={"slug": "alpha", "request_id": r.pk})
