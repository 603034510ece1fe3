"""Staff back-office views for proposals, under /app/proposals/: list, compose (Markdown and a pricing
table with rows added and removed by htmx and totals computed on the server), the proposal's page (status,
first views, versions, signature evidence, certificate), send, withdraw, versions and their canonical
content, PDFs, and a contract from an accepted proposal."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from accounts.models import Client
from core.errors import ServiceError
from core.http import client_ip, is_id
from core.money import CURRENCIES, PricedLine, compute_totals, format_number
from core.types import StaffRequest
from proposals import canonical, certificates, compose, services, workflow
from proposals.downloads import pdf_response, signature_download
from proposals.forms import (
    ITEMS_PREFIX,
    ItemFormSet,
    ProposalFilterForm,
    ProposalForm,
    SendForm,
    WithdrawForm,
    draft_from_forms,
    item_rows,
    unbound_items,
)
from proposals.models import (
    MAX_ITEMS,
    Proposal,
    ProposalVersion,
    SignatureFileKind,
)
from proposals.selectors import document_events, first_view, follow_up_problems, signature_of, views_of

# --- access helpers ------------------------------------------------------------------------------------


def get_proposal_for_staff(request: StaffRequest, proposal_id: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.for_workspace(request.workspace).select_related(
            "client", "workspace", "current_version", "project", "invoice"
        ),
        pk=proposal_id,
    )


def get_version_for_staff(request: StaffRequest, proposal: Proposal, version_id: int) -> ProposalVersion:
    return get_object_or_404(
        ProposalVersion.objects.for_workspace(request.workspace).prefetch_related("items"),
        pk=version_id,
        proposal=proposal,
    )


# --- list ----------------------------------------------------------------------------------------------


@require_GET
@staff_required
def proposal_list(request: StaffRequest) -> HttpResponse:
    filters = ProposalFilterForm(request.GET or None, workspace=request.workspace)
    filters.is_valid()
    data = getattr(filters, "cleaned_data", {})
    proposals = Proposal.objects.for_workspace(request.workspace).select_related("client", "current_version")
    if data.get("status"):
        proposals = proposals.filter(status=data["status"])
    if data.get("client"):
        proposals = proposals.filter(client=data["client"])
    return render(request, "proposals/proposal_list.html", {"proposals": proposals, "filters": filters})


# --- compose -------------------------------------------------------------------------------------------


def _lenient_totals(post, currency: str) -> dict:
    """Totals of what is typed so far (rows that do not parse yet are left out): the compose page's live
    preview. Saving validates everything."""

    def number(value, default=None):
        try:
            parsed = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            return default
        return parsed if parsed.is_finite() and parsed >= 0 else default

    required, everything = [], []
    for row in item_rows(post):
        qty, price = number(row["quantity"]), number(row["unit_price"])
        if qty is None or price is None or qty <= 0:
            continue
        rate = number(row["tax_rate"])
        rate = rate if rate is None or rate <= 100 else None
        line = PricedLine(row["description"], qty, price, rate)
        everything.append(line)
        if not row["optional"] or row["selected_by_default"]:
            required.append(line)
    tax = number(post.get("tax_rate"), Decimal(0))
    discount = number(post.get("discount_percent"), Decimal(0))
    tax = tax if tax <= 100 else Decimal(0)
    discount = discount if discount <= 100 else Decimal(0)
    return {
        "totals": compute_totals(required, currency, tax_rate=tax, discount_percent=discount),
        "all_totals": compute_totals(everything, currency, tax_rate=tax, discount_percent=discount),
        "has_optional": len(everything) != len(required),
        "currency": currency,
    }


def _initial(proposal: Proposal | None, client_id: str) -> tuple[dict, list[dict]]:
    if proposal is None:
        initial = {"currency": "EUR", "tax_rate": Decimal(0), "discount_percent": Decimal(0)}
        if client_id:
            initial["client"] = client_id
        return initial, [{"quantity": 1, "optional": False, "selected_by_default": False}]
    version = compose.editable_version(proposal)
    initial = {
        "title": version.title,
        "currency": version.currency,
        "expires_on": compose.pending_expiry(proposal),
        "content_markdown": version.content_markdown,
        "terms_markdown": version.terms_markdown,
        "tax_rate": version.tax_rate,
        "discount_percent": version.discount_percent,
        "deposit_percent": version.deposit_percent,
    }
    rows = [
        {
            "description": i.description,
            "quantity": format_number(i.quantity),
            "unit_price": i.unit_price,
            "tax_rate": i.tax_rate,
            "optional": i.optional,
            "selected_by_default": i.selected_by_default,
        }
        for i in version.ordered_items()
    ]
    return initial, rows


def _currency(post) -> str:
    code = post.get("currency", "EUR")
    return code if code in CURRENCIES else "EUR"


@require_http_methods(["GET", "POST"])
@staff_required
def proposal_compose(request: StaffRequest, proposal_id: int | None = None) -> HttpResponse:
    """New proposal (no id) or the next version of one. The pricing table's Add and Remove buttons post
    the whole form back (htmx swaps only the table; without JavaScript the page reloads), and the totals
    preview is recomputed here on every change."""
    proposal = get_proposal_for_staff(request, proposal_id) if proposal_id else None
    if proposal is not None and proposal.status in compose.FINAL:
        messages.error(
            request, f"This proposal is {proposal.get_status_display().lower()}: it can no longer change."
        )
        return redirect("proposals:proposal-detail", proposal_id=proposal.pk)
    with_client = proposal is None
    next_version = proposal is not None and proposal.current_version_id is not None
    post = request.POST
    action = post.get("action", "save") if request.method == "POST" else ""
    if action == "save" and "remove" in post:  # the Remove button without JavaScript
        action = "remove_item"
    client_id = request.GET.get("client", "")
    if not (
        is_id(client_id) and Client.objects.for_workspace(request.workspace).filter(pk=client_id).exists()
    ):
        client_id = ""
    initial, rows = _initial(proposal, client_id)
    if action == "totals":
        return render(request, "proposals/_compose_totals.html", _lenient_totals(post, _currency(post)))
    if action in ("add_item", "remove_item", "recalculate"):
        rows = item_rows(post)
        notice = ""
        if action == "add_item" and len(rows) >= MAX_ITEMS:
            notice = f"A proposal has at most {MAX_ITEMS} items."
        elif action == "add_item":
            rows.append({"quantity": 1, "optional": False, "selected_by_default": False})
        else:
            index = post.get("remove", "")
            if is_id(index) and int(index) < len(rows):
                rows.pop(int(index))
        form = ProposalForm(
            post, workspace=request.workspace, with_client=with_client, next_version=next_version
        )
        form.errors.clear()  # re-rendered, not validated: errors appear when saving
        items = unbound_items(rows, _currency(post))
        context = {
            "proposal": proposal,
            "form": form,
            "items": items,
            "items_notice": notice,
            **_lenient_totals(post, _currency(post)),
        }
        if request.htmx:
            response = render(request, "proposals/_items_editor.html", context)
            response["HX-Trigger"] = "items-changed"  # the totals preview recomputes
            return response
        return render(request, "proposals/proposal_compose.html", context)
    if action == "save":
        form = ProposalForm(
            post, workspace=request.workspace, with_client=with_client, next_version=next_version
        )
        items = ItemFormSet(post, prefix=ITEMS_PREFIX, currency=_currency(post))
        if form.is_valid() and items.is_valid():
            draft = draft_from_forms(form, items)
            try:
                if proposal is None:
                    proposal = compose.create_proposal(
                        workspace=request.workspace,
                        client=form.cleaned_data["client"],
                        actor=request.user,
                        draft=draft,
                        expires_on=form.cleaned_data.get("expires_on"),
                    )
                    version_label = "v1"
                else:
                    version = compose.save_draft(
                        proposal=proposal,
                        actor=request.user,
                        draft=draft,
                        expires_on=form.cleaned_data.get("expires_on"),
                    )
                    version_label = version.label
            except ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Draft {version_label} saved. Send it when it is ready.")
                return redirect("proposals:proposal-detail", proposal_id=proposal.pk)
    else:
        form = ProposalForm(
            initial=initial, workspace=request.workspace, with_client=with_client, next_version=next_version
        )
        items = unbound_items(rows, initial.get("currency", "EUR"))
    currency = _currency(post) if request.method == "POST" else initial.get("currency", "EUR")
    totals_source = post if request.method == "POST" else _as_post(initial, rows)
    return render(
        request,
        "proposals/proposal_compose.html",
        {"proposal": proposal, "form": form, "items": items, **_lenient_totals(totals_source, currency)},
    )


def _as_post(initial: dict, rows: list[dict]) -> dict:
    data = {k: "" if v is None else str(v) for k, v in initial.items()}
    data[f"{ITEMS_PREFIX}-TOTAL_FORMS"] = str(len(rows))
    for i, row in enumerate(rows):
        for key, value in row.items():
            if isinstance(value, bool):
                if value:
                    data[f"{ITEMS_PREFIX}-{i}-{key}"] = "on"
            else:
                data[f"{ITEMS_PREFIX}-{i}-{key}"] = "" if value is None else str(value)
    return data


@require_POST
@staff_required
def proposal_discard_draft(request: StaffRequest, proposal_id: int) -> HttpResponse:
    proposal = get_proposal_for_staff(request, proposal_id)
    try:
        compose.discard_draft(proposal=proposal, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The draft version was discarded: the client still sees the current one.")
    return redirect("proposals:proposal-detail", proposal_id=proposal.pk)


@require_POST
@staff_required
def proposal_delete(request: StaffRequest, proposal_id: int) -> HttpResponse:
    proposal = get_proposal_for_staff(request, proposal_id)
    try:
        compose.delete_proposal(proposal=proposal, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("proposals:proposal-detail", proposal_id=proposal.pk)
    messages.success(request, f"Draft proposal {proposal.title} deleted.")
    return redirect("proposals:proposal-list")


# --- the proposal's page and its moves -----------------------------------------------------------------


@require_GET
@staff_required
def proposal_detail(request: StaffRequest, proposal_id: int) -> HttpResponse:
    proposal = get_proposal_for_staff(request, proposal_id)
    versions = list(
        ProposalVersion.objects.filter(proposal=proposal).select_related("sent_by").order_by("-number")
    )
    draft = next((v for v in versions if not v.is_sent), None)
    signature = signature_of(proposal)
    shown = proposal.current_version or draft
    shown = ProposalVersion.objects.prefetch_related("items").get(pk=shown.pk)
    selection = {c["id"] for c in signature.chosen_items} if signature else shown.default_selection()
    hash_ok = None
    if signature is not None:
        hash_ok = canonical.proposal_version_sha256(signature.proposal_version) == signature.content_sha256
    return render(
        request,
        "proposals/proposal_detail.html",
        {
            "proposal": proposal,
            "versions": versions,
            "draft": draft,
            "shown": shown,
            "rows": [(i, not i.optional or i.pk in selection) for i in shown.ordered_items()],
            "totals": shown.totals_for(selection),
            "deposit": shown.deposit_for(selection),
            "signature": signature,
            "chosen_fixed": signature is not None,
            "hash_ok": hash_ok,
            "views": views_of(proposal),
            "first_view": first_view(proposal),
            "send_form": SendForm(
                initial={
                    "expires_on": compose.pending_expiry(proposal),
                    "create_project": proposal.create_project_on_accept,
                    "create_invoice": proposal.create_invoice_on_accept,
                }
            ),
            "can_send": proposal.status in workflow.SENDABLE,
            "can_edit": proposal.status not in compose.FINAL,
            "withdraw_form": WithdrawForm(),
            "contracts": proposal.contracts.all(),
            "history": document_events(proposal, audience="staff"),
            "follow_up_problems": follow_up_problems(proposal),
        },
    )


@require_POST
@staff_required
def proposal_send(request: StaffRequest, proposal_id: int) -> HttpResponse:
    proposal = get_proposal_for_staff(request, proposal_id)
    form = SendForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("proposals:proposal-detail", proposal_id=proposal.pk)
    try:
        sent = workflow.send_proposal(
            proposal=proposal,
            actor=request.user,
            expires_on=form.cleaned_data.get("expires_on"),
            create_project=form.cleaned_data["create_project"],
            create_invoice=form.cleaned_data["create_invoice"],
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{sent.current_version.label} sent: {sent.client.name} has been emailed a portal link."
        )
    return redirect("proposals:proposal-detail", proposal_id=proposal.pk)


@require_POST
@staff_required
def proposal_withdraw(request: StaffRequest, proposal_id: int) -> HttpResponse:
    proposal = get_proposal_for_staff(request, proposal_id)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        workflow.withdraw_proposal(
            proposal=proposal, actor=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Proposal withdrawn: the client can no longer accept it.")
    return redirect("proposals:proposal-detail", proposal_id=proposal.pk)


@require_POST
@staff_required
def proposal_contract(request: StaffRequest, proposal_id: int) -> HttpResponse:
    proposal = get_proposal_for_staff(request, proposal_id)
    try:
        contract = services.contract_from_proposal(proposal=proposal, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("proposals:proposal-detail", proposal_id=proposal.pk)
    messages.success(
        request, "Draft contract created from the proposal: review it, then send it for signature."
    )
    return redirect("proposals:contract-detail", contract_id=contract.pk)


# --- versions, PDFs, certificates ----------------------------------------------------------------------


@require_GET
@staff_required
def proposal_version(request: StaffRequest, proposal_id: int, version_id: int) -> HttpResponse:
    proposal = get_proposal_for_staff(request, proposal_id)
    version = get_version_for_staff(request, proposal, version_id)
    recomputed = canonical.proposal_version_sha256(version)
    return render(
        request,
        "proposals/proposal_version.html",
        {
            "proposal": proposal,
            "version": version,
            "rows": [(i, not i.optional or i.selected_by_default) for i in version.ordered_items()],
            "totals": version.totals_for(version.default_selection()),
            "deposit": version.deposit_for(version.default_selection()),
            "recomputed": recomputed,
            "views": [v for v in views_of(proposal) if v.version_id == version.pk],
        },
    )


@require_GET
@staff_required
def proposal_version_canonical(request: StaffRequest, proposal_id: int, version_id: int) -> HttpResponse:
    """The exact bytes whose SHA-256 a signature records: `sha256sum` of this file gives the hash."""
    proposal = get_proposal_for_staff(request, proposal_id)
    version = get_version_for_staff(request, proposal, version_id)
    if not version.is_sent:
        raise Http404("A draft has no recorded content hash yet")
    response = HttpResponse(
        canonical.to_bytes(canonical.proposal_version_document(version)), content_type="application/json"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"proposal-{proposal.pk}-v{version.number}-content.json"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@staff_required
def proposal_pdf(request: StaffRequest, proposal_id: int) -> HttpResponse:
    """The proposal as a PDF: once accepted, the signed document with its certificate appended."""
    proposal = get_proposal_for_staff(request, proposal_id)
    signature = signature_of(proposal)
    if signature is not None:
        return signature_download(signature, SignatureFileKind.SIGNED_DOCUMENT)
    version = compose.editable_version(proposal)
    version = ProposalVersion.objects.prefetch_related("items").get(pk=version.pk)
    return pdf_response(certificates.proposal_pdf(version), f"proposal-{proposal.pk}-{version.label}.pdf")


@require_GET
@staff_required
def proposal_certificate(request: StaffRequest, proposal_id: int) -> HttpResponse:
    proposal = get_proposal_for_staff(request, proposal_id)
    signature = signature_of(proposal)
    if signature is None:
        raise Http404("Not accepted")
    return signature_download(signature, SignatureFileKind.CERTIFICATE)
