"""Staff back-office views for invoices and credit notes, under /app/invoices/.

The draft editor is one form (header fields and a formset of lines). "Add line", "Remove" and the live
totals post the form back to the same view: htmx swaps in the lines editor or the totals, and without
JavaScript the same buttons re-render the whole page — either way nothing typed is lost, and totals are
always computed on the server (core.money).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import manager_required, staff_required
from accounts.kept_pages import kept_whole
from accounts.models import Client
from activity.verbs import STAFF
from billing import numbering, services
from billing.forms import (
    OVERDUE,
    BillingSettingsForm,
    CreditLinesForm,
    CreditNoteForm,
    InvoiceFilterForm,
    InvoiceForm,
    LineFormSet,
    PaymentForm,
    VoidForm,
)
from billing.handlers import contact_recipients
from billing.models import CreditNote, CreditNotePdf, Invoice, InvoicePdf
from billing.selectors import (
    billing_settings,
    credited_quantities,
    invoice_events,
    outstanding_by_currency,
    present_invoices,
)
from core import money
from core.errors import ServiceError
from core.fragments import cached_list
from core.http import is_id
from core.listing import url_maker, wants_window_fragment, window
from core.types import StaffRequest
from files import views as file_views

LINES_PREFIX = "lines"
EDITOR_TARGET = "line-editor"
TOTALS_TARGET = "invoice-totals"
TABLE_TARGET = "invoice-table"

# --- access helpers: one way to load each thing, 404 for "missing" and "not yours" alike -------------


def get_invoice_for_staff(request: StaffRequest, invoice_id: int) -> Invoice:
    return get_object_or_404(
        Invoice.objects.for_workspace(request.workspace).select_related(
            "client", "project", "pdf", "workspace"
        ),
        pk=invoice_id,
    )


def get_invoice_pdf_for_staff(request: StaffRequest, invoice_id: int) -> InvoicePdf:
    invoice = get_invoice_for_staff(request, invoice_id)
    record = invoice.pdf
    if record is None:
        raise Http404("No PDF stored")
    record.invoice = invoice
    return record


def get_credit_note_pdf_for_staff(request: StaffRequest, credit_note_id: int) -> CreditNotePdf:
    note = get_object_or_404(
        CreditNote.objects.for_workspace(request.workspace).select_related("pdf"), pk=credit_note_id
    )
    if note.pdf is None:
        raise Http404("No PDF stored")
    return note.pdf


# --- list ----------------------------------------------------------------------------------------------


@require_GET
@kept_whole
@staff_required
def invoice_list(request: StaffRequest) -> HttpResponse:
    filters = InvoiceFilterForm(request.GET or None, workspace=request.workspace)
    filters.is_valid()
    data = getattr(filters, "cleaned_data", {})
    invoices = Invoice.objects.for_workspace(request.workspace).select_related("client", "project")
    if data.get("client"):
        invoices = invoices.filter(client=data["client"])
    status = data.get("status")
    if status == OVERDUE:
        invoices = invoices.overdue()
    elif status:
        invoices = invoices.filter(status=status)

    def table_context() -> dict:
        rows = window(request, invoices)
        present_invoices(rows.rows, detail_url=url_maker("billing:invoice-detail", "invoice_id"))
        return {
            "invoices": rows.rows,
            "window": rows,
            "filters": filters,
            "filtered": bool(data.get("client") or status),
            "outstanding": outstanding_by_currency(invoices),
            "overdue": outstanding_by_currency(invoices.overdue()),
        }

    if wants_window_fragment(request):  # "Show more": only the next rows
        return render(request, "billing/_invoice_rows.html", table_context())
    # The filters (a select of every client) and the table are cached per staff member and filter.
    params = {"status": status or "", "client": str(data["client"].pk) if data.get("client") else ""}
    if request.htmx and request.htmx.target == TABLE_TARGET:
        template = "billing/_invoice_table.html"
        return HttpResponse(
            cached_list(
                request, template, params, lambda: render_to_string(template, table_context(), request)
            )
        )
    template = "billing/_invoice_list_body.html"
    body = cached_list(
        request, template, params, lambda: render_to_string(template, table_context(), request)
    )
    return render(request, "billing/invoice_list.html", {"filters": filters, "body": body})


# --- the draft editor ----------------------------------------------------------------------------------


def _blank_line() -> dict:
    return {"description": "", "quantity": "1", "unit_price": "", "tax_rate": ""}


def _initial_lines(invoice: Invoice | None) -> list[dict]:
    if invoice is None:
        return [_blank_line()]
    return [
        {
            "description": line.description,
            "quantity": money.format_number(line.quantity),
            "unit_price": money.format_number(line.unit_price),
            "tax_rate": "" if line.tax_rate is None else money.format_number(line.tax_rate),
        }
        for line in invoice.lines.all()
    ] or [_blank_line()]


def _rows_from_post(post) -> list[dict]:
    """The lines as typed (strings), to re-render after an add or remove without losing a keystroke."""
    try:
        total = int(post.get(f"{LINES_PREFIX}-TOTAL_FORMS", 0))
    except ValueError:
        total = 0
    rows = []
    for i in range(min(total, 200)):
        rows.append(
            {
                f: post.get(f"{LINES_PREFIX}-{i}-{f}", "")
                for f in ("description", "quantity", "unit_price", "tax_rate")
            }
        )
    return rows


def _formset_from_rows(rows: list[dict]) -> LineFormSet:
    data = {
        f"{LINES_PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{LINES_PREFIX}-INITIAL_FORMS": "0",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{LINES_PREFIX}-{i}-{key}"] = value
    return LineFormSet(data, prefix=LINES_PREFIX)


def _preview_totals(form: InvoiceForm, formset: LineFormSet) -> dict:
    """Totals of the lines that are complete so far (the rest are counted, not guessed)."""
    form.is_valid()
    header = getattr(form, "cleaned_data", {})
    currency = header.get("currency") or form.data.get("currency") or "EUR"
    priced, incomplete = [], 0
    for line_form in formset.forms:
        line_form.is_valid()
        line = line_form.priced()
        if line is not None:
            priced.append(line)
        elif line_form.has_content():
            incomplete += 1
    try:
        totals = money.compute_totals(
            priced,
            currency,
            tax_rate=header.get("tax_rate") or Decimal(0),
            discount_percent=header.get("discount_percent") or Decimal(0),
        )
    except money.MoneyError:
        totals = None
    return {"totals": totals, "currency": currency, "incomplete": incomplete}


def _editor_context(request, form, formset, invoice=None, **extra) -> dict:
    return {
        "form": form,
        "formset": formset,
        "invoice": invoice,
        "editor_target": EDITOR_TARGET,
        "totals_target": TOTALS_TARGET,
        **_preview_totals(form, formset),
        **extra,
    }


def _editor(request: StaffRequest, invoice: Invoice | None) -> HttpResponse:
    """Create (invoice=None) or edit a draft: one view for the page, its fragments and the save."""
    conf = billing_settings(request.workspace)
    if request.method == "GET":
        if invoice is None:
            initial = {
                "currency": conf.default_currency,
                "tax_rate": money.format_number(conf.default_tax_rate),
                "discount_percent": "0",
                "notes": conf.default_terms,
            }
            client_id = request.GET.get("client", "")
            if client_id and not is_id(client_id):
                return HttpResponseBadRequest("Not a client id.")
            if client_id and Client.objects.for_workspace(request.workspace).filter(pk=client_id).exists():
                initial["client"] = int(client_id)
        else:
            initial = {
                "client": invoice.client_id,
                "project": str(invoice.project_id or ""),
                "currency": invoice.currency,
                "issue_date": invoice.issue_date,
                "due_date": invoice.due_date,
                "tax_rate": money.format_number(invoice.tax_rate),
                "discount_percent": money.format_number(invoice.discount_percent),
                "bill_to_address": invoice.bill_to_address,
                "notes": invoice.notes,
            }
        form = InvoiceForm(initial=initial, workspace=request.workspace)
        formset = _formset_from_rows(_initial_lines(invoice))
        formset.errors  # noqa: B018  (bound: validate now so nothing shows as an error on a fresh page)
        return render(
            request, "billing/invoice_form.html", _editor_context(request, form, formset, invoice, fresh=True)
        )

    action = request.POST.get("action", "save")
    rows = _rows_from_post(request.POST)
    if action == "add-line":
        rows.append(_blank_line())
    elif action.startswith("remove-"):
        index = action.removeprefix("remove-")
        if not is_id(index):
            return HttpResponseBadRequest("Not a line number.")
        if int(index) < len(rows):
            rows.pop(int(index))
        if not rows:
            rows.append(_blank_line())
    form = InvoiceForm(request.POST, workspace=request.workspace)
    formset = _formset_from_rows(rows)
    if action != "save":
        context = _editor_context(request, form, formset, invoice, fresh=True)
        if request.htmx and action == "recalc":
            return render(request, "billing/_totals.html", context)
        if request.htmx:
            return render(request, "billing/_line_editor.html", context)
        return render(request, "billing/invoice_form.html", context)

    lines = []
    if form.is_valid() and formset.is_valid():
        lines = [line for line in (f.priced() for f in formset.forms) if line is not None]
        if not lines:
            form.add_error(None, "Add at least one line with a description, quantity and price.")
    if form.is_valid() and formset.is_valid() and lines:
        data = dict(form.cleaned_data)
        try:
            if invoice is None:
                invoice = services.create_invoice(
                    workspace=request.workspace, actor=request.user, lines=lines, **data
                )
                messages.success(request, "Draft saved. Check it, then finalise and send it.")
            else:
                services.update_draft(invoice=invoice, actor=request.user, lines=lines, **data)
                messages.success(request, "Draft saved.")
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("billing:invoice-detail", invoice_id=invoice.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "billing/invoice_form.html", _editor_context(request, form, formset, invoice), status=status
    )


@require_http_methods(["GET", "POST"])
@staff_required
def invoice_create(request: StaffRequest) -> HttpResponse:
    return _editor(request, None)


@require_http_methods(["GET", "POST"])
@staff_required
def invoice_edit(request: StaffRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_staff(request, invoice_id)
    if not invoice.is_draft:
        messages.error(request, f"{invoice.number} is finalised: void it or issue a credit note instead.")
        return redirect("billing:invoice-detail", invoice_id=invoice.pk)
    return _editor(request, invoice)


# --- one invoice ---------------------------------------------------------------------------------------


def _detail_context(request: StaffRequest, invoice: Invoice, **forms) -> dict:
    lines = list(invoice.lines.all())
    return {
        "invoice": invoice,
        "lines": lines,
        "totals": invoice.totals(),
        "credit_notes": list(invoice.credit_notes.select_related("pdf")),
        "events": invoice_events(invoice, audience=STAFF),
        "void_form": forms.get("void_form") or VoidForm(),
        "credit_form": forms.get("credit_form") or CreditNoteForm(initial={"amount": invoice.creditable}),
        "credit_lines_form": forms.get("credit_lines_form")
        or CreditLinesForm(lines=lines, currency=invoice.currency, credited=credited_quantities(invoice)),
        "payment_form": forms.get("payment_form") or PaymentForm(initial={"amount": invoice.amount_due}),
        "open_panel": forms.get("open_panel", ""),
        "recipients": contact_recipients(invoice),
    }


@require_GET
@staff_required
def invoice_detail(request: StaffRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_staff(request, invoice_id)
    return render(request, "billing/invoice_detail.html", _detail_context(request, invoice))


def _act(request: StaffRequest, invoice: Invoice, fn, success: str) -> HttpResponse:
    try:
        fn()
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success.format(invoice=invoice))
    return redirect("billing:invoice-detail", invoice_id=invoice.pk)


@require_POST
@staff_required
def invoice_finalise(request: StaffRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_staff(request, invoice_id)
    send = request.POST.get("send") == "1"
    try:
        services.finalise_invoice(invoice=invoice, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("billing:invoice-detail", invoice_id=invoice.pk)
    note = f"Invoice {invoice.number} finalised."
    if send:
        try:
            services.send_invoice(invoice=invoice, actor=request.user)
        except ServiceError as exc:
            messages.warning(request, f"{note} It was not emailed: {exc}")
            return redirect("billing:invoice-detail", invoice_id=invoice.pk)
        note = f"Invoice {invoice.number} finalised and emailed."
    messages.success(request, note)
    return redirect("billing:invoice-detail", invoice_id=invoice.pk)


@require_POST
@staff_required
def invoice_send(request: StaffRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_staff(request, invoice_id)
    again = invoice.sent_at is not None
    return _act(
        request,
        invoice,
        lambda: services.send_invoice(invoice=invoice, actor=request.user),
        "Invoice {invoice.number} emailed again." if again else "Invoice {invoice.number} emailed.",
    )


@require_POST
@staff_required
def invoice_delete(request: StaffRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_staff(request, invoice_id)
    try:
        services.delete_draft(invoice=invoice, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("billing:invoice-detail", invoice_id=invoice.pk)
    messages.success(request, "Draft deleted.")
    return redirect("billing:invoice-list")


def _with_form(request, invoice, form, panel, fn, success) -> HttpResponse:
    if not form.is_valid():
        context = _detail_context(request, invoice, **{f"{panel}_form": form, "open_panel": panel})
        return render(request, "billing/invoice_detail.html", context, status=422)
    try:
        fn(form.cleaned_data)
    except ServiceError as exc:
        form.add_error(None, str(exc))
        context = _detail_context(request, invoice, **{f"{panel}_form": form, "open_panel": panel})
        return render(request, "billing/invoice_detail.html", context, status=422)
    messages.success(request, success)
    return redirect("billing:invoice-detail", invoice_id=invoice.pk)


@require_POST
@staff_required
def invoice_void(request: StaffRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_staff(request, invoice_id)
    return _with_form(
        request,
        invoice,
        VoidForm(request.POST),
        "void",
        lambda d: services.void_invoice(invoice=invoice, actor=request.user, reason=d["reason"]),
        f"Invoice {invoice.number} is void.",
    )


@require_POST
@staff_required
def invoice_credit(request: StaffRequest, invoice_id: int) -> HttpResponse:
    """A credit note by amount, or (`by=lines`) by quantities of the invoice's lines."""
    invoice = get_invoice_for_staff(request, invoice_id)
    if request.POST.get("by") == "lines":
        return _with_form(
            request,
            invoice,
            CreditLinesForm(
                request.POST,
                lines=list(invoice.lines.all()),
                currency=invoice.currency,
                credited=credited_quantities(invoice),
            ),
            "credit_lines",
            lambda d: services.issue_credit_note(
                invoice=invoice, actor=request.user, lines=d["lines"], reason=d["reason"]
            ),
            "Credit note issued.",
        )
    return _with_form(
        request,
        invoice,
        CreditNoteForm(request.POST),
        "credit",
        lambda d: services.issue_credit_note(
            invoice=invoice, actor=request.user, amount=d["amount"], reason=d["reason"]
        ),
        "Credit note issued.",
    )


