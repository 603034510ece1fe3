"""State changes for invoices and credit notes. Keyword-only, atomic, audited in the same transaction.

The one state machine for an invoice's money lives here (`apply_payment`, `apply_refund`,
`issue_credit_note`, `void_invoice`); the Stripe side calls the first two and never writes an invoice's
status itself:

    draft ──finalise──▶ sent ──payments cover total − credited──▶ paid ──refunds cover payments──▶ refunded
                          │  ──credit notes cover the total, nothing paid──▶ credited
                          └──void (nothing paid)──▶ void

Transitions only move forward. A payment on a paid invoice (a second checkout paid twice) is still
recorded: the money arrived, and refusing it would lose that fact.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Client, Contact, User, Workspace
from activity import outbox
from activity.services import record_event
from billing import numbering
from billing.models import (
    MAX_AMOUNT,
    MAX_QUANTITY,
    MAX_UNIT_PRICE,
    CreditNote,
    CreditNoteLine,
    CreditNotePdf,
    Invoice,
    InvoiceLine,
    InvoicePdf,
    InvoiceStatus,
    pdf_key,
)
from billing.selectors import billing_settings
from core import money
from core.errors import ServiceError
from core.money import MoneyError, PricedLine
from files.uploads import UploadRejected, store_upload

logger = logging.getLogger(__name__)
ZERO = Decimal(0)
MAX_LINES = 200


class PaymentRefused(ServiceError):
    """Money could not be applied to the invoice (wrong currency, not payable, too much refunded…).
    The Stripe side records such a payment for staff instead of applying it."""


def _log(
    invoice: Invoice, verb: str, *, user: User | None = None, contact: Contact | None = None, **data
) -> None:
    record_event(
        workspace=invoice.workspace,
        client=invoice.client,
        verb=verb,
        actor_user=user,
        actor_contact=contact,
        target=invoice,
        data={
            **{k: _jsonable(v) for k, v in data.items()},
            "invoice_id": invoice.pk,
            "number": invoice.number,
        },
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _lock(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("workspace", "client").get(pk=invoice.pk)


def _sync(target: Invoice, source: Invoice) -> Invoice:
    """Callers keep their object: copy the locked row's state onto it."""
    for field in Invoice._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _expire_checkout_after_commit(invoice: Invoice) -> None:
    """The invoice owes less than before (void, credit note, payment): once that is committed, expire its
    open Checkout Sessions for more than it owes now (billing.payment_tasks), so none can still be paid."""
    from billing.payment_models import AttemptStatus, CheckoutAttempt
    from billing.payment_tasks import expire_checkout_sessions  # imports billing.payments, which imports us

    open_attempts = CheckoutAttempt.objects.filter(
        invoice_id=invoice.pk, status__in=(AttemptStatus.CREATING, AttemptStatus.OPEN)
    ).exclude(session_id=None)
    if open_attempts.exists():
        invoice_id = invoice.pk
        # robust: a broker outage must not turn the committed change into an error page (Stripe expires
        # the session itself within 24 hours, and a payment on it becomes a mismatch, not a payment).
        transaction.on_commit(lambda: expire_checkout_sessions.delay(invoice_id), robust=True)


# --- drafts --------------------------------------------------------------------------------------------


def _check_parties(workspace: Workspace, client: Client, project) -> None:
    if client.workspace_id != workspace.pk:
        raise ServiceError("That client is not in this workspace.")
    if project is not None and project.client_id != client.pk:
        raise ServiceError("That project belongs to another client.")


def _check_currency(currency: str) -> str:
    code = (currency or "").upper()
    if code not in money.CURRENCIES:
        raise ServiceError(f"{currency or 'No currency'} is not a currency we invoice in.")
    return code


def _check_rate(value: Decimal, label: str) -> Decimal:
    value = Decimal(value)
    if not ZERO <= value <= 100:
        raise ServiceError(f"{label} is a percentage between 0 and 100.")
    return value


def _check_lines(lines: Sequence[PricedLine]) -> list[PricedLine]:
    lines = list(lines)
    if len(lines) > MAX_LINES:
        raise ServiceError(f"An invoice has at most {MAX_LINES} lines.")
    for line in lines:
        if not line.description.strip():
            raise ServiceError("Every line needs a description.")
        if line.quantity <= 0:
            raise ServiceError(f"“{line.description}”: the quantity must be more than 0.")
        if line.quantity > MAX_QUANTITY:
            raise ServiceError(f"“{line.description}”: the quantity is at most {MAX_QUANTITY:,}.")
        if line.unit_price < 0:
            raise ServiceError(f"“{line.description}”: the unit price cannot be negative.")
        if line.unit_price > MAX_UNIT_PRICE:
            raise ServiceError(f"“{line.description}”: the unit price is at most {MAX_UNIT_PRICE:,}.")
        if line.tax_rate is not None:
            _check_rate(line.tax_rate, f"“{line.description}”: the tax rate")
    return lines


