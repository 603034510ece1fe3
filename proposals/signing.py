"""Typed signatures: accepting a proposal and signing a contract, one flow and one evidence record.

What is recorded (proposals.models.Signature), and why each piece is there:
- the name as the signer typed it, and the contact (id and email) whose portal session typed it: who;
- the authentication method (a magic-link session: only someone who could read the contact's mailbox could
  open it) with the session's id, start time and IP: how we know it was them;
- the consent statement's version and exact text, shown above the signature field: that they agreed to
  sign electronically, in those words;
- the time (UTC), the IP address (core.http.client_ip: only configured proxies are trusted) and the user
  agent: when and from where;
- for a proposal, the optional items they chose and the totals the server computed from them (never a
  total the browser sent);
- the SHA-256 of the canonical content (proposals.canonical) of exactly the version or contract text they
  saw: what. It is recomputed here and compared with the hash taken when it was sent;
- the timeline (sent, first viewed) with time, IP and user agent at each step;
- all of it also goes into an activity event in the document's own HMAC chain, whose hash the signature
  and its certificate quote: an edited record would no longer match its chain.

The document row is locked while checking and signing, and the database allows one acceptance per
proposal and one signature per contract, so a double click or two browsers at once give exactly one.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Contact
from activity import outbox
from activity.models import Event
from core.errors import ServiceError
from proposals import canonical, consent, workflow
from proposals.audit import log_contract_event, log_proposal_event
from proposals.models import (
    Contract,
    ContractStatus,
    ContractView,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    ProposalView,
    Signature,
    SignatureKind,
)
from proposals.models.signatures import AuthMethod

NAME_MAX = 200


class AlreadySigned(ServiceError):
    """A second acceptance or signature of the same document: nothing happened, and that is fine to say."""


@dataclass
class SignerInput:
    contact: Contact
    signer_name: str
    consent: bool
    consent_version: str
    ip: str | None
    user_agent: str
    portal_session: Any = None  # accounts.PortalSession of the request


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%b %-d, %Y at %H:%M %Z")


def _check_signer(signer: SignerInput) -> tuple[str, str, str]:
    """The typed name (whitespace tidied), and the consent version and text the signer agreed to."""
    if getattr(signer.contact, "is_staff_preview", False):
        raise ServiceError("Preview mode: only the client can sign.")
    if not signer.consent:
        raise ServiceError("Tick the box to agree to sign electronically.")
    version, text = consent.current()
    if signer.consent_version != version:
        raise ServiceError("The consent statement changed while the page was open. Read it again, then sign.")
    name = re.sub(r"\s+", " ", signer.signer_name or "").strip()
    if len(name) < 2:
        raise ServiceError("Type your full name to sign.")
    if len(name) > NAME_MAX:
        raise ServiceError(f"Your name can be at most {NAME_MAX} characters.")
    return name, version, text


def _auth_detail(signer: SignerInput) -> str:
    session = signer.portal_session
    if session is None:
        return "portal session"
    started = session.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    where = f" from {session.ip}" if session.ip else ""
    return f"portal session #{session.pk}, signed in by magic link on {started}{where}"


def _step(step: str, moment, *, who: str, ip, user_agent: str) -> dict:
    return {
        "step": step,
        "at": moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None,
        "by": who,
        "ip": ip or "",
        "user_agent": user_agent or "",
    }


def _first_viewed(view) -> list[dict]:
    """The timeline step of a first view (a ProposalView or ContractView), or none."""
    if view is None:
        return []
    who = f"{view.contact.display_name} <{view.contact.email}>"
    return [_step("first_viewed", view.viewed_at, who=who, ip=view.ip, user_agent=view.user_agent)]


def _signing_steps(name: str, email: str, now, signer: SignerInput) -> list[dict]:
    who = f"{name} <{email}>"
    ua = (signer.user_agent or "")[:1000]
    # Consent and signature are one submission: the box ticked and the name typed, then the button.
    return [
        _step("consent", now, who=who, ip=signer.ip, user_agent=ua),
        _step("signed", now, who=who, ip=signer.ip, user_agent=ua),
    ]


def _create(fields: dict, message: str) -> Signature:
    try:
        with transaction.atomic():
            return Signature.objects.create(**fields)
    except IntegrityError as exc:  # another request won the race: one signature it is
        raise AlreadySigned(message) from exc


def _event_fields(event: Event) -> dict:
    return {
        "event_id": event.pk,
        "event_hash": event.hash,
        "event_chain": event.chain_key,
        "event_seq": event.chain_seq,
    }


# --- proposals -----------------------------------------------------------------------------------------


def already_accepted_message(proposal: Proposal) -> str:
    signature = Signature.objects.filter(proposal=proposal).first()
    if signature is None:
        return "This proposal was already accepted."
    return f"This proposal was already accepted by {signature.signer_name} on {_when(signature.signed_at)}."


def proposal_timeline(proposal: Proposal, version: ProposalVersion, contact: Contact) -> list[dict]:
    sender = version.sent_by.display_name if version.sent_by_id else proposal.workspace.name
    steps = [
        _step("sent", version.sent_at, who=sender, ip=version.sent_ip, user_agent=version.sent_user_agent)
    ]
    view = (
        ProposalView.objects.filter(version=version, contact=contact).first()
        or ProposalView.objects.filter(version=version).select_related("contact").first()
    )
    return steps + _first_viewed(view)


@transaction.atomic
def accept_proposal(*, proposal: Proposal, signer: SignerInput, version_id, selected_item_ids) -> Signature:
    """Accept the current version with a typed signature. `selected_item_ids` are the optional items the
    client ticked; anything else in them (required items, other versions' items, junk) is ignored."""
    locked = workflow.lock(proposal)
    if locked.status == ProposalStatus.ACCEPTED:
        raise AlreadySigned(already_accepted_message(locked))
    contact = signer.contact
    workflow.check_can_act(locked, contact=contact, version_id=version_id)
    name, consent_version, consent_text = _check_signer(signer)
    version = ProposalVersion.objects.prefetch_related("items").get(pk=locked.current_version_id)
    content_sha256 = canonical.proposal_version_sha256(version)
    if content_sha256 != version.content_sha256:
        raise ServiceError(
            f"This version no longer matches what was sent, so it cannot be signed. Contact "
            f"{locked.workspace.name}."
        )
    chosen = version.optional_selection(selected_item_ids)
    totals = version.totals_for(chosen)
    items = version.chosen_items(chosen)
    chosen_items = [
        {
            "id": item.pk,
            "description": item.description,
            "quantity": str(item.quantity),
            "unit_price": str(item.unit_price),
            "amount": str(amount),
            "optional": item.optional,
        }
        for item, amount in zip(items, totals.line_amounts, strict=True)
    ]
    now = timezone.now()
    certificate_id = uuid.uuid4()
    email = contact.email
    timeline = proposal_timeline(locked, version, contact) + _signing_steps(name, email, now, signer)
    auth_detail = _auth_detail(signer)
    ua = (signer.user_agent or "")[:1000]
    event = log_proposal_event(
        locked,
        "proposal.accepted",
        contact=contact,
        certificate_id=str(certificate_id),
        signer_name=name,
        signer_email=email,
        contact_ref=contact.pk,
        auth_method=AuthMethod.MAGIC_LINK_SESSION.value,
        auth_detail=auth_detail,
        consent_version=consent_version,
        consent_sha256=hashlib.sha256(consent_text.encode()).hexdigest(),
        signed_at=now.isoformat(),
        ip=signer.ip,
        user_agent=ua,
        version=version.number,
        version_id=version.pk,
        content_sha256=content_sha256,
        chosen_optional_items=sorted(chosen),
        currency=version.currency,
        total=str(totals.total),
    )
    signature = _create(
        {
            "workspace": locked.workspace,
            "client": locked.client,
            "kind": SignatureKind.PROPOSAL,
            "proposal": locked,
            "proposal_version": version,
            "certificate_id": certificate_id,
            "signer_name": name,
            "contact": contact,
            "contact_ref": contact.pk,
            "signer_email": email,
            "auth_method": AuthMethod.MAGIC_LINK_SESSION,
            "auth_detail": auth_detail,
            "consent_version": consent_version,
            "consent_text": consent_text,
            "signed_at": now,
            "ip": signer.ip,
            "user_agent": ua,
            "content_sha256": content_sha256,
            "chosen_items": chosen_items,
            "currency": version.currency,
            "subtotal": totals.subtotal,
            "discount": totals.discount,
            "tax": totals.tax,
            "total": totals.total,
            "timeline": timeline,
            **_event_fields(event),
        },
        already_accepted_message(locked),
    )
    locked.status = ProposalStatus.ACCEPTED
    locked.accepted_at = locked.updated_at = now
    locked.total = totals.total  # lists show what was accepted
    locked.save(update_fields=["status", "accepted_at", "updated_at", "total"])
    outbox.enqueue("proposals.signature_issued", signature_id=signature.pk)
    if locked.create_project_on_accept or locked.create_invoice_on_accept:
        outbox.enqueue("proposals.after_acceptance", proposal_id=locked.pk)
    return signature


# --- contracts -----------------------------------------------------------------------------------------


def contract_closed_message(contract: Contract) -> str:
    if contract.signed_at is not None:
        signature = Signature.objects.filter(contract=contract).first()
        if signature is not None:
            return f"This contract was already signed by {signature.signer_name} on {_when(signature.signed_at)}."
        return "This contract was already signed."
    return f"This contract is not awaiting your signature. Contact {contract.workspace.name} with questions."


def contract_timeline(contract: Contract, contact: Contact | None = None) -> list[dict]:
    sent = (
        Event.objects.filter(chain_key=contract.audit_chain_key, verb="contract.sent")
        .select_related("actor_user")
        .order_by("-chain_seq")
        .first()
    )
    if sent is None:
        return []
    who = sent.actor_user.display_name if sent.actor_user_id else contract.workspace.name
    steps = [
        _step(
            "sent",
            sent.created_at,
            who=who,
            ip=sent.data.get("ip"),
            user_agent=sent.data.get("user_agent", ""),
        )
    ]
    view = (
        ContractView.objects.filter(contract=contract, contact=contact).first()
        if contact is not None
        else None
    ) or ContractView.objects.filter(contract=contract).select_related("contact").first()
    return steps + _first_viewed(view)


@transaction.atomic
def sign_contract(*, contract: Contract, signer: SignerInput, content_sha256_seen: str) -> Signature:
    """Sign a contract sent for signature. `content_sha256_seen` is the hash of the text the page showed:
    if staff changed the contract meanwhile, the signature is refused and the client reads it again."""
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("workspace", "client", "current_file")
        .get(pk=contract.pk)
    )
    if locked.signed_at is not None or Signature.objects.filter(contract=locked).exists():
        raise AlreadySigned(contract_closed_message(locked))
    contact = signer.contact
    if contact.client_id != locked.client_id or contact.revoked_at is not None:
        raise ServiceError("This contract belongs to another client.")
    if not locked.awaiting_signature:
        raise ServiceError(contract_closed_message(locked))
    content_sha256 = canonical.contract_sha256(locked)
    if (content_sha256_seen or "").strip().lower() != content_sha256:
        raise ServiceError(
            f"{locked.workspace.name} changed this contract while you had it open. Read it again below, "
            "then sign."
        )
    name, consent_version, consent_text = _check_signer(signer)
    now = timezone.now()
    certificate_id = uuid.uuid4()
    email = contact.email
    auth_detail = _auth_detail(signer)
    ua = (signer.user_agent or "")[:1000]
    timeline = contract_timeline(locked, contact) + _signing_steps(name, email, now, signer)
    event = log_contract_event(
        locked,
        "contract.signed",
        contact=contact,
        certificate_id=str(certificate_id),
        signer_name=name,
        signer_email=email,
        contact_ref=contact.pk,
        auth_method=AuthMethod.MAGIC_LINK_SESSION.value,
        auth_detail=auth_detail,
        consent_version=consent_version,
        consent_sha256=hashlib.sha256(consent_text.encode()).hexdigest(),
        signed_at=now.isoformat(),
        ip=signer.ip,
        user_agent=ua,
        content_sha256=content_sha256,
    )
    signature = _create(
        {
            "workspace": locked.workspace,
            "client": locked.client,
            "kind": SignatureKind.CONTRACT,
            "contract": locked,
            "certificate_id": certificate_id,
            "signer_name": name,
            "contact": contact,
            "contact_ref": contact.pk,
            "signer_email": email,
            "auth_method": AuthMethod.MAGIC_LINK_SESSION,
            "auth_detail": auth_detail,
            "consent_version": consent_version,
            "consent_text": consent_text,
            "signed_at": now,
            "ip": signer.ip,
            "user_agent": ua,
            "content_sha256": content_sha256,
            "timeline": timeline,
            **_event_fields(event),
        },
        contract_closed_message(locked),
    )
    locked.status = ContractStatus.SIGNED
    locked.signed_at = now
    locked.save(update_fields=["status", "signed_at"])
    outbox.enqueue("proposals.signature_issued", signature_id=signature.pk)
    return signature
