"""Outbox handlers for evidence mail. They take ids, reload, and tolerate rows that vanished meanwhile."""

from __future__ import annotations

from accounts.models import Contact, Role, User
from activity import outbox
from activity.mail import send_templated_email
from assessments.models import EvidenceRequest, RequestMessage, Status
from assessments.verbs import SECTION
from core.http import absolute_url


def staff_recipients(evidence: EvidenceRequest) -> list[User]:
    """Who hears about client activity: the request's assignee, else the assessment lead, else the owners."""
    assessment = evidence.assessment
    members = User.objects.filter(is_active=True, memberships__workspace_id=assessment.workspace_id)
    for candidate in (evidence.assignee_id, assessment.lead_id):
        if candidate:
            user = members.filter(pk=candidate).first()
            if user is not None:
                return [user]
    return list(members.filter(memberships__role=Role.OWNER).distinct())


def contact_recipients(evidence: EvidenceRequest) -> list[Contact]:
    """Contacts who can open the request in the portal right now."""
    client = evidence.assessment.client
    if not (client.portal_enabled and client.shows(SECTION)):
        return []
    return list(
        Contact.objects.for_client(client)
        .active()
        .filter(assessment_accesses__assessment_id=evidence.assessment_id)
        .distinct()
    )


def staff_url(evidence: EvidenceRequest) -> str:
    return absolute_url(
        "assessments:request-detail", assessment_id=evidence.assessment_id, request_id=evidence.pk
    )


def portal_url(evidence: EvidenceRequest) -> str:
    return absolute_url(
        "portal:request-detail", slug=evidence.assessment.workspace.slug, request_id=evidence.pk
    )


def _load(request_id: int) -> EvidenceRequest | None:
    return (
        EvidenceRequest.objects.select_related("assessment__client", "assessment__workspace")
        .filter(pk=request_id)
        .first()
    )


@outbox.handler("assessments.status_email")
def status_email(
    *, request_id: int, status: str, actor_user_id: int | None = None, actor_contact_id: int | None = None
) -> None:
    evidence = _load(request_id)
    if evidence is None:
        return
    workspace = evidence.assessment.workspace
    actor = (
        User.objects.filter(pk=actor_user_id).first() or Contact.objects.filter(pk=actor_contact_id).first()
    )
    context = {
        "workspace": workspace,
        "evidence": evidence,
        "actor": actor,
        "status_label": Status(status).label,
    }
    if status == Status.SUBMITTED:
        for user in staff_recipients(evidence):
            send_templated_email(
                to=user.email,
                template="evidence_submitted",
                context={**context, "recipient": user, "link": staff_url(evidence)},
            )
        return
    for contact in contact_recipients(evidence):
        send_templated_email(
            to=contact.email,
            template="evidence_status",
            context={**context, "recipient": contact, "link": portal_url(evidence), "status": status},
        )


@outbox.handler("assessments.message_email")
def message_email(*, message_id: int) -> None:
    message = (
        RequestMessage.objects.select_related(
            "request__assessment__client", "request__assessment__workspace", "author_user", "author_contact"
        )
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return
    evidence = message.request
    workspace = evidence.assessment.workspace
    context = {
        "workspace": workspace,
        "evidence": evidence,
        "message": message,
    }
    if message.from_staff:
        for contact in contact_recipients(evidence):
            send_templated_email(
                to=contact.email,
                template="evidence_message",
                context={**context, "recipient": contact, "link": portal_url(evidence)},
            )
    else:
        for user in staff_recipients(evidence):
            send_templated_email(
                to=user.email,
                template="evidence_message",
                context={**context, "recipient": user, "link": staff_url(evidence)},
            )
