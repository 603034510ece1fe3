"""Reads that need care: a workspace's billing settings, outstanding totals per currency."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Sum
from django.utils import timezone

from billing.models import PAYABLE, BillingSettings, CreditNoteLine, InvoiceQuerySet, InvoiceStatus

STATUS_TONES = {InvoiceStatus.SENT: "info", InvoiceStatus.PAID: "ok", InvoiceStatus.REFUNDED: "warn"}


def billing_settings(workspace) -> BillingSettings:
    """The workspace's settings row, created with the defaults on first use."""
    conf, _ = BillingSettings.objects.get_or_create(workspace=workspace)
    return conf


def credited_quantities(invoice) -> dict[tuple, Decimal]:
    """How much of each invoice line earlier credit notes took, by line (description, unit price, tax rate:
    a credit note by line copies them). A credit by amount is one "Credit against …" line of its own and
    takes from no line."""
    taken: dict[tuple, Decimal] = defaultdict(Decimal)
    rows = CreditNoteLine.objects.filter(credit_note__invoice=invoice).values_list(
        "description", "unit_price", "tax_rate", "quantity"
    )
    for description, unit_price, tax_rate, quantity in rows:
        taken[description, unit_price, tax_rate] += quantity
    return taken


def outstanding_by_currency(invoices: InvoiceQuerySet) -> list[tuple[str, Decimal]]:
    """What sent invoices still owe, per currency (never summed across currencies), in one query."""
    rows = (
        invoices.filter(status=InvoiceStatus.SENT)
        .values("currency")
        .annotate(due=Sum(F("total") - F("amount_credited") - F("amount_paid") + F("amount_refunded")))
        .order_by("currency")
    )
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row["currency"]] += max(row["due"] or Decimal(0), Decimal(0))
    return sorted(totals.items())


def invoice_events(invoice, *, audience: str, limit: int = 50):
    """The invoice's own events (credit notes, payments and sends are recorded on it), newest first."""
    from activity.models import Event
    from activity.verbs import CLIENT, client_verbs
    from billing.models import INVOICES_SECTION, Invoice

    events = Event.objects.filter(
        workspace_id=invoice.workspace_id, target_type=Invoice._meta.label_lower, target_id=str(invoice.pk)
    )
    if audience == CLIENT:
        events = events.filter(verb__in=client_verbs({INVOICES_SECTION}))
    return events.select_related("actor_user", "actor_contact").order_by("-created_at", "-id")[:limit]


def present_invoices(rows, *, detail_url) -> list:
    """Give each row of the staff invoice table what its cells show, computed once here: the URL from one
    reverse, overdue (which the model derives from amount due, itself derived) once per row rather than
    five times, labels, tones and dates once per distinct day. Values stay plain: the template escapes."""
    from core.listing import DateLabels

    today = timezone.localdate()
    dates = DateLabels()
    for i in rows:
        i.url = detail_url(i.pk)
        i.due_amount = i.amount_due
        i.overdue = i.status in PAYABLE and i.due_amount > 0 and i.due_date is not None and i.due_date < today
        i.status_label = "Overdue" if i.overdue else i.get_status_display()
        i.tone = "danger" if i.overdue else STATUS_TONES.get(i.status, "")
        i.issue_iso = i.issue_date.isoformat() if i.issue_date else ""
        i.issue_text = dates(i.issue_date)
        i.due_iso = i.due_date.isoformat() if i.due_date else ""
        i.due_text = dates(i.due_date)
    return rows
