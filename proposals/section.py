"""The Contracts and Proposals sections of the portal, registered in ProposalsConfig.ready."""

from __future__ import annotations

from core.sections import Section, register_section
from proposals.models import CONTRACTS_SECTION, PROPOSALS_SECTION, Contract
from proposals.selectors import proposals_widget

WIDGET_LENGTH = 5


def contracts_widget(contact) -> dict:
    """One query: the first few contracts (awaiting signature first; the full list is one click away)."""
    contracts = list(Contract.objects.for_contact(contact)[: WIDGET_LENGTH + 1])
    return {"contracts": contracts[:WIDGET_LENGTH], "more": len(contracts) > WIDGET_LENGTH}


def register() -> None:
    register_section(
        Section(
            key=PROPOSALS_SECTION,
            label="Proposals",
            list_url="portal:proposal-list",
            url_prefixes=("proposal-",),
            order=40,
            description="Proposals to review, then accept and sign or decline.",
            widget_template="portal/proposals/_proposals_widget.html",
            widget_context=proposals_widget,
        )
    )
    register_section(
        Section(
            key=CONTRACTS_SECTION,
            label="Contracts",
            list_url="portal:contract-list",
            url_prefixes=("contract-",),
            order=50,
            description="Contracts to sign, and contracts in force (active or signed): view and download.",
            widget_template="portal/proposals/_contracts_widget.html",
            widget_context=contracts_widget,
        )
    )
