"""Outbox handlers for deliverable mail. They take ids, reload, and tolerate rows that vanished meanwhile."""

from __future__ import annotations

from accounts.models import Contact, Role, User
from activity import outbox
from activity.mail import send_templated_email
from core.http import absolute_url
from projects.models import (
    DELIVERABLES_SECTION,
    ApprovalDecision,
    Deliverable,
    DeliverableComment,
    DeliverableVersion,
)


def staff_recipients(deliverable: Deliverable) -> list[User]:
    """Who hears about client activity: whoever created the project (if still a member), else the owners."""
    project = deliverable.project
    members = User.objects.filter(is_active=True, memberships__workspace_id=project.workspace_id)
    if project.created_by_id:
        user = members.filter(pk=project.created_by_id).first()
        if user is not None:
            return [user]
    return list(members.filter(memberships__role=Role.OWNER).distinct())


def contact_recipients(deliverable: Deliverable) -> list[Contact]:
    """Contacts who can open the deliverable in the portal right now."""
    client = deliverable.project.client
    if not (client.portal_enabled and client.shows(DELIVERABLES_SECTION)):
        return []
    return list(Contact.objects.for_client(client).active())


def staff_url(deliverable: Deliverable) -> str:
    return absolute_url("projects:deliverable-detail", deliverable_id=deliverable.pk)


def portal_url(deliverable: Deliverable) -> str:
    return absolute_url(
        "portal:deliverable-detail", slug=deliverable.project.workspace.slug, deliverable_id=deliverable.pk
    )


def _context(deliverable: Deliverable) -> dict:
    return {
        "workspace": deliverable.project.workspace,
        "deliverable": deliverable,
        "project": deliverable.project,
    }


def _to_contacts(deliverable: Deliverable, template: str, **extra) -> None:
    for contact in contact_recipients(deliverable):
        send_templated_email(
            to=contact.email,
            template=template,
            context={**_context(deliverable), **extra, "recipient": contact, "link": portal_url(deliverable)},
        )


def _to_staff(deliverable: Deliverable, template: str, **extra) -> None:
    for user in staff_recipients(deliverable):
        send_templated_email(
            to=user.email,
            template=template,
            context={**_context(deliverable), **extra, "recipient": user, "link": staff_url(deliverable)},
        )


RELATED = ("project__client", "project__workspace")


@outbox.handler("projects.version_email")
def version_email(*, version_id: int) -> None:
    version = (
        DeliverableVersion.objects.select_related(*(f"deliverable__{r}" for r in RELATED))
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        return
    # Sent after commit: by then a version that (re)opens the approval question says so.
    asks = version.deliverable.awaiting_client and version.deliverable.current_version_id == version.pk
    _to_contacts(version.deliverable, "deliverable_uploaded", version=version, asks_approval=asks)


@outbox.handler("projects.approval_requested_email")
def approval_requested_email(*, deliverable_id: int) -> None:
    deliverable = (
        Deliverable.objects.select_related(*RELATED, "current_version").filter(pk=deliverable_id).first()
    )
    if deliverable is None or deliverable.current_version is None:
        return
    _to_contacts(deliverable, "deliverable_uploaded", version=deliverable.current_version, asks_approval=True)


@outbox.handler("projects.decision_email")
def decision_email(*, decision_id: int) -> None:
    decision = (
        ApprovalDecision.objects.select_related("version", "contact", *(f"deliverable__{r}" for r in RELATED))
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        return
    _to_staff(decision.deliverable, "deliverable_decision", decision=decision)


@outbox.handler("projects.comment_email")
def comment_email(*, comment_id: int) -> None:
    comment = (
        DeliverableComment.objects.select_related(
            "author_user", "author_contact", *(f"deliverable__{r}" for r in RELATED)
        )
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        return
    if comment.from_staff:
        _to_contacts(comment.deliverable, "deliverable_comment", comment=comment)
    else:
        _to_staff(comment.deliverable, "deliverable_comment", comment=comment)
