"""Outbox handlers of proposals and contracts. They take ids, reload, and tolerate rows that vanished.

Mail goes out after the transaction that caused it commits (activity.outbox). The signature job issues the
certificate and the signed document (idempotent) and sends them to the signer and the firm; the acceptance
follow-up makes the project and the deposit invoice when the proposal asked for them.
"""

from __future__ import annotations

from accounts.models import Contact, Role, User
from activity import outbox
from activity.mail import mail_each_once, send_templated_email
from core.http import absolute_url
from proposals import followup
from proposals.certificates import issue_signature_files
from proposals.models import (
    CONTRACTS_SECTION,
    PROPOSALS_SECTION,
    Contract,
    Proposal,
    ProposalVersion,
    Signature,
    SignatureFileKind,
    SignatureKind,
)


def staff_recipients(document) -> list[User]:
    """Who hears about the client's decisions: whoever created the document (if still a member), else the
    workspace's owners."""
    members = User.objects.filter(is_active=True, memberships__workspace_id=document.workspace_id)
    if document.created_by_id:
        user = members.filter(pk=document.created_by_id).first()
        if user is not None:
            return [user]
    return list(members.filter(memberships__role=Role.OWNER).distinct())


def contact_recipients(client, section: str) -> list[Contact]:
    if not (client.portal_enabled and client.shows(section)):
        return []
    return list(Contact.objects.for_client(client).active())


def proposal_portal_url(proposal: Proposal) -> str:
    return absolute_url("portal:proposal-detail", slug=proposal.workspace.slug, proposal_id=proposal.pk)


def contract_portal_url(contract: Contract) -> str:
    return absolute_url("portal:contract-detail", slug=contract.workspace.slug, contract_id=contract.pk)


@outbox.handler("proposals.sent_email", keyed=True)
def sent_email(*, proposal_id: int, version_id: int, kind: str = "sent", delivery_key: str = "") -> None:
    """`kind`: "sent" (the first version), "revised" (a new version) or "resent" (a reminder)."""
    proposal = Proposal.objects.select_related("workspace", "client").filter(pk=proposal_id).first()
    version = ProposalVersion.objects.filter(pk=version_id).first()
    if proposal is None or version is None or proposal.current_version_id != version.pk:
        return  # a newer version went out meanwhile: its own mail says so
    mail_each_once(
        delivery_key,
        contact_recipients(proposal.client, PROPOSALS_SECTION),
        template="proposal_sent",
        context={
            "workspace": proposal.workspace,
            "proposal": proposal,
            "version": version,
            "kind": kind,
            "link": proposal_portal_url(proposal),
        },
    )


@outbox.handler("proposals.declined_email", keyed=True)
def declined_email(*, proposal_id: int, delivery_key: str = "") -> None:
    proposal = (
        Proposal.objects.select_related("workspace", "client", "declined_by", "current_version")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        return
    link = absolute_url("proposals:proposal-detail", proposal_id=proposal.pk)
    mail_each_once(
        delivery_key,
        staff_recipients(proposal),
        template="proposal_declined",
        context={"workspace": proposal.workspace, "proposal": proposal, "link": link},
    )


@outbox.handler("proposals.contract_sent_email", keyed=True)
def contract_sent_email(*, contract_id: int, delivery_key: str = "") -> None:
    contract = Contract.objects.select_related("workspace", "client").filter(pk=contract_id).first()
    if contract is None or not contract.awaiting_signature:
        return
    mail_each_once(
        delivery_key,
        contact_recipients(contract.client, CONTRACTS_SECTION),
        template="contract_sent",
        context={
            "workspace": contract.workspace,
            "contract": contract,
            "link": contract_portal_url(contract),
        },
    )


@outbox.handler("proposals.signature_issued", keyed=True)
def signature_issued(*, signature_id: int, delivery_key: str = "") -> None:
    """Issue the certificate and signed document, then mail them to the signer and the firm."""
    signature = Signature.objects.filter(pk=signature_id).first()
    if signature is None:
        return
    files = issue_signature_files(signature)
    signature = Signature.objects.select_related("workspace", "client", "proposal", "contract").get(
        pk=signature.pk
    )
    document = signature.document
    signed = files[SignatureFileKind.SIGNED_DOCUMENT]
    with signed.file.open("rb") as handle:
        attachment = [(signed.original_name, handle.read(), "application/pdf")]
    is_proposal = signature.kind == SignatureKind.PROPOSAL
    context = {
        "workspace": signature.workspace,
        "signature": signature,
        "document": document,
        "is_proposal": is_proposal,
    }
    if is_proposal:
        portal_link, staff_link = (
            proposal_portal_url(document),
            absolute_url("proposals:proposal-detail", proposal_id=document.pk),
        )
    else:
        portal_link, staff_link = (
            contract_portal_url(document),
            absolute_url("proposals:contract-detail", contract_id=document.pk),
        )
    # Once per recipient per outbox row: a retry after a failed send does not mail the others again.
    outbox.once_per_recipient(
        delivery_key,
        signature.signer_email,
        lambda: send_templated_email(
            to=signature.signer_email,
            template="signature_receipt",
            context={**context, "recipient_name": signature.signer_name, "link": portal_link},
            attachments=attachment,
        ),
    )
    for user in staff_recipients(document):
        outbox.once_per_recipient(
            delivery_key,
            user.email,
            lambda user=user: send_templated_email(
                to=user.email,
                template="signature_staff",
                context={**context, "recipient_name": user.display_name, "link": staff_link},
                attachments=attachment,
            ),
        )


@outbox.handler("proposals.follow_up_failed_email", keyed=True)
def follow_up_failed_email(*, proposal_id: int, step: str, reason: str, delivery_key: str = "") -> None:
    proposal = Proposal.objects.select_related("workspace", "client").filter(pk=proposal_id).first()
    if proposal is None:
        return
    link = absolute_url("proposals:proposal-detail", proposal_id=proposal.pk)
    what = followup.STEP_LABELS.get(step, "follow-up")
    mail_each_once(
        delivery_key,
        staff_recipients(proposal),
        template="proposal_follow_up_failed",
        context={
            "workspace": proposal.workspace,
            "proposal": proposal,
            "what": what,
            "reason": reason,
            "link": link,
        },
    )


@outbox.handler("proposals.after_acceptance")
def after_acceptance(*, proposal_id: int) -> None:
    followup.run(proposal_id=proposal_id)
