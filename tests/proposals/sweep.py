"""Contracts' part of the outsider sweep (tests/test_outsider_sweep.py): Secretco's signed contract with a
PDF carrying a `file_marker`, the kwarg sources of the staff and portal contract URLs and their POST data.
(The Proposals and Invoices portal pages name no object: the slug alone.)"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from proposals import services
from proposals.models import ContractStatus
from tests.projects.sweep import pdf
from tests.test_outsider_sweep import file_marker, kwarg_source, post_data, sweep_fixture


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


kwarg_source("contract_id", lambda w: w.objs.contract)
kwarg_source("file_id", lambda w: w.objs.contract_file, url="proposals:contract-file-")

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
