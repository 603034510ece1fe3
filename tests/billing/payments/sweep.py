"""Online payment's part of the outsider sweep (tests/test_outsider_sweep.py), kept apart from the
invoices' registrations (tests/billing/sweep.py): workspace A's connected Stripe account (on the test
session's stand-in) and a paid Secretco invoice whose payment has a receipt. Pay takes the invoices'
`invoice_id` source (their sent Secretco invoice, which still owes money)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from billing import checkout, connect, payments, services
from billing.payment_models import (
    CheckoutAttempt,
    MismatchKind,
    MismatchReason,
    Payment,
    PaymentMismatch,
    StripeAccount,
)
from tests.billing.conftest import make_draft
from tests.stripe_standin import running
from tests.sweep_registry import get_request, kwarg_source, post_data, sweep_fixture


@sweep_fixture
def payment_objects(world) -> None:
    """Built with the real services against the stand-in: connect, finalise, pay, webhook-equivalent sync."""
    o = world.objs
    record = connect.connect(workspace=world.ws, user=world.owner)
    running().enable_charges(record.account_id)  # Stripe finished onboarding
    o.stripe_account = connect.sync(record)
    o.paid_invoice = services.finalise_invoice(invoice=make_draft(world), actor=world.owner)
    checkout.start_checkout(invoice=o.paid_invoice, contact=world.contact)
    attempt = CheckoutAttempt.objects.get(invoice=o.paid_invoice)
    running().pay_session(attempt.session_id)  # the contact paid on Checkout
    facts = payments.fetch_session(attempt)
    with transaction.atomic():
        payments.sync_session(attempt=attempt, facts=facts)
    o.payment = Payment.objects.get(invoice=o.paid_invoice)
    # A refund Stripe reported that did not add up: staff mark it reviewed from the invoice page.
    o.mismatch = PaymentMismatch.objects.create(
        workspace=world.ws,
        invoice=o.paid_invoice,
        kind=MismatchKind.REFUND,
        payment=o.payment,
        stripe_refund_id="re_sweep_secretco",
        stripe_account=o.payment.stripe_account,
        reason=MismatchReason.REFUND_AMOUNT,
        expected_minor=o.payment.amount_minor,
        expected_currency=o.payment.currency,
        paid_minor=o.payment.amount_minor + 100,
        paid_currency=o.payment.currency,
        detail="Secretco refund larger than the payment",
    )


kwarg_source("payment_id", lambda w: w.objs.payment, url="portal:invoice-receipt")
kwarg_source("mismatch_id", lambda w: w.objs.mismatch, url="billing:invoice-mismatch-resolve")


def _disconnect_a(world, http) -> None:
    """So that the insider's Connect creates an account (a connected workspace's Connect only mints a link)."""
    StripeAccount.objects.filter(workspace=world.ws).update(disconnected_at=timezone.now())


post_data("billing:stripe-connect", lambda w: {}, setup=_disconnect_a)
post_data("billing:stripe-check", lambda w: {})
post_data("portal:invoice-pay", lambda w: {})
post_data("billing:invoice-mismatch-resolve", lambda w: {"note": "Refunded the difference in Stripe"})
get_request("billing:stripe-return")
