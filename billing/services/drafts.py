"""Draft invoices: created, edited and deleted freely until they are finalised (no number yet)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Client, User, Workspace
from billing.models import MAX_AMOUNT, MAX_QUANTITY, MAX_UNIT_PRICE, Invoice, InvoiceLine, InvoiceStatus
from billing.services._shared import ZERO, _lock, _log, _sync
from core import money
from core.errors import ServiceError
from core.money import MoneyError, PricedLine

MAX_LINES = 200


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
