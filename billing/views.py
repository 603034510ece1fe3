"""Staff back-office views for invoices and credit notes, under /app/invoices/."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from billing.models import Invoice
from billing.selectors import outstanding_by_currency
from core.types import StaffRequest


@require_GET
@staff_required
def invoice_list(request: StaffRequest) -> HttpResponse:
    invoices = Invoice.objects.for_workspace(request.workspace).select_related("client")
    context = {"invoices": invoices, "outstanding": outstanding_by_currency(invoices)}
    return render(request, "billing/invoice_list.html", context)
