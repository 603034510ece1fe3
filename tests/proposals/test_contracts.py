"""Contracts: staff upload/edit, what the client sees (active and signed, with a PDF), downloads and
previews, and the feed event when a contract comes into force."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activity.models import Event
from core.errors import ServiceError
from proposals import services
from proposals.models import Contract, ContractFile, ContractStatus
from tests.projects.conftest import pdf_upload

pytestmark = pytest.mark.django_db


def _contract(world, status=ContractStatus.DRAFT, upload=True, **kw):
    return services.create_contract(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        title=kw.pop("title", "MSA"),
        status=status,
        upload=pdf_upload("msa.pdf") if upload else None,
        **kw,
    )


def test_only_pdfs_are_accepted_and_refusals_leave_nothing(world):
    with pytest.raises(ServiceError, match="not accepted"):
        services.create_contract(
            workspace=world.ws,
            client=world.client,
            actor=world.owner,
            title="X",
            upload=SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100),
        )
    assert Contract.objects.filter(title="X").count() == 0
    assert ContractFile.objects.count() == 0


def test_client_sees_active_and_signed_contracts_only(world, contact_http):
    draft = _contract(world, title="Draft one")
    signed = _contract(world, ContractStatus.SIGNED, title="Signed one")
    active_without_pdf = _contract(world, ContractStatus.ACTIVE, upload=False, title="No PDF yet")
    _contract(world, ContractStatus.TERMINATED, title="Ended")
    page = contact_http.get(reverse("portal:contract-list", args=["alpha"]))
    assert list(page.context["contracts"]) == [signed]
    for c in (draft, active_without_pdf):
        assert contact_http.get(reverse("portal:contract-download", args=["alpha", c.pk])).status_code == 404
    assert contact_http.get(reverse("portal:contract-raw", args=["alpha", signed.pk])).status_code == 200
    preview = contact_http.get(reverse("portal:contract-preview", args=["alpha", signed.pk]))
    assert preview.status_code == 200 and preview.context["file"] == signed.current_file
    download = contact_http.get(reverse("portal:contract-download", args=["alpha", signed.pk]))
    assert "attachment" in download["Content-Disposition"]
    # The PDF arrives: now it shows, and the client's feed hears of it once.
    services.update_contract(contract=active_without_pdf, actor=world.owner, upload=pdf_upload("late.pdf"))
    page = contact_http.get(reverse("portal:contract-list", args=["alpha"]))
    assert set(page.context["contracts"]) == {signed, active_without_pdf}
    shared = Event.objects.filter(verb="contract.shared").values_list("target_id", flat=True)
    assert sorted(shared) == sorted([str(signed.pk), str(active_without_pdf.pk)])


def test_staff_edit_status_and_replace_the_pdf(world, owner_http):
    contract = _contract(world)
    url = reverse("proposals:contract-detail", args=[contract.pk])
    response = owner_http.post(
        url, {"title": "MSA 2026", "status": ContractStatus.SIGNED, "file": pdf_upload("signed.pdf")}
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.title, contract.status, contract.current_file.original_name) == (
        "MSA 2026",
        "signed",
        "signed.pdf",
    )
    assert ContractFile.objects.filter(contract=contract).count() == 2  # the earlier file stays on record
    assert Event.objects.filter(verb="contract.shared", target_id=str(contract.pk)).count() == 1
    listing = owner_http.get(reverse("proposals:contract-list"), {"status": ContractStatus.SIGNED})
    assert list(listing.context["contracts"]) == [contract]


def test_contract_project_must_belong_to_the_client(world):
    from projects import services as project_services

    theirs = project_services.create_project(
        workspace=world.ws, client=world.other_client, actor=world.owner, name="T"
    )
    with pytest.raises(ServiceError, match="another client"):
        _contract(world, project=theirs)
