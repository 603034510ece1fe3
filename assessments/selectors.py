"""Reads that need care: fixed query counts whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from activity.models import Event
from activity.verbs import CLIENT, STAFF, client_verbs
from assessments.models import (
    CLIENT_EDITABLE_STATUSES,
    FINAL_STATUSES,
    Assessment,
    AssessmentAccess,
    EvidenceFile,
    EvidenceRequest,
    Priority,
    Status,
)
from assessments.templatetags.evidence_tags import PRIORITY_BADGE, STATUS_BADGE
from assessments.verbs import SECTION
from core.listing import DateLabels

# The sort button cycles through these, in this order.
SORTS = {"": "Default", "req": "Requirement ↑", "-req": "Requirement ↓"}
NEXT_SORT = {"": "req", "req": "-req", "-req": ""}
# Every status the request counts name (n_open, n_submitted, …), in workflow order.
COUNTED_STATUSES = (
    Status.OPEN,
    Status.SUBMITTED,
    Status.UNDER_REVIEW,
    Status.CHANGES_REQUESTED,
    Status.ACCEPTED,
    Status.WAIVED,
)


def status_counts() -> dict[str, Count]:
    return {
        "total": Count("requests", distinct=True),
        **{
            f"n_{s}": Count("requests", filter=Q(requests__status=s), distinct=True) for s in COUNTED_STATUSES
        },
    }


def request_counts(requests: QuerySet[EvidenceRequest]) -> dict[str, int]:
    """`status_counts()` for one set of requests, counted straight off the requests table (no join, no
    DISTINCT): one query however many there are."""
    return requests.aggregate(
        total=Count("id"),
        **{f"n_{s}": Count("id", filter=Q(status=s)) for s in COUNTED_STATUSES},
    )


def request_list(
    qs: QuerySet[EvidenceRequest], *, status: str = "", priority: str = "", sort: str = ""
) -> QuerySet[EvidenceRequest]:
    if status in Status.values:
        qs = qs.filter(status=status)
    if priority:
        qs = qs.filter(priority=priority)
    # The file count as a correlated subquery, not a join + GROUP BY: PostgreSQL then computes it for
    # the window's rows only (after ORDER BY … LIMIT), and counting the list needs no grouping.
    files = (
        EvidenceFile.objects.filter(request=OuterRef("pk"))
        .order_by()
        .values("request")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = qs.select_related("assignee").annotate(
        file_count=Coalesce(Subquery(files, output_field=IntegerField()), Value(0))
    )
    if sort == "req":
        return qs.order_by("requirement_key", "id")
    if sort == "-req":
        return qs.order_by("-requirement_key", "-id")
    # Default: what needs attention first: earliest due date (undated last), then requirement.
    return qs.order_by(F("due_date").asc(nulls_last=True), "requirement_key", "id")


PRIORITY_LABELS = dict(Priority.choices)
STATUS_LABELS = dict(Status.choices)


def present_requests(rows, *, detail_url, edit_url=None, for_client: bool) -> list[EvidenceRequest]:
    """Give each row of a request table what its cells show, computed once here rather than by tags and
    filters per row: its URL(s), labels, badge tones, due date text and whether it is overdue (for a
    client: still theirs to act on; for staff: not final). Values stay plain strings: the template
    escapes them."""
    today = timezone.localdate()
    dates = DateLabels()
    late = CLIENT_EDITABLE_STATUSES if for_client else None
    for r in rows:
        r.url = detail_url(r.pk)
        if edit_url is not None:
            r.edit_url = edit_url(r.pk)
        r.priority_label = PRIORITY_LABELS.get(r.priority, r.priority)
        r.priority_tone = PRIORITY_BADGE.get(r.priority, "")
        r.status_label = STATUS_LABELS.get(r.status, r.status)
        r.status_tone = STATUS_BADGE.get(r.status, "")
        due = r.due_date
        if due is None:
            r.overdue = False
            continue
        r.due_iso = due.isoformat()
        r.due_text = dates(due)
        if late is not None:
            r.overdue = due < today and r.status in late
        else:
            r.overdue = due < today and r.status not in FINAL_STATUSES
    return rows


@dataclass
class Summary:
    total: int
    open: int
    submitted: int
    under_review: int
    accepted: int
    changes_requested: int
    waived: int

    @property
    def in_review(self) -> int:
        """Handed in, waiting on the assessor: submitted or under review."""
        return self.submitted + self.under_review

    @property
    def percent(self) -> int:
        return round(100 * self.accepted / self.total) if self.total else 0


def contact_assessments(contact) -> QuerySet[Assessment]:
    """The contact's assessments with per-status counts and the date they were invited: one query."""
    invited = AssessmentAccess.objects.filter(assessment=OuterRef("pk"), contact=contact).values(
        "created_at"
    )[:1]
    return (
        Assessment.objects.for_contact(contact)
        .annotate(**status_counts(), invited_at=Subquery(invited))
        .order_by("-invited_at", "-id")
    )


