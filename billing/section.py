"""The Invoices section of the portal, registered in BillingConfig.ready: an empty state until the
billing issue fills it."""

from __future__ import annotations

from core.sections import Section, register_section

INVOICES_SECTION = "invoices"


def invoices_widget(contact) -> dict:
    return {"invoices": []}


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
