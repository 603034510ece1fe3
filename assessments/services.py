"""State changes for assessments and evidence. Keyword-only, atomic, audited.

Status changes are not here: they go through `assessments.workflow.transition`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction

from accounts.models import Client, Contact, User, Workspace
from accounts.services import invite_contact
from activity import outbox
from activity.services import record_event
from assessments.audit import log_assessment_event, message_digest
from assessments.files import EVIDENCE, evidence_key
from assessments.markup import render_markdown
from assessments.models import (
    CLIENT_EDITABLE_STATUSES,
    Assessment,
    AssessmentAccess,
    EvidenceFile,
    EvidenceRequest,
    RequestMessage,
    Status,
    requirement_sort_key,
)
from core.errors import ServiceError
from core.http import is_id
from core.services import model_update
from files.quota import check_quota
from files.uploads import UploadRejected, inspect_upload, store_upload

ASSESSMENT_FIELDS = ("name", "type", "organization", "period_start", "period_end", "status", "lead")
REQUEST_FIELDS = ("requirement", "title", "description", "priority", "due_date", "tags", "assignee")


def _check_client(workspace: Workspace, client: Client) -> None:
    if client.workspace_id != workspace.pk:
        raise ServiceError("That client is not in this workspace.")


def _check_staff_user(workspace: Workspace, user: User | None) -> None:
    if user is not None and not user.memberships.filter(workspace=workspace).exists():
        raise ServiceError("The assessor must be a member of this workspace.")


# --- assessments -------------------------------------------------------------------------------------


@transaction.atomic
def create_assessment(*, workspace: Workspace, client: Client, actor: User, **fields: Any) -> Assessment:
    _check_client(workspace, client)
    data = {k: v for k, v in fields.items() if k in ASSESSMENT_FIELDS}
    data.setdefault("lead", actor)
    _check_staff_user(workspace, data.get("lead"))
    assessment = Assessment.objects.create(workspace=workspace, client=client, created_by=actor, **data)
    record_event(
        workspace=workspace,
        client=client,
        verb="assessment.created",
        actor_user=actor,
        target=assessment,
        data={"assessment_id": assessment.pk},
    )
    return assessment


@transaction.atomic
def update_assessment(*, assessment: Assessment, actor: User, **fields: Any) -> Assessment:
    if "lead" in fields and fields["lead"] != assessment.lead:
        _check_staff_user(assessment.workspace, fields["lead"])
    assessment, changed = model_update(instance=assessment, fields=ASSESSMENT_FIELDS, data=fields)
    if changed:
        log_assessment_event(assessment, "assessment.updated", user=actor, fields=changed)
    return assessment


# --- requests ----------------------------------------------------------------------------------------


def clean_tags(tags: Any) -> list[str]:
    if isinstance(tags, str):
        tags = tags.replace(";", ",").split(",")
    seen: list[str] = []
    for tag in tags or []:
        tag = str(tag).strip()[:40]
        if tag and tag.lower() not in {t.lower() for t in seen}:
            seen.append(tag)
    return seen[:20]


@transaction.atomic
def create_request(*, assessment: Assessment, actor: User, **fields: Any) -> EvidenceRequest:
    data = {k: v for k, v in fields.items() if k in REQUEST_FIELDS}
    data["tags"] = clean_tags(data.get("tags"))
    _check_staff_user(assessment.workspace, data.get("assignee"))
    evidence = EvidenceRequest.objects.create(assessment=assessment, **data)
    log_assessment_event(assessment, "evidence.created", target=evidence, user=actor)
    return evidence


@transaction.atomic
def update_request(*, evidence: EvidenceRequest, actor: User, **fields: Any) -> EvidenceRequest:
    if "tags" in fields:
        fields["tags"] = clean_tags(fields["tags"])
    if "assignee" in fields:
        _check_staff_user(evidence.assessment.workspace, fields["assignee"])
    evidence, changed = model_update(instance=evidence, fields=REQUEST_FIELDS, data=fields)
    if changed:
        assessment = evidence.assessment
        log_assessment_event(assessment, "evidence.updated", target=evidence, user=actor, fields=changed)
    return evidence


@transaction.atomic
def import_requests(
    *, assessment: Assessment, actor: User, rows: list[dict[str, Any]]
) -> list[EvidenceRequest]:
    """Create many requests at once (rows already validated by assessments.importing)."""
    created = [
        EvidenceRequest(assessment=assessment, **{k: v for k, v in row.items() if k in REQUEST_FIELDS})
        for row in rows
    ]
    for evidence in created:  # bulk_create skips save(): fill what save() would
        evidence.requirement = evidence.requirement.strip()
        evidence.tags = clean_tags(evidence.tags)
        evidence.requirement_key = requirement_sort_key(evidence.requirement)
        evidence.description_html = render_markdown(evidence.description)
    created = EvidenceRequest.objects.bulk_create(created)
    log_assessment_event(assessment, "evidence.imported", user=actor, count=len(created))
    return created


# --- who may see an assessment -------------------------------------------------------------------------


@dataclass
class AssessmentInvite:
    access: AssessmentAccess
    contact: Contact
    portal_enabled_now: bool


@transaction.atomic
def invite_to_assessment(
    *, assessment: Assessment, email: str, actor: User, name: str = "", job_title: str = ""
) -> AssessmentInvite:
    """Invite a contact of the assessment's client (the company is locked) and grant this assessment."""
    result = invite_contact(
        client=assessment.client, email=email, name=name, job_title=job_title, actor=actor
    )
    access, created = AssessmentAccess.objects.get_or_create(
        assessment=assessment, contact=result.contact, defaults={"granted_by": actor}
    )
    if created:
        log_assessment_event(
            assessment,
            "assessment.access_granted",
            user=actor,
            contact_id=result.contact.pk,
            email=result.contact.email,
        )
    return AssessmentInvite(
        access=access, contact=result.contact, portal_enabled_now=result.portal_enabled_now
    )


