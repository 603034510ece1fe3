"""The optional items a client ticks, as posted: one parser (`ProposalVersion.optional_selection`) for the
live total and the acceptance. Junk ids (letters, Arabic-Indic or superscript digits, numbers too big for
the database, other versions' and other proposals' items, required items, duplicates) are ignored: never a
500, never a line the version does not offer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from proposals import compose, signing
from proposals.models import MAX_SELECTION_IDS, Signature
from tests.conftest import portal_client
from tests.proposals.helpers import accept_form, draft_data, items_by_name, signer

pytestmark = pytest.mark.django_db

JUNK = ["abc", "١٢", "²", "٣", "1e3", "-1", "+5", " 7", "", "12345678901234567890", "0x1f", "3.0", "None"]


def url(name: str, proposal) -> str:
    return reverse(f"portal:{name}", kwargs={"slug": "alpha", "proposal_id": proposal.pk})


@pytest.fixture
def foreign_ids(world, proposal):
    """Optional items of another proposal and of the next (draft) version of this one."""
    other = compose.create_proposal(
        workspace=world.ws, client=world.client, actor=world.owner, draft=draft_data("Other")
    )
    draft = compose.save_draft(proposal=proposal, actor=world.owner, draft=draft_data("Revised"))
    return [
        str(i.pk)
        for version in (compose.editable_version(other), draft)
        for i in version.ordered_items()
        if i.optional
    ]


def test_the_parser_keeps_only_this_versions_optional_items(proposal, foreign_ids):
    version = proposal.current_version
    items = items_by_name(version)
    copy, hosting, design = items["Copywriting"].pk, items["Hosting, first year"].pk, items["Design"].pk
    raw = [*JUNK, *foreign_ids, str(design), str(copy), str(copy), str(hosting), hosting]
    assert version.optional_selection(raw) == {copy, hosting}
    assert version.optional_selection(JUNK + foreign_ids) == set()
    assert version.optional_selection(None) == set()
    assert version.optional_selection([True, 1.5, None, b"1", object()]) == set()


def test_the_parser_reads_a_bounded_number_of_ids(proposal):
    version = proposal.current_version
    copy = items_by_name(version)["Copywriting"].pk
    assert version.optional_selection(["abc"] * MAX_SELECTION_IDS + [str(copy)]) == set()
    assert version.optional_selection([str(copy)] + ["abc"] * 100_000) == {copy}


def test_the_live_total_ignores_junk_and_foreign_ids(world, proposal, foreign_ids):
    http = portal_client(world.contact)
    copy = items_by_name(proposal.current_version)["Copywriting"]
    response = http.get(url("proposal-total", proposal), {"item": [*JUNK, *foreign_ids, copy.pk, copy.pk]})
    assert response.status_code == 200
    # (4000 + 5500 + 1200) x 1.2: the copywriting once, nothing else.
    assert response.context["totals"].total == Decimal("12840.00")
    only_junk = http.get(url("proposal-total", proposal), {"item": JUNK + foreign_ids})
    assert only_junk.status_code == 200 and only_junk.context["totals"].total == Decimal("11400.00")
    page = http.get(url("proposal-detail", proposal), {"chosen": "1", "item": [*JUNK, copy.pk]})
    assert page.status_code == 200 and page.context["totals"].total == Decimal("12840.00")


def test_accept_ignores_junk_and_foreign_ids(world, proposal, foreign_ids):
    http = portal_client(world.contact)
    copy = items_by_name(proposal.current_version)["Copywriting"]
    form = {**accept_form(proposal), "item": [*JUNK, *foreign_ids, str(copy.pk), str(copy.pk)]}
    response = http.post(url("proposal-accept", proposal), form)
    assert response.status_code == 302
    sig = Signature.objects.get(proposal=proposal)
    assert [c["description"] for c in sig.chosen_items] == ["Design", "Build", "Copywriting"]
    assert sig.total == Decimal("12840.00")


def test_a_refused_accept_sends_back_only_real_ticks(world, proposal):
    http = portal_client(world.contact)
    copy = items_by_name(proposal.current_version)["Copywriting"]
    form = {**accept_form(proposal), "signer_name": "", "item": ["١٢", "abc", str(copy.pk)]}
    response = http.post(url("proposal-accept", proposal), form)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?chosen=1&item={copy.pk}#accept")
    assert not Signature.objects.filter(proposal=proposal).exists()


def test_the_service_uses_the_same_parser(world, proposal):
    copy = items_by_name(proposal.current_version)["Copywriting"]
    sig = signing.accept_proposal(
        proposal=proposal,
        signer=signer(world.contact),
        version_id=proposal.current_version_id,
        selected_item_ids=["٣", "99999999999999999999", copy.pk],
    )
    assert [c["description"] for c in sig.chosen_items] == ["Design", "Build", "Copywriting"]
