"""The proposal state machine, in one place (STYLE.md #4).

    draft ──staff: send (freezes v1)──▶ sent ──client: first view of the current version──▶ viewed
    sent | viewed ──client: accept and sign (proposals.signing)──▶ accepted
    sent | viewed ──client: decline (optional reason)──▶ declined
    sent | viewed ──nightly, past the expiry date──▶ expired
    sent | viewed | declined | expired ──staff: send a new version──▶ sent
    expired ──staff: send again with a later expiry date──▶ sent
    anything but accepted ──staff: withdraw──▶ withdrawn

Accepted and withdrawn are final. Every move locks the proposal row, checks under the lock, writes its
event in the proposal's own chain and queues its mail in the same transaction.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Contact, User
from activity import outbox
from core.errors import ServiceError
from proposals import canonical
from proposals.audit import log_proposal_event
from proposals.models import (
    OPEN_STATUSES,
    PROPOSALS_SECTION,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    ProposalView,
)

FINAL = (ProposalStatus.ACCEPTED, ProposalStatus.WITHDRAWN)
# Sending again is possible from these (a new version, a new expiry date or a reminder).
SENDABLE = (
    ProposalStatus.DRAFT,
    ProposalStatus.SENT,
    ProposalStatus.VIEWED,
    ProposalStatus.DECLINED,
    ProposalStatus.EXPIRED,
)


def lock(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("workspace", "client", "current_version")
        .get(pk=proposal.pk)
    )


def recipients(proposal: Proposal) -> list[Contact]:
    """The client's contacts who can open the proposal in the portal right now."""
    client = proposal.client
    if not (client.portal_enabled and client.shows(PROPOSALS_SECTION)):
        return []
    return list(Contact.objects.for_client(client).active())


def closed_message(proposal: Proposal) -> str:
    """Why the client can no longer act on this proposal (for pages and refused POSTs alike)."""
    firm = proposal.workspace.name
    if proposal.status == ProposalStatus.ACCEPTED:
        when = timezone.localtime(proposal.accepted_at).strftime("%b %-d, %Y") if proposal.accepted_at else ""
        return f"This proposal was already accepted{f' on {when}' if when else ''}. Nothing more to do."
    if proposal.status == ProposalStatus.DECLINED:
        return f"This proposal was declined. Contact {firm} if you would like an updated one."
    if proposal.status == ProposalStatus.WITHDRAWN:
        return f"{firm} withdrew this proposal. Contact them if you have questions."
    if proposal.is_expired:
        when = proposal.expires_on.strftime("%b %-d, %Y") if proposal.expires_on else ""
        return f"This proposal expired{f' on {when}' if when else ''}. Contact {firm} for an updated one."
    return "This proposal cannot be accepted or declined right now."


def _freeze(
    version: ProposalVersion, *, actor: User, ip: str | None, user_agent: str, expires_on: date | None
) -> None:
    """Send-time stamp and the content hash, computed from the stored rows; after this the version is
    frozen for good (the model refuses any further save)."""
    version = ProposalVersion.objects.get(pk=version.pk)  # stored values, as any later recompute sees them
    version.content_sha256 = canonical.proposal_version_sha256(version)
    version.sent_at = timezone.now()
    version.sent_by = actor
    version.sent_ip = ip
    version.sent_user_agent = (user_agent or "")[:500]
    version.expires_on = expires_on  # the date it went out with (the draft's own, or the one sent instead)
    version.save()


@transaction.atomic
def send_proposal(
    *,
    proposal: Proposal,
    actor: User,
    expires_on: date | None,
    create_project: bool = False,
    create_invoice: bool = False,
    ip: str | None = None,
    user_agent: str = "",
) -> Proposal:
    """Send the draft version (freezing it), re-open an expired proposal with a later date, or remind the
    contacts of an open one. Emails every contact a portal link."""
    locked = lock(proposal)
    if locked.status not in SENDABLE:
        raise ServiceError(
            f"This proposal is {locked.get_status_display().lower()}: it cannot be sent again."
        )
    today = timezone.localdate()
    if expires_on is not None and expires_on < today:
        raise ServiceError("The expiry date has passed: choose today or a later day.")
    if not recipients(locked):
        raise ServiceError(
            f"Nobody at {locked.client.name} can open it: invite a contact to the portal (and check the "
            "portal is on and shows Proposals) first."
        )
    draft = ProposalVersion.objects.filter(proposal=locked, sent_at__isnull=True).first()
    if draft is not None and not draft.items.exists():
        raise ServiceError("Add at least one item to the pricing table before sending.")
    if draft is None and locked.status in (ProposalStatus.DECLINED, ProposalStatus.DRAFT):
        raise ServiceError("Edit the proposal first: there is no new version to send.")
    if draft is None and locked.status == ProposalStatus.EXPIRED and expires_on is None:
        raise ServiceError("Choose a new expiry date to send it again.")
    if create_invoice and (draft or locked.current_version).deposit_percent is None:
        raise ServiceError("Set a deposit percentage (100 for the full amount) to create a deposit invoice.")
    previous = locked.status
    locked.expires_on = expires_on
    locked.create_project_on_accept = create_project
    locked.create_invoice_on_accept = create_invoice
    now = timezone.now()
    if draft is not None:
        _freeze(draft, actor=actor, ip=ip, user_agent=user_agent, expires_on=expires_on)
        draft.refresh_from_db()
        first = locked.current_version_id is None
        locked.current_version = draft
        locked.title, locked.currency = draft.title, draft.currency
        locked.deposit_percent, locked.total = draft.deposit_percent, draft.total
        locked.status = ProposalStatus.SENT
        locked.sent_at = locked.sent_at or now
        verb = "proposal.sent" if first else "proposal.revised"
        version = draft
    else:
        version = locked.current_version
        verb = "proposal.resent"
        if previous == ProposalStatus.EXPIRED:
            locked.status = ProposalStatus.SENT
    locked.updated_at = now
    locked.save()
    log_proposal_event(
        locked,
        verb,
        user=actor,
        version=version.number,
        version_id=version.pk,
        content_sha256=version.content_sha256,
        expires_on=expires_on.isoformat() if expires_on else None,
        previous=previous,
        ip=ip,
        user_agent=(user_agent or "")[:500],
        create_project=create_project,
        create_invoice=create_invoice,
    )
    outbox.enqueue(
        "proposals.sent_email", proposal_id=locked.pk, version_id=version.pk, kind=verb.split(".", 1)[1]
    )
    return locked