@require_POST
@staff_required
def invoice_payment(request: StaffRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_staff(request, invoice_id)
    return _with_form(
        request,
        invoice,
        PaymentForm(request.POST),
        "payment",
        lambda d: services.apply_payment(
            invoice=invoice,
            amount=d["amount"],
            currency=invoice.currency,
            actor=request.user,
            reference=d["reference"],
            method="manual",
        ),
        "Payment recorded.",
    )


# --- PDFs ----------------------------------------------------------------------------------------------


@require_GET
@staff_required
def invoice_download(request: StaffRequest, invoice_id: int) -> HttpResponse:
    return file_views.download(get_invoice_pdf_for_staff(request, invoice_id))


@require_GET
@staff_required
def invoice_preview(request: StaffRequest, invoice_id: int) -> HttpResponse:
    record = get_invoice_pdf_for_staff(request, invoice_id)
    invoice = record.invoice
    return file_views.preview_page(
        request,
        record,
        base_template="app_base.html",
        raw_url=reverse("billing:invoice-raw", args=[invoice.pk]),
        download_url=reverse("billing:invoice-download", args=[invoice.pk]),
        back_url=reverse("billing:invoice-detail", args=[invoice.pk]),
        back_label=f"Invoice {invoice.number}",
        extra_details=[
            ("Client", invoice.client.name),
            ("Status", invoice.display_status),
            ("SHA-256", record.sha256),
        ],
    )


@require_GET
@staff_required
def invoice_raw(request: StaffRequest, invoice_id: int) -> HttpResponse:
    return file_views.raw(get_invoice_pdf_for_staff(request, invoice_id))


@require_GET
@staff_required
def credit_note_download(request: StaffRequest, credit_note_id: int) -> HttpResponse:
    return file_views.download(get_credit_note_pdf_for_staff(request, credit_note_id))


# --- settings ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@manager_required
def billing_settings_view(request: StaffRequest) -> HttpResponse:
    conf = billing_settings(request.workspace)
    form = BillingSettingsForm(request.POST or None, instance=conf)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Invoice settings saved.")
        return redirect("billing:settings")
    today = timezone.localdate()
    preview = {
        "invoice": numbering.preview_next_number(
            kind=numbering.INVOICE,
            workspace_id=request.workspace.pk,
            prefix=conf.invoice_prefix,
            digits=conf.number_digits,
            issue_date=today,
        ),
        "credit_note": numbering.preview_next_number(
            kind=numbering.CREDIT_NOTE,
            workspace_id=request.workspace.pk,
            prefix=conf.credit_note_prefix,
            digits=conf.number_digits,
            issue_date=today,
        ),
        "due": today + timedelta(days=conf.payment_terms_days),
    }
    return render(
        request,
        "billing/settings.html",
        {"form": form, "preview": preview},
        status=422 if request.method == "POST" else 200,
    )
