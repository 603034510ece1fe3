"""Signed Checkout events, delivered as Stripe delivers them (retries, replays, out of order, late): the
invoice is paid once, for exactly what it owes, only when Stripe says the session is paid."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core import mail

from activity.models import Event, OutboxMessage
from billing import services
from billing.models import InvoiceStatus
from billing.payment_models import AttemptStatus, MismatchReason, Payment, PaymentMismatch, StripeEvent
from tests.billing.payments.conftest import (
    STRIPE_WEBHOOK_SECRET_PLATFORM,
    connect_workspace,
    deliver,
    detail_url,
    press_pay,
)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def attempt(world, invoice, contact_http):
    return press_pay(contact_http, world, invoice)


def completed(stripe_api, attempt, **pay):
    stripe_api.pay_session(attempt.session_id, **pay)
    return stripe_api.session_event("checkout.session.completed", attempt.session_id)


def post(event, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(event, **kwargs)
    return response


def test_completed_and_paid_marks_the_invoice_paid(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks, contact_http
):
    event = completed(stripe_api, attempt)
    assert post(event, django_capture_on_commit_callbacks).status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.amount_paid == D("3659.99")
    payment = Payment.objects.get()
    session = stripe_api.find_session(attempt.session_id)[1]
    assert (payment.amount_minor, payment.currency) == (365999, "EUR")
    assert payment.checkout_session_id == attempt.session_id
    assert payment.payment_intent_id == session["payment_intent"]
    assert payment.charge_id.startswith("ch_") and payment.receipt_url
    assert payment.contact == world.contact and payment.event_id == event["id"]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PAID
    record = StripeEvent.objects.get(event_id=event["id"])
    assert (
        record.outcome == "applied"
        and record.workspace == world.ws
        and record.account == attempt.stripe_account
    )
    # The session was read again from Stripe, on the connected account.
    reads = stripe_api.calls("GET", f"/v1/checkout/sessions/{attempt.session_id}")
    assert reads and all(r.stripe_account == attempt.stripe_account for r in reads)
    # A receipt to the contact who paid, a note to staff, and the client-visible activity event.
    receipts = [m for m in mail.outbox if m.to == [world.contact.email]]
    staff = [m for m in mail.outbox if m.to == [world.owner.email]]
    assert len(receipts) == 1 and "Receipt" in receipts[0].subject and invoice.number in receipts[0].subject
    assert f"/p/alpha/payments/{payment.pk}/receipt" in receipts[0].body
    assert len(staff) == 1 and "Payment received" in staff[0].subject
    paid = Event.objects.get(verb="invoice.paid", target_id=str(invoice.pk))
    assert paid.actor_contact == world.contact and paid.data["method"] == "stripe"
    # The portal shows the payment and its receipt.
    response = contact_http.get(detail_url(world, invoice))
    assert response.context["state"].kind == "settled"
    assert response.context["state"].payments == [payment]
    receipt = contact_http.get(f"/p/alpha/payments/{payment.pk}/receipt")
    assert (
        receipt.status_code == 200
        and b"3,659.99" in receipt.content
        and invoice.number.encode() in receipt.content
    )


def test_the_same_event_100_times_is_one_payment_and_one_email(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks
):
    event = completed(stripe_api, attempt)
    for _ in range(100):
        assert post(event, django_capture_on_commit_callbacks).status_code == 200
    assert Payment.objects.count() == 1
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert len([m for m in mail.outbox if m.to == [world.contact.email]]) == 1
    assert OutboxMessage.objects.filter(handler="billing.payment_receipt_email").count() == 1
    invoice.refresh_from_db()
    assert invoice.amount_paid == D("3659.99")
    assert Event.objects.filter(verb="invoice.paid").count() == 1


def test_completed_and_async_succeeded_both_arriving_pay_once(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks
):
    first = completed(stripe_api, attempt)
    second = stripe_api.session_event("checkout.session.async_payment_succeeded", attempt.session_id)
    post(first, django_capture_on_commit_callbacks)
    post(second, django_capture_on_commit_callbacks)
    assert Payment.objects.count() == 1
    assert StripeEvent.objects.get(event_id=second["id"]).outcome == "no_change"
    invoice.refresh_from_db()
    assert invoice.amount_paid == D("3659.99")


def test_completed_unpaid_waits_for_the_async_payment(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks, contact_http
):
    """A bank debit: the session completes unpaid; days later the async payment succeeds."""
    event = completed(stripe_api, attempt, payment_status="unpaid")
    post(event, django_capture_on_commit_callbacks)
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert attempt.status == AttemptStatus.PROCESSING and invoice.status == InvoiceStatus.SENT
    assert not Payment.objects.exists()
    assert contact_http.get(detail_url(world, invoice)).context["state"].kind == "processing"
    stripe_api.pay_session(attempt.session_id)
    later = stripe_api.session_event("checkout.session.async_payment_succeeded", attempt.session_id)
    post(later, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and Payment.objects.count() == 1


def test_out_of_order_async_succeeded_before_completed(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks
):
    """The "succeeded" event overtakes "completed" (which, built when the session was still unpaid,
    says so): the invoice is paid by the first and the stale second changes nothing."""
    stripe_api.pay_session(attempt.session_id, payment_status="unpaid")
    stale_completed = stripe_api.session_event("checkout.session.completed", attempt.session_id)
    stripe_api.pay_session(attempt.session_id)
    succeeded = stripe_api.session_event("checkout.session.async_payment_succeeded", attempt.session_id)
    post(succeeded, django_capture_on_commit_callbacks)
    post(stale_completed, django_capture_on_commit_callbacks)
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert attempt.status == AttemptStatus.PAID and invoice.status == InvoiceStatus.PAID
    assert Payment.objects.count() == 1
    assert StripeEvent.objects.get(event_id=stale_completed["id"]).outcome == "no_change"


def test_the_payload_is_not_trusted_the_session_is_read_again(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks
):
    """An event whose copy of the session says "paid" while Stripe says it is not: nothing is paid."""
    event = stripe_api.session_event("checkout.session.completed", attempt.session_id)
    event["data"]["object"].update(status="complete", payment_status="paid")
    post(event, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT and not Payment.objects.exists()
    assert StripeEvent.objects.get(event_id=event["id"]).outcome == "no_change"


def test_async_payment_failed(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks, contact_http
):
    post(completed(stripe_api, attempt, payment_status="unpaid"), django_capture_on_commit_callbacks)
    stripe_api.fail_session_payment(attempt.session_id)
    post(
        stripe_api.session_event("checkout.session.async_payment_failed", attempt.session_id),
        django_capture_on_commit_callbacks,
    )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FAILED and not Payment.objects.exists()
    # Forward only: a late "completed" (unpaid) does not take the attempt back to processing.
    post(
        stripe_api.session_event("checkout.session.completed", attempt.session_id),
        django_capture_on_commit_callbacks,
    )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FAILED
    # The client can try again with another method.
    assert contact_http.get(detail_url(world, invoice)).context["state"].kind == "payable"


def test_amount_mismatch_is_recorded_not_applied(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks, owner_http
):
    event = completed(stripe_api, attempt, amount_total=100)
    assert post(event, django_capture_on_commit_callbacks).status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT and invoice.amount_paid == 0
    assert not Payment.objects.exists()
    mismatch = PaymentMismatch.objects.get()
    assert mismatch.reason == MismatchReason.AMOUNT
    assert (mismatch.expected_minor, mismatch.paid_minor) == (365999, 100)
    assert StripeEvent.objects.get(event_id=event["id"]).outcome == "mismatch"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.MISMATCH
    assert Event.objects.filter(verb="payment.mismatch").count() == 1
    assert any("needs review" in m.subject for m in mail.outbox if m.to == [world.owner.email])
    page = owner_http.get("/app/settings/payments")
    assert list(page.context["mismatches"]) == [mismatch] and b"Needs review" in page.content


def test_currency_mismatch_is_recorded_not_applied(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks
):
    post(completed(stripe_api, attempt, currency="usd"), django_capture_on_commit_callbacks)
    assert PaymentMismatch.objects.get().reason == MismatchReason.CURRENCY
    invoice.refresh_from_db()
    assert invoice.amount_paid == 0


def test_paying_twice_is_a_mismatch_not_a_second_payment(
    world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks
):
    """Two tabs, two sessions, both paid: the second finds nothing owed and goes to staff for a refund."""
    first = press_pay(contact_http, world, invoice)
    second_session = stripe_api.create_session(
        scope=first.stripe_account, form=stripe_api.calls("POST", "/v1/checkout/sessions")[0].form
    )
    from billing.payment_models import CheckoutAttempt

    second = CheckoutAttempt.objects.create(
        workspace=world.ws,
        invoice=invoice,
        contact=world.contact,
        stripe_account=first.stripe_account,
        idempotency_key="second-tab",
        amount_minor=first.amount_minor,
        currency="EUR",
        session_id=second_session["id"],
        status=AttemptStatus.OPEN,
    )
    post(completed(stripe_api, first), django_capture_on_commit_callbacks)
    post(completed(stripe_api, second), django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.amount_paid == D("3659.99")
    assert Payment.objects.count() == 1
    assert PaymentMismatch.objects.get().reason == MismatchReason.NOT_OWED


def test_another_workspaces_account_is_rejected(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks
):
    """Workspace B's connected account sends an event naming A's session: not applied."""
    b_account = connect_workspace(world.ws_b, world.outsider_staff, stripe_api)
    stripe_api.pay_session(attempt.session_id)
    event = stripe_api.session_event(
        "checkout.session.completed", attempt.session_id, account=b_account.account_id
    )
    assert post(event, django_capture_on_commit_callbacks).status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT and not Payment.objects.exists()
    assert StripeEvent.objects.get(event_id=event["id"]).outcome == "rejected"
    # Nothing was read from Stripe on B's account about A's session.
    assert not stripe_api.calls("GET", f"/v1/checkout/sessions/{attempt.session_id}")


def test_an_event_on_the_platform_account_is_rejected(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks
):
    stripe_api.pay_session(attempt.session_id)
    event = stripe_api.session_event("checkout.session.completed", attempt.session_id)
    del event["account"]
    post(event, django_capture_on_commit_callbacks, secret=STRIPE_WEBHOOK_SECRET_PLATFORM)
    assert not Payment.objects.exists() and StripeEvent.objects.get().outcome == "rejected"


def test_livemode_mismatch_is_ignored(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks
):
    stripe_api.pay_session(attempt.session_id)
    event = stripe_api.session_event("checkout.session.completed", attempt.session_id, livemode=True)
    assert post(event, django_capture_on_commit_callbacks).status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT and not Payment.objects.exists()
    record = StripeEvent.objects.get(event_id=event["id"])
    assert record.outcome == "ignored" and "livemode" in record.note


def test_a_session_we_did_not_create_is_ignored(stripe_api, django_capture_on_commit_callbacks, connected):
    session = stripe_api.create_session(
        scope=connected.account_id,
        form={"line_items": [{"quantity": "1", "price_data": {"currency": "eur", "unit_amount": "500"}}]},
    )
    stripe_api.pay_session(session["id"])
    event = stripe_api.session_event("checkout.session.completed", session["id"])
    assert post(event, django_capture_on_commit_callbacks).status_code == 200
    assert StripeEvent.objects.get().outcome == "ignored" and not Payment.objects.exists()


def test_a_days_late_event_still_applies_once(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks
):
    """Stripe retries for three days: an event created long ago but signed now is applied."""
    stripe_api.pay_session(attempt.session_id)
    event = stripe_api.session_event(
        "checkout.session.completed", attempt.session_id, created=int(time.time()) - 3 * 24 * 3600
    )
    post(event, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_stripe_unreachable_means_retry_later(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks
):
    event = completed(stripe_api, attempt)
    stripe_api.fail_next("/v1/checkout/sessions/", status=500)
    assert post(event, django_capture_on_commit_callbacks).status_code == 500
    assert not StripeEvent.objects.exists()  # not claimed: Stripe's retry applies it
    assert post(event, django_capture_on_commit_callbacks).status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_a_void_invoice_refuses_the_payment_for_staff_to_review(
    world, invoice, attempt, stripe_api, django_capture_on_commit_callbacks
):
    services.void_invoice(invoice=invoice, actor=world.owner, reason="Wrong client")
    post(completed(stripe_api, attempt), django_capture_on_commit_callbacks)
    assert not Payment.objects.exists()
    assert PaymentMismatch.objects.get().reason == MismatchReason.NOT_OWED
