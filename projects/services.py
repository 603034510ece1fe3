"""State changes for projects and deliverables. Keyword-only, atomic, audited.

Approval changes are not here: they go through `projects.approval.transition`.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Client, Contact, User, Workspace
from activity import outbox
from core.errors import ServiceError
from core.services import model_update
from files.quota import check_quota
from files.uploads import UploadRejected, inspect_upload, store_upload
from projects import approval
from projects.audit import log_deliverable_event, log_project_event
from projects.files import DELIVERABLE
from projects.models import (
    ApprovalStatus,
    Deliverable,
    DeliverableComment,
    DeliverableVersion,
    Project,
    deliverable_key,
)

PROJECT_FIELDS = ("name", "description", "status", "start_date", "end_date", "budget")


def _check_client(workspace: Workspace, client: Client) -> None:
    if client.workspace_id != workspace.pk:
        raise ServiceError("That client is not in this workspace.")


def _check_dates(start, end) -> None:
    if start and end and end < start:
        raise ServiceError("A project cannot end before it starts.")


# --- projects ------------------------------------------------------------------------------------------


@transaction.atomic
def create_project(*, workspace: Workspace, client: Client, actor: User, **fields: Any) -> Project:
    _check_client(workspace, client)
    data = {k: v for k, v in fields.items() if k in PROJECT_FIELDS}
    if not (data.get("name") or "").strip():
        raise ServiceError("Give the project a name.")
    _check_dates(data.get("start_date"), data.get("end_date"))
    project = Project.objects.create(workspace=workspace, client=client, created_by=actor, **data)
    log_project_event(project, "project.created", user=actor, status=project.status)
    return project


@transaction.atomic
def update_project(*, project: Project, actor: User, **fields: Any) -> Project:
    before = project.status
    _check_dates(fields.get("start_date", project.start_date), fields.get("end_date", project.end_date))
    project, changed = model_update(instance=project, fields=PROJECT_FIELDS, data=fields)
    if "status" in changed:
        log_project_event(
            project, "project.status_changed", user=actor, previous=before, status=project.status
        )
    others = [f for f in changed if f != "status"]
    if others:
        log_project_event(project, "project.updated", user=actor, fields=others)
    return project


# --- deliverables and versions -------------------------------------------------------------------------


def _store(upload, workspace: Workspace):
    try:
        inspected = inspect_upload(upload, DELIVERABLE)
    except UploadRejected as exc:
        raise ServiceError(str(exc)) from exc
    check_quota(workspace, inspected.size)  # early, so a full workspace costs no upload
    try:
        stored = store_upload(upload, deliverable_key())
    except UploadRejected as exc:
        raise ServiceError(str(exc)) from exc
    return inspected, stored


def _add_version(
    *, deliverable: Deliverable, inspected, stored, user: User, note: str, ip: str | None
) -> DeliverableVersion:
    """Inside a transaction with `deliverable` locked: the row, the pointer, the reset, the event."""
    Workspace.objects.select_for_update().filter(pk=deliverable.project.workspace_id).first()
    check_quota(deliverable.project.workspace, stored.size)  # again under the lock: parallel uploads add up
    number = deliverable.version_count + 1
    version = DeliverableVersion.objects.create(
        deliverable=deliverable,
        number=number,
        note=(note or "").strip(),
        file=stored.key,
        original_name=inspected.name,
        size=stored.size,
        content_type=inspected.content_type,
        sha256=stored.sha256,
        uploaded_by_user=user,
        uploader_ip=ip,
    )
    Deliverable.objects.filter(pk=deliverable.pk).update(
        current_version=version, version_count=F("version_count") + 1, updated_at=timezone.now()
    )
    deliverable.refresh_from_db()
    log_deliverable_event(
        deliverable,
        "deliverable.uploaded" if number == 1 else "deliverable.version_uploaded",
        user=user,
        version=number,
        version_id=version.pk,
        file=inspected.name,
        size=stored.size,
        sha256=stored.sha256,
        content_type=inspected.content_type,
        ip=ip,
    )
    if deliverable.approval_status in (ApprovalStatus.APPROVED, ApprovalStatus.CHANGES_REQUESTED):
        # A new version resets the decision: the client decides again, on this one.
        approval.transition(deliverable=deliverable, to=ApprovalStatus.PENDING, user=user, notify=False)
        deliverable.refresh_from_db()
    outbox.enqueue("projects.version_email", version_id=version.pk)
    return version


def create_deliverable(
    *,
    project: Project,
    upload,
    user: User,
    title: str = "",
    note: str = "",
    needs_approval: bool = False,
    ip: str | None = None,
) -> Deliverable:
    """A new deliverable with its first version. Refused uploads leave nothing behind."""
    inspected, stored = _store(upload, project.workspace)
    try:
        with transaction.atomic():
            deliverable = Deliverable.objects.create(
                project=project,
                title=(title or "").strip()[:200] or inspected.name,
                note=(note or "").strip(),
                created_by=user,
            )
            _add_version(
                deliverable=deliverable, inspected=inspected, stored=stored, user=user, note="", ip=ip
            )
            if needs_approval:
                approval.transition(
                    deliverable=deliverable, to=ApprovalStatus.PENDING, user=user, notify=False
                )
                deliverable.refresh_from_db()
    except BaseException:
        default_storage.delete(stored.key)  # the row did not make it: neither does the file
        raise
    return deliverable


def upload_version(
    *, deliverable: Deliverable, upload, user: User, note: str = "", ip: str | None = None
) -> DeliverableVersion:
    """A new version of `deliverable`: earlier versions are kept (superseded); a decision is reset."""
    inspected, stored = _store(upload, deliverable.project.workspace)
    try:
        with transaction.atomic():
            locked = (
                Deliverable.objects.select_for_update()
                .select_related("project__workspace", "project__client")
                .get(pk=deliverable.pk)
            )
            version = _add_version(
                deliverable=locked, inspected=inspected, stored=stored, user=user, note=note, ip=ip
            )
    except BaseException:
        default_storage.delete(stored.key)
        raise
    deliverable.refresh_from_db()
    return version


# --- comments ------------------------------------------------------------------------------------------


@transaction.atomic
def post_comment(
    *, deliverable: Deliverable, body: str, contact: Contact | None = None, user: User | None = None
) -> DeliverableComment:
    if (user is None) == (contact is None):
        raise ServiceError("Exactly one of user or contact must act.")
    body = (body or "").strip()
    if not body:
        raise ServiceError("Write a comment first.")
    if len(body) > 5000:
        raise ServiceError("Comments are limited to 5,000 characters.")
    comment = DeliverableComment.objects.create(
        deliverable=deliverable, body=body, author_contact=contact, author_user=user
    )
    log_deliverable_event(deliverable, "deliverable.comment_posted", user=user, contact=contact)
    outbox.enqueue("projects.comment_email", comment_id=comment.pk)
    return comment


__all__ = [
    "ServiceError",
    "create_project",
    "update_project",
    "create_deliverable",
    "upload_version",
    "post_comment",
]
