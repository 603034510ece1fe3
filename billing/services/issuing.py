"""Finalise (number, freeze, store the PDF), send and void an invoice."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from activity import outbox
from billing import numbering
from billing.models import Invoice, InvoicePdf, InvoiceStatus, pdf_key
from billing.selectors import billing_settings
from billing.services._shared import _expire_checkout_after_commit, _lock, _log, _sync
from billing.services.drafts import _check_dates, _write_lines
from core.errors import ServiceError
from files.uploads import UploadRejected, store_upload


class NumberClash(ServiceError):
    """The next number of a series is already taken in the workspace (its prefix or digits were changed
    so that a series repeats an earlier one). Nothing was finalised or issued: the transaction, the
    sequence's increment with it, rolled back."""

    def __init__(self, kind: str, number: str = "") -> None:
        what = f"The next {kind} number, {number}," if number else f"The next {kind} number"
        undone = "finalised" if kind == "invoice" else "issued"
        super().__init__(
            f"{what} is already used in this workspace: the numbering settings were changed so that a "
            f"series repeats an earlier one. Nothing was {undone}. Change the prefix in Invoice settings, "
            "then try again."
        )


# The unique constraints behind the series; an IntegrityError naming another constraint is not a clash.
NUMBER_CONSTRAINTS = {
    "uniq_invoice_number_per_workspace": "invoice",
    "uniq_credit_note_number_per_workspace": "credit note",
}


def _clash_kind(exc: IntegrityError) -> str | None:
    cause = exc.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None) or ""
    if not name:  # another driver: the constraint's name is in the message
        name = next((n for n in NUMBER_CONSTRAINTS if n in str(exc)), "")
    return NUMBER_CONSTRAINTS.get(name)


def finalise_invoice(*, invoice: Invoice, actor: User | None, send: bool = False) -> Invoice:
    """Number the draft (gap-free, inside this transaction), freeze it with its address snapshots and
    store its PDF. With `send`, also email it to the client's contacts (after commit). A number that is
    already taken is a NumberClash (a ServiceError) with nothing done."""
    try:
        return _finalise_invoice(invoice=invoice, actor=actor, send=send)
    except IntegrityError as exc:
        # Raced past the check in _finalise_invoice: the atomic block (a savepoint inside a caller's
        # transaction) is rolled back, so the caller's transaction is still usable.
        if _clash_kind(exc) != "invoice":
            raise
        raise NumberClash("invoice") from exc


@transaction.atomic
def _finalise_invoice(*, invoice: Invoice, actor: User | None, send: bool) -> Invoice:
    locked = _lock(invoice)
    if locked.status != InvoiceStatus.DRAFT:
        raise ServiceError(f"Invoice {locked.number} is already finalised.")
    if not locked.lines.exists():
        raise ServiceError("Add at least one line before finalising.")
    # Recompute from the lines as stored: the PDF, the totals and the number all describe one state.
    _write_lines(locked, locked.priced_lines())
    if locked.total <= 0:
        raise ServiceError("An invoice's total must be more than zero.")
    conf = billing_settings(locked.workspace)
    today = timezone.localdate()
    locked.issue_date = locked.issue_date or today
    locked.due_date = locked.due_date or locked.issue_date + timedelta(days=conf.payment_terms_days)
    _check_dates(locked.issue_date, locked.due_date)
    locked.number = numbering.next_number(
        kind=numbering.INVOICE,
        workspace_id=locked.workspace_id,
        prefix=conf.invoice_prefix,
        digits=conf.number_digits,
        issue_date=locked.issue_date,
    )
    if Invoice.objects.filter(workspace_id=locked.workspace_id, number=locked.number).exists():
        raise NumberClash("invoice", locked.number)
    locked.bill_from_name = conf.from_name or locked.workspace.name
    locked.bill_from_address = conf.bill_from_block()
    locked.bill_to_name = locked.client.name
    locked.status = InvoiceStatus.SENT
    locked.finalised_at = locked.updated_at = timezone.now()
    locked.save()
    # Rendered while the series row is locked: finalisations of one workspace wait for each other for the
    # length of a render (well under a second), the price of numbers that are gap-free and PDFs that carry
    # them.
    _store_invoice_pdf(locked, actor)
    _log(locked, "invoice.finalised", user=actor, total=locked.total, currency=locked.currency)
    if send:
        _queue_send(locked, actor, resend=False)
    return _sync(invoice, locked)


