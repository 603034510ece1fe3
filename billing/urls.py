"""Staff URLs, mounted under /app/ next to the other apps' (paths here never clash with theirs)."""

from django.urls import path

from billing import payment_views, views

app_name = "billing"

INV = "invoices/<int:invoice_id>/"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice-list"),
    path("invoices/new", views.invoice_create, name="invoice-create"),
    path("invoices/settings", views.billing_settings_view, name="settings"),
    path(INV, views.invoice_detail, name="invoice-detail"),
    path(INV + "edit", views.invoice_edit, name="invoice-edit"),
    path(INV + "delete", views.invoice_delete, name="invoice-delete"),
    path(INV + "finalise", views.invoice_finalise, name="invoice-finalise"),
    path(INV + "send", views.invoice_send, name="invoice-send"),
    path(INV + "void", views.invoice_void, name="invoice-void"),
    path(INV + "credit-notes", views.invoice_credit, name="invoice-credit"),
    path(INV + "payments", views.invoice_payment, name="invoice-payment"),
    path(
        INV + "mismatches/<int:mismatch_id>/resolve",
        payment_views.mismatch_resolve,
        name="invoice-mismatch-resolve",
    ),
    # The PDF stored at finalise: download, a preview page, and the raw bytes it loads.
    path(INV + "pdf", views.invoice_download, name="invoice-download"),
    path(INV + "preview", views.invoice_preview, name="invoice-preview"),
    path(INV + "raw", views.invoice_raw, name="invoice-raw"),
    path("credit-notes/<int:credit_note_id>/pdf", views.credit_note_download, name="credit-note-download"),
    # Online payment (billing.payment_views): Settings → Payments, Stripe Connect onboarding, payments.
    path("settings/payments", payment_views.payment_settings, name="payments"),
    path("settings/payments/connect", payment_views.stripe_connect, name="stripe-connect"),
    path("settings/payments/check", payment_views.stripe_check, name="stripe-check"),
    path("settings/payments/refresh", payment_views.stripe_refresh, name="stripe-refresh"),
    path("settings/payments/return", payment_views.stripe_return, name="stripe-return"),
]
