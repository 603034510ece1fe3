"""Proposals fixtures: Secretco's (world.client) proposal with required and optional items, as a draft and
sent; a way to accept it as the contact."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from proposals import compose, workflow
from proposals.compose import DraftData, ItemData


def draft_data(title: str = "Website redesign", **kw) -> DraftData:
    data = {
        "title": title,
        "currency": "EUR",
        "content_markdown": "## Scope\n\nA new **marketing site**.\n\n<script>alert(1)</script>",
        "terms_markdown": "Payment within 30 days.",
        "tax_rate": Decimal("20"),
        "discount_percent": Decimal("0"),
        "deposit_percent": Decimal("30"),
        "items": [
            ItemData("Design", Decimal("1"), Decimal("4000.00")),
            ItemData("Build", Decimal("10"), Decimal("550.00")),
            ItemData("Copywriting", Decimal("1"), Decimal("1200.00"), optional=True),
            ItemData("Hosting, first year", Decimal("1"), Decimal("300.00"), optional=True, selected_by_default=True),
        ],
    }
    data.update(kw)
    return DraftData(**data)


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


def items_by_name(version) -> dict[str, object]:
    return {i.description: i for i in version.ordered_items()}
