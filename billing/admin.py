"""Invoices in the Django admin: read-only. Every change to an invoice goes through billing.services, which
numbers, freezes and audits it; an edit here would skip all three (and Invoice.save refuses most of them)."""

from django.contrib import admin

from billing.models import (
    BillingSettings,
    CreditNote,
    CreditNoteLine,
    CreditNotePdf,
    Invoice,
    InvoiceLine,
    InvoicePdf,
)
from core.admin import ReadOnlyAdmin


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ["position", "description", "quantity", "unit_price", "tax_rate", "amount"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "client", "workspace", "status", "currency", "total", "due_date"]
    list_filter = ["status", "currency"]
    search_fields = ["number", "client__name"]
    inlines = [InvoiceLineInline]


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "invoice", "workspace", "currency", "total", "issue_date"]
    search_fields = ["number", "invoice__number"]


@admin.register(InvoiceLine, CreditNoteLine)
class BillingLineAdmin(ReadOnlyAdmin):
    list_display = ["description", "quantity", "unit_price", "tax_rate", "amount"]
    search_fields = ["description"]


@admin.register(InvoicePdf, CreditNotePdf)
class BillingPdfAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "content_type", "size", "sha256", "uploaded_at"]
    search_fields = ["original_name", "sha256"]


@admin.register(BillingSettings)
class BillingSettingsAdmin(admin.ModelAdmin):
    list_display = ["workspace", "invoice_prefix", "default_currency", "payment_terms_days"]
    raw_id_fields = ["workspace"]
