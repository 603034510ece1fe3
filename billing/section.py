"""The Invoices section of the portal, registered in BillingConfig.ready: nav entry, dashboard widget
(what is outstanding, what is due next) and the URLs it owns (hidden section → 404)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from billing.models import INVOICES_SECTION, Invoice
from core.sections import Section, register_section

WIDGET_LENGTH = 3


def invoices_widget(contact) -> dict:
    """One query: the client's outstanding invoices (a handful at most), summed per currency here, and the
    first few to pay, soonest due first."""
    outstanding = list(Invoice.objects.for_contact(contact).outstanding().order_by("due_date", "id"))
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in outstanding:
        totals[invoice.currency] += invoice.amount_due
    return {"outstanding": sorted(totals.items()), "due_invoices": outstanding[:WIDGET_LENGTH]}


def register() -> None:
    register_section(
        Section(
            key=INVOICES_SECTION,
            label="Invoices",
            list_url="portal:invoice-list",
            url_prefixes=("invoice-",),
            order=60,
            description="Invoices: what is outstanding, what is paid.",
            widget_template="portal/billing/_invoices_widget.html",
            widget_context=invoices_widget,
        )
    )
