"""`manage.py verify_signatures`: a signature checks out, and each kind of tampering is reported."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from proposals import certificates, signing
from proposals.integrity import verify_signature
from tests.proposals.helpers import signer

pytestmark = pytest.mark.django_db


@pytest.fixture
def signature(world, proposal):
    sig = signing.accept_proposal(
        proposal=proposal,
        signer=signer(world.contact),
        version_id=proposal.current_version_id,
        selected_item_ids=[],
    )
    certificates.issue_signature_files(sig)
    return sig


def _run() -> str:
    out = io.StringIO()
    call_command("verify_signatures", stdout=out)
    return out.getvalue()


def test_an_untouched_signature_verifies(signature):
    assert verify_signature(signature).ok and verify_signature(signature).files_checked == 2
    assert _run().startswith("OK alpha Proposal acceptance")


def test_tampering_is_reported(signature):
    # An insider edits the database directly, past the models' refusals.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE proposals_signature SET signer_name = 'Someone Else' WHERE id = %s", [signature.pk]
        )
        cursor.execute(
            "UPDATE proposals_proposalitem SET unit_price = 1 WHERE version_id = %s",
            [signature.proposal_version_id],
        )
    record = signature.files.get(kind="certificate")
    with record.file.open("wb") as handle:
        handle.write(b"%PDF-1.4 forged")
    from proposals.models import Signature

    report = verify_signature(Signature.objects.get(pk=signature.pk))
    text = "\n".join(report.problems)
    assert "signed content now hashes to" in text
    assert "signer_name differs" in text
    assert "no longer matches its SHA-256" in text
    with pytest.raises(CommandError, match="1 signature failed"):
        _run()
