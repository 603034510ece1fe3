"""`{% pay_panel invoice %}`: the portal invoice page's payment panel (Pay, processing, paid, receipts)."""

from __future__ import annotations

from django import template

from billing.checkout import PayKind, pay_state

register = template.Library()


@register.inclusion_tag("portal/billing/_pay_panel.html", takes_context=True)
def pay_panel(context, invoice) -> dict:
    request = context["request"]
    outcome = request.GET.get("payment", "")
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "invoice": invoice,
        "state": pay_state(invoice, returned=outcome == "returned"),
        "kinds": PayKind,
        "cancelled": outcome == "cancelled",
        "preview": getattr(request, "portal_preview", False),
    }


@register.inclusion_tag("billing/_invoice_payments.html", takes_context=True)
def invoice_payments(context, invoice) -> dict:
    """The staff invoice page's card payments (with their refunds) and the mismatches needing review."""
    from billing.payment_models import Payment, PaymentMismatch

    return {
        "csrf_token": context.get("csrf_token"),
        "invoice": invoice,
        "payments": list(
            Payment.objects.filter(invoice=invoice).select_related("contact").order_by("paid_at")
        ),
        "mismatches": list(PaymentMismatch.objects.filter(invoice=invoice).select_related("resolved_by")),
    }