@transaction.atomic
def withdraw_proposal(*, proposal: Proposal, actor: User, reason: str = "") -> Proposal:
    locked = lock(proposal)
    if locked.status in FINAL:
        raise ServiceError(f"This proposal is {locked.get_status_display().lower()}: it cannot be withdrawn.")
    if locked.current_version_id is None:
        raise ServiceError("This proposal was never sent: delete the draft instead.")
    previous = locked.status
    locked.status = ProposalStatus.WITHDRAWN
    locked.withdrawn_at = locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "withdrawn_at", "updated_at"])
    log_proposal_event(
        locked, "proposal.withdrawn", user=actor, previous=previous, reason=(reason or "").strip()[:2000]
    )
    return locked


def record_view(*, proposal: Proposal, contact: Contact, ip: str | None, user_agent: str) -> bool:
    """Record the first time `contact` opens the current version (never for a staff preview). Returns
    whether this was that first time; later views cost one indexed query and write nothing."""
    if getattr(contact, "is_staff_preview", False) or proposal.current_version_id is None:
        return False
    if ProposalView.objects.filter(version_id=proposal.current_version_id, contact=contact).exists():
        return False
    try:
        with transaction.atomic():
            locked = lock(proposal)
            if ProposalView.objects.filter(version_id=locked.current_version_id, contact=contact).exists():
                return False
            view = ProposalView.objects.create(
                proposal=locked,
                version_id=locked.current_version_id,
                contact=contact,
                ip=ip,
                user_agent=(user_agent or "")[:500],
            )
            log_proposal_event(
                locked,
                "proposal.viewed",
                contact=contact,
                version=locked.current_version.number,
                version_id=locked.current_version_id,
                ip=ip,
                user_agent=view.user_agent,
            )
            if locked.status == ProposalStatus.SENT:
                locked.status = ProposalStatus.VIEWED
                locked.save(update_fields=["status"])
                proposal.status = locked.status
    except IntegrityError:  # the same contact's other tab got there first
        return False
    return True


def check_can_act(locked: Proposal, *, contact: Contact, version_id) -> None:
    """Refuse a client's accept or decline that is not for the open, current version (under the lock)."""
    if getattr(contact, "is_staff_preview", False):
        raise ServiceError("Preview mode: only the client can accept or decline.")
    if contact.client_id != locked.client_id or contact.revoked_at is not None:
        raise ServiceError("This proposal belongs to another client.")
    if not locked.is_open:
        raise ServiceError(closed_message(locked))
    try:
        version_id = int(version_id)
    except (TypeError, ValueError):
        version_id = None
    if version_id != locked.current_version_id:
        current = locked.current_version
        raise ServiceError(
            f"{locked.workspace.name} sent a newer version ({current.label}) of this proposal on "
            f"{timezone.localtime(current.sent_at).strftime('%b %-d, %Y')}. Read it below before you "
            "accept or decline."
        )


@transaction.atomic
def decline_proposal(
    *,
    proposal: Proposal,
    contact: Contact,
    version_id,
    reason: str = "",
    ip: str | None = None,
    user_agent: str = "",
) -> Proposal:
    locked = lock(proposal)
    check_can_act(locked, contact=contact, version_id=version_id)
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ServiceError("Keep the reason under 2,000 characters.")
    locked.status = ProposalStatus.DECLINED
    locked.declined_at = locked.updated_at = timezone.now()
    locked.declined_by = contact
    locked.decline_reason = reason
    locked.save(update_fields=["status", "declined_at", "declined_by", "decline_reason", "updated_at"])
    log_proposal_event(
        locked,
        "proposal.declined",
        contact=contact,
        version=locked.current_version.number,
        version_id=locked.current_version_id,
        reason=reason,
        ip=ip,
        user_agent=(user_agent or "")[:500],
    )
    outbox.enqueue("proposals.declined_email", proposal_id=locked.pk)
    return locked


def expire_due(*, today: date | None = None) -> int:
    """Mark open proposals past their expiry date expired (nightly). Returns how many."""
    today = today or timezone.localdate()
    done = 0
    due = Proposal.objects.filter(status__in=OPEN_STATUSES, expires_on__lt=today).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            locked = (
                Proposal.objects.select_for_update(of=("self",))
                .select_related("workspace", "client")
                .get(pk=pk)
            )
            if locked.status not in OPEN_STATUSES or not locked.past_expiry:
                continue
            previous = locked.status
            locked.status = ProposalStatus.EXPIRED
            locked.save(update_fields=["status"])
            log_proposal_event(
                locked,
                "proposal.expired",
                previous=previous,
                expires_on=locked.expires_on.isoformat(),
            )
            done += 1
    return done
