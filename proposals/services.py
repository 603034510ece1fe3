"""State changes for contracts: create and edit (a PDF and/or a text), send for signature, draft one from an
accepted proposal. Keyword-only, atomic, audited. Signing is proposals.signing; proposals themselves are
proposals.compose and proposals.workflow."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Client, User, Workspace
from activity import outbox
from core.errors import ServiceError
from core.markup import render_markdown
from core.money import format_money, format_number, format_percent
from core.services import model_update
from files.quota import check_quota
from files.uploads import UploadRejected, inspect_upload, store_upload
from proposals.audit import log_contract_event
from proposals.files import CONTRACT
from proposals.models import (
    CLIENT_VISIBLE,
    CONTRACTS_SECTION,
    Contract,
    ContractFile,
    ContractStatus,
    ContractView,
    Proposal,
    ProposalStatus,
    Signature,
    contract_key,
)

CONTRACT_FIELDS = ("title", "status", "start_date", "end_date", "project", "body_markdown")
# What staff may still change on a contract signed in the portal: it can end, nothing else.
AFTER_SIGNING = (ContractStatus.SIGNED, ContractStatus.EXPIRED, ContractStatus.TERMINATED)


def _log(contract: Contract, verb: str, *, user: User | None, **data: Any) -> None:
    log_contract_event(contract, verb, user=user, **data)


def _check(workspace: Workspace, client: Client, project) -> None:
    if client.workspace_id != workspace.pk:
        raise ServiceError("That client is not in this workspace.")
    if project is not None and project.client_id != client.pk:
        raise ServiceError("That project belongs to another client.")


def _check_dates(start, end) -> None:
    if start and end and end < start:
        raise ServiceError("A contract cannot end before it starts.")


def _shared_now(contract: Contract, before: str | None, user: User | None) -> None:
    """The client hears of a contract once, when it first comes into force with something to show (a
    contract sent for signature is announced by its own event and mail instead)."""
    if (
        contract.status in CLIENT_VISIBLE
        and contract.status != ContractStatus.SENT
        and contract.client_visible
        and before not in CLIENT_VISIBLE
    ):
        _log(contract, "contract.shared", user=user, status=contract.status)


def _attach(contract: Contract, upload, user: User, ip: str | None) -> ContractFile:
    try:
        inspected = inspect_upload(upload, CONTRACT)
    except UploadRejected as exc:
        raise ServiceError(str(exc)) from exc
    check_quota(contract.workspace, inspected.size)
    try:
        stored = store_upload(upload, contract_key())
    except UploadRejected as exc:
        raise ServiceError(str(exc)) from exc
    try:
        with transaction.atomic():
            record = ContractFile.objects.create(
                contract=contract,
                file=stored.key,
                original_name=inspected.name,
                size=stored.size,
                content_type=inspected.content_type,
                sha256=stored.sha256,
                uploaded_by_user=user,
                uploader_ip=ip,
            )
            Contract.objects.filter(pk=contract.pk).update(current_file=record)
            contract.current_file = record
            _log(
                contract,
                "contract.file_uploaded",
                user=user,
                file=inspected.name,
                sha256=stored.sha256,
                size=stored.size,
            )
    except BaseException:
        default_storage.delete(stored.key)
        raise
    return record


def create_contract(
    *, workspace: Workspace, client: Client, actor: User, upload=None, ip: str | None = None, **fields: Any
) -> Contract:
    data = {k: v for k, v in fields.items() if k in CONTRACT_FIELDS}
    _check(workspace, client, data.get("project"))
    _check_dates(data.get("start_date"), data.get("end_date"))
    if not (data.get("title") or "").strip():
        raise ServiceError("Give the contract a title.")
    if data.get("body_markdown"):
        data["body_html"] = render_markdown(data["body_markdown"])
    with transaction.atomic():
        contract = Contract.objects.create(workspace=workspace, client=client, created_by=actor, **data)
        _log(contract, "contract.created", user=actor, status=contract.status)
        if upload is not None:
            _attach(contract, upload, actor, ip)
        _shared_now(contract, None, actor)
    return contract


def update_contract(
    *, contract: Contract, actor: User, upload=None, ip: str | None = None, **fields: Any
) -> Contract:
    """Edit fields and/or replace the PDF (the earlier file stays on record)."""
    if "project" in fields:
        _check(contract.workspace, contract.client, fields["project"])
    _check_dates(fields.get("start_date", contract.start_date), fields.get("end_date", contract.end_date))
    with transaction.atomic():
        locked = (
            Contract.objects.select_for_update().select_related("workspace", "client").get(pk=contract.pk)
        )
        before = locked.status
        was_visible = before in CLIENT_VISIBLE and locked.client_visible
        if locked.signed_at is not None:
            _check_signed_edit(locked, fields, upload)
        if "body_markdown" in fields and fields["body_markdown"] != locked.body_markdown:
            locked.body_html = render_markdown(fields["body_markdown"] or "")
            if not (fields["body_markdown"] or "").strip():
                locked.body_html = ""
            locked.save(update_fields=["body_html"])
        locked, changed = model_update(instance=locked, fields=CONTRACT_FIELDS, data=fields)
        if "status" in changed:
            _log(locked, "contract.status_changed", user=actor, previous=before, status=locked.status)
        others = [f for f in changed if f != "status"]
        if others:
            _log(locked, "contract.updated", user=actor, fields=others)
        if upload is not None:
            _attach(locked, upload, actor, ip)
        _shared_now(locked, before if was_visible else None, actor)
    contract.refresh_from_db()
    return contract


def _check_signed_edit(contract: Contract, fields: dict[str, Any], upload) -> None:
    """A contract signed in the portal keeps its content: only its status may move on (expired, ended)."""
    changed = [
        name
        for name in CONTRACT_FIELDS
        if name in fields and name != "status" and getattr(contract, name) != fields[name]
    ]
    if changed or upload is not None:
        raise ServiceError("This contract is signed: its text, file, dates and project can no longer change.")
    if fields.get("status", contract.status) not in AFTER_SIGNING:
        raise ServiceError("A signed contract can only be marked expired or terminated.")


def record_contract_view(*, contract: Contract, contact, ip: str | None, user_agent: str) -> bool:
    """Record the first time `contact` opens `contract` in the portal (never a staff preview): one row and
    one audited event; later views cost one indexed query and write nothing. Returns whether it was the
    first time."""
    if getattr(contact, "is_staff_preview", False):
        return False
    if ContractView.objects.filter(contract=contract, contact=contact).exists():
        return False
    try:
        with transaction.atomic():
            view = ContractView.objects.create(
                contract=contract, contact=contact, ip=ip, user_agent=(user_agent or "")[:500]
            )
            log_contract_event(
                contract, "contract.viewed", contact=contact, ip=ip, user_agent=view.user_agent
            )
    except IntegrityError:  # the same contact's other tab got there first
        return False
    return True


def signature_recipients(contract: Contract):
    from accounts.models import Contact

    client = contract.client
    if not (client.portal_enabled and client.shows(CONTRACTS_SECTION)):
        return []
    return list(Contact.objects.for_client(client).active())


@transaction.atomic
def send_contract(
    *, contract: Contract, actor: User, ip: str | None = None, user_agent: str = ""
) -> Contract:
    """Send a draft (or re-send a sent) contract to the client's contacts for a typed signature."""
    locked = Contract.objects.select_for_update().select_related("workspace", "client").get(pk=contract.pk)
    if locked.signed_at is not None:
        raise ServiceError("This contract is already signed.")
    if locked.status not in (ContractStatus.DRAFT, ContractStatus.SENT):
        raise ServiceError(
            f"This contract is {locked.get_status_display().lower()}: only drafts are sent for signature."
        )
    if not (locked.body_markdown.strip() or locked.current_file_id):
        raise ServiceError("Add the contract's text or a PDF before sending it for signature.")
    if not signature_recipients(locked):
        raise ServiceError(
            f"Nobody at {locked.client.name} can open it: invite a contact to the portal (and check the portal "
            "is on and shows Contracts) first."
        )
    previous = locked.status
    locked.status = ContractStatus.SENT
    locked.sent_at = timezone.now()
    locked.save(update_fields=["status", "sent_at"])
    _log(
        locked,
        "contract.sent",
        user=actor,
        previous=previous,
        ip=ip,
        user_agent=(user_agent or "")[:500],
    )
    outbox.enqueue("proposals.contract_sent_email", contract_id=locked.pk)
    return locked