def _check_dates(issue_date: date | None, due_date: date | None) -> None:
    if issue_date and due_date and due_date < issue_date:
        raise ServiceError("The due date cannot be before the issue date.")


def _write_lines(invoice: Invoice, lines: list[PricedLine]) -> None:
    """Replace a draft's lines and recompute its stored totals (core.money: the only arithmetic)."""
    try:
        totals = money.compute_totals(
            lines, invoice.currency, tax_rate=invoice.tax_rate, discount_percent=invoice.discount_percent
        )
    except MoneyError as exc:
        raise ServiceError(str(exc)) from exc
    if max((*totals.line_amounts, totals.subtotal, totals.total), default=ZERO) > MAX_AMOUNT:
        raise ServiceError(f"An invoice's lines and total are at most {MAX_AMOUNT:,} each.")
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=i,
            description=line.description.strip(),
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            amount=amount,
        )
        for i, (line, amount) in enumerate(zip(lines, totals.line_amounts, strict=True))
    )
    invoice.subtotal, invoice.discount = totals.subtotal, totals.discount
    invoice.tax, invoice.total = totals.tax, totals.total


@transaction.atomic
def create_invoice(
    *,
    workspace: Workspace,
    client: Client,
    actor: User | None,
    currency: str,
    lines: Sequence[PricedLine],
    project=None,
    issue_date: date | None = None,
    due_date: date | None = None,
    tax_rate: Decimal = ZERO,
    discount_percent: Decimal = ZERO,
    notes: str = "",
    bill_to_address: str = "",
) -> Invoice:
    """A draft invoice: no number yet, editable until `finalise_invoice`."""
    _check_parties(workspace, client, project)
    _check_dates(issue_date, due_date)
    invoice = Invoice(
        workspace=workspace,
        client=client,
        project=project,
        currency=_check_currency(currency),
        issue_date=issue_date,
        due_date=due_date,
        tax_rate=_check_rate(tax_rate, "The tax rate"),
        discount_percent=_check_rate(discount_percent, "The discount"),
        notes=notes.strip(),
        bill_to_address=bill_to_address.strip() or _last_bill_to(client),
        created_by=actor,
    )
    invoice.save()
    _write_lines(invoice, _check_lines(lines))
    invoice.save(update_fields=["subtotal", "discount", "tax", "total"])
    _log(invoice, "invoice.created", user=actor, total=invoice.total, currency=invoice.currency)
    return invoice


def _last_bill_to(client: Client) -> str:
    """A client's address is the one on its last invoice (the form shows it, staff may change it)."""
    last = Invoice.objects.filter(client=client).exclude(bill_to_address="").order_by("-created_at").first()
    return last.bill_to_address if last else ""


DRAFT_FIELDS = (
    "client",
    "project",
    "currency",
    "issue_date",
    "due_date",
    "tax_rate",
    "discount_percent",
    "notes",
    "bill_to_address",
)


@transaction.atomic
def update_draft(
    *, invoice: Invoice, actor: User | None, lines: Sequence[PricedLine] | None = None, **fields: Any
) -> Invoice:
    """Edit a draft's fields (any of DRAFT_FIELDS) and/or replace its lines; totals follow."""
    locked = _lock(invoice)
    if locked.status != InvoiceStatus.DRAFT:
        raise ServiceError(f"Invoice {locked.number} is finalised: void it or issue a credit note instead.")
    data = {k: v for k, v in fields.items() if k in DRAFT_FIELDS}
    client = data.get("client", locked.client)
    project = data.get("project", locked.project)
    _check_parties(locked.workspace, client, project)
    _check_dates(data.get("issue_date", locked.issue_date), data.get("due_date", locked.due_date))
    if "currency" in data:
        data["currency"] = _check_currency(data["currency"])
    for name, label in (("tax_rate", "The tax rate"), ("discount_percent", "The discount")):
        if name in data:
            data[name] = _check_rate(data[name], label)
    if "notes" in data:
        data["notes"] = (data["notes"] or "").strip()
    changed = [name for name, value in data.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, data[name])
    new_lines = _check_lines(lines) if lines is not None else locked.priced_lines()
    if lines is not None:
        changed.append("lines")
    _write_lines(locked, new_lines)
    locked.updated_at = timezone.now()
    locked.save()
    if changed:
        _log(locked, "invoice.updated", user=actor, fields=changed, total=locked.total)
    return _sync(invoice, locked)