@transaction.atomic
def grant_assessment_access(*, contact: Contact, assessment_ids, actor: User) -> list[AssessmentAccess]:
    """Share these assessments of the contact's own client with the contact (ids of other clients' or
    other workspaces' assessments are ignored, never granted)."""
    wanted = {int(i) for i in map(str, assessment_ids) if is_id(i)}
    assessments = Assessment.objects.for_workspace(contact.workspace).filter(
        client_id=contact.client_id, pk__in=wanted
    )
    granted = []
    for assessment in assessments:
        access, created = AssessmentAccess.objects.get_or_create(
            assessment=assessment, contact=contact, defaults={"granted_by": actor}
        )
        if created:
            granted.append(access)
            log_assessment_event(
                assessment,
                "assessment.access_granted",
                user=actor,
                contact_id=contact.pk,
                email=contact.email,
            )
    return granted


@transaction.atomic
def revoke_assessment_access(*, access: AssessmentAccess, actor: User) -> None:
    assessment, contact = access.assessment, access.contact
    AssessmentAccess.objects.filter(pk=access.pk).delete()
    log_assessment_event(
        assessment, "assessment.access_revoked", user=actor, contact_id=contact.pk, email=contact.email
    )


# --- files -------------------------------------------------------------------------------------------


def _one_actor(user: User | None, contact: Contact | None) -> None:
    if (user is None) == (contact is None):
        raise ServiceError("Exactly one of user or contact must act.")


def _check_room(evidence: EvidenceRequest, size: int) -> None:
    """Per-request file count (EVIDENCE policy) and the workspace's storage quota."""
    limit = EVIDENCE.max_files
    if limit is not None and EvidenceFile.objects.filter(request=evidence).count() >= limit:
        raise ServiceError(
            f"This request already holds {limit} files, the most it can take. "
            "Combine files into a ZIP or PDF, or ask your assessor."
        )
    check_quota(evidence.assessment.workspace, size)


