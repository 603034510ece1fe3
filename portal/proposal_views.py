"""Client-side proposals: list, the proposal page (content, pricing with optional items and a live total
computed on the server, consent and terms above the typed signature), accept and sign, decline, the PDF
and the signature certificate; and the signing of contracts sent for signature.

Everything is loaded through `for_contact(contact)`; anything else is a 404. Staff previews see the pages
without any control (and the middleware refuses their POSTs); a first view is recorded for contacts only.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from accounts.kept_pages import kept_whole
from activity.verbs import CLIENT
from core.errors import ServiceError
from core.fragments import cached_list
from core.http import client_ip
from core.types import PortalRequest
from files import views as file_views
from portal.decorators import contact_required
from proposals import canonical, certificates, consent, signing, workflow
from proposals import services as contract_services
from proposals.downloads import cached_pdf, pdf_response, signature_download
from proposals.models import Contract, Proposal, ProposalStatus, ProposalVersion, SignatureFileKind
from proposals.selectors import contact_proposals, document_events, signature_of

# --- access helpers ------------------------------------------------------------------------------------


def get_proposal_for_contact(request: PortalRequest, proposal_id: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.for_contact(request.contact).select_related(
            "workspace", "client", "current_version"
        ),
        pk=proposal_id,
    )


def get_contract_for_contact(request: PortalRequest, contract_id: int) -> Contract:
    return get_object_or_404(
        Contract.objects.for_contact(request.contact).select_related(
            "workspace", "client", "current_file", "project"
        ),
        pk=contract_id,
    )


def _selected(request: PortalRequest) -> list[str]:
    return request.GET.getlist("item") if request.method == "GET" else request.POST.getlist("item")


def _ticked_on_current(proposal: Proposal, request: PortalRequest) -> set[int]:
    """The client's ticks that are optional items of the current version (to send them back to the form)."""
    version = ProposalVersion.objects.prefetch_related("items").get(pk=proposal.current_version_id)
    return version.optional_selection(_selected(request))


def _signer(request: PortalRequest) -> signing.SignerInput:
    return signing.SignerInput(
        contact=request.contact,
        signer_name=request.POST.get("signer_name", ""),
        consent=request.POST.get("consent") == "yes",
        consent_version=request.POST.get("consent_version", ""),
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
        portal_session=request.portal_session,
    )


# --- proposals -----------------------------------------------------------------------------------------


@require_GET
@contact_required
def proposal_list(request: PortalRequest, slug: str) -> HttpResponse:
    return render(
        request, "portal/proposals/proposal_list.html", {"proposals": contact_proposals(request.contact)}
    )


def _pricing_context(version: ProposalVersion, selection: set[int], *, chosen_fixed: bool) -> dict:
    totals = version.totals_for(selection)
    return {
        "version": version,
        "rows": [(i, not i.optional or i.pk in selection) for i in version.ordered_items()],
        "totals": totals,
        "deposit": version.deposit_for(selection),
        "all_totals": version.totals_for({i.pk for i in version.ordered_items() if i.optional}),
        "has_optional": any(i.optional for i in version.ordered_items()),
        "chosen_fixed": chosen_fixed,
    }


