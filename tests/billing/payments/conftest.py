"""Online payment fixtures: workspace A's Stripe account connected on the stand-in with charges enabled,
a sent invoice of Secretco, and helpers to press Pay and to deliver signed webhooks."""

from __future__ import annotations

import json

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from billing import connect
from billing.payment_models import CheckoutAttempt, StripeAccount
from tests.conftest import STRIPE_WEBHOOK_SECRET_CONNECT, STRIPE_WEBHOOK_SECRET_PLATFORM

WEBHOOK = "/stripe/webhook/"


def connect_workspace(world_ws, owner, stripe_api, *, enable: bool = True) -> StripeAccount:
    """The real Connect service against the stand-in; then Stripe finishes onboarding (or not)."""
    record = connect.connect(workspace=world_ws, user=owner)
    if enable:
        stripe_api.enable_charges(record.account_id)
    return connect.sync(record)


@pytest.fixture
def connected(world, stripe_api) -> StripeAccount:
    return connect_workspace(world.ws, world.owner, stripe_api)


@pytest.fixture
def invoice(world, connected, sent):
    """Secretco's sent invoice (3,659.99 EUR) in a workspace whose clients can pay by card."""
    return sent


def pay_url(world, invoice) -> str:
    return reverse("portal:invoice-pay", kwargs={"slug": world.ws.slug, "invoice_id": invoice.pk})


def detail_url(world, invoice) -> str:
    return reverse("portal:invoice-detail", kwargs={"slug": world.ws.slug, "invoice_id": invoice.pk})


def press_pay(http: HttpClient, world, invoice, **data) -> CheckoutAttempt:
    response = http.post(pay_url(world, invoice), data)
    assert response.status_code == 302, response.content[:300]
    attempt = CheckoutAttempt.objects.filter(invoice=invoice).order_by("-created_at").first()
    assert attempt is not None and response["Location"] == attempt.session_url
    return attempt


def signed(event: dict, secret: str = STRIPE_WEBHOOK_SECRET_CONNECT, *, timestamp: int | None = None):
    from tests.stripe_standin import StripeStandIn

    payload = json.dumps(event)
    return payload, StripeStandIn.sign(payload, secret, timestamp=timestamp)


def deliver(
    event: dict, secret: str = STRIPE_WEBHOOK_SECRET_CONNECT, *, timestamp: int | None = None, http=None
):
    """POST a signed event to the webhook as Stripe does (raw JSON body, Stripe-Signature header)."""
    payload, signature = signed(event, secret, timestamp=timestamp)
    return (http or HttpClient()).post(
        WEBHOOK, data=payload, content_type="application/json", headers={"Stripe-Signature": signature}
    )


__all__ = ["STRIPE_WEBHOOK_SECRET_CONNECT", "STRIPE_WEBHOOK_SECRET_PLATFORM", "deliver", "signed"]
