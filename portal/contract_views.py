"""Client-side contracts: list, download, inline PDF preview. Loaded through `for_contact(contact)`; anything
else is a 404. A contract's page and its signing are in portal.proposal_views."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.types import PortalRequest
from files import views as file_views
from portal.decorators import contact_required
from proposals.models import Contract, ContractFile


def get_contract_file_for_contact(request: PortalRequest, contract_id: int) -> ContractFile:
    """The current file of a contract the contact may see (earlier files stay in the back-office)."""
    contract = get_object_or_404(
        Contract.objects.for_contact(request.contact).select_related("current_file"), pk=contract_id
    )
    record = contract.current_file
    if record is None:  # a contract with a text and no PDF: its page shows it (contract-document)
        raise Http404("No file")
    record.contract = contract
    return record


@require_GET
@contact_required
def contract_list(request: PortalRequest, slug: str) -> HttpResponse:
    contracts = Contract.objects.for_contact(request.contact).select_related("current_file", "project")
    return render(request, "portal/proposals/contract_list.html", {"contracts": contracts})


@require_GET
@contact_required
def contract_download(request: PortalRequest, slug: str, contract_id: int) -> HttpResponse:
    return file_views.download(get_contract_file_for_contact(request, contract_id))


@require_GET
@contact_required
def contract_preview(request: PortalRequest, slug: str, contract_id: int) -> HttpResponse:
    record = get_contract_file_for_contact(request, contract_id)
    contract = record.contract
    return file_views.preview_page(
        request,
        record,
        base_template="portal/base.html",
        raw_url=reverse("portal:contract-raw", args=[slug, contract.pk]),
        download_url=reverse("portal:contract-download", args=[slug, contract.pk]),
        back_url=reverse("portal:contract-list", args=[slug]),
        back_label="Contracts",
        extra_details=[("Status", contract.get_status_display())],
    )


@require_GET
@contact_required
def contract_raw(request: PortalRequest, slug: str, contract_id: int) -> HttpResponse:
    return file_views.raw(get_contract_file_for_contact(request, contract_id))
