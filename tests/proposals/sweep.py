"""Proposals' and contracts' part of the outsider sweep (tests/test_outsider_sweep.py).

Secretco's objects: a signed contract with a PDF carrying a `file_marker` (uploaded by staff), a draft text
contract, a contract sent for signature and one signed in the portal; an open proposal (sent, with items) and
an accepted one with its signature and issued PDFs. The kwarg sources say which fills which URL: the open
proposal by default, the accepted one where a signature must exist; likewise for contracts."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from proposals import canonical, certificates, compose, consent, services, signing
from proposals.models import ContractStatus
from tests.projects.sweep import pdf
from tests.proposals.helpers import draft_data, sent_proposal, signer
from tests.sweep_registry import file_marker, get_request, kwarg_source, post_data, sweep_fixture


@sweep_fixture
def contract_objects(world) -> None:
    o = world.objs
    o.contract = services.create_contract(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        title="Secretco master agreement",
        status=ContractStatus.SIGNED,
        upload=SimpleUploadedFile("secretco-msa.pdf", pdf(file_marker("contract PDF"))),
    )
    o.contract_file = o.contract.current_file
    o.draft_text_contract = services.create_contract(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        title="Secretco statement of work (draft)",
        body_markdown="Secretco and Alpha agree on the work.",
    )
    o.sent_contract = services.send_contract(
        contract=services.create_contract(
            workspace=world.ws,
            client=world.client,
            actor=world.owner,
            title="Secretco NDA",
            body_markdown="Secretco keeps Alpha's secrets and the other way round.",
        ),
        actor=world.owner,
    )
    to_sign = services.send_contract(
        contract=services.create_contract(
            workspace=world.ws,
            client=world.client,
            actor=world.owner,
            title="Secretco retainer",
            body_markdown="Secretco retains Alpha for a year.",
        ),
        actor=world.owner,
    )
    signature = signing.sign_contract(
        contract=to_sign, signer=signer(world.contact), content_sha256_seen=canonical.contract_sha256(to_sign)
    )
    certificates.issue_signature_files(signature)
    o.signed_contract = to_sign


@sweep_fixture
def proposal_objects(world) -> None:
    o = world.objs
    o.proposal = sent_proposal(world, "Secretco website proposal")
    o.version = o.proposal.current_version
    o.accepted_proposal = sent_proposal(world, "Secretco logo proposal")
    signature = signing.accept_proposal(
        proposal=o.accepted_proposal,
        signer=signer(world.contact),
        version_id=o.accepted_proposal.current_version_id,
        selected_item_ids=[],
    )
    certificates.issue_signature_files(signature)
    o.draft_proposal = compose.create_proposal(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        draft=draft_data("Secretco draft proposal"),
    )


kwarg_source("contract_id", lambda w: w.objs.contract)
kwarg_source("contract_id", lambda w: w.objs.sent_contract, url="portal:contract-sign")
kwarg_source("contract_id", lambda w: w.objs.signed_contract, url="portal:contract-certificate")
kwarg_source("contract_id", lambda w: w.objs.signed_contract, url="proposals:contract-certificate")
kwarg_source("contract_id", lambda w: w.objs.signed_contract, url="proposals:contract-signed-pdf")
kwarg_source("contract_id", lambda w: w.objs.draft_text_contract, url="proposals:contract-send")
kwarg_source("file_id", lambda w: w.objs.contract_file, url="proposals:contract-file-")
kwarg_source("proposal_id", lambda w: w.objs.proposal)
kwarg_source("proposal_id", lambda w: w.objs.accepted_proposal, url="portal:proposal-certificate")
kwarg_source("proposal_id", lambda w: w.objs.accepted_proposal, url="proposals:proposal-certificate")
kwarg_source("proposal_id", lambda w: w.objs.accepted_proposal, url="proposals:proposal-contract")
kwarg_source("proposal_id", lambda w: w.objs.draft_proposal, url="proposals:proposal-delete")
kwarg_source("version_id", lambda w: w.objs.version, url="proposals:proposal-version")

# The live total is an htmx fragment of the proposal page.
get_request("portal:proposal-total", htmx=True)

post_data(
    "proposals:contract-create",
    lambda w: {
        "client": w.client.pk,
        "title": "Sweep contract",
        "status": ContractStatus.DRAFT,
        "file": SimpleUploadedFile("sweep.pdf", pdf("sweep")),
    },
)
post_data(
    "proposals:contract-detail",
    lambda w: {"title": "Sweep contract renamed", "status": ContractStatus.ACTIVE},
)
post_data("proposals:contract-send", lambda w: {})


def _signature(w) -> dict:
    return {"consent": "yes", "consent_version": consent.CURRENT, "signer_name": "Pat Sweep"}


post_data(
    "portal:contract-sign",
    lambda w: {**_signature(w), "content_sha256": canonical.contract_sha256(w.objs.sent_contract)},
)
post_data(
    "portal:proposal-accept",
    lambda w: {**_signature(w), "version": w.objs.version.pk, "item": [w.objs.version.ordered_items()[2].pk]},
)
post_data("portal:proposal-decline", lambda w: {"version": w.objs.version.pk, "reason": "Too dear"})


def _compose(w, *, client: bool) -> dict:
    data = {
        "title": "Sweep proposal",
        "currency": "EUR",
        "content_markdown": "Scope.",
        "tax_rate": "20",
        "discount_percent": "0",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-description": "Design",
        "items-0-quantity": "1",
        "items-0-unit_price": "100",
        "items-1-description": "Extra",
        "items-1-quantity": "2",
        "items-1-unit_price": "50",
        "items-1-optional": "on",
        "action": "save",
    }
    if client:
        data["client"] = w.client.pk
    return data


def _draft_revision(world, http) -> None:
    compose.save_draft(
        proposal=world.objs.proposal,
        actor=world.owner,
        draft=draft_data("Sweep revision"),
        expires_on=timezone.localdate() + timedelta(days=30),
    )


post_data("proposals:proposal-create", lambda w: _compose(w, client=True))
post_data("proposals:proposal-edit", lambda w: _compose(w, client=False))
post_data("proposals:proposal-discard-draft", lambda w: {}, setup=_draft_revision)
post_data(
    "proposals:proposal-send",
    lambda w: {"expires_on": (timezone.localdate() + timedelta(days=20)).isoformat()},
)
post_data("proposals:proposal-withdraw", lambda w: {"reason": "Replaced"})
post_data("proposals:proposal-contract", lambda w: {})
post_data("proposals:proposal-delete", lambda w: {})
