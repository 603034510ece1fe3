"""Checking a signature after the fact: is the record still what was signed, and still what the chain says?

For each signature: the content hash recomputed from the stored version (or the signed contract) equals the
recorded one; the signing event exists, its HMAC is the one the record quotes, and the evidence it carries
(signer, email, time, IP, user agent, consent, content hash, certificate id) equals the record's; the
document's whole chain verifies (activity.services.verify_chain, checkpoints included); and each issued
PDF still hashes to the SHA-256 recorded on its row and in the chain's certificate event.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from activity.models import Event
from activity.services import verify_chain
from files.hashing import sha256_of_stored
from proposals import canonical
from proposals.models import Signature, SignatureKind

# Signature field -> key of the signing event's data that must hold the same value.
EVIDENCE = {
    "signer_name": "signer_name",
    "signer_email": "signer_email",
    "contact_ref": "contact_ref",
    "auth_method": "auth_method",
    "auth_detail": "auth_detail",
    "consent_version": "consent_version",
    "ip": "ip",
    "user_agent": "user_agent",
    "content_sha256": "content_sha256",
}


@dataclass
class SignatureReport:
    signature: Signature
    problems: list[str] = field(default_factory=list)
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_signature(signature: Signature) -> SignatureReport:
    report = SignatureReport(signature)
    problems = report.problems
    if signature.kind == SignatureKind.PROPOSAL:
        recomputed = canonical.proposal_version_sha256(signature.proposal_version)
    else:
        recomputed = canonical.contract_sha256(signature.contract)
    if recomputed != signature.content_sha256:
        problems.append(f"the signed content now hashes to {recomputed}, not {signature.content_sha256}")
    event = Event.objects.filter(pk=signature.event_id, chain_key=signature.event_chain).first()
    if event is None:
        problems.append(
            f"the signing event #{signature.event_id} is missing from chain {signature.event_chain}"
        )
    else:
        if not hmac.compare_digest(event.hash, signature.event_hash):
            problems.append("the signing event's hash differs from the one the signature quotes")
        data = event.data
        for name, key in EVIDENCE.items():
            if str(getattr(signature, name)) != str(data.get(key)):
                problems.append(f"{name} differs between the signature record and its event")
        if data.get("certificate_id") != str(signature.certificate_id):
            problems.append("the certificate id differs between the signature record and its event")
        if data.get("signed_at") != signature.signed_at.isoformat():
            problems.append("the signing time differs between the signature record and its event")
        consent = hashlib.sha256(signature.consent_text.encode()).hexdigest()
        if data.get("consent_sha256") != consent:
            problems.append("the consent text differs from the one hashed into the signing event")
    chain = verify_chain(signature.event_chain)
    problems.extend(f"chain {signature.event_chain}: {p}" for p in chain.problems)
    issued = {}
    for ev in Event.objects.filter(chain_key=signature.event_chain, verb__endswith=".certificate_issued"):
        if ev.data.get("certificate_id") == str(signature.certificate_id):
            issued.update(ev.data.get("files", {}))
    for record in signature.files.all():
        report.files_checked += 1
        try:
            digest, size = sha256_of_stored(record.file.name)
        except OSError:
            problems.append(f"{record.get_kind_display()}: the stored file is missing")
            continue
        if digest != record.sha256 or size != record.size:
            problems.append(f"{record.get_kind_display()}: the stored file no longer matches its SHA-256")
        logged = issued.get(record.kind, {}).get("sha256")
        if logged != record.sha256:
            problems.append(
                f"{record.get_kind_display()}: its SHA-256 is not the one logged when it was issued"
            )
    return report
