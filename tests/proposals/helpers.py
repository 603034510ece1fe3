"""Builders shared by the proposals tests, the sweep and the browser tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from proposals import compose, consent, signing, workflow
from proposals.compose import DraftData, ItemData


def draft_data(title: str = "Website redesign", **kw) -> DraftData:
    data = {
        "title": title,
        "currency": "EUR",
        "content_markdown": "### Scope\n\nA new **marketing site**.\n\n<script>alert(1)</script>",
        "terms_markdown": "Payment within 30 days.",
        "tax_rate": Decimal("20"),
        "discount_percent": Decimal("0"),
        "deposit_percent": Decimal("30"),
        "items": [
            ItemData("Design", Decimal("1"), Decimal("4000.00")),
            ItemData("Build", Decimal("10"), Decimal("550.00")),
            ItemData("Copywriting", Decimal("1"), Decimal("1200.00"), optional=True),
            ItemData(
                "Hosting, first year",
                Decimal("1"),
                Decimal("300.00"),
                optional=True,
                selected_by_default=True,
            ),
        ],
    }
    data.update(kw)
    return DraftData(**data)


def sent_proposal(world, title: str = "Website redesign", *, days: int = 30, **kw):
    """A proposal to world.client, sent by the owner (mail and other after-commit work is not run)."""
    proposal = compose.create_proposal(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        draft=draft_data(title, **kw),
        expires_on=timezone.localdate() + timedelta(days=days),
    )
    return workflow.send_proposal(
        proposal=proposal,
        actor=world.owner,
        expires_on=proposal.expires_on,
        ip="198.51.100.7",
        user_agent="StaffBrowser/1.0",
    )


def items_by_name(version) -> dict[str, object]:
    return {i.description: i for i in version.ordered_items()}


def signer(contact, name: str = "Pat Secret", **kw) -> signing.SignerInput:
    version, _text = consent.current()
    data = {
        "contact": contact,
        "signer_name": name,
        "consent": True,
        "consent_version": version,
        "ip": "203.0.113.9",
        "user_agent": "ClientBrowser/2.0",
    }
    data.update(kw)
    return signing.SignerInput(**data)


def accept_form(proposal, *items, name: str = "Pat Secret") -> dict:
    """The portal's accept POST, as the page sends it."""
    return {
        "version": proposal.current_version_id,
        "item": [i.pk for i in items],
        "consent": "yes",
        "consent_version": consent.CURRENT,
        "signer_name": name,
    }


def compose_data(client=None, **extra) -> dict:
    """The compose page's POST (two items, the second optional)."""
    data = {
        "title": "Brand refresh",
        "currency": "EUR",
        "content_markdown": "Logo and **palette**.",
        "terms_markdown": "Half up front.",
        "tax_rate": "20",
        "discount_percent": "10",
        "deposit_percent": "50",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-description": "Logo",
        "items-0-quantity": "1",
        "items-0-unit_price": "1000",
        "items-1-description": "Guidelines",
        "items-1-quantity": "2",
        "items-1-unit_price": "250",
        "items-1-optional": "on",
        "action": "save",
    }
    if client is not None:
        data["client"] = client.pk
    data.update(extra)
    return data
