"""Online payment in the Django admin: read-only. Payments, refunds and events are Stripe's record of
money; they change only through billing.payments and billing.webhooks (imported by BillingConfig.ready,
so it does not collide with the invoices' admin module)."""

from __future__ import annotations

from django.contrib import admin

from billing.payment_models import (
    CheckoutAttempt,
    Payment,
    PaymentMismatch,
    Refund,
    StripeAccount,
    StripeEvent,
)
from core.admin import ReadOnlyAdmin


@admin.register(StripeAccount)
class StripeAccountAdmin(ReadOnlyAdmin):
    list_display = (
        "account_id",
        "workspace",
        "charges_enabled",
        "payouts_enabled",
        "connected_at",
        "disconnected_at",
    )
    list_filter = ("charges_enabled", "livemode")
    search_fields = ("account_id", "workspace__slug")


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "account", "outcome", "workspace", "created", "received_at")
    list_filter = ("outcome", "type", "livemode")
    search_fields = ("event_id", "account")


@admin.register(CheckoutAttempt)
class CheckoutAttemptAdmin(ReadOnlyAdmin):
    list_display = ("pk", "invoice", "status", "amount_minor", "currency", "session_id", "created_at")
    list_filter = ("status",)
    search_fields = ("session_id", "idempotency_key")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("pk", "invoice", "amount_minor", "amount_refunded_minor", "currency", "paid_at")
    search_fields = ("checkout_session_id", "payment_intent_id", "charge_id")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("stripe_refund_id", "payment", "amount_minor", "currency", "refunded_at")
    search_fields = ("stripe_refund_id",)


@admin.register(PaymentMismatch)
class PaymentMismatchAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "kind",
        "invoice",
        "reason",
        "expected_minor",
        "paid_minor",
        "created_at",
        "resolved_at",
    )
    list_filter = ("kind", "reason")
