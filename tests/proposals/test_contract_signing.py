"""Contracts signed in the portal: generated from an accepted proposal (or drafted from text), sent for
signature, signed with the same typed signature and certificate, then immutable and listed with it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.errors import ServiceError
from proposals import canonical, certificates, services, signing
from proposals.models import Contract, ContractStatus, Signature, SignatureFileKind
from proposals.models.contracts import ContractFrozenError
from tests.conftest import portal_client
from tests.proposals.helpers import signer

pytestmark = pytest.mark.django_db


def url(name: str, contract) -> str:
    return reverse(f"portal:{name}", kwargs={"slug": "alpha", "contract_id": contract.pk})


def sign_form(contract, **extra) -> dict:
    from proposals import consent

    return {
        "content_sha256": canonical.contract_sha256(contract),
        "consent": "yes",
        "consent_version": consent.CURRENT,
        "signer_name": "Pat Secret",
        **extra,
    }


@pytest.fixture
def accepted(world, proposal):
    signing.accept_proposal(
        proposal=proposal,
        signer=signer(world.contact),
        version_id=proposal.current_version_id,
        selected_item_ids=[],
    )
    proposal.refresh_from_db()
    return proposal


def test_generate_from_an_accepted_proposal_send_and_sign(
    world, accepted, owner_http, mailoutbox, django_capture_on_commit_callbacks
):
    response = owner_http.post(reverse("proposals:proposal-contract", args=[accepted.pk]))
    contract = Contract.objects.get(proposal=accepted)
    assert response["Location"] == reverse("proposals:contract-detail", args=[contract.pk])
    assert contract.status == ContractStatus.DRAFT and "Website redesign" in contract.title
    assert "€11,400.00" in contract.body_markdown and "A new **marketing site**" in contract.body_markdown
    http = portal_client(world.contact)
    assert http.get(url("contract-detail", contract)).status_code == 404  # drafts stay in the back-office
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        owner_http.post(reverse("proposals:contract-send", args=[contract.pk]))
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SENT and mailoutbox[0].to == [world.contact.email]
    page = http.get(url("contract-detail", contract))
    assert page.context["can_sign"] and "Sign contract</button>" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        signed = http.post(url("contract-sign", contract), sign_form(contract), REMOTE_ADDR="203.0.113.77")
    assert signed.status_code == 302
    contract.refresh_from_db()
    sig = Signature.objects.get(contract=contract)
    assert (contract.status, sig.signer_name, sig.ip) == (ContractStatus.SIGNED, "Pat Secret", "203.0.113.77")
    assert sig.content_sha256 == canonical.contract_sha256(contract)
    assert [s["step"] for s in sig.timeline] == ["sent", "first_viewed", "consent", "signed"]
    # The certificate is issued and says what was signed; the list offers the signed PDF (the contract with
    # its certificate appended) and the contract's page the certificate alone too.
    record = sig.files.get(kind=SignatureFileKind.CERTIFICATE)
    with record.file.open("rb") as handle:
        text = " ".join(certificates.pdf_text(handle.read()).split())
    assert sig.content_sha256 in text and "Contract signature" in text and contract.title in text
    listing = http.get(reverse("portal:contract-list", kwargs={"slug": "alpha"})).content.decode()
    assert url("contract-document", contract) in listing and "Download signed PDF" in listing
    assert (
        url("contract-certificate", contract) in http.get(url("contract-detail", contract)).content.decode()
    )
    assert http.get(url("contract-certificate", contract)).status_code == 200
    # A second signature is refused, politely.
    again = http.post(url("contract-sign", contract), sign_form(contract), follow=True)
    assert "already signed" in again.content.decode()
    assert Signature.objects.filter(contract=contract).count() == 1


def test_a_signed_contract_is_immutable(world, owner_http):
    contract = services.send_contract(
        contract=services.create_contract(
            workspace=world.ws, client=world.client, actor=world.owner, title="NDA", body_markdown="Secrets."
        ),
        actor=world.owner,
    )
    signing.sign_contract(
        contract=contract,
        signer=signer(world.contact),
        content_sha256_seen=canonical.contract_sha256(contract),
    )
    contract.refresh_from_db()
    with pytest.raises(ServiceError, match="signed"):
        services.update_contract(contract=contract, actor=world.owner, body_markdown="Other secrets.")
    contract.title = "Changed"
    with pytest.raises(ContractFrozenError):
        contract.save()
    # It can still end.
    services.update_contract(
        contract=Contract.objects.get(pk=contract.pk), actor=world.owner, status=ContractStatus.TERMINATED
    )
    contract = Contract.objects.get(pk=contract.pk)
    assert (contract.status, contract.title, contract.body_markdown) == (
        ContractStatus.TERMINATED,
        "NDA",
        "Secrets.",
    )
    page = owner_http.get(reverse("proposals:contract-detail", args=[contract.pk]))
    assert page.context["hash_ok"] and 'id="signature-evidence"' in page.content.decode()


def test_a_contract_changed_while_open_is_not_signed(world):
    contract = services.send_contract(
        contract=services.create_contract(
            workspace=world.ws,
            client=world.client,
            actor=world.owner,
            title="SOW",
            body_markdown="Version A.",
        ),
        actor=world.owner,
    )
    http = portal_client(world.contact)
    seen = sign_form(contract)
    services.update_contract(contract=contract, actor=world.owner, body_markdown="Version B.")
    response = http.post(url("contract-sign", contract), seen, follow=True)
    assert "changed this contract while you had it open" in response.content.decode()
    assert not Signature.objects.exists()


def test_preview_and_other_clients_cannot_sign(world, owner_http):
    contract = services.send_contract(
        contract=services.create_contract(
            workspace=world.ws, client=world.client, actor=world.owner, title="SOW", body_markdown="Text."
        ),
        actor=world.owner,
    )
    other = portal_client(world.other_contact)
    assert other.post(url("contract-sign", contract), sign_form(contract)).status_code == 404
    owner_http.post(
        reverse(
            "accounts:portal-preview", kwargs={"client_id": world.client.pk, "contact_id": world.contact.pk}
        )
    )
    page = owner_http.get(url("contract-detail", contract))
    assert not page.context["can_sign"] and 'id="sign-form"' not in page.content.decode()
    assert owner_http.post(url("contract-sign", contract), sign_form(contract)).status_code == 403
    assert not Signature.objects.exists()


def test_signatures_are_append_only(world, proposal):
    from proposals.models import SignatureRecordError

    sig = signing.accept_proposal(
        proposal=proposal,
        signer=signer(world.contact),
        version_id=proposal.current_version_id,
        selected_item_ids=[],
    )
    sig.signer_name = "Someone else"
    with pytest.raises(SignatureRecordError):
        sig.save()
    with pytest.raises(SignatureRecordError):
        sig.delete()
    with pytest.raises(SignatureRecordError):
        Signature.objects.filter(pk=sig.pk).update(signer_name="x")
    assert Signature.objects.get(pk=sig.pk).signer_name == "Pat Secret"
