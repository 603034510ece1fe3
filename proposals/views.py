"""Staff back-office views for contracts, under /app/contracts/: list, create and edit (a PDF and/or a
text), send for signature, the signature evidence and its certificate."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from accounts.models import Client
from core.errors import ServiceError
from core.http import client_ip, is_id
from core.types import StaffRequest
from files import views as file_views
from files.policies import accepts_uploads
from files.uploads import too_large_message
from proposals import canonical, services
from proposals.downloads import signature_download
from proposals.files import CONTRACT
from proposals.forms import ContractFilterForm, ContractForm
from proposals.models import Contract, ContractFile, ContractView, SignatureFileKind
from proposals.selectors import document_events, signature_of


def get_contract_for_staff(request: StaffRequest, contract_id: int) -> Contract:
    return get_object_or_404(
        Contract.objects.for_workspace(request.workspace).select_related(
            "client", "project", "current_file", "proposal"
        ),
        pk=contract_id,
    )


def get_contract_file_for_staff(request: StaffRequest, file_id: int) -> ContractFile:
    return get_object_or_404(
        ContractFile.objects.for_workspace(request.workspace).select_related("contract"), pk=file_id
    )


@require_GET
@staff_required
def contract_list(request: StaffRequest) -> HttpResponse:
    filters = ContractFilterForm(request.GET or None, workspace=request.workspace)
    filters.is_valid()
    data = getattr(filters, "cleaned_data", {})
    contracts = Contract.objects.for_workspace(request.workspace).select_related(
        "client", "project", "current_file"
    )
    if data.get("status"):
        contracts = contracts.filter(status=data["status"])
    if data.get("client"):
        contracts = contracts.filter(client=data["client"])
    return render(request, "proposals/contract_list.html", {"contracts": contracts, "filters": filters})


def _upload(request: StaffRequest, form: ContractForm):
    too_big = getattr(request, "oversize_uploads", [])
    if too_big:
        form.add_error("file", " ".join(too_large_message(n, CONTRACT) for n in too_big))
    return form.cleaned_data.get("file")


@require_http_methods(["GET", "POST"])
@accepts_uploads(CONTRACT)
@staff_required
def contract_create(request: StaffRequest) -> HttpResponse:
    initial = {}
    client_id = request.GET.get("client", "")
    if is_id(client_id) and Client.objects.for_workspace(request.workspace).filter(pk=client_id).exists():
        initial["client"] = int(client_id)
    form = ContractForm(
        request.POST or None, request.FILES or None, workspace=request.workspace, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        upload = _upload(request, form)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "file"}
            client = data.pop("client")
            try:
                contract = services.create_contract(
                    workspace=request.workspace,
                    client=client,
                    actor=request.user,
                    upload=upload,
                    ip=client_ip(request),
                    **data,
                )
            except ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Contract {contract.title} saved.")
                return redirect("proposals:contract-detail", contract_id=contract.pk)
    return render(request, "proposals/contract_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@accepts_uploads(CONTRACT)
@staff_required
def contract_detail(request: StaffRequest, contract_id: int) -> HttpResponse:
    """The contract with its files; the form edits its status, dates and project and replaces the PDF."""
    contract = get_contract_for_staff(request, contract_id)
    form = ContractForm(
        request.POST or None,
        request.FILES or None,
        instance=Contract.objects.get(pk=contract.pk),
        workspace=request.workspace,
    )
    if request.method == "POST" and form.is_valid():
        upload = _upload(request, form)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "file"}
            try:
                services.update_contract(
                    contract=contract, actor=request.user, upload=upload, ip=client_ip(request), **data
                )
            except ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Contract saved.")
                return redirect("proposals:contract-detail", contract_id=contract.pk)
    files = (
        ContractFile.objects.filter(contract=contract)
        .select_related("uploaded_by_user")
        .order_by("-uploaded_at", "-id")
    )
    signature = signature_of(contract)
    return render(
        request,
        "proposals/contract_detail.html",
        {
            "contract": contract,
            "form": form,
            "files": files,
            "signature": signature,
            "hash_ok": signature is not None
            and canonical.contract_sha256(contract) == signature.content_sha256,
            "history": document_events(contract, audience="staff"),
            "views": ContractView.objects.filter(contract=contract).select_related("contact"),
        },
    )


@require_POST
@staff_required
def contract_send(request: StaffRequest, contract_id: int) -> HttpResponse:
    contract = get_contract_for_staff(request, contract_id)
    try:
        services.send_contract(
            contract=contract,
            actor=request.user,
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Sent for signature: {contract.client.name} has been emailed a portal link."
        )
    return redirect("proposals:contract-detail", contract_id=contract.pk)


def _signature_download(request: StaffRequest, contract_id: int, kind: str) -> HttpResponse:
    contract = get_contract_for_staff(request, contract_id)
    signature = signature_of(contract)
    if signature is None:
        raise Http404("Not signed in the portal")
    return signature_download(signature, kind)


@require_GET
@staff_required
def contract_certificate(request: StaffRequest, contract_id: int) -> HttpResponse:
    return _signature_download(request, contract_id, SignatureFileKind.CERTIFICATE)


@require_GET
@staff_required
def contract_signed_pdf(request: StaffRequest, contract_id: int) -> HttpResponse:
    return _signature_download(request, contract_id, SignatureFileKind.SIGNED_DOCUMENT)


@require_GET
@staff_required
def contract_file_download(request: StaffRequest, file_id: int) -> HttpResponse:
    return file_views.download(get_contract_file_for_staff(request, file_id))


@require_GET
@staff_required
def contract_file_preview(request: StaffRequest, file_id: int) -> HttpResponse:
    record = get_contract_file_for_staff(request, file_id)
    return file_views.preview_page(
        request,
        record,
        base_template="app_base.html",
        raw_url=reverse("proposals:contract-file-raw", args=[record.pk]),
        download_url=reverse("proposals:contract-file-download", args=[record.pk]),
        back_url=reverse("proposals:contract-detail", args=[record.contract_id]),
        back_label=record.contract.title,
    )


@require_GET
@staff_required
def contract_file_raw(request: StaffRequest, file_id: int) -> HttpResponse:
    return file_views.raw(get_contract_file_for_staff(request, file_id))
