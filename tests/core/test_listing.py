"""core.listing: the window bounds what it is asked for, and a URL maker gives what `reverse` gives."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.listing import MAX_ROWS, WINDOW, DateLabels, bounded_int, url_maker, window


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, 100),
        ("", 100),
        ("abc", 100),
        ("-3", 100),
        ("0", 1),
        ("7", 7),
        ("5000", 5000),
        ("5001", 5000),
        ("1" * 40, 100),
        ("٣", 100),
    ],
)
def test_bounded_int(value, expected):
    assert bounded_int(value, default=WINDOW, low=1, high=MAX_ROWS) == expected


def _request(query: str, htmx: bool):
    request = RequestFactory().get("/x/?" + query)
    request.htmx = htmx
    return request


def test_window_slices_and_never_asks_past_the_maximum():
    rows = list(range(10_000))
    w = window(_request("rows=4990&sort=req", False), rows, total=len(rows))
    assert (w.rows[0], w.rows[-1], len(w.rows)) == (0, 4989, 4990)
    assert "rows=5000" in w.next_query and "sort=req" in w.next_query and "start" not in w.next_query
    w = window(_request("rows=5000&start=4990", True), rows, total=len(rows))
    assert w.rows == list(range(4990, 5000)) and "rows=5000" in w.next_query
    w = window(_request("rows=200&start=100", False), rows, total=len(rows))  # no htmx: the whole page
    assert w.rows == list(range(200))


def test_url_maker_matches_reverse():
    make = url_maker("portal:request-detail", "request_id", slug="alpha")
    for pk in (1, 42, 987654321, 10**12):
        assert make(pk) == reverse("portal:request-detail", kwargs={"slug": "alpha", "request_id": pk})


def test_date_labels_match_the_date_filter():
    from datetime import date

    from django.template.defaultfilters import date as date_filter

    labels = DateLabels()
    for d in (date(2026, 3, 4), date(2026, 12, 31), date(2026, 3, 4)):
        assert labels(d) == date_filter(d, "M j, Y")
    assert labels(None) == ""