def summary_of(cards: list[Assessment]) -> Summary:
    """The contact's totals from their assessments' per-status counts (`contact_assessments`, counted in
    SQL): the same requests as `contact_summary`, without a second query over them."""
    return Summary(
        total=sum(a.total for a in cards),
        open=sum(a.n_open for a in cards),
        submitted=sum(a.n_submitted for a in cards),
        under_review=sum(a.n_under_review for a in cards),
        accepted=sum(a.n_accepted for a in cards),
        changes_requested=sum(a.n_changes_requested for a in cards),
        waived=sum(a.n_waived for a in cards),
    )


def staff_inbox(workspace) -> QuerySet[EvidenceRequest]:
    """Submitted requests waiting for review, oldest submission first."""
    return (
        EvidenceRequest.objects.for_workspace(workspace)
        .filter(status=Status.SUBMITTED)
        .select_related("assessment__client", "assignee")
        .annotate(file_count=Count("files"))
        .order_by(F("submitted_at").asc(nulls_first=True), "id")
    )


def request_history(evidence: EvidenceRequest, audience: str = STAFF):
    """Everything that happened to one request, oldest first, straight from the hash-chained log; for a
    client, only the client-audience verbs."""
    events = Event.objects.filter(
        chain_key=evidence.audit_chain_key,
        target_type=EvidenceRequest._meta.label_lower,
        target_id=str(evidence.pk),
    )
    if audience == CLIENT:
        events = events.filter(verb__in=client_verbs({SECTION}))
    return events.select_related("actor_user", "actor_contact").order_by("chain_seq")


def annotate_revisions(files, evidence: EvidenceRequest) -> list:
    """Mark each file current, superseded (an earlier submission) or pending (not submitted yet).

    Each submission is a revision of the evidence: the latest submitted round is what the assessor
    reviews; earlier rounds stay on record, marked superseded.
    """
    files = list(files)
    for f in files:
        if f.submission_round > evidence.submission_round:
            f.revision_state = "pending"
        elif f.submission_round == evidence.submission_round:
            f.revision_state = "current"
        else:
            f.revision_state = "superseded"
        f.submitted = f.revision_state != "pending"
    return files


def submission_detail(record: EvidenceFile) -> tuple[str, str]:
    """The evidence-specific line of a file's facts on its preview page: its submission round."""
    submitted = record.submission_round <= record.request.submission_round
    return ("Submission", str(record.submission_round) if submitted else "Not submitted yet")


# --- the portal's Assessments section (registered in assessments/section.py) -------------------------


def visible_events(contact, events):
    """The client feed minus events about assessments this contact cannot open (colleagues' engagements)."""
    allowed = list(Assessment.objects.for_contact(contact).values_list("pk", flat=True))
    return events.exclude(Q(data__has_key="assessment_id") & ~Q(data__assessment_id__in=allowed))


def dashboard_context(contact) -> dict:
    """What the portal dashboard shows about evidence: a few queries whatever the number of requests.
    Nothing (no widget) when the firm runs no assessment for this client at all: an agency's client is not
    told "0 requests"; a contact of an assessed client with nothing shared yet is told so."""
    cards = list(contact_assessments(contact))
    if (
        not cards
        and not Assessment.objects.filter(
            workspace_id=contact.workspace_id, client_id=contact.client_id
        ).exists()
    ):
        return {}
    for card in cards:
        card.client = contact.client  # the cards show the client's name: no query per card
    return {
        "summary": summary_of(cards),
        "assessment_cards": cards,
        "attention": needs_attention(contact),
    }


ATTENTION_LIMIT = 8


def needs_attention(contact) -> dict:
    """The client's to-do list: changes requested first, then overdue or due-soon open requests."""
    soon = timezone.localdate() + timedelta(days=7)
    qs = (
        EvidenceRequest.objects.for_contact(contact)
        .filter(Q(status=Status.CHANGES_REQUESTED) | Q(status=Status.OPEN, due_date__lte=soon))
        .select_related("assessment")
        .annotate(
            urgency=Case(
                When(status=Status.CHANGES_REQUESTED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("urgency", "due_date", "requirement_key")
    )
    rows = list(qs[: ATTENTION_LIMIT + 1])
    return {"rows": rows[:ATTENTION_LIMIT], "more": len(rows) > ATTENTION_LIMIT}
