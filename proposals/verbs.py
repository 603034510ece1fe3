"""Activity verbs of contracts (registered in ProposalsConfig.ready). A client hears of a contract when it
comes into force (active or signed); drafts, edits and files of drafts are internal."""

from __future__ import annotations

from activity.verbs import CLIENT, STAFF, Verb, register
from proposals.models import CONTRACTS_SECTION


def register_verbs() -> None:
    register(
        Verb("contract.created", "drafted contract", audience=STAFF, section=CONTRACTS_SECTION),
        Verb("contract.updated", "edited contract", audience=STAFF, section=CONTRACTS_SECTION),
        Verb(
            "contract.file_uploaded", "uploaded a file to contract", audience=STAFF, section=CONTRACTS_SECTION
        ),
        Verb(
            "contract.shared",
            "shared contract",
            client="shared contract",
            audience=CLIENT,
            section=CONTRACTS_SECTION,
            on_target="shared this contract",
        ),
        Verb(
            "contract.status_changed",
            "changed the status of contract",
            audience=STAFF,
            section=CONTRACTS_SECTION,
        ),
    )