def _proposal_contract_text(proposal: Proposal, signature: Signature) -> str:
    version = signature.proposal_version
    currency = signature.currency
    lines = [
        f"This contract is between **{proposal.workspace.name}** and **{proposal.client.name}**. It puts into "
        f"force proposal “{version.title}” ({version.label}), accepted by {signature.signer_name} on "
        f"{signature.signed_at:%Y-%m-%d} (signature certificate {signature.certificate_id}).",
        "",
        "### Scope",
        "",
        version.content_markdown.strip() or "As described in the proposal.",
        "",
        "### Price",
        "",
        "| Item | Quantity | Amount |",
        "| --- | ---: | ---: |",
    ]
    for item in signature.chosen_items:
        description = item["description"].replace("|", "\\|")
        lines.append(
            f"| {description} | {format_number(item['quantity'])} | {format_money(item['amount'], currency)} |"
        )
    lines += [
        "",
        f"Subtotal {format_money(signature.subtotal, currency)}; discount "
        f"{format_money(signature.discount, currency)}; tax {format_money(signature.tax, currency)}; "
        f"**total {format_money(signature.total, currency)}**.",
    ]
    if version.deposit_percent:
        lines.append(f"A deposit of {format_percent(version.deposit_percent)} is due before work starts.")
    if version.terms_markdown.strip():
        lines += ["", "### Terms", "", version.terms_markdown.strip()]
    return "\n".join(lines)


@transaction.atomic
def contract_from_proposal(*, proposal: Proposal, actor: User) -> Contract:
    """A draft contract generated from an accepted proposal: its scope, the accepted price and terms."""
    locked = Proposal.objects.select_for_update().select_related("workspace", "client").get(pk=proposal.pk)
    if locked.status != ProposalStatus.ACCEPTED:
        raise ServiceError("Only an accepted proposal can become a contract.")
    signature = Signature.objects.select_related("proposal_version").get(proposal=locked)
    body = _proposal_contract_text(locked, signature)
    contract = Contract.objects.create(
        workspace=locked.workspace,
        client=locked.client,
        project=locked.project,
        proposal=locked,
        title=f"Contract: {signature.proposal_version.title}"[:200],
        body_markdown=body,
        body_html=render_markdown(body),
        created_by=actor,
    )
    _log(contract, "contract.created", user=actor, status=contract.status, proposal=locked.pk)
    return contract
