"""Reads that need care: a proposal's history, who viewed which version, the portal widget."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from activity.models import Event
from activity.verbs import CLIENT, client_verbs
from proposals.models import (
    CONTRACTS_SECTION,
    OPEN_STATUSES,
    PROPOSALS_SECTION,
    Contract,
    Proposal,
    ProposalStatus,
    ProposalView,
    Signature,
)

WIDGET_LENGTH = 5


def document_events(document, *, audience: str, limit: int = 50) -> QuerySet[Event]:
    """A proposal's or contract's own chain, newest first (clients see their wording of client verbs)."""
    events = Event.objects.filter(workspace_id=document.workspace_id, chain_key=document.audit_chain_key)
    if audience == CLIENT:
        section = PROPOSALS_SECTION if isinstance(document, Proposal) else CONTRACTS_SECTION
        events = events.filter(verb__in=client_verbs({section}))
    return events.select_related("actor_user", "actor_contact").order_by("-chain_seq")[:limit]


def views_of(proposal: Proposal) -> list[ProposalView]:
    return list(
        ProposalView.objects.filter(proposal=proposal)
        .select_related("contact", "version")
        .order_by("viewed_at")
    )


def first_view(proposal: Proposal) -> ProposalView | None:
    """The first view of the current version (what "viewed" means on the status line)."""
    if proposal.current_version_id is None:
        return None
    return (
        ProposalView.objects.filter(version_id=proposal.current_version_id)
        .select_related("contact")
        .order_by("viewed_at")
        .first()
    )


def signature_of(document) -> Signature | None:
    field = "proposal" if isinstance(document, Proposal) else "contract"
    return Signature.objects.filter(**{field: document}).prefetch_related("files").first()


def contact_proposals(contact) -> QuerySet[Proposal]:
    return Proposal.objects.for_contact(contact).select_related("current_version", "workspace")


def proposals_widget(contact) -> dict:
    """Open proposals waiting for the client (`Proposal.is_open`: sent or viewed, not past their date), in
    one query of at most WIDGET_LENGTH + 1 rows."""
    today = timezone.localdate()
    waiting = list(
        contact_proposals(contact).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today), status__in=OPEN_STATUSES
        )[: WIDGET_LENGTH + 1]
    )
    return {"proposals": waiting[:WIDGET_LENGTH], "more": len(waiting) > WIDGET_LENGTH}


def contracts_awaiting(contact) -> QuerySet[Contract]:
    return Contract.objects.for_contact(contact).filter(status="sent", signed_at__isnull=True)


def follow_up_problems(proposal: Proposal) -> list[dict]:
    """The acceptance follow-ups (project, deposit invoice) that failed and are still not done, each with
    the latest reason given: the staff page shows them until the missing thing exists."""
    if proposal.status != ProposalStatus.ACCEPTED:
        return []
    from proposals.followup import STEP_LABELS

    pending = {
        "create_project": proposal.create_project_on_accept and proposal.project_id is None,
        "create_deposit_invoice": proposal.create_invoice_on_accept and proposal.invoice_id is None,
        "finalise_deposit_invoice": proposal.invoice_id is not None and proposal.invoice.status == "draft",
    }
    if not any(pending.values()):
        return []
    problems: dict[str, dict] = {}
    failures = Event.objects.filter(
        workspace_id=proposal.workspace_id,
        chain_key=proposal.audit_chain_key,
        verb="proposal.follow_up_failed",
    ).order_by("-chain_seq")[:20]
    for event in failures:
        step = event.data.get("step", "create_deposit_invoice")
        if pending.get(step) and step not in problems:
            problems[step] = {"what": STEP_LABELS[step], "reason": event.data.get("reason", "")}
    return list(problems.values())
