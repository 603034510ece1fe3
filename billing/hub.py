"""The client hub's Invoices tab (core/hub.py): a link to the staff invoice list filtered to the client."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from billing.models import Invoice
from core.hub import HubTab, register_hub_tab


def register() -> None:
    register_hub_tab(
        HubTab(
            key="invoices",
            label="Invoices",
            url=lambda c: reverse("billing:invoice-list") + "?" + urlencode({"client": c.pk}),
            count=lambda c: Invoice.objects.filter(client=c).count(),
            order=60,
        )
    )
