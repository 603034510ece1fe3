"""Reads that need care: counts in one query, lists that stay flat however many rows there are."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from activity.models import Event
from activity.verbs import CLIENT, client_verbs
from core.listing import DateLabels
from files.uploads import friendly_type, human_size
from projects.models import (
    DELIVERABLES_SECTION,
    PROJECTS_SECTION,
    ApprovalStatus,
    Deliverable,
    Project,
    ProjectStatus,
)

OPEN_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD)
WIDGET_LENGTH = 5


def with_deliverable_counts(projects: QuerySet[Project]) -> QuerySet[Project]:
    return projects.annotate(
        n_deliverables=Count(
            "deliverables", filter=Q(deliverables__current_version__isnull=False), distinct=True
        ),
        n_awaiting=Count(
            "deliverables", filter=Q(deliverables__approval_status=ApprovalStatus.PENDING), distinct=True
        ),
    )


def deliverable_rows(deliverables: QuerySet[Deliverable]) -> QuerySet[Deliverable]:
    """What a deliverable table shows, with everything it needs loaded in the same query."""
    return deliverables.select_related("project", "current_version", "current_version__uploaded_by_user")


APPROVAL_LABELS = dict(ApprovalStatus.choices)


def present_deliverables(rows, *, detail_url, download_url, for_client: bool) -> list[Deliverable]:
    """Give each row of a deliverable table what its cells show, computed once here rather than by tags
    and filters per row (URLs from one reverse each, labels, badge tone, dates once per distinct day).
    Values stay plain strings: the template escapes them."""
    from projects.templatetags.project_tags import BADGE

    dates = DateLabels()
    for d in rows:
        d.url = detail_url(d.pk)
        d.download_url = download_url(d.current_version_id) if d.current_version_id else ""
        version = d.current_version
        d.version_text = (
            f"{version.label} · {friendly_type(version.content_type)} · {human_size(version.size or 0)}"
            if version is not None
            else ""
        )
        d.approval_tone = BADGE.get(d.approval_status, "")
        if for_client and d.approval_status == ApprovalStatus.PENDING:
            d.approval_label = "Awaiting your approval"
        else:
            d.approval_label = APPROVAL_LABELS.get(d.approval_status, d.approval_status)
        updated = timezone.localtime(d.updated_at)
        d.updated_iso = updated.isoformat()
        d.updated_text = dates(updated.date())
    return rows


def contact_projects(contact) -> QuerySet[Project]:
    return with_deliverable_counts(Project.objects.for_contact(contact)).order_by(
        "-start_date", "-created_at"
    )


def project_events(project: Project, *, audience: str, limit: int = 30) -> QuerySet[Event]:
    """The project's own events and its deliverables' (they carry `project_id`), newest first."""
    events = Event.objects.filter(workspace_id=project.workspace_id, client_id=project.client_id).filter(
        data__project_id=project.pk
    )
    if audience == CLIENT:
        sections = {s for s in (PROJECTS_SECTION, DELIVERABLES_SECTION) if project.client.shows(s)}
        events = events.filter(verb__in=client_verbs(sections))
    return events.select_related("actor_user", "actor_contact").order_by("-created_at", "-id")[:limit]


def deliverable_events(deliverable: Deliverable, *, audience: str, limit: int = 50) -> QuerySet[Event]:
    events = Event.objects.filter(
        workspace_id=deliverable.project.workspace_id,
        target_type=Deliverable._meta.label_lower,
        target_id=str(deliverable.pk),
    )
    if audience == CLIENT:
        events = events.filter(verb__in=client_verbs({DELIVERABLES_SECTION}))
    return events.select_related("actor_user", "actor_contact").order_by("-created_at", "-id")[:limit]


# --- dashboard widgets (projects/section.py) -----------------------------------------------------------


def projects_widget(contact) -> dict:
    """Two queries whatever the number of projects: the counts, and the first few open projects."""
    projects = Project.objects.for_contact(contact)
    counts = projects.aggregate(total=Count("id"), open_total=Count("id", filter=Q(status__in=OPEN_STATUSES)))
    open_projects = with_deliverable_counts(projects.filter(status__in=OPEN_STATUSES)).order_by(
        "status", "-start_date", "-created_at"
    )
    return {"projects": list(open_projects[:WIDGET_LENGTH]) if counts["open_total"] else [], **counts}


def deliverables_widget(contact) -> dict:
    deliverables = Deliverable.objects.for_contact(contact)
    return {
        "deliverables": list(deliverable_rows(deliverables)[:WIDGET_LENGTH]),
        "awaiting": deliverables.filter(approval_status=ApprovalStatus.PENDING).count(),
    }
