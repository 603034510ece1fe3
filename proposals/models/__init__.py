"""Proposals (versions, items, views), contracts (with their files) and the signatures both are signed
with. Split by entity; import everything from here."""

from proposals.models.contracts import (
    CLIENT_VISIBLE,
    CONTRACTS_SECTION,
    PROPOSALS_SECTION,
    Contract,
    ContractFile,
    ContractStatus,
    contract_key,
)
from proposals.models.proposals import (
    OPEN_STATUSES,
    FrozenVersionError,
    Proposal,
    ProposalItem,
    ProposalStatus,
    ProposalVersion,
    ProposalView,
)
from proposals.models.signatures import (
    Signature,
    SignatureFile,
    SignatureFileKind,
    SignatureKind,
    SignatureRecordError,
    signature_file_key,
)

__all__ = [
    "CLIENT_VISIBLE",
    "CONTRACTS_SECTION",
    "PROPOSALS_SECTION",
    "OPEN_STATUSES",
    "Contract",
    "ContractFile",
    "ContractStatus",
    "FrozenVersionError",
    "Proposal",
    "ProposalItem",
    "ProposalStatus",
    "ProposalVersion",
    "ProposalView",
    "Signature",
    "SignatureFile",
    "SignatureFileKind",
    "SignatureKind",
    "SignatureRecordError",
    "contract_key",
    "signature_file_key",
]
