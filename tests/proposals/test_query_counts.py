"""Lists stay flat: the portal's and the staff's proposal lists and the portal dashboard cost the same
number of queries with 2 proposals as with 12."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import portal_client, staff_client
from tests.proposals.helpers import sent_proposal

pytestmark = pytest.mark.django_db


def _count(http, url) -> int:
    http.get(url)  # warm the session
    cache.clear()  # the page as rendered (its queries), not as kept or from its cached fragments
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


def test_dashboard_widget_lists_only_open_proposals_in_one_query(world, django_assert_num_queries):
    """Sent or viewed and not past their date (`Proposal.is_open`), filtered by the database: at most six
    rows are read however many proposals the client has, and the widget says when there are more."""
    from datetime import timedelta

    from django.utils import timezone

    from proposals.models import Proposal
    from proposals.selectors import WIDGET_LENGTH, proposals_widget

    proposals = [sent_proposal(world, f"Proposal {n}") for n in range(WIDGET_LENGTH + 2)]
    past, today = proposals[0], proposals[1]
    Proposal.objects.filter(pk=past.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    Proposal.objects.filter(pk=today.pk).update(expires_on=timezone.localdate())  # still open today
    contact = type(world.contact).objects.select_related("client").get(pk=world.contact.pk)
    with django_assert_num_queries(1):
        context = proposals_widget(contact)
    shown = {p.pk for p in context["proposals"]}
    assert past.pk not in shown and len(shown) == WIDGET_LENGTH and context["more"] is True
    assert all(p.is_open for p in context["proposals"])
    everyone_open = [p for p in Proposal.objects.for_contact(contact) if p.is_open]
    assert len(everyone_open) == WIDGET_LENGTH + 1  # all but the expired one
    Proposal.objects.filter(pk__in=[p.pk for p in proposals[2:]]).update(status="declined")
    context = proposals_widget(contact)
    assert [p.pk for p in context["proposals"]] == [today.pk] and context["more"] is False
