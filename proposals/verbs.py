"""Activity verbs of proposals and contracts (registered in ProposalsConfig.ready).

A client hears of a proposal when it is sent to them (and of each new version), of their own acceptance or
decline, and of a withdrawal; of a contract when it is sent for signature, signed or comes into force.
Drafts, edits, views, certificates and what acceptance set off in the back-office are internal."""

from __future__ import annotations

from activity.verbs import CLIENT, STAFF, Verb, register
from proposals.models import CONTRACTS_SECTION, PROPOSALS_SECTION


def register_verbs() -> None:
    P = PROPOSALS_SECTION
    register(
        Verb("proposal.created", "drafted proposal", audience=STAFF, section=P, on_target="drafted"),
        Verb("proposal.edited", "edited proposal", audience=STAFF, section=P, on_target="edited the draft"),
        Verb(
            "proposal.deleted",
            "deleted the draft proposal",
            audience=STAFF,
            section=P,
            on_target="deleted it",
        ),
        Verb(
            "proposal.draft_discarded",
            "discarded the draft of proposal",
            audience=STAFF,
            section=P,
            on_target="discarded the draft",
        ),
        Verb(
            "proposal.sent",
            "sent proposal",
            audience=CLIENT,
            section=P,
            on_target="sent this proposal",
        ),
        Verb(
            "proposal.revised",
            "sent a new version of proposal",
            audience=CLIENT,
            section=P,
            on_target="sent a new version",
        ),
        Verb("proposal.resent", "re-sent proposal", audience=STAFF, section=P, on_target="re-sent it"),
        Verb("proposal.viewed", "opened proposal", audience=STAFF, section=P, on_target="opened it"),
        Verb(
            "proposal.accepted",
            "accepted and signed proposal",
            audience=CLIENT,
            section=P,
            on_target="accepted and signed",
        ),
        Verb("proposal.declined", "declined proposal", audience=CLIENT, section=P, on_target="declined"),
        Verb("proposal.expired", "proposal expired:", audience=STAFF, section=P, on_target="expired"),
        Verb("proposal.withdrawn", "withdrew proposal", audience=CLIENT, section=P, on_target="withdrew it"),
        Verb(
            "proposal.certificate_issued",
            "issued the signature certificate of proposal",
            audience=STAFF,
            section=P,
            on_target="issued the signature certificate",
        ),
        Verb(
            "proposal.project_created",
            "created a project from proposal",
            audience=STAFF,
            section=P,
            on_target="created the project",
        ),
        Verb(
            "proposal.invoice_created",
            "created the deposit invoice of proposal",
            audience=STAFF,
            section=P,
            on_target="created the deposit invoice",
        ),
        Verb(
            "proposal.follow_up_failed",
            "could not finish the follow-up of proposal",
            audience=STAFF,
            section=P,
            on_target="could not finish the follow-up",
        ),
    )
    C = CONTRACTS_SECTION
    register(
        Verb("contract.created", "drafted contract", audience=STAFF, section=C),
        Verb("contract.updated", "edited contract", audience=STAFF, section=C),
        Verb("contract.file_uploaded", "uploaded a file to contract", audience=STAFF, section=C),
        Verb(
            "contract.shared",
            "shared contract",
            client="shared contract",
            audience=CLIENT,
            section=C,
            on_target="shared this contract",
        ),
        Verb("contract.status_changed", "changed the status of contract", audience=STAFF, section=C),
        Verb(
            "contract.sent",
            "sent for signature: contract",
            audience=CLIENT,
            section=C,
            on_target="sent it for signature",
        ),
        Verb("contract.viewed", "opened contract", audience=STAFF, section=C, on_target="opened it"),
        Verb("contract.signed", "signed contract", audience=CLIENT, section=C, on_target="signed it"),
        Verb(
            "contract.certificate_issued",
            "issued the signature certificate of contract",
            audience=STAFF,
            section=C,
            on_target="issued the signature certificate",
        ),
    )
