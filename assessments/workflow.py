"""The evidence request state machine. The one place that knows which moves exist and who may make them.

    open ──client──▶ submitted ──staff──▶ under_review ──staff──▶ accepted
                        ▲                      │
                        └──client── changes_requested ◀─staff─┘
    any non-final ──staff──▶ waived

Views and tasks call `transition()`; it locks the row, checks the edge, the actor and the guards,
writes the activity event and queues the email in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Contact, Membership, User
from activity import outbox
from assessments.audit import log_assessment_event
from assessments.models import AssessmentAccess, EvidenceRequest, Status
from core.errors import ServiceError

STAFF = "staff"
CLIENT = "client"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    actor: str  # STAFF or CLIENT
    label: str  # the button text, and the verb in messages


EDGES: tuple[Edge, ...] = (
    Edge(Status.OPEN, Status.SUBMITTED, CLIENT, "Submit for review"),
    Edge(Status.CHANGES_REQUESTED, Status.SUBMITTED, CLIENT, "Submit for review"),
    Edge(Status.SUBMITTED, Status.UNDER_REVIEW, STAFF, "Start review"),
    Edge(Status.UNDER_REVIEW, Status.ACCEPTED, STAFF, "Accept"),
    Edge(Status.UNDER_REVIEW, Status.CHANGES_REQUESTED, STAFF, "Request changes"),
    *(
        Edge(source, Status.WAIVED, STAFF, "Waive")
        for source in (Status.OPEN, Status.SUBMITTED, Status.UNDER_REVIEW, Status.CHANGES_REQUESTED)
    ),
)
_EDGES = {(e.source, e.target): e for e in EDGES}


NOTE_REQUIRED = {
    Status.CHANGES_REQUESTED: "Write a note telling the client what to change.",
    Status.WAIVED: "Give a reason for waiving this request.",
}


class TransitionError(ServiceError):
    """A move the state machine does not allow, or an actor who may not make it."""


def allowed_targets(status: str, actor: str) -> list[Edge]:
    """The moves this kind of actor can offer from `status` (for drawing buttons)."""
    return [e for e in EDGES if e.source == status and e.actor == actor]


def _label(status: str) -> str:
    return Status(status).label.lower()


def _check_actor(evidence: EvidenceRequest, edge: Edge, user: User | None, contact: Contact | None) -> None:
    if (user is None) == (contact is None):
        raise TransitionError("A transition needs exactly one actor: a staff member or a contact.")
    assessment = evidence.assessment
    if edge.actor == STAFF:
        if user is None:
            raise TransitionError(f"Only the assessor can move a request to {_label(edge.target)}.")
        if not Membership.objects.filter(user=user, workspace_id=assessment.workspace_id).exists():
            raise TransitionError("You are not on this workspace.")
    else:
        if contact is None:
            raise TransitionError(f"Only the client can move a request to {_label(edge.target)}.")
        has_access = AssessmentAccess.objects.filter(
            assessment=assessment, contact=contact, contact__revoked_at__isnull=True
        ).exists()
        if contact.client_id != assessment.client_id or not has_access:
            raise TransitionError("You do not have access to this assessment.")


@transaction.atomic
def transition(
    *,
    evidence: EvidenceRequest,
    to: str,
    user: User | None = None,
    contact: Contact | None = None,
    note: str = "",
) -> EvidenceRequest:
    """Move `evidence` to status `to`, or raise TransitionError with a message fit for the person asking."""
    # Lock the row: a double-clicked Accept or a client submitting while staff waive sees the fresh state.
    evidence = (
        EvidenceRequest.objects.select_for_update(of=("self",))
        .select_related("assessment__client", "assessment__workspace")
        .get(pk=evidence.pk)
    )
    if to not in Status.values:
        raise TransitionError("Unknown status.")
    edge = _EDGES.get((evidence.status, to))
    if edge is None:
        raise TransitionError(f"A request that is {_label(evidence.status)} cannot be moved to {_label(to)}.")
    _check_actor(evidence, edge, user, contact)
    note = (note or "").strip()
    now = timezone.now()
    fields = ["status"]

    if to == Status.SUBMITTED:
        # Each submission is a new revision: it needs a file of its own, or a resubmission would supersede
        # every earlier file with nothing.
        if not evidence.files.filter(submission_round=evidence.current_round).exists():
            raise TransitionError(
                "Upload at least one file before submitting for review."
                if evidence.submission_round == 0
                else "Upload the corrected evidence before submitting again."
            )
        evidence.submission_round += 1
        evidence.submitted_at = now
        fields += ["submission_round", "submitted_at"]
    elif to in NOTE_REQUIRED:
        if not note:
            raise TransitionError(NOTE_REQUIRED[to])
        evidence.reviewer_notes = note
        evidence.reviewed_at = now
        fields += ["reviewer_notes", "reviewed_at"]
    elif to == Status.ACCEPTED:
        evidence.reviewed_at = now
        fields += ["reviewed_at"]
        if note:
            evidence.reviewer_notes = note
            fields.append("reviewer_notes")

    previous = evidence.status
    evidence.status = to
    evidence.save(update_fields=fields)

    assessment = evidence.assessment
    log_assessment_event(
        assessment,
        f"evidence.{to}",
        target=evidence,
        user=user,
        contact=contact,
        **{"from": previous, "to": to, **({"note": note} if note else {})},
    )
    outbox.enqueue(
        "assessments.status_email",
        request_id=evidence.pk,
        status=to,
        actor_user_id=user.pk if user else None,
        actor_contact_id=contact.pk if contact else None,
    )
    return evidence
