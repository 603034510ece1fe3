"""The portal proposal page is kept per contact (core/fragments.py) with its accept form: the form served
from the cache carries a CSRF token of the browser that asked, and accepting through it works; ticking an
optional item (a query string) is never served from the cache; a decision is on the next view."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import fragments
from proposals import workflow
from proposals.models import Proposal, ProposalStatus
from tests.conftest import portal_client
from tests.proposals.helpers import accept_form

pytestmark = pytest.mark.django_db


def page(proposal, action: str = "proposal-detail") -> str:
    return reverse(f"portal:{action}", kwargs={"slug": "alpha", "proposal_id": proposal.pk})


def enforcing(contact) -> HttpClient:
    """A signed-in portal browser whose POSTs are CSRF-checked, as a real browser's are."""
    signed_in = portal_client(contact)
    http = HttpClient(enforce_csrf_checks=True)
    http.cookies = signed_in.cookies
    return http


def test_accepting_from_the_cached_page_works(world, proposal):
    http = enforcing(world.contact)
    http.get(page(proposal))  # renders and stores the page's content
    with CaptureQueriesContext(connection) as ctx:
        html = http.get(page(proposal)).content.decode()
    assert not [q for q in ctx.captured_queries if "proposalitem" in q["sql"]]  # from the cache
    with CaptureQueriesContext(connection) as ctx:
        whole = http.get(page(proposal)).content.decode()  # the page kept whole (accounts/kept_pages.py)
    assert not ctx.captured_queries and 'id="accept-form"' in whole
    assert fragments.CSRF_PLACEHOLDER not in html
    form = html[html.index('id="accept-form"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = http.post(
        page(proposal, "proposal-accept"), {**accept_form(proposal), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    after = http.get(page(proposal)).content.decode()
    assert "Accept and sign" not in after and "Pat Secret" in after  # the decision is on the next view


def test_ticked_items_are_never_served_from_the_cache(world, proposal):
    http = portal_client(world.contact)
    http.get(page(proposal))
    optional = [i for i in proposal.current_version.items.all() if i.optional]
    with CaptureQueriesContext(connection) as ctx:
        http.get(page(proposal), {"item": [optional[0].pk]})
    assert [q for q in ctx.captured_queries if "proposalitem" in q["sql"]]  # rendered afresh


def test_a_withdrawal_landing_while_the_page_loads_is_on_the_next_view(world, proposal, monkeypatch):
    """The view loads the proposal, then the cache reads its tokens: a withdrawal between the two retires
    the tokens before they are read, so what is kept under them must be rendered from data read after."""
    read_tokens = fragments._lookup

    def withdrawn_meanwhile(*args, **kwargs):
        monkeypatch.setattr(fragments, "_lookup", read_tokens)
        workflow.withdraw_proposal(proposal=Proposal.objects.get(pk=proposal.pk), actor=world.owner)
        return read_tokens(*args, **kwargs)

    http = portal_client(world.contact)
    monkeypatch.setattr(fragments, "_lookup", withdrawn_meanwhile)
    http.get(page(proposal))
    html = http.get(page(proposal)).content.decode()
    assert 'id="accept-form"' not in html
    assert 'id="closed-notice"' in html