@transaction.atomic
def delete_draft(*, invoice: Invoice, actor: User | None) -> None:
    locked = _lock(invoice)
    if locked.status != InvoiceStatus.DRAFT:
        raise ServiceError(f"Invoice {locked.number} is finalised: void it instead of deleting it.")
    _log(locked, "invoice.deleted", user=actor, total=locked.total)
    locked.delete()


# --- finalise, send, void ------------------------------------------------------------------------------


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


# --- credit notes --------------------------------------------------------------------------------------


def issue_credit_note(
    *,
    invoice: Invoice,
    actor: User | None,
    reason: str,
    amount: Decimal | None = None,
    lines: Sequence[PricedLine] | None = None,
) -> CreditNote:
    """Take money off a finalised invoice, by a gross `amount` (tax split in the invoice's proportion) or
    by `lines` (priced like the invoice: its tax rate and discount). Numbered from its own series; a
    number already taken is a NumberClash with nothing done."""
    try:
        return _issue_credit_note(invoice=invoice, actor=actor, reason=reason, amount=amount, lines=lines)
    except IntegrityError as exc:
        if _clash_kind(exc) != "credit note":
            raise
        raise NumberClash("credit note") from exc


@transaction.atomic
def _issue_credit_note(
    *,
    invoice: Invoice,
    actor: User | None,
    reason: str,
    amount: Decimal | None,
    lines: Sequence[PricedLine] | None,
) -> CreditNote:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give a reason for the credit note (it is printed on it).")
    if (amount is None) == (lines is None):
        raise ServiceError("A credit note takes either an amount or lines.")
    locked = _lock(invoice)
    if locked.status not in (InvoiceStatus.SENT, InvoiceStatus.PAID):
        raise ServiceError(
            f"Invoice {locked.label} is {locked.get_status_display().lower()}: no credit note can be issued."
        )
    currency = locked.currency
    if lines is not None:
        priced = _check_lines(lines)
        if not priced:
            raise ServiceError("Add at least one line to the credit note.")
        totals = money.compute_totals(
            priced, currency, tax_rate=locked.tax_rate, discount_percent=locked.discount_percent
        )
        subtotal, tax, total = totals.subtotal - totals.discount, totals.tax, totals.total
        line_rows = list(zip(priced, totals.line_amounts, strict=True))
    else:
        if Decimal(amount) > MAX_AMOUNT:
            raise ServiceError(f"A credit note's amount is at most {MAX_AMOUNT:,}.")
        total = money.quantize(Decimal(amount), currency)
        if total <= 0:
            raise ServiceError("A credit note's amount must be more than zero.")
        tax = money.quantize(total * locked.tax / locked.total, currency) if locked.total else ZERO
        subtotal = total - tax
        line_rows = [
            (
                PricedLine(
                    description=f"Credit against {locked.number}", quantity=Decimal(1), unit_price=subtotal
                ),
                subtotal,
            )
        ]
    if total > locked.creditable:
        raise ServiceError(
            f"That credits {money.format_money(total, currency)}; at most "
            f"{money.format_money(locked.creditable, currency)} of {locked.number} is left to credit."
        )
    conf = billing_settings(locked.workspace)
    today = timezone.localdate()
    number = numbering.next_number(
        kind=numbering.CREDIT_NOTE,
        workspace_id=locked.workspace_id,
        prefix=conf.credit_note_prefix,
        digits=conf.number_digits,
        issue_date=today,
    )
    if CreditNote.objects.filter(workspace_id=locked.workspace_id, number=number).exists():
        raise NumberClash("credit note", number)
    note = CreditNote.objects.create(
        workspace=locked.workspace,
        invoice=locked,
        number=number,
        currency=currency,
        issue_date=today,
        reason=reason,
        subtotal=subtotal,
        tax=tax,
        total=total,
        created_by=actor,
    )
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            credit_note=note,
            position=i,
            description=line.description.strip(),
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            amount=line_amount,
        )
        for i, (line, line_amount) in enumerate(line_rows)
    )
    locked.amount_credited += total
    _settle(locked)
    locked.save(update_fields=["amount_credited", "status", "paid_at"])
    from billing.pdf import render_credit_note_pdf

    note.pdf = _store_pdf_bytes(
        render_credit_note_pdf(note),
        "credit-notes",
        f"{note.number}.pdf",
        actor,
        CreditNotePdf,
        credit_note=note,
    )
    note.save(update_fields=["pdf"])
    _log(
        locked,
        "invoice.credited",
        user=actor,
        credit_note=note.number,
        amount=total,
        currency=currency,
        reason=reason,
    )
    _expire_checkout_after_commit(locked)
    return note


