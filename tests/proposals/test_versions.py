"""Versions: a sent version is frozen in the model layer; editing a sent proposal makes the next version,
which the client sees only once sent; the content hash is recomputed from the stored rows; Markdown is
sanitised."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import ServiceError
from proposals import canonical, compose, workflow
from proposals.models import FrozenVersionError, ProposalItem, ProposalStatus, ProposalVersion
from tests.conftest import portal_client
from tests.proposals.helpers import draft_data

pytestmark = pytest.mark.django_db


def test_a_sent_version_and_its_items_cannot_change(world, proposal):
    version = ProposalVersion.objects.get(pk=proposal.current_version_id)
    version.title = "Changed"
    with pytest.raises(FrozenVersionError):
        version.save()
    with pytest.raises(FrozenVersionError):
        version.delete()
    with pytest.raises(FrozenVersionError):
        ProposalVersion.objects.filter(pk=version.pk).update(total=Decimal(1))
    item = version.items.first()
    item.unit_price = Decimal(1)
    with pytest.raises(FrozenVersionError):
        item.save()
    with pytest.raises(FrozenVersionError):
        item.delete()
    with pytest.raises(FrozenVersionError):
        ProposalItem.objects.filter(version=version).update(unit_price=Decimal(1))
    with pytest.raises(FrozenVersionError):
        ProposalItem.objects.filter(version=version).delete()
    with pytest.raises(FrozenVersionError):
        ProposalItem.objects.bulk_create([ProposalItem(version=version, description="x", unit_price=1)])
    with pytest.raises(FrozenVersionError):
        proposal.delete()
    fresh = ProposalVersion.objects.get(pk=version.pk)
    assert (fresh.title, fresh.items.count()) == ("Website redesign", 4)
    assert canonical.proposal_version_sha256(fresh) == fresh.content_sha256


def test_a_copy_loaded_before_sending_cannot_overwrite_the_frozen_row(world, draft_proposal):
    stale = ProposalVersion.objects.get(proposal=draft_proposal)
    workflow.send_proposal(proposal=draft_proposal, actor=world.owner, expires_on=None)
    stale.title = "Sneaky"
    with pytest.raises(FrozenVersionError):
        stale.save()


def test_editing_a_sent_proposal_makes_a_new_version_the_client_sees_once_sent(world, proposal, owner_http):
    http = portal_client(world.contact)
    page = reverse("portal:proposal-detail", kwargs={"slug": "alpha", "proposal_id": proposal.pk})
    v1 = proposal.current_version
    v2 = compose.save_draft(
        proposal=proposal, actor=world.owner, draft=draft_data("Website redesign, revised")
    )
    assert (v2.number, v2.is_sent) == (2, False)
    assert compose.save_draft(proposal=proposal, actor=world.owner, draft=draft_data("Again")).pk == v2.pk
    proposal.refresh_from_db()
    assert proposal.current_version_id == v1.pk  # still v1 for the client
    assert http.get(page).context["version"] == v1
    staff = owner_http.get(reverse("proposals:proposal-detail", args=[proposal.pk]))
    assert staff.context["draft"] == v2 and 'id="draft-notice"' in staff.content.decode()
    workflow.send_proposal(proposal=proposal, actor=world.owner, expires_on=proposal.expires_on)
    proposal.refresh_from_db()
    assert proposal.current_version_id == v2.pk and proposal.title == "Again"
    assert http.get(page).context["version"].pk == v2.pk
    # v1 stays on record, unchanged, with the hash it was sent with.
    v1 = ProposalVersion.objects.get(pk=v1.pk)
    assert v1.title == "Website redesign" and canonical.proposal_version_sha256(v1) == v1.content_sha256
    assert list(proposal.versions.values_list("number", flat=True)) == [2, 1]


def test_discarding_a_draft_keeps_the_current_version(world, proposal):
    compose.save_draft(proposal=proposal, actor=world.owner, draft=draft_data("Draft"))
    compose.discard_draft(proposal=proposal, actor=world.owner)
    assert list(proposal.versions.values_list("number", flat=True)) == [1]
    with pytest.raises(ServiceError):
        compose.discard_draft(proposal=proposal, actor=world.owner)


def test_markdown_is_rendered_and_sanitised_once(world, draft_proposal):
    version = draft_proposal.versions.get()
    assert "<strong>marketing site</strong>" in version.content_html
    assert "<script" not in version.content_html and "alert(1)" not in version.content_html


def test_accepted_and_withdrawn_proposals_cannot_be_edited_or_sent(world, proposal):
    workflow.withdraw_proposal(proposal=proposal, actor=world.owner)
    with pytest.raises(ServiceError, match="withdrawn"):
        compose.save_draft(proposal=proposal, actor=world.owner, draft=draft_data())
    with pytest.raises(ServiceError, match="withdrawn"):
        workflow.send_proposal(proposal=proposal, actor=world.owner, expires_on=None)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN


def test_sending_needs_someone_who_can_open_it(world):
    from accounts.models import Client

    lonely = Client.objects.create(workspace=world.ws, name="No contacts Ltd", portal_enabled=True)
    proposal = compose.create_proposal(
        workspace=world.ws, client=lonely, actor=world.owner, draft=draft_data()
    )
    with pytest.raises(ServiceError, match="invite a contact"):
        workflow.send_proposal(proposal=proposal, actor=world.owner, expires_on=None)


def test_invalid_drafts_are_refused(world):
    bad_price = draft_data(items=[compose.ItemData("X", Decimal(1), Decimal("1.005"))])
    with pytest.raises(ServiceError, match="decimal places"):
        compose.create_proposal(workspace=world.ws, client=world.client, actor=world.owner, draft=bad_price)
    with pytest.raises(ServiceError, match="title"):
        compose.create_proposal(
            workspace=world.ws, client=world.client, actor=world.owner, draft=draft_data(" ")
        )
    with pytest.raises(ServiceError, match="not in this workspace"):
        compose.create_proposal(
            workspace=world.ws, client=world.outsider_client, actor=world.owner, draft=draft_data()
        )
