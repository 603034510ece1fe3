"""What a signature points at stays put on every path, not only `save()`: a signed contract against
`QuerySet.update()`, `bulk_update()`, deletes and the admin; its files and the signature's PDFs against
deletion; a sent version's items against being moved out of it (or another version's into it)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from proposals import canonical, certificates, services, signing
from proposals.compose import ItemData
from proposals.models import (
    Contract,
    ContractFile,
    ContractStatus,
    FrozenVersionError,
    ProposalItem,
    Signature,
    SignatureFile,
    SignatureRecordError,
)
from proposals.models.contracts import ContractFrozenError
from tests.conftest import admin_client
from tests.proposals.helpers import draft_data, sent_proposal, signer

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def signed_contract(world):
    contract = services.create_contract(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        title="NDA",
        body_markdown="Secrets stay secret.",
        upload=SimpleUploadedFile("nda.pdf", PDF),
    )
    contract = services.send_contract(contract=contract, actor=world.owner)
    signing.sign_contract(
        contract=contract,
        signer=signer(world.contact),
        content_sha256_seen=canonical.contract_sha256(contract),
    )
    contract = Contract.objects.get(pk=contract.pk)
    assert contract.signed_at is not None and contract.current_file_id is not None
    return contract


@pytest.fixture
def root_http(world):
    root = User.objects.create_superuser(email="root@portal.example", password="root-pass-long-123")
    return admin_client(root, "root-pass-long-123")


def _admin_url(obj, action: str) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{action}", args=[obj.pk])


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Other"},
        {"body_markdown": "Other secrets."},
        {"body_html": "<p>Other</p>"},
        {"current_file": None},
        {"end_date": "2030-01-01"},
        {"client_id": None},  # resolved below to another client
        {"signed_at": None},
    ],
)
def test_update_cannot_touch_a_signed_contract(world, signed_contract, change):
    if "client_id" in change:
        change = {"client_id": world.other_client.pk}
    before = Contract.objects.values().get(pk=signed_contract.pk)
    with pytest.raises(ContractFrozenError):
        Contract.objects.filter(pk=signed_contract.pk).update(**change)
    with pytest.raises(ContractFrozenError):  # a broad update that happens to include it
        Contract.objects.filter(workspace=world.ws).update(**change)
    assert Contract.objects.values().get(pk=signed_contract.pk) == before


def test_bulk_update_and_delete_cannot_touch_a_signed_contract(signed_contract):
    signed_contract.title = "Other"
    with pytest.raises(ContractFrozenError):
        Contract.objects.bulk_update([signed_contract], ["title"])
    with pytest.raises(ContractFrozenError):
        Contract.objects.filter(pk=signed_contract.pk).delete()
    stored = Contract.objects.get(pk=signed_contract.pk)
    with pytest.raises(ContractFrozenError):
        stored.delete()
    assert Contract.objects.get(pk=signed_contract.pk).title == "NDA"


def test_a_signed_contract_can_still_end_through_update(signed_contract):
    Contract.objects.filter(pk=signed_contract.pk).update(status=ContractStatus.TERMINATED)
    assert Contract.objects.get(pk=signed_contract.pk).status == ContractStatus.TERMINATED


def test_an_unsigned_contract_still_updates(world):
    contract = services.create_contract(
        workspace=world.ws, client=world.client, actor=world.owner, title="Draft"
    )
    Contract.objects.filter(pk=contract.pk).update(title="Draft 2")
    assert Contract.objects.get(pk=contract.pk).title == "Draft 2"


def test_contract_files_and_certificates_cannot_be_deleted_while_referenced(signed_contract):
    record = ContractFile.objects.get(pk=signed_contract.current_file_id)
    with pytest.raises(ContractFrozenError):
        record.delete()
    with pytest.raises(ContractFrozenError):
        ContractFile.objects.filter(pk=record.pk).delete()
    with pytest.raises(ContractFrozenError):
        ContractFile.objects.filter(pk=record.pk).update(original_name="other.pdf")
    signature = Signature.objects.get(contract=signed_contract)
    files = certificates.issue_signature_files(signature)
    for issued in files.values():
        with pytest.raises(SignatureRecordError):
            SignatureFile.objects.get(pk=issued.pk).delete()
        with pytest.raises(SignatureRecordError):
            SignatureFile.objects.filter(pk=issued.pk).delete()
        with pytest.raises(SignatureRecordError):
            SignatureFile.objects.filter(pk=issued.pk).update(sha256="0" * 64)
        stored = SignatureFile.objects.get(pk=issued.pk)
        stored.original_name = "forged.pdf"
        with pytest.raises(SignatureRecordError):
            stored.save()
    assert ContractFile.objects.filter(pk=record.pk).exists()
    assert SignatureFile.objects.filter(signature=signature).count() == 2


def test_the_current_file_of_an_unsigned_contract_stays_too(world):
    contract = services.create_contract(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        title="MSA",
        upload=SimpleUploadedFile("msa.pdf", PDF),
    )
    with pytest.raises(ContractFrozenError):
        ContractFile.objects.get(pk=contract.current_file_id).delete()


def test_the_admin_shows_signed_contracts_and_their_evidence_read_only(root_http, signed_contract):
    signature = Signature.objects.get(contract=signed_contract)
    files = certificates.issue_signature_files(signature)
    record = ContractFile.objects.get(pk=signed_contract.current_file_id)
    for obj in (signed_contract, signature, record, *files.values()):
        page = root_http.get(_admin_url(obj, "change"))
        assert page.status_code == 200 and not page.context["has_change_permission"], obj
        assert not page.context["has_delete_permission"], obj
        assert root_http.post(_admin_url(obj, "change"), {"title": "Forged"}).status_code == 403
        assert root_http.post(_admin_url(obj, "delete"), {"post": "yes"}).status_code == 403
        changelist = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_changelist")
        root_http.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
        assert type(obj).objects.filter(pk=obj.pk).exists()
    assert Contract.objects.get(pk=signed_contract.pk).title == "NDA"


def test_the_admin_still_edits_an_unsigned_contract(root_http, world):
    contract = services.create_contract(
        workspace=world.ws, client=world.client, actor=world.owner, title="Draft"
    )
    page = root_http.get(_admin_url(contract, "change"))
    assert page.status_code == 200 and page.context["has_change_permission"]


def test_the_admin_shows_acceptances_read_only(root_http, world, proposal):
    signature = signing.accept_proposal(
        proposal=proposal,
        signer=signer(world.contact),
        version_id=proposal.current_version_id,
        selected_item_ids=[],
    )
    page = root_http.get(_admin_url(signature, "change"))
    assert page.status_code == 200
    assert not page.context["has_change_permission"] and not page.context["has_delete_permission"]
    assert root_http.post(_admin_url(signature, "delete"), {"post": "yes"}).status_code == 403
    assert Signature.objects.filter(pk=signature.pk).exists()


# --- items stay in their version -----------------------------------------------------------------------


def _draft_next_version(world, proposal):
    from proposals import compose

    return compose.save_draft(proposal=proposal, actor=world.owner, draft=draft_data(title="Revised"))


def test_an_item_cannot_move_out_of_a_sent_version(world, proposal):
    sent_item = proposal.current_version.ordered_items()[0]
    draft = _draft_next_version(world, proposal)
    sent_item.version = draft
    with pytest.raises(FrozenVersionError):
        sent_item.save()
    with pytest.raises(FrozenVersionError):
        ProposalItem.objects.filter(pk=sent_item.pk).update(version=draft)
    with pytest.raises(FrozenVersionError):
        ProposalItem.objects.filter(pk=sent_item.pk).update(version_id=draft.pk)
    assert ProposalItem.objects.get(pk=sent_item.pk).version_id == proposal.current_version_id


def test_an_item_cannot_move_into_a_sent_version(world, proposal):
    draft = _draft_next_version(world, proposal)
    draft_item = draft.ordered_items()[0]
    sent_count = proposal.current_version.items.count()
    draft_item.version = proposal.current_version
    with pytest.raises(FrozenVersionError):
        draft_item.save()
    with pytest.raises(FrozenVersionError):
        ProposalItem.objects.filter(pk=draft_item.pk).update(version=proposal.current_version)
    with pytest.raises(FrozenVersionError):
        ProposalItem.objects.bulk_update([draft_item], ["version"])
    assert proposal.current_version.items.count() == sent_count
    assert ProposalItem.objects.get(pk=draft_item.pk).version_id == draft.pk


def test_an_item_cannot_move_between_drafts_of_two_proposals(world):
    from proposals import compose

    one = compose.create_proposal(
        workspace=world.ws, client=world.client, actor=world.owner, draft=draft_data()
    )
    two = compose.create_proposal(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        draft=draft_data(items=[ItemData("Only", Decimal(1), Decimal(10))]),
    )
    item = compose.editable_version(one).ordered_items()[0]
    item.version = compose.editable_version(two)
    with pytest.raises(FrozenVersionError):
        item.save()
    # Editing a draft item in place still works.
    item = ProposalItem.objects.get(pk=item.pk)
    item.description = "Design, revised"
    item.save()
    assert ProposalItem.objects.get(pk=item.pk).description == "Design, revised"


def test_sent_proposal_helper_still_sends(world):
    assert sent_proposal(world, "Another").current_version.is_sent


def test_deleting_the_client_or_its_project_keeps_the_signed_contract_and_its_evidence(
    world, signed_contract
):
    from django.db.models import RestrictedError

    from projects.models import Project

    project = Project.objects.create(workspace=world.ws, client=world.client, name="Site rebuild")
    with pytest.raises(RestrictedError):
        world.client.delete()
    assert Contract.objects.filter(pk=signed_contract.pk).exists()
    assert Signature.objects.filter(client=world.client).exists()
    contract = services.create_contract(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        title="SOW",
        body_markdown="Scope.",
        project=project,
    )
    with pytest.raises(RestrictedError):
        project.delete()
    assert Contract.objects.get(pk=contract.pk).project_id == project.pk


def test_closing_the_workspace_still_removes_everything(world, signed_contract):
    from django.db import connection

    ws_id = world.ws.pk
    world.ws.delete()  # a firm closing its account: signatures, contracts, clients all go together
    assert not Contract.objects.filter(workspace_id=ws_id).exists()
    assert not Signature.objects.filter(workspace_id=ws_id).exists()
    assert connection.is_usable()