def upload_file(
    *,
    evidence: EvidenceRequest,
    upload,
    contact: Contact | None = None,
    user: User | None = None,
    ip: str | None = None,
) -> EvidenceFile:
    """Check, store and record one uploaded file. Refused uploads leave nothing behind."""
    _one_actor(user, contact)
    if evidence.status not in CLIENT_EDITABLE_STATUSES:
        raise ServiceError(
            f"This request is {evidence.get_status_display().lower()}: files can no longer be added."
        )
    try:
        inspected = inspect_upload(upload, EVIDENCE)
    except UploadRejected as exc:
        raise ServiceError(str(exc)) from exc
    _check_room(evidence, inspected.size)  # early, so a full request or workspace costs no upload
    # The slow part (streaming to storage) happens outside the transaction and the row lock.
    try:
        stored = store_upload(upload, evidence_key())
    except UploadRejected as exc:
        raise ServiceError(str(exc)) from exc
    try:
        with transaction.atomic():
            locked = (
                EvidenceRequest.objects.select_for_update().select_related("assessment").get(pk=evidence.pk)
            )
            if locked.status not in CLIENT_EDITABLE_STATUSES:
                raise ServiceError(
                    f"This request is {locked.get_status_display().lower()}: files can no longer be added."
                )
            # Again under locks, so parallel uploads cannot together pass a limit each passed alone.
            Workspace.objects.select_for_update().filter(pk=locked.assessment.workspace_id).first()
            _check_room(locked, stored.size)
            record = EvidenceFile.objects.create(
                request=locked,
                file=stored.key,
                original_name=inspected.name,
                size=stored.size,
                content_type=inspected.content_type,
                sha256=stored.sha256,
                uploaded_by_contact=contact,
                uploaded_by_user=user,
                uploader_ip=ip,
                submission_round=locked.current_round,
            )
            assessment = locked.assessment
            log_assessment_event(
                assessment,
                "evidence.file_uploaded",
                target=locked,
                user=user,
                contact=contact,
                file=inspected.name,
                size=stored.size,
                sha256=stored.sha256,
                content_type=inspected.content_type,
                file_id=record.pk,
                round=record.submission_round,
                ip=ip,
            )
    except BaseException:
        default_storage.delete(stored.key)  # the row did not make it: neither does the file
        raise
    return record


@transaction.atomic
def delete_file(*, file: EvidenceFile, contact: Contact | None = None, user: User | None = None) -> None:
    """Any contact of the client may delete a file that has not been submitted yet."""
    _one_actor(user, contact)
    evidence = (
        EvidenceRequest.objects.select_for_update().select_related("assessment").get(pk=file.request_id)
    )
    if file.is_submitted(evidence) or evidence.status not in CLIENT_EDITABLE_STATUSES:
        raise ServiceError("Submitted files cannot be deleted.")
    key, name = file.file.name, file.original_name
    EvidenceFile.objects.filter(pk=file.pk).delete()
    assessment = evidence.assessment
    # The file's id ties this deletion to its upload event: integrity checks tell a deleted file from a
    # row that vanished.
    log_assessment_event(
        assessment,
        "evidence.file_deleted",
        target=evidence,
        user=user,
        contact=contact,
        file=name,
        file_id=file.pk,
        sha256=file.sha256,
    )
    transaction.on_commit(lambda: default_storage.delete(key))


# --- messages ----------------------------------------------------------------------------------------


@transaction.atomic
def record_message(
    *, evidence: EvidenceRequest, body: str, contact: Contact | None = None, user: User | None = None
) -> RequestMessage:
    """A message on a request, with its event on the assessment's chain; nobody is emailed (the demo's
    history). `post_message` is the same, plus the email."""
    _one_actor(user, contact)
    body = (body or "").strip()
    if not body:
        raise ServiceError("Write a message first.")
    if len(body) > 5000:
        raise ServiceError("Messages are limited to 5,000 characters.")
    message = RequestMessage.objects.create(
        request=evidence, body=body, author_contact=contact, author_user=user
    )
    # The body's SHA-256 goes on the chain (the body itself stays in the row): an edited or deleted message
    # no longer matches its event (assessments.integrity).
    log_assessment_event(
        evidence.assessment,
        "evidence.message_posted",
        target=evidence,
        user=user,
        contact=contact,
        message_id=message.pk,
        body_sha256=message_digest(message.body),
    )
    return message


def post_message(
    *, evidence: EvidenceRequest, body: str, contact: Contact | None = None, user: User | None = None
) -> RequestMessage:
    message = record_message(evidence=evidence, body=body, contact=contact, user=user)
    outbox.enqueue("assessments.message_email", message_id=message.pk)
    return message


__all__ = [
    "ServiceError",
    "Status",
    "create_assessment",
    "update_assessment",
    "create_request",
    "update_request",
    "import_requests",
    "invite_to_assessment",
    "revoke_assessment_access",
    "upload_file",
    "delete_file",
    "post_message",
    "record_message",
]
