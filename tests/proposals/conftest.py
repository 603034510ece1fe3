"""Proposals fixtures: Secretco's (world.client) proposal with required and optional items, as a draft and
sent; a way to accept it as the contact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from proposals import compose, workflow
from tests.proposals.helpers import draft_data


@pytest.fixture
def draft_proposal(world):
    return compose.create_proposal(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        draft=draft_data(),
        expires_on=timezone.localdate() + timedelta(days=30),
    )


@pytest.fixture
def proposal(world, draft_proposal, django_capture_on_commit_callbacks):
    """Sent to Secretco (its contact is emailed a portal link)."""
    with django_capture_on_commit_callbacks(execute=True):
        return workflow.send_proposal(
            proposal=draft_proposal,
            actor=world.owner,
            expires_on=draft_proposal.expires_on,
            ip="198.51.100.7",
            user_agent="StaffBrowser/1.0",
        )
