"""Client-side invoices: the list, one invoice (lines, tax, totals, what is paid, credited and due), its
stored PDF (download, preview, raw) and the PDFs of its credit notes.

Everything is loaded through `for_contact(contact)` (never drafts; nothing while Invoices is hidden or the
portal is off); anything else is a 404. The Pay control is an include slot (`portal/billing/_pay.html`)
that the Stripe side fills.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from billing.models import CreditNote, CreditNotePdf, Invoice, InvoicePdf
from billing.selectors import outstanding_by_currency
from billing.stripe_client import allow_stripe_redirects
from core.types import PortalRequest
from files import views as file_views
from portal.decorators import contact_required


def get_invoice_for_contact(request: PortalRequest, invoice_id: int) -> Invoice:
    return get_object_or_404(
        Invoice.objects.for_contact(request.contact).select_related("workspace", "client", "project", "pdf"),
        pk=invoice_id,
    )


def get_invoice_pdf_for_contact(request: PortalRequest, invoice_id: int) -> InvoicePdf:
    invoice = get_invoice_for_contact(request, invoice_id)
    if invoice.pdf is None:
        raise Http404("No PDF stored")
    record = invoice.pdf
    record.invoice = invoice
    return record


def get_credit_note_pdf_for_contact(request: PortalRequest, credit_note_id: int) -> CreditNotePdf:
    note = get_object_or_404(
        CreditNote.objects.for_contact(request.contact).select_related("pdf", "invoice"), pk=credit_note_id
    )
    if note.pdf is None:
        raise Http404("No PDF stored")
    record = note.pdf
    record.credit_note = note
    return record


@require_GET
@contact_required
def invoice_list(request: PortalRequest, slug: str) -> HttpResponse:
    invoices = Invoice.objects.for_contact(request.contact)
    return render(
        request,
        "portal/billing/invoice_list.html",
        {
            "invoices": list(invoices.select_related("project")),
            "outstanding": outstanding_by_currency(invoices),
        },
    )


@require_GET
@contact_required
def invoice_detail(request: PortalRequest, slug: str, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_contact(request, invoice_id)
    if request.htmx and request.GET.get("poll") == "paid":
        # The "payment processing" panel's poll: nothing to draw; once the webhook has settled the invoice,
        # htmx reloads the page (a cheap answer every 5 s instead of a rendered page).
        response = HttpResponse(status=200)
        if not invoice.is_payable:
            response["HX-Refresh"] = "true"
        return response
    response = render(
        request,
        "portal/billing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": list(invoice.lines.all()),
            "totals": invoice.totals(),
            "credit_notes": list(invoice.credit_notes.select_related("pdf")),
        },
    )
    return allow_stripe_redirects(response)  # the Pay form's POST ends on Stripe Checkout


@require_GET
@contact_required
def invoice_download(request: PortalRequest, slug: str, invoice_id: int) -> HttpResponse:
    return file_views.download(get_invoice_pdf_for_contact(request, invoice_id))


@require_GET
@contact_required
def invoice_preview(request: PortalRequest, slug: str, invoice_id: int) -> HttpResponse:
    record = get_invoice_pdf_for_contact(request, invoice_id)
    invoice = record.invoice
    return file_views.preview_page(
        request,
        record,
        base_template="portal/base.html",
        raw_url=reverse("portal:invoice-raw", args=[slug, invoice.pk]),
        download_url=reverse("portal:invoice-download", args=[slug, invoice.pk]),
        back_url=reverse("portal:invoice-detail", args=[slug, invoice.pk]),
        back_label=f"Invoice {invoice.number}",
        extra_details=[("Billed to", invoice.bill_to_name), ("Status", invoice.display_status)],
    )


@require_GET
@contact_required
def invoice_raw(request: PortalRequest, slug: str, invoice_id: int) -> HttpResponse:
    return file_views.raw(get_invoice_pdf_for_contact(request, invoice_id))


@require_GET
@contact_required
def credit_note_download(request: PortalRequest, slug: str, credit_note_id: int) -> HttpResponse:
    return file_views.download(get_credit_note_pdf_for_contact(request, credit_note_id))
