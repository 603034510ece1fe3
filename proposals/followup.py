"""What an accepted proposal sets off when it was sent with the boxes ticked: the project (through
`projects.services`) and the deposit invoice (through `billing.services`), each linked back on the proposal.

Run by the outbox after the acceptance commits (proposals.handlers), so a slow or failing follow-up never
undoes a signature. Idempotent: the proposal row is locked and what is already linked is not made again.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from accounts.models import Role, User
from activity import outbox
from billing import services as billing_services
from core.errors import ServiceError
from core.money import format_money, format_percent
from projects import services as project_services
from projects.models import ProjectStatus
from proposals.audit import log_proposal_event
from proposals.models import Proposal, ProposalStatus, Signature


def _actor(proposal: Proposal) -> User | None:
    """Follow-ups act as the staff member who sent the accepted version (else who created the proposal,
    else an owner)."""
    members = User.objects.filter(is_active=True, memberships__workspace_id=proposal.workspace_id)
    for user_id in (proposal.current_version.sent_by_id, proposal.created_by_id):
        if user_id and (user := members.filter(pk=user_id).first()) is not None:
            return user
    return members.filter(memberships__role=Role.OWNER).first()


def run(*, proposal_id: int) -> None:
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("workspace", "client", "current_version")
            .filter(pk=proposal_id)
            .first()
        )
        if proposal is None or proposal.status != ProposalStatus.ACCEPTED:
            return
        signature = Signature.objects.get(proposal=proposal)
        actor = _actor(proposal)
        for wanted, done, make in (
            (proposal.create_project_on_accept, proposal.project_id, create_project),
            (proposal.create_invoice_on_accept, proposal.invoice_id, create_deposit_invoice),
        ):
            if not wanted or done is not None:
                continue
            if actor is None:
                failed(proposal, None, make.__name__, "No active member of the workspace could act for it.")
                continue
            try:
                with transaction.atomic():
                    make(proposal, signature, actor)
            except ServiceError as exc:  # refused (not a transient failure): told to staff, not retried
                failed(proposal, actor, make.__name__, str(exc))


STEP_LABELS = {
    "create_project": "project",
    "create_deposit_invoice": "deposit invoice",
    "finalise_deposit_invoice": "deposit invoice (finalising and sending it)",
}


def failed(proposal: Proposal, actor: User | None, step: str, reason: str, **data) -> None:
    """A follow-up billing or projects refused: an event on the proposal (its page shows the latest) and a
    mail to staff, so an acceptance never silently goes without its deposit invoice."""
    log_proposal_event(proposal, "proposal.follow_up_failed", user=actor, step=step, reason=reason, **data)
    outbox.enqueue("proposals.follow_up_failed_email", proposal_id=proposal.pk, step=step, reason=reason)


def create_project(proposal: Proposal, signature: Signature, actor: User):
    version = proposal.current_version
    project = project_services.create_project(
        workspace=proposal.workspace,
        client=proposal.client,
        actor=actor,
        name=version.title[:160],
        description=(
            f"From proposal “{version.title}” ({version.label}), accepted by {signature.signer_name} "
            f"on {signature.signed_at:%Y-%m-%d}."
        ),
        status=ProjectStatus.PLANNED,
        budget=Decimal(signature.total).quantize(Decimal("0.01")),
    )
    proposal.project = project
    proposal.save(update_fields=["project"])
    log_proposal_event(proposal, "proposal.project_created", user=actor, project=project.pk)
    return project


def create_deposit_invoice(proposal: Proposal, signature: Signature, actor: User):
    """The deposit (percentage of the accepted total, or all of it) as an invoice, finalised and sent to
    the client. If billing refuses to finalise it (say, its settings are incomplete), the draft stays,
    linked, and the refusal is logged for staff to finish by hand."""
    version = signature.proposal_version
    chosen = [c["id"] for c in signature.chosen_items if c.get("optional")]
    plan = version.deposit_plan(chosen)
    if plan is None:
        return None
    invoice = billing_services.create_invoice(
        workspace=proposal.workspace,
        client=proposal.client,
        actor=actor,
        currency=version.currency,
        lines=plan.lines,
        project=proposal.project,
        tax_rate=plan.tax_rate,
        discount_percent=plan.discount_percent,
        notes=(
            f"Deposit of {format_percent(plan.percent)} on proposal “{version.title}” ({version.label}), accepted "
            f"by {signature.signer_name} on {signature.signed_at:%Y-%m-%d} for "
            f"{format_money(signature.total, signature.currency)} (signature certificate {signature.certificate_id})."
        ),
    )
    proposal.invoice = invoice
    proposal.save(update_fields=["invoice"])
    log_proposal_event(
        proposal,
        "proposal.invoice_created",
        user=actor,
        invoice=invoice.pk,
        total=str(invoice.total),
        percent=str(plan.percent),
    )
    try:
        with transaction.atomic():
            billing_services.finalise_invoice(invoice=invoice, actor=actor, send=True)
    except ServiceError as exc:
        failed(proposal, actor, "finalise_deposit_invoice", str(exc), invoice=invoice.pk)
    return invoice
