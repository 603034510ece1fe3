"""Credit notes: money taken off a finalised invoice, numbered from their own series."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from billing import numbering
from billing.models import MAX_AMOUNT, CreditNote, CreditNoteLine, CreditNotePdf, Invoice, InvoiceStatus
from billing.selectors import billing_settings
from billing.services._shared import ZERO, _expire_checkout_after_commit, _lock, _log
from billing.services.drafts import _check_lines
from billing.services.issuing import NumberClash, _clash_kind, _store_pdf_bytes
from billing.services.ledger import _settle
from core import money
from core.errors import ServiceError
from core.money import PricedLine


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
