"""Staff URLs, mounted under /app/ next to the other apps' (paths here never clash with theirs)."""

from django.urls import path

from billing import payment_views, views

app_name = "billing"

INV = "invoices/<int:invoice_id>/"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice-list"),
    # Online payment (billing.payment_views): Settings → Payments, Stripe Connect onboarding, payments.
    path("settings/payments", payment_views.payment_settings, name="payments"),
    path("settings/payments/connect", payment_views.stripe_connect, name="stripe-connect"),
    path("settings/payments/check", payment_views.stripe_check, name="stripe-check"),
    path("settings/payments/refresh", payment_views.stripe_refresh, name="stripe-refresh"),
    path("settings/payments/return", payment_views.stripe_return, name="stripe-return"),
]
