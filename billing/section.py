"""The Invoices section of the portal, registered in BillingConfig.ready: nav entry, dashboard widget
(what is outstanding, what is due next) and the URLs it owns (hidden section → 404)."""

from __future__ import annotations

from billing.models import INVOICES_SECTION, Invoice
from billing.selectors import outstanding_by_currency
from core.sections import Section, register_section

WIDGET_LENGTH = 3


def invoices_widget(contact) -> dict:
    """Two queries: the outstanding sums per currency and the next few invoices to pay, soonest first."""
    invoices = Invoice.objects.for_contact(contact)
    due = list(invoices.outstanding().order_by("due_date", "id")[:WIDGET_LENGTH])
    return {"outstanding": outstanding_by_currency(invoices) if due else [], "due_invoices": due}


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
