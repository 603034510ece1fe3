"""Reads that need care: a workspace's billing settings, outstanding totals per currency."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Sum

from billing.models import BillingSettings, InvoiceQuerySet, InvoiceStatus


def billing_settings(workspace) -> BillingSettings:
    """The workspace's settings row, created with the defaults on first use."""
    conf, _ = BillingSettings.objects.get_or_create(workspace=workspace)
    return conf


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
