"""The portal's proposal list shows, for an accepted proposal, the total the client signed for (with the
optional items they chose), not the version's total with its default selection."""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from proposals import signing
from tests.conftest import portal_client
from tests.proposals.helpers import items_by_name, sent_proposal, signer

pytestmark = pytest.mark.django_db


class _Cells(HTMLParser):
    """{proposal id: {data-label: (data-total, text)}} from the list's rows."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, tuple[str | None, str]]] = {}
        self._row: str | None = None
        self._cell: tuple[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-proposal" in a:
            self._row = a["data-proposal"]
            self.rows[self._row] = {}
        elif tag == "td" and self._row is not None:
            self._cell, self._text = (a.get("data-label", ""), a.get("data-total")), []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            label, total = self._cell
            self.rows[self._row][label] = (total, " ".join("".join(self._text).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._text.append(data)


def _list_rows(world) -> dict:
    response = portal_client(world.contact).get(reverse("portal:proposal-list", kwargs={"slug": "alpha"}))
    assert response.status_code == 200
    parser = _Cells()
    parser.feed(response.content.decode())
    return parser.rows


def test_accepted_proposal_lists_the_accepted_total_with_chosen_items(world):
    accepted = sent_proposal(world, "Website redesign")
    waiting = sent_proposal(world, "Logo refresh")
    items = items_by_name(accepted.current_version)
    signature = signing.accept_proposal(
        proposal=accepted,
        signer=signer(world.contact),
        version_id=accepted.current_version_id,
        selected_item_ids=[items["Copywriting"].pk, items["Hosting, first year"].pk],
    )
    # Design 4,000 + Build 5,500 + Copywriting 1,200 + Hosting 300, taxed 20%; the default selection
    # (without Copywriting) totals 11,760.
    assert signature.total == Decimal("13200")
    assert accepted.current_version.total == Decimal("11760")

    rows = _list_rows(world)
    total, text = rows[str(accepted.pk)]["Accepted total"]
    assert Decimal(total) == Decimal("13200") and text == "€13,200.00"
    assert "Total" not in rows[str(accepted.pk)]
    # An open proposal still shows its total with the default selection.
    total, text = rows[str(waiting.pk)]["Total"]
    assert Decimal(total) == Decimal("11760") and text == "€11,760.00"
