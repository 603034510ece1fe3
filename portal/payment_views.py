"""Client-side online payment: Pay (a Stripe Checkout Session on the firm's connected account) and the
receipt of a payment. Loaded through `for_contact(contact)` scopes; anything else is a 404.

Pay is a POST (CSRF, refused in preview by the middleware and by the service); the amount is the invoice's
amount due as stored, never anything the browser sends. Coming back from Checkout lands on the invoice
page with `?payment=returned`, which only shows "Payment processing": Stripe's webhook marks it paid.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from billing.checkout import start_checkout
from billing.payment_models import Payment
from core.errors import ServiceError
from core.types import PortalRequest
from portal.billing_views import get_invoice_for_contact
from portal.decorators import contact_required

# Presses of Pay per contact. Each one reads or creates a Checkout Session on Stripe, whose API rate limit
# the platform shares across every firm; and two contacts taking turns would each expire the other's
# session and mint a new one on every press.
PAY_RATE = "10/5m"


def _contact_key(group: str, request: PortalRequest) -> str:
    return f"contact:{request.contact.pk}"


def get_payment_for_contact(request: PortalRequest, payment_id: int) -> Payment:
    return get_object_or_404(
        Payment.objects.for_contact(request.contact)
        .select_related("invoice__workspace", "invoice__client", "contact")
        .prefetch_related("refunds"),
        pk=payment_id,
    )


@require_POST
@contact_required
@ratelimit(key=_contact_key, rate=PAY_RATE, method="POST", block=True, group="portal-pay")
def invoice_pay(request: PortalRequest, slug: str, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_contact(request, invoice_id)
    try:
        url = start_checkout(invoice=invoice, contact=request.contact)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("portal:invoice-detail", slug=slug, invoice_id=invoice.pk)
    return redirect(url)  # Stripe Checkout (the page's CSP form-action allows it)


@require_GET
@contact_required
def invoice_receipt(request: PortalRequest, slug: str, payment_id: int) -> HttpResponse:
    payment = get_payment_for_contact(request, payment_id)
    return render(request, "portal/billing/receipt.html", {"payment": payment, "invoice": payment.invoice})
