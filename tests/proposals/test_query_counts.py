"""Lists stay flat: the portal's and the staff's proposal lists and the portal dashboard cost the same
number of queries with 2 proposals as with 12."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import portal_client, staff_client
from tests.proposals.helpers import sent_proposal

pytestmark = pytest.mark.django_db


def _count(http, url) -> int:
    http.get(url)  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_proposal_lists_are_flat(world):
    for n in range(2):
        sent_proposal(world, f"Proposal {n}")
    contact, staff = portal_client(world.contact), staff_client(world.owner)
    urls = [
        (contact, reverse("portal:proposal-list", kwargs={"slug": "alpha"})),
        (contact, reverse("portal:dashboard", kwargs={"slug": "alpha"})),
        (staff, reverse("proposals:proposal-list")),
    ]
    few = [_count(http, url) for http, url in urls]
    for n in range(2, 12):
        sent_proposal(world, f"Proposal {n}")
    assert [_count(http, url) for http, url in urls] == few
