"""Long lists that stay cheap: windows of rows with "Show more", and per-row values computed once.

A list page shows its first `WINDOW` rows and a "Show more" link. The link is a plain GET
(`?…&rows=200`: the same page with more rows, so it works without JavaScript and the URL keeps the
state); htmx asks the same URL with `start=` for only the rows after the ones shown and appends them.
Counts and totals are computed over every row, never over the window.

Row templates stay flat and cheap: what a row shows (its URL, labels, badge tones, dates) is computed
here in Python once per row or once per list (a URL prefix reversed once, a date formatted once per
distinct date), not by a `{% url %}` and filters per row. Nothing here marks a value safe: templates
escape every value as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.formats import date_format

WINDOW = 100  # rows in the first window, and added by each "Show more"
MAX_ROWS = 5000  # `rows` is user input: bounded


def bounded_int(value: str | None, *, default: int, low: int, high: int) -> int:
    """A query-string integer clamped to [low, high]; junk gives the default (never a 500)."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 9:
        return default
    return max(low, min(high, int(value)))


@dataclass
class Window:
    rows: list
    total: int  # every row of the (filtered) list
    start: int  # index of this window's first row
    shown: int  # rows on the page once this window is in place
    next_query: str  # the page with the next window too (the link's href and the pushed URL)
    fragment_query: str  # only the next window's rows (the htmx request)

    @property
    def has_more(self) -> bool:
        return self.shown < self.total

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.shown)

    @property
    def next_count(self) -> int:
        return min(WINDOW, self.remaining)


def window(request: HttpRequest, queryset, *, total: int | None = None) -> Window:
    """The rows to render for this request: the first `rows` (default 100) of `queryset`, or, for the
    htmx "Show more" request (`start=`), only those after `start`. The queryset's order is kept."""
    shown = bounded_int(request.GET.get("rows"), default=WINDOW, low=1, high=MAX_ROWS)
    start = 0
    if getattr(request, "htmx", False):
        start = bounded_int(request.GET.get("start"), default=0, low=0, high=shown)
    if total is None:
        total = queryset.count()
    shown = min(shown, total)
    rows = list(queryset[start:shown])
    query: QueryDict = request.GET.copy()
    query.pop("start", None)
    query["rows"] = str(min(shown + WINDOW, MAX_ROWS))
    next_query = query.urlencode()
    query["start"] = str(shown)
    return Window(
        rows=rows,
        total=total,
        start=start,
        shown=shown,
        next_query=next_query,
        fragment_query=query.urlencode(),
    )


def wants_window_fragment(request: HttpRequest) -> bool:
    """The htmx "Show more" request: answer with the next rows only."""
    return bool(getattr(request, "htmx", False)) and "start" in request.GET


SENTINEL = 987654321


def url_maker(viewname: str, pk_kwarg: str, **kwargs: Any) -> Callable[[int], str]:
    """`pk → URL` for one view, reversing once: the URL for a sentinel pk is split around it, so each row
    only joins strings (a `{% url %}` per row resolves the pattern every time)."""
    url = reverse(viewname, kwargs={**kwargs, pk_kwarg: SENTINEL})
    head, _, tail = url.rpartition(str(SENTINEL))
    return lambda pk: f"{head}{int(pk)}{tail}"


class DateLabels:
    """`date → "Mar 4, 2026"` (and its ISO form) formatted once per distinct date of a list."""

    def __init__(self, fmt: str = "M j, Y") -> None:
        self.fmt = fmt
        self._seen: dict[date, str] = {}

    def __call__(self, value: date | None) -> str:
        if value is None:
            return ""
        text = self._seen.get(value)
        if text is None:
            text = self._seen[value] = date_format(value, self.fmt)
        return text
