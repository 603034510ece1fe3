"""The `studio` demo has proposals in every state, one accepted with its signature and a contract signed
from it; a second seed changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accounts.models import Workspace
from proposals.models import Contract, Proposal, ProposalStatus, ProposalView, Signature, SignatureKind

pytestmark = pytest.mark.django_db


def _seed() -> None:
    call_command("seed_demo", stdout=io.StringIO())


def test_studio_has_proposals_in_every_state():
    _seed()
    studio = Workspace.objects.get(slug="studio")
    proposals = Proposal.objects.filter(workspace=studio)
    assert set(proposals.values_list("status", flat=True)) == set(ProposalStatus.values)
    accepted = proposals.get(status=ProposalStatus.ACCEPTED)
    assert Signature.objects.get(proposal=accepted).chosen_items
    assert ProposalView.objects.filter(proposal__workspace=studio).count() == 3
    signed = Contract.objects.get(proposal=accepted)
    assert (
        signed.signed_at and Signature.objects.filter(contract=signed, kind=SignatureKind.CONTRACT).exists()
    )
    counts = (Proposal.objects.count(), Signature.objects.count(), Contract.objects.count())
    _seed()
    assert (Proposal.objects.count(), Signature.objects.count(), Contract.objects.count()) == counts
