"""The Assessments section of the portal, registered in AssessmentsConfig.ready (core/sections.py)."""

from __future__ import annotations

from assessments.models import Assessment, AssessmentAccess, AssessmentStatus
from assessments.selectors import dashboard_context, visible_events
from assessments.services import grant_assessment_access
from assessments.verbs import SECTION
from core.sections import Section, ShareOption, register_section

OPEN_STATUSES = (AssessmentStatus.PLANNED, AssessmentStatus.IN_PROGRESS)


def share_options(client) -> list[ShareOption]:
    """Every assessment of the client; the open ones (planned, in progress) ticked by default."""
    return [
        ShareOption(value=str(a.pk), label=a.name, checked=a.status in OPEN_STATUSES)
        for a in Assessment.objects.for_workspace(client.workspace).filter(client=client).order_by("name")
    ]


def share(*, contact, values, actor) -> None:
    grant_assessment_access(contact=contact, assessment_ids=values, actor=actor)


def shared_with(contacts) -> dict[int, list[str]]:
    """{contact id: names of the assessments shared with them}, one query."""
    seen: dict[int, list[str]] = {}
    rows = AssessmentAccess.objects.filter(contact__in=[c.pk for c in contacts]).values_list(
        "contact_id", "assessment__name"
    )
    for contact_id, name in rows.order_by("assessment__name"):
        seen.setdefault(contact_id, []).append(name)
    return seen


def register() -> None:
    register_section(
        Section(
            key=SECTION,
            label="Assessments",
            list_url="portal:assessment-list",
            # request pages and evidence file pages belong to this section too
            url_prefixes=("assessment-", "request-", "file-"),
            order=10,
            description="Evidence requests of the assessments a contact is invited to.",
            widget_template="portal/assessments/_widget.html",
            widget_context=dashboard_context,
            feed_filter=visible_events,
            share_options=share_options,
            share=share,
            shared_with=shared_with,
        )
    )
