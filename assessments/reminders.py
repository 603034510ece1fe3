"""Daily digests: contacts hear about requests due within 3 days or overdue; staff about submissions
waiting for review. One email per person per day, however often the job runs."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Contact, User, Workspace, section_hidden
from activity import outbox
from activity.mail import send_templated_email
from activity.models import DigestLog
from assessments.handlers import staff_recipients
from assessments.models import AssessmentStatus, EvidenceRequest, Status
from assessments.verbs import SECTION
from core.http import absolute_url

DUE_SOON_DAYS = 3
CLIENT_ACTION = (Status.OPEN, Status.CHANGES_REQUESTED)


def _claim(key: str) -> bool:
    """True the first time a key is claimed, False ever after (the unique index decides)."""
    try:
        with transaction.atomic():
            DigestLog.objects.create(key=key)
    except IntegrityError:
        return False
    return True


def contact_digest_requests(contact: Contact, today: date):
    return (
        EvidenceRequest.objects.for_contact(contact)
        .filter(
            status__in=CLIENT_ACTION,
            due_date__isnull=False,
            due_date__lte=today + timedelta(days=DUE_SOON_DAYS),
        )
        .exclude(assessment__status__in=[AssessmentStatus.COMPLETED, AssessmentStatus.ARCHIVED])
        .select_related("assessment")
        .order_by("due_date", "requirement_key")
    )


def queue_daily_digests(today: date | None = None) -> int:
    """Decide who gets a digest today and queue one mail each. Safe to run any number of times."""
    today = today or timezone.localdate()
    queued = 0
    with transaction.atomic():
        contacts = (
            Contact.objects.active()
            .filter(client__portal_enabled=True, assessment_accesses__isnull=False)
            .exclude(section_hidden(SECTION, prefix="client__"))
            .distinct()
        )
        for contact in contacts.iterator():
            if contact_digest_requests(contact, today).exists() and _claim(
                f"contact-digest:{contact.pk}:{today}"
            ):
                outbox.enqueue("assessments.contact_digest", contact_id=contact.pk, day=today.isoformat())
                queued += 1
        waiting = EvidenceRequest.objects.filter(status=Status.SUBMITTED).select_related("assessment")
        by_staff: dict[int, list[int]] = defaultdict(list)
        for evidence in waiting.iterator():
            for user in staff_recipients(evidence):
                by_staff[user.pk].append(evidence.pk)
        for user_id in by_staff:
            if _claim(f"staff-digest:{user_id}:{today}"):
                outbox.enqueue("assessments.staff_digest", user_id=user_id, day=today.isoformat())
                queued += 1
    return queued


@outbox.handler("assessments.contact_digest")
def contact_digest(*, contact_id: int, day: str) -> None:
    contact = Contact.objects.select_related("client", "workspace").filter(pk=contact_id).first()
    if contact is None or not contact.is_active:
        return
    today = date.fromisoformat(day)
    items = list(contact_digest_requests(contact, today))
    if not items:
        return
    workspace = contact.workspace
    rows = [
        {
            "evidence": r,
            "overdue": r.due_date < today,
            "link": absolute_url("portal:request-detail", slug=workspace.slug, request_id=r.pk),
        }
        for r in items
    ]
    send_templated_email(
        to=contact.email,
        template="evidence_digest_contact",
        context={
            "workspace": workspace,
            "contact": contact,
            "rows": rows,
            "overdue_count": sum(1 for r in rows if r["overdue"]),
            "portal_link": absolute_url("portal:dashboard", slug=workspace.slug),
        },
    )


@outbox.handler("assessments.staff_digest")
def staff_digest(*, user_id: int, day: str) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    waiting = (
        EvidenceRequest.objects.filter(status=Status.SUBMITTED)
        .filter(
            Q(assignee=user)
            | Q(assignee__isnull=True, assessment__lead=user)
            | Q(assessment__workspace__memberships__user=user)
        )
        .select_related("assessment__client", "assessment__workspace")
        .distinct()
        .order_by("submitted_at", "pk")
    )
    rows = [r for r in waiting if user in staff_recipients(r)]
    if not rows:
        return
    workspaces = {r.assessment.workspace_id: r.assessment.workspace for r in rows}
    workspace: Workspace = next(iter(workspaces.values()))
    send_templated_email(
        to=user.email,
        template="evidence_digest_staff",
        context={
            "workspace": workspace if len(workspaces) == 1 else None,
            "accent": workspace.accent_color,
            "user": user,
            "rows": [
                {
                    "evidence": r,
                    "link": absolute_url(
                        "assessments:request-detail", assessment_id=r.assessment_id, request_id=r.pk
                    ),
                }
                for r in rows
            ],
            "inbox_link": absolute_url("assessments:inbox"),
        },
    )
