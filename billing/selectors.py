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
