"""The deposit invoice made on acceptance words its percentage and amounts as people write them: a 30%
deposit stored as 30.00 reads "30%", never "3E+1%" (what `Decimal.normalize()` printed), and the total
accepted is money ("€12,840.00"), not "12840.000 EUR"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from proposals import compose, signing, workflow
from proposals.models import Proposal
from tests.proposals.helpers import draft_data, items_by_name, signer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("percent", "shown"), [(Decimal("30.00"), "30%"), (Decimal("12.50"), "12.5%")])
def test_deposit_invoice_lines_and_notes_say_the_percentage_plainly(
    world, django_capture_on_commit_callbacks, percent, shown
):
    proposal = compose.create_proposal(
        workspace=world.ws, client=world.client, actor=world.owner, draft=draft_data(deposit_percent=percent)
    )
    with django_capture_on_commit_callbacks(execute=True):
        proposal = workflow.send_proposal(
            proposal=proposal, actor=world.owner, expires_on=None, create_invoice=True
        )
    items = items_by_name(proposal.current_version)
    with django_capture_on_commit_callbacks(execute=True):
        signature = signing.accept_proposal(
            proposal=proposal,
            signer=signer(world.contact),
            version_id=proposal.current_version_id,
            selected_item_ids=[items["Copywriting"].pk],
        )
    assert signature.total == Decimal("12840")
    invoice = Proposal.objects.get(pk=proposal.pk).invoice
    descriptions = [line.description for line in invoice.lines.all()]
    assert descriptions and all(d.startswith(f"Deposit {shown} of “Website redesign”") for d in descriptions)
    assert f"Deposit of {shown} on proposal" in invoice.notes
    assert "for €12,840.00 (signature certificate" in invoice.notes
    assert "E+" not in invoice.notes and not any("E+" in d for d in descriptions)