# --- money in and out: the one state machine -----------------------------------------------------------


def _settle(invoice: Invoice) -> None:
    """Move a sent invoice forward once payments and credit notes cover it (never backward)."""
    if invoice.status != InvoiceStatus.SENT:
        return
    owed = invoice.total - invoice.amount_credited
    if invoice.amount_paid_net >= owed:
        if invoice.amount_paid_net > 0:
            invoice.status = InvoiceStatus.PAID
            invoice.paid_at = timezone.now()
        else:
            invoice.status = InvoiceStatus.CREDITED


def _money_in(invoice: Invoice, amount: Decimal, currency: str) -> Decimal:
    if (currency or "").upper() != invoice.currency:
        raise PaymentRefused(
            f"{invoice.label} is in {invoice.currency}; a {(currency or '?').upper()} amount cannot be applied to it."
        )
    try:
        value = money.quantize(Decimal(amount), invoice.currency)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise PaymentRefused(f"{amount!r} is not an amount.") from exc
    if value <= 0:
        raise PaymentRefused("An amount must be more than zero.")
    if value > MAX_AMOUNT:
        raise PaymentRefused(f"An amount is at most {MAX_AMOUNT:,}.")
    return value


@transaction.atomic
def apply_payment(
    *,
    invoice: Invoice,
    amount: Decimal,
    currency: str,
    actor: User | None = None,
    contact: Contact | None = None,
    reference: str = "",
    method: str = "manual",
    paid_at=None,
) -> Invoice:
    """Money arrived for an invoice (Stripe's webhook, or staff recording a bank transfer). Forward only:
    a sent invoice becomes paid once payments cover its total less credit notes; a paid one stays paid
    (a second payment is recorded, not refused). Refused: a draft, a void or credited invoice, another
    currency. Records the client-visible "paid invoice INV-…" (or "paid part of") in this transaction."""
    locked = _lock(invoice)
    value = _money_in(locked, amount, currency)
    if locked.status not in (InvoiceStatus.SENT, InvoiceStatus.PAID):
        raise PaymentRefused(
            f"Invoice {locked.label} is {locked.get_status_display().lower()}: it takes no payment."
        )
    if locked.amount_paid + value > MAX_AMOUNT:
        raise PaymentRefused(f"{locked.label} cannot record more than {MAX_AMOUNT:,} in payments.")
    locked.amount_paid += value
    before = locked.status
    _settle(locked)
    if locked.status == InvoiceStatus.PAID and paid_at is not None and before != InvoiceStatus.PAID:
        locked.paid_at = paid_at
    locked.save(update_fields=["amount_paid", "status", "paid_at"])
    verb = (
        "invoice.paid"
        if locked.status == InvoiceStatus.PAID and before != InvoiceStatus.PAID
        else "invoice.payment_recorded"
    )
    _log(
        locked,
        verb,
        user=actor,
        contact=contact,
        amount=value,
        currency=locked.currency,
        reference=reference[:200],
        method=method,
        amount_due=locked.amount_due,
    )
    _expire_checkout_after_commit(locked)
    return _sync(invoice, locked)


@transaction.atomic
def apply_refund(
    *,
    invoice: Invoice,
    amount: Decimal,
    currency: str,
    actor: User | None = None,
    reference: str = "",
    method: str = "manual",
) -> Invoice:
    """Money paid back. Never more than was paid; once everything paid is refunded the invoice is
    refunded (a partial refund leaves it paid)."""
    locked = _lock(invoice)
    value = _money_in(locked, amount, currency)
    if locked.status not in (InvoiceStatus.SENT, InvoiceStatus.PAID):
        raise PaymentRefused(
            f"Invoice {locked.label} is {locked.get_status_display().lower()}: nothing to refund."
        )
    if value > locked.refundable:
        raise PaymentRefused(
            f"That refunds {money.format_money(value, locked.currency)} but only "
            f"{money.format_money(locked.refundable, locked.currency)} was paid on {locked.label}."
        )
    locked.amount_refunded += value
    if locked.status == InvoiceStatus.PAID and locked.amount_refunded >= locked.amount_paid:
        locked.status = InvoiceStatus.REFUNDED
        locked.refunded_at = timezone.now()
    locked.save(update_fields=["amount_refunded", "status", "refunded_at"])
    _log(
        locked,
        "invoice.refunded",
        user=actor,
        amount=value,
        currency=locked.currency,
        reference=reference[:200],
        method=method,
        full=locked.status == InvoiceStatus.REFUNDED,
    )
    return _sync(invoice, locked)
