"""After acceptance, when asked for at sending: the project and the deposit invoice (through the billing
services), linked back on the proposal; the deposit the client was shown is the invoice's total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Invoice, InvoiceStatus
from core.money import compute_totals
from projects.models import Project
from proposals import signing, workflow
from proposals.compose import ItemData
from proposals.models import Proposal
from tests.conftest import portal_client
from tests.proposals.helpers import accept_form, draft_data, items_by_name, signer

pytestmark = pytest.mark.django_db


def _send(world, django_capture_on_commit_callbacks, **draft):
    from proposals import compose

    proposal = compose.create_proposal(
        workspace=world.ws, client=world.client, actor=world.owner, draft=draft_data(**draft)
    )
    with django_capture_on_commit_callbacks(execute=True):
        return workflow.send_proposal(
            proposal=proposal, actor=world.owner, expires_on=None, create_project=True, create_invoice=True
        )


def test_acceptance_creates_the_project_and_the_deposit_invoice(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    proposal = _send(world, django_capture_on_commit_callbacks)
    http = portal_client(world.contact)
    items = items_by_name(proposal.current_version)
    page = http.get(
        reverse("portal:proposal-total", kwargs={"slug": "alpha", "proposal_id": proposal.pk}),
        {"item": [items["Copywriting"].pk]},
    )
    shown_deposit = page.context["deposit"]
    with django_capture_on_commit_callbacks(execute=True):
        http.post(
            reverse("portal:proposal-accept", kwargs={"slug": "alpha", "proposal_id": proposal.pk}),
            accept_form(proposal, items["Copywriting"]),
        )
    proposal = Proposal.objects.select_related("project", "invoice").get(pk=proposal.pk)
    # The accepted total: (4000 + 5500 + 1200) x 1.2 = 12,840.00; the deposit 30% of it.
    assert proposal.total == Decimal("12840.00")
    project = proposal.project
    assert isinstance(project, Project) and project.client == world.client
    assert (project.name, project.budget) == ("Website redesign", Decimal("12840.00"))
    invoice = proposal.invoice
    assert invoice.total == Decimal("3852.00") == shown_deposit
    assert invoice.project == project and invoice.client == world.client and invoice.currency == "EUR"
    assert invoice.status == InvoiceStatus.SENT and invoice.number  # finalised, numbered
    assert (invoice.subtotal, invoice.tax) == (Decimal("3210.00"), Decimal("642.00"))
    assert any("Deposit" in m.subject or invoice.number in m.subject for m in mailoutbox)
    # Idempotent: running the follow-up again makes nothing more.
    from proposals import followup

    followup.run(proposal_id=proposal.pk)
    assert Invoice.objects.filter(client=world.client).count() == 1
    assert Project.objects.filter(client=world.client).count() == 1


def test_a_full_deposit_invoices_the_accepted_lines(world, django_capture_on_commit_callbacks):
    proposal = _send(
        world, django_capture_on_commit_callbacks, deposit_percent=Decimal(100), discount_percent=Decimal(10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        signature = signing.accept_proposal(
            proposal=proposal,
            signer=signer(world.contact),
            version_id=proposal.current_version_id,
            selected_item_ids=[],
        )
    invoice = Proposal.objects.get(pk=proposal.pk).invoice
    assert invoice.total == signature.total
    lines = [line.description for line in invoice.lines.order_by("position")]
    assert lines == ["Design", "Build"]  # the hosting line was not ticked


def test_a_part_deposit_keeps_each_tax_rate(world, django_capture_on_commit_callbacks):
    proposal = _send(
        world,
        django_capture_on_commit_callbacks,
        deposit_percent=Decimal("33.33"),
        discount_percent=Decimal(5),
        items=[
            ItemData("Design", Decimal(3), Decimal("333.33")),
            ItemData("Printing", Decimal(1), Decimal("199.99"), tax_rate=Decimal("7")),
            ItemData("Domain", Decimal(1), Decimal("12.50"), tax_rate=Decimal("0")),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        signature = signing.accept_proposal(
            proposal=proposal,
            signer=signer(world.contact),
            version_id=proposal.current_version_id,
            selected_item_ids=[],
        )
    invoice = Proposal.objects.get(pk=proposal.pk).invoice
    lines = list(invoice.lines.order_by("position"))
    assert sorted(line.tax_rate for line in lines) == [Decimal(0), Decimal(7), Decimal(20)]
    expected = compute_totals(
        [
            ln.priced_line() if hasattr(ln, "priced_line") else ln
            for ln in proposal.current_version.deposit_plan([]).lines
        ],
        "EUR",
    ).total
    assert invoice.total == expected
    # Within a cent per line of a third of the accepted total.
    assert abs(invoice.total - signature.total * Decimal("0.3333")) <= Decimal("0.03")
