"""The Invoices section of the portal, registered in BillingConfig.ready: nav entry, dashboard widget
(what is outstanding, what is due next) and the URLs it owns (hidden section → 404)."""

from __future__ import annotations

from django.db.models import DecimalField, F, Sum, Value
from django.db.models.functions import Greatest

from billing.models import INVOICES_SECTION, MONEY, Invoice
from core import money
from core.sections import Section, register_section

WIDGET_LENGTH = 3


def invoices_widget(contact) -> dict:
    """Two queries whatever the number of invoices: what is owed per currency, summed by the database
    (each invoice's `amount_due`: never below zero), and the first few to pay, soonest due first."""
    outstanding = Invoice.objects.for_contact(contact).outstanding()
    money_field = DecimalField(max_digits=MONEY["max_digits"] + 6, decimal_places=MONEY["decimal_places"])
    due = Greatest(
        F("total") - F("amount_credited") - F("amount_paid") + F("amount_refunded"),
        Value(0, output_field=money_field),
        output_field=money_field,
    )
    # Stored amounts are already in each currency's minor unit, so rounding the sum equals summing the
    # rounded amounts.
    totals = outstanding.order_by().values_list("currency").annotate(due=Sum(due)).order_by("currency")
    due_invoices = list(outstanding.order_by("due_date", "id")[:WIDGET_LENGTH])
    return {
        "outstanding": [(currency, money.quantize(amount, currency)) for currency, amount in totals],
        "due_invoices": due_invoices,
    }


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
