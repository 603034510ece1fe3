"""State changes for contracts. Keyword-only, atomic, audited."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction

from accounts.models import Client, User, Workspace
from activity.services import record_event
from core.errors import ServiceError
from core.services import model_update
from files.quota import check_quota
from files.uploads import UploadRejected, inspect_upload, store_upload
from proposals.files import CONTRACT
from proposals.models import CLIENT_VISIBLE, Contract, ContractFile, contract_key

CONTRACT_FIELDS = ("title", "status", "start_date", "end_date", "project")


def _log(contract: Contract, verb: str, *, user: User | None, **data: Any) -> None:
    record_event(
        workspace=contract.workspace,
        client=contract.client,
        verb=verb,
        actor_user=user,
        target=contract,
        data={**data, "contract_id": contract.pk},
    )


def _check(workspace: Workspace, client: Client, project) -> None:
    if client.workspace_id != workspace.pk:
        raise ServiceError("That client is not in this workspace.")
    if project is not None and project.client_id != client.pk:
        raise ServiceError("That project belongs to another client.")


def _check_dates(start, end) -> None:
    if start and end and end < start:
        raise ServiceError("A contract cannot end before it starts.")


def _shared_now(contract: Contract, before: str | None, user: User | None) -> None:
    """The client hears of a contract once, when it first comes into force with a file to show."""
    if contract.status in CLIENT_VISIBLE and contract.current_file_id and before not in CLIENT_VISIBLE:
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
        was_visible = before in CLIENT_VISIBLE and locked.current_file_id is not None
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
