"""The expiry date of a next version being drafted is that draft's: the client's live proposal keeps the
date it was sent with until the draft is sent; then the new date applies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals import compose, workflow
from proposals.models import Proposal, ProposalVersion
from tests.conftest import portal_client
from tests.proposals.helpers import compose_data, draft_data

pytestmark = pytest.mark.django_db


def test_editing_the_next_versions_expiry_leaves_the_live_one_alone(world, proposal, owner_http):
    live = proposal.expires_on
    later = live + timedelta(days=30)
    response = owner_http.post(
        reverse("proposals:proposal-edit", args=[proposal.pk]), compose_data(expires_on=later.isoformat())
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get(pk=proposal.pk)
    draft = ProposalVersion.objects.get(proposal=proposal, sent_at__isnull=True)
    assert (proposal.expires_on, draft.expires_on) == (live, later)
    # The client still reads the sent version's date.
    page = portal_client(world.contact).get(
        reverse("portal:proposal-detail", kwargs={"slug": "alpha", "proposal_id": proposal.pk})
    )
    assert page.context["proposal"].expires_on == live
    # The compose page and the send form start from the draft's date, and say when it applies.
    edit = owner_http.get(reverse("proposals:proposal-edit", args=[proposal.pk]))
    assert edit.context["form"].initial["expires_on"] == later
    assert "applies when this version is sent" in edit.context["form"].fields["expires_on"].help_text
    detail = owner_http.get(reverse("proposals:proposal-detail", args=[proposal.pk]))
    assert detail.context["send_form"].initial["expires_on"] == later
    # Sending the draft applies it.
    sent = owner_http.post(
        reverse("proposals:proposal-send", args=[proposal.pk]), {"expires_on": later.isoformat()}
    )
    assert sent.status_code == 302
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.current_version_id == draft.pk and proposal.expires_on == later
    assert ProposalVersion.objects.get(pk=draft.pk).expires_on == later


def test_the_service_keeps_the_live_expiry_until_the_send(world, proposal):
    live = proposal.expires_on
    compose.save_draft(proposal=proposal, actor=world.owner, draft=draft_data("Revised"), expires_on=None)
    assert (
        Proposal.objects.get(pk=proposal.pk).expires_on == live
    )  # "no expiry" on the draft changes nothing yet
    compose.discard_draft(proposal=proposal, actor=world.owner)
    assert Proposal.objects.get(pk=proposal.pk).expires_on == live


def test_a_live_proposal_past_its_date_stays_expired_while_a_draft_is_edited(world, proposal):
    Proposal.objects.filter(pk=proposal.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    proposal = Proposal.objects.get(pk=proposal.pk)
    compose.save_draft(
        proposal=proposal,
        actor=world.owner,
        draft=draft_data("Revised"),
        expires_on=timezone.localdate() + timedelta(days=10),
    )
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.is_expired and not proposal.is_open  # the draft's later date did not reopen it


def test_a_never_sent_proposal_takes_its_drafts_date_at_once(world, draft_proposal):
    later = timezone.localdate() + timedelta(days=90)
    compose.save_draft(proposal=draft_proposal, actor=world.owner, draft=draft_data(), expires_on=later)
    draft_proposal = Proposal.objects.get(pk=draft_proposal.pk)
    assert draft_proposal.expires_on == later
    sent = workflow.send_proposal(proposal=draft_proposal, actor=world.owner, expires_on=later)
    assert sent.expires_on == later and sent.current_version.expires_on == later
