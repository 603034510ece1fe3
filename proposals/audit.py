"""One way to log what happens to a proposal or a contract: with its client and ids, in its own chain."""

from __future__ import annotations

from typing import Any

from activity.models import Event
from activity.services import record_event


def log_proposal_event(proposal, verb: str, *, user=None, contact=None, **data: Any) -> Event:
    return record_event(
        workspace=proposal.workspace,
        client=proposal.client,
        verb=verb,
        actor_user=user,
        actor_contact=contact,
        target=proposal,
        data={**data, "proposal_id": proposal.pk},
    )


def log_contract_event(contract, verb: str, *, user=None, contact=None, **data: Any) -> Event:
    return record_event(
        workspace=contract.workspace,
        client=contract.client,
        verb=verb,
        actor_user=user,
        actor_contact=contact,
        target=contract,
        data={**data, "contract_id": contract.pk},
    )