@require_GET
@kept_whole
@contact_required
def proposal_detail(request: PortalRequest, slug: str, proposal_id: int) -> HttpResponse:
    proposal = get_proposal_for_contact(request, proposal_id)
    workflow.record_view(
        proposal=proposal,
        contact=request.contact,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    selecting = "item" in request.GET or bool(request.GET.get("chosen"))

    def body_html() -> str:
        # Loaded again, after the cache read its tokens: a write landing between the load above and that
        # read would otherwise be kept, under the new tokens, as what came before it.
        proposal = get_proposal_for_contact(request, proposal_id)
        version = ProposalVersion.objects.prefetch_related("items").get(pk=proposal.current_version_id)
        signature = signature_of(proposal) if proposal.status == ProposalStatus.ACCEPTED else None
        if signature is not None:
            version = ProposalVersion.objects.prefetch_related("items").get(pk=signature.proposal_version_id)
            selection = {c["id"] for c in signature.chosen_items}
        elif selecting:
            selection = version.optional_selection(_selected(request))
        else:
            selection = version.default_selection()
        consent_version, consent_text = consent.current()
        can_act = proposal.is_open and not request.portal_preview
        context = {
            "proposal": proposal,
            **_pricing_context(version, selection, chosen_fixed=not can_act),
            "signature": signature,
            "can_act": can_act,
            "closed_message": None
            if proposal.is_open or signature is not None
            else workflow.closed_message(proposal),
            "consent_version": consent_version,
            "consent_text": consent_text,
            "history_html": render_to_string(
                "activity/_feed.html",
                {"events": document_events(proposal, audience=CLIENT), "audience": "client"},
                request=request,
            ),
        }
        return render_to_string("portal/proposals/_proposal_body.html", context, request=request)

    # The page as first shown (no items ticked in the query string) is kept per contact until anything of
    # their client changes (core/fragments.py); its forms' CSRF tokens are filled in per response.
    body = cached_list(request, f"portal-proposal:{proposal.pk}", {}, body_html)
    return render(request, "portal/proposals/proposal_detail.html", {"proposal": proposal, "body": body})


@require_GET
@contact_required
def proposal_total(request: PortalRequest, slug: str, proposal_id: int) -> HttpResponse:
    """The totals for the ticked optional items, computed here (htmx swaps them in; the accept POST
    recomputes them from the same ticks, never from a number the page sent)."""
    proposal = get_proposal_for_contact(request, proposal_id)
    version = ProposalVersion.objects.prefetch_related("items").get(pk=proposal.current_version_id)
    selection = version.optional_selection(_selected(request))
    return render(
        request,
        "proposals/_totals.html",
        {"proposal": proposal, **_pricing_context(version, selection, chosen_fixed=False)},
    )


@require_POST
@contact_required
def proposal_accept(request: PortalRequest, slug: str, proposal_id: int) -> HttpResponse:
    proposal = get_proposal_for_contact(request, proposal_id)
    try:
        signing.accept_proposal(
            proposal=proposal,
            signer=_signer(request),
            version_id=request.POST.get("version"),
            selected_item_ids=request.POST.getlist("item"),
        )
    except signing.AlreadySigned as exc:
        messages.info(request, str(exc))
    except ServiceError as exc:
        messages.error(request, str(exc))
        # Keep the client's ticks when sending them back to the form.
        query = "&".join(f"item={i}" for i in sorted(_ticked_on_current(proposal, request)))
        url = request.path.removesuffix("accept") + ("?chosen=1&" + query if query else "?chosen=1")
        return redirect(url + "#accept")
    else:
        messages.success(
            request,
            "Accepted and signed. Thank you! Your signature certificate is below and on its way by email.",
        )
    return redirect("portal:proposal-detail", slug=slug, proposal_id=proposal.pk)


@require_POST
@contact_required
def proposal_decline(request: PortalRequest, slug: str, proposal_id: int) -> HttpResponse:
    proposal = get_proposal_for_contact(request, proposal_id)
    try:
        workflow.decline_proposal(
            proposal=proposal,
            contact=request.contact,
            version_id=request.POST.get("version"),
            reason=request.POST.get("reason", ""),
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Proposal declined. {proposal.workspace.name} has been told.")
    return redirect("portal:proposal-detail", slug=slug, proposal_id=proposal.pk)


@require_GET
@contact_required
def proposal_pdf(request: PortalRequest, slug: str, proposal_id: int) -> HttpResponse:
    """The proposal as a PDF; once accepted, the signed document with the certificate appended."""
    proposal = get_proposal_for_contact(request, proposal_id)
    signature = signature_of(proposal)
    if signature is not None:
        return signature_download(signature, SignatureFileKind.SIGNED_DOCUMENT)
    version = ProposalVersion.objects.prefetch_related("items").get(pk=proposal.current_version_id)
    data = cached_pdf(
        f"proposal-pdf:{version.pk}:{version.content_sha256}:{proposal.expires_on}",
        lambda: certificates.proposal_pdf(version),
    )
    return pdf_response(data, f"proposal-{proposal.pk}-{version.label}.pdf")


@require_GET
@contact_required
def proposal_certificate(request: PortalRequest, slug: str, proposal_id: int) -> HttpResponse:
    proposal = get_proposal_for_contact(request, proposal_id)
    signature = signature_of(proposal)
    if signature is None:
        raise Http404("Not accepted")
    return signature_download(signature, SignatureFileKind.CERTIFICATE)


# --- contracts: read and sign --------------------------------------------------------------------------


@require_GET
@contact_required
def contract_detail(request: PortalRequest, slug: str, contract_id: int) -> HttpResponse:
    contract = get_contract_for_contact(request, contract_id)
    contract_services.record_contract_view(
        contract=contract,
        contact=request.contact,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    consent_version, consent_text = consent.current()
    signature = signature_of(contract)
    return render(
        request,
        "portal/proposals/contract_detail.html",
        {
            "contract": contract,
            "signature": signature,
            "can_sign": contract.awaiting_signature and not request.portal_preview,
            "content_sha256": canonical.contract_sha256(contract),
            "consent_version": consent_version,
            "consent_text": consent_text,
            "history": document_events(contract, audience=CLIENT),
        },
    )


@require_POST
@contact_required
def contract_sign(request: PortalRequest, slug: str, contract_id: int) -> HttpResponse:
    contract = get_contract_for_contact(request, contract_id)
    try:
        signing.sign_contract(
            contract=contract,
            signer=_signer(request),
            content_sha256_seen=request.POST.get("content_sha256", ""),
        )
    except signing.AlreadySigned as exc:
        messages.info(request, str(exc))
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, "Signed. Thank you! Your signature certificate is below and on its way by email."
        )
    return redirect("portal:contract-detail", slug=slug, contract_id=contract.pk)


@require_GET
@contact_required
def contract_certificate(request: PortalRequest, slug: str, contract_id: int) -> HttpResponse:
    contract = get_contract_for_contact(request, contract_id)
    signature = signature_of(contract)
    if signature is None:
        raise Http404("Not signed")
    return signature_download(signature, SignatureFileKind.CERTIFICATE)


@require_GET
@contact_required
def contract_document(request: PortalRequest, slug: str, contract_id: int) -> HttpResponse:
    """The contract as a PDF: signed with its certificate once signed here, else its text (and file)."""
    contract = get_contract_for_contact(request, contract_id)
    signature = signature_of(contract)
    if signature is not None:
        return signature_download(signature, SignatureFileKind.SIGNED_DOCUMENT)
    if not contract.body_markdown and contract.current_file is not None:
        return file_views.download(contract.current_file)
    key = f"contract-pdf:{contract.pk}:{canonical.contract_sha256(contract)}"
    data = cached_pdf(key, lambda: certificates.contract_body_pdf(contract))
    return pdf_response(data, f"contract-{contract.pk}.pdf")
