"""The approval state machine of a deliverable, in one place (STYLE.md #4).

    not_required ──staff: ask for approval (needs a version)──▶ pending
    pending ──staff: withdraw──▶ not_required
    pending ──client: approve──▶ approved
    pending ──client: request changes (comment required)──▶ changes_requested
    approved | changes_requested ──staff: new version uploaded──▶ pending

A decision is made on one version (the current one) and recorded with who and when; a new version resets
it. Everything else is refused with a message fit to show.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import Contact, User
from activity import outbox
from core.errors import ServiceError
from projects.audit import log_deliverable_event
from projects.models import ApprovalDecision, ApprovalStatus, Decision, Deliverable

STAFF, CLIENT = "staff", "client"

# (from, to) -> who may make the move
TRANSITIONS: dict[tuple[str, str], str] = {
    (ApprovalStatus.NOT_REQUIRED, ApprovalStatus.PENDING): STAFF,
    (ApprovalStatus.PENDING, ApprovalStatus.NOT_REQUIRED): STAFF,
    (ApprovalStatus.PENDING, ApprovalStatus.APPROVED): CLIENT,
    (ApprovalStatus.PENDING, ApprovalStatus.CHANGES_REQUESTED): CLIENT,
    (ApprovalStatus.APPROVED, ApprovalStatus.PENDING): STAFF,
    (ApprovalStatus.CHANGES_REQUESTED, ApprovalStatus.PENDING): STAFF,
}

VERBS = {
    ApprovalStatus.PENDING: "deliverable.approval_requested",
    ApprovalStatus.NOT_REQUIRED: "deliverable.approval_withdrawn",
    ApprovalStatus.APPROVED: "deliverable.approved",
    ApprovalStatus.CHANGES_REQUESTED: "deliverable.changes_requested",
}


class TransitionError(ServiceError):
    pass


def allowed_moves(deliverable: Deliverable, actor_kind: str) -> list[str]:
    return [
        to
        for (frm, to), who in TRANSITIONS.items()
        if frm == deliverable.approval_status and who == actor_kind
    ]


@transaction.atomic
def transition(
    *,
    deliverable: Deliverable,
    to: str,
    user: User | None = None,
    contact: Contact | None = None,
    comment: str = "",
    version_id: int | None = None,
    ip: str | None = None,
    notify: bool = True,
) -> Deliverable:
    """Move `deliverable` to `to` as `user` (staff) or `contact` (client), or raise TransitionError.

    `version_id` is the version the client looked at: a decision on anything but the current version is
    refused (a newer one arrived meanwhile)."""
    if (user is None) == (contact is None):
        raise TransitionError("Exactly one of user or contact must act.")
    if to not in ApprovalStatus.values:
        raise TransitionError("Unknown approval status.")
    locked = (
        Deliverable.objects.select_for_update()
        .select_related("project__client", "project__workspace")
        .get(pk=deliverable.pk)
    )
    frm = locked.approval_status
    who = TRANSITIONS.get((frm, to))
    label_from, label_to = ApprovalStatus(frm).label.lower(), ApprovalStatus(to).label.lower()
    if who is None:
        raise TransitionError(f"This deliverable is {label_from}: it cannot become {label_to}.")
    actor_kind = STAFF if user is not None else CLIENT
    if who != actor_kind:
        raise TransitionError(
            "Only the client can approve or request changes."
            if who == CLIENT
            else "Only the studio's staff can make this change."
        )
    if contact is not None and contact.client_id != locked.project.client_id:
        raise TransitionError("This deliverable belongs to another client.")
    if user is not None and not user.memberships.filter(workspace_id=locked.project.workspace_id).exists():
        raise TransitionError("Only staff of this workspace can make this change.")
    version = locked.current_version
    if version is None:
        raise TransitionError("Upload a file first: there is nothing to approve yet.")
    comment = (comment or "").strip()
    if len(comment) > 5000:
        raise TransitionError("Comments are limited to 5,000 characters.")
    decision = None
    if to == ApprovalStatus.PENDING and frm != ApprovalStatus.NOT_REQUIRED:
        # A reset: only a new version, one nobody has decided on yet, reopens the question.
        if ApprovalDecision.objects.filter(version=version).exists():
            raise TransitionError("Upload a new version first: this one has already been decided on.")
    if actor_kind == CLIENT:
        if version_id is not None and int(version_id) != version.pk:
            raise TransitionError(
                f"A newer version ({version.label}) was uploaded meanwhile. Look at it before deciding."
            )
        if to == ApprovalStatus.CHANGES_REQUESTED and not comment:
            raise TransitionError("Say what should change: a comment is required to request changes.")
        decision = ApprovalDecision.objects.create(
            deliverable=locked,
            version=version,
            decision=Decision.APPROVED if to == ApprovalStatus.APPROVED else Decision.CHANGES_REQUESTED,
            comment=comment,
            contact=contact,
            ip=ip,
        )
    locked.approval_status = to
    locked.save(update_fields=["approval_status"])
    log_deliverable_event(
        locked,
        VERBS[ApprovalStatus(to)],
        user=user,
        contact=contact,
        version=version.number,
        version_id=version.pk,
        comment=comment,
        previous=frm,
    )
    if notify and decision is not None:
        outbox.enqueue("projects.decision_email", decision_id=decision.pk)
    elif notify and to == ApprovalStatus.PENDING and frm == ApprovalStatus.NOT_REQUIRED:
        outbox.enqueue("projects.approval_requested_email", deliverable_id=locked.pk)
    deliverable.approval_status = to
    return locked
