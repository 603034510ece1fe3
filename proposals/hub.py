"""The client hub's Proposals and Contracts tabs (core/hub.py): a link to the staff contract list filtered to the client."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from core.hub import HubTab, register_hub_tab
from proposals.models import Contract, Proposal


def register() -> None:
    register_hub_tab(
        HubTab(
            key="proposals",
            label="Proposals",
            url=lambda c: reverse("proposals:proposal-list") + "?" + urlencode({"client": c.pk}),
            count=lambda c: Proposal.objects.filter(client=c).count(),
            order=45,
        )
    )
    register_hub_tab(
        HubTab(
            key="contracts",
            label="Contracts",
            url=lambda c: reverse("proposals:contract-list") + "?" + urlencode({"client": c.pk}),
            count=lambda c: Contract.objects.filter(client=c).count(),
            order=50,
        )
    )
