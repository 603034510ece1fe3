"""An attempt "processing" for more than 14 days (a bank debit that never cleared) is read once more by
`reconcile_payments`: paid after all is a payment like any other; otherwise it is retired (failed, logged)
so the invoice offers Pay again. Stripe unreachable: nothing is retired."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from billing.checkout import PayKind, pay_state
from billing.models import InvoiceStatus
from billing.payment_models import AttemptStatus, CheckoutAttempt, Payment
from billing.payment_tasks import reconcile_payments as reconcile_task
from tests.billing.payments.conftest import press_pay

pytestmark = pytest.mark.django_db


def processing_since(attempt, days: int) -> CheckoutAttempt:
    CheckoutAttempt.objects.filter(pk=attempt.pk).update(
        status=AttemptStatus.PROCESSING, created_at=timezone.now() - timedelta(days=days)
    )
    attempt.refresh_from_db()
    return attempt


def test_a_debit_stuck_for_weeks_is_retired_and_pay_comes_back(
    world, invoice, contact_http, stripe_api, caplog
):
    attempt = press_pay(contact_http, world, invoice)
    stripe_api.pay_session(attempt.session_id, payment_status="unpaid")  # a bank debit under way
    processing_since(attempt, 15)
    assert pay_state(invoice).kind == PayKind.PROCESSING
    with caplog.at_level(logging.WARNING, logger="billing.reconcile"):
        counts = reconcile_task()
    assert counts.get("retired") == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FAILED
    assert any(
        f"attempt {attempt.pk} of invoice {invoice.pk} retired" in r.getMessage() for r in caplog.records
    )
    # Read from Stripe before retiring it.
    assert stripe_api.calls("GET", f"/v1/checkout/sessions/{attempt.session_id}")
    assert pay_state(invoice).kind == PayKind.PAYABLE
    # Retired once: the next run leaves it alone.
    assert "retired" not in reconcile_task()


def test_a_stuck_attempt_stripe_now_says_paid_is_applied_not_retired(
    world, invoice, contact_http, stripe_api
):
    attempt = press_pay(contact_http, world, invoice)
    stripe_api.pay_session(attempt.session_id)  # paid; every webhook was lost
    processing_since(attempt, 20)
    counts = reconcile_task()
    assert counts.get("applied") == 1 and "retired" not in counts
    attempt.refresh_from_db()
    invoice.refresh_from_db()
    assert attempt.status == AttemptStatus.PAID and invoice.status == InvoiceStatus.PAID
    assert Payment.objects.get().attempt == attempt


def test_nothing_is_retired_while_stripe_cannot_be_asked(world, invoice, contact_http, stripe_api):
    attempt = press_pay(contact_http, world, invoice)
    stripe_api.pay_session(attempt.session_id, payment_status="unpaid")
    processing_since(attempt, 15)
    stripe_api.fail_next(f"/v1/checkout/sessions/{attempt.session_id}", status=500)
    counts = reconcile_task()
    assert counts.get("errors") == 1 and "retired" not in counts
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PROCESSING


def test_a_debit_processing_for_less_than_two_weeks_is_left_to_clear(
    world, invoice, contact_http, stripe_api
):
    attempt = press_pay(contact_http, world, invoice)
    stripe_api.pay_session(attempt.session_id, payment_status="unpaid")
    processing_since(attempt, 13)
    counts = reconcile_task()
    assert "retired" not in counts
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PROCESSING


def test_a_stuck_attempt_whose_intent_succeeded_is_never_retired(world, invoice, contact_http, stripe_api):
    """The session still says unpaid but its payment intent has succeeded (an async debit settling):
    Stripe has the money, so the attempt is not retired and the invoice does not offer Pay again."""
    attempt = press_pay(contact_http, world, invoice)
    session = stripe_api.pay_session(attempt.session_id, payment_status="unpaid")
    account, _ = stripe_api.find_session(attempt.session_id)
    stripe_api.objects[(account, session["payment_intent"])]["status"] = "succeeded"
    processing_since(attempt, 20)
    counts = reconcile_task()
    assert "retired" not in counts
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PROCESSING
    assert pay_state(invoice).kind == PayKind.PROCESSING