def _store_pdf_bytes(data: bytes, kind: str, name: str, actor: User | None, model, **owner):
    """Store a rendered PDF under a fresh key and record it with its SHA-256. Runs inside the finalising
    transaction, so the stored document, the number and the frozen content commit together; if a caller's
    outer transaction rolls back later, the object in storage is left unreferenced (harmless, never served:
    downloads go through the row)."""
    try:
        stored = store_upload(ContentFile(data, name=name), pdf_key(kind))
    except UploadRejected as exc:
        raise ServiceError(str(exc)) from exc
    try:
        return model.objects.create(
            file=stored.key,
            original_name=name,
            size=stored.size,
            content_type="application/pdf",
            sha256=stored.sha256,
            uploaded_by_user=actor,
            **owner,
        )
    except BaseException:
        default_storage.delete(stored.key)
        raise


def _store_invoice_pdf(invoice: Invoice, actor: User | None) -> InvoicePdf:
    from billing.pdf import render_invoice_pdf

    record = _store_pdf_bytes(
        render_invoice_pdf(invoice), "invoices", f"{invoice.number}.pdf", actor, InvoicePdf, invoice=invoice
    )
    invoice.pdf = record
    invoice.save(update_fields=["pdf"])
    return record


def _queue_send(invoice: Invoice, actor: User | None, *, resend: bool) -> None:
    from billing.handlers import contact_recipients

    recipients = contact_recipients(invoice)
    if not recipients:
        raise ServiceError(
            f"Nobody at {invoice.client.name} can receive it: invite a contact and make sure the portal "
            "is on and shows Invoices."
        )
    invoice.sent_at = timezone.now()
    invoice.save(update_fields=["sent_at"])
    outbox.enqueue("billing.invoice_email", invoice_id=invoice.pk, resend=resend)
    _log(invoice, "invoice.sent", user=actor, resend=resend, recipients=len(recipients))


@transaction.atomic
def send_invoice(*, invoice: Invoice, actor: User | None) -> Invoice:
    """Email a finalised invoice (PDF attached, portal link) to the client's contacts; again = a resend."""
    locked = _lock(invoice)
    if locked.status == InvoiceStatus.DRAFT:
        raise ServiceError("Finalise the invoice before sending it.")
    if locked.status == InvoiceStatus.VOID:
        raise ServiceError(f"Invoice {locked.number} is void: it cannot be sent.")
    _queue_send(locked, actor, resend=locked.sent_at is not None)
    return _sync(invoice, locked)


@transaction.atomic
def void_invoice(*, invoice: Invoice, actor: User | None, reason: str) -> Invoice:
    """Cancel a finalised invoice that nothing was paid on. Its number stays used (no gap)."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why the invoice is void (the client sees it).")
    locked = _lock(invoice)
    if locked.status == InvoiceStatus.DRAFT:
        raise ServiceError("A draft has no number yet: delete it instead of voiding it.")
    if locked.status != InvoiceStatus.SENT:
        raise ServiceError(
            f"Invoice {locked.number} is {locked.get_status_display().lower()}: it cannot be voided."
        )
    if locked.amount_paid_net > 0:
        raise ServiceError(
            f"A payment was recorded on {locked.number}: refund it or issue a credit note instead of voiding."
        )
    locked.status = InvoiceStatus.VOID
    locked.voided_at = timezone.now()
    locked.void_reason = reason
    locked.save(update_fields=["status", "voided_at", "void_reason"])
    _log(locked, "invoice.voided", user=actor, reason=reason)
    _expire_checkout_after_commit(locked)
    return _sync(invoice, locked)
