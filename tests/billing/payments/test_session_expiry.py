"""An invoice that stops owing (void, credited in full, paid another way) has its open Checkout Sessions
expired on Stripe, on the connected account, by a task queued after commit: idempotent, and calm about
sessions Stripe says are no longer open."""

from __future__ import annotations

from decimal import Decimal

import pytest
import stripe
from django.db import transaction

from billing import services
from billing.checkout import expire_sessions_nobody_should_pay
from billing.models import InvoiceStatus
from billing.payment_models import AttemptStatus, MismatchReason, Payment, PaymentMismatch
from billing.payment_tasks import expire_checkout_sessions
from tests.billing.payments.conftest import deliver, press_pay
from tests.conftest import portal_client
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

D = Decimal


def expire_calls(stripe_api) -> list:
    return [c for c in stripe_api.calls("POST", "/v1/checkout/sessions/") if c.path.endswith("/expire")]


def session_status(stripe_api, attempt) -> str:
    return stripe_api.find_session(attempt.session_id)[1]["status"]


def test_voiding_expires_the_open_session_on_the_connected_account(
    world, invoice, connected, contact_http, stripe_api, django_capture_on_commit_callbacks
):
    attempt = press_pay(contact_http, world, invoice)
    with django_capture_on_commit_callbacks(execute=True):
        services.void_invoice(invoice=invoice, actor=world.owner, reason="Issued twice")
    [call] = expire_calls(stripe_api)
    assert call.path == f"/v1/checkout/sessions/{attempt.session_id}/expire"
    assert call.stripe_account == connected.account_id
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED and session_status(stripe_api, attempt) == "expired"


def test_nothing_is_expired_when_the_void_rolls_back(
    world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks
):
    attempt = press_pay(contact_http, world, invoice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.void_invoice(invoice=invoice, actor=world.owner, reason="Issued twice")
            raise RuntimeError("the caller's transaction fails")
    assert callbacks == [] and expire_calls(stripe_api) == []
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.OPEN and session_status(stripe_api, attempt) == "open"


def test_crediting_in_full_expires_the_session(
    world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks
):
    attempt = press_pay(contact_http, world, invoice)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_credit_note(
            invoice=invoice, actor=world.owner, amount=invoice.total, reason="Cancelled"
        )
    invoice.refresh_from_db()
    attempt.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED
    assert attempt.status == AttemptStatus.EXPIRED and session_status(stripe_api, attempt) == "expired"


def test_a_partial_credit_expires_the_session_for_the_old_amount(
    world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks
):
    attempt = press_pay(contact_http, world, invoice)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_credit_note(invoice=invoice, actor=world.owner, amount=D("100"), reason="Goodwill")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED  # it asked 3,659.99; 3,559.99 is owed now
    fresh = press_pay(contact_http, world, invoice)
    assert fresh.pk != attempt.pk and fresh.amount_minor == 355999


def test_paid_by_another_attempt_expires_the_one_still_open(
    world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks
):
    first = press_pay(contact_http, world, invoice)
    # A second contact presses Pay; closing the first session fails that time (it stays open).
    stripe_api.fail_next(f"/v1/checkout/sessions/{first.session_id}/expire", status=500)
    colleague = ContactFactory(client=world.client, email="kim@secretco.example", name="Kim Secret")
    second = press_pay(portal_client(colleague), world, invoice)
    first.refresh_from_db()
    assert first.status == AttemptStatus.OPEN
    stripe_api.pay_session(second.session_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(stripe_api.session_event("checkout.session.completed", second.session_id))
    invoice.refresh_from_db()
    first.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert first.status == AttemptStatus.EXPIRED and session_status(stripe_api, first) == "expired"


def test_a_manual_payment_in_full_expires_the_session(
    world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks
):
    attempt = press_pay(contact_http, world, invoice)
    with django_capture_on_commit_callbacks(execute=True):
        services.apply_payment(
            invoice=invoice, amount=invoice.total, currency="EUR", reference="bank transfer"
        )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED and session_status(stripe_api, attempt) == "expired"


def test_running_twice_and_already_expired_sessions_are_fine(world, invoice, contact_http, stripe_api):
    attempt = press_pay(contact_http, world, invoice)
    services.void_invoice(invoice=invoice, actor=world.owner, reason="Issued twice")  # task not run yet
    stripe_api.expire_session(attempt.session_id)  # Stripe expired it meanwhile
    assert expire_checkout_sessions(invoice.pk) == {"already expired": 1}
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED
    calls = len(stripe_api.requests)
    assert expire_checkout_sessions(invoice.pk) == {}  # nothing left open: Stripe is not asked again
    assert len(stripe_api.requests) == calls


def test_a_session_paid_meanwhile_is_left_to_the_webhook(
    world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks
):
    attempt = press_pay(contact_http, world, invoice)
    services.void_invoice(invoice=invoice, actor=world.owner, reason="Issued twice")
    stripe_api.pay_session(attempt.session_id)  # paid on Stripe a moment before the void
    assert expire_checkout_sessions(invoice.pk) == {"already complete": 1}
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.OPEN  # not marked expired: it was paid
    with django_capture_on_commit_callbacks(execute=True):
        deliver(stripe_api.session_event("checkout.session.completed", attempt.session_id))
    assert not Payment.objects.exists()
    assert PaymentMismatch.objects.get().reason == MismatchReason.NOT_OWED


def test_a_stripe_outage_is_retried(
    world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks
):
    attempt = press_pay(contact_http, world, invoice)
    stripe_api.fail_next(f"/v1/checkout/sessions/{attempt.session_id}/expire", status=500)
    with pytest.raises(stripe.APIError):  # the task retries it (autoretry_for)
        expire_sessions_nobody_should_pay_after_void(world, invoice)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.OPEN
    assert expire_checkout_sessions(invoice.pk) == {"expired": 1}
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED and len(expire_calls(stripe_api)) == 2


def expire_sessions_nobody_should_pay_after_void(world, invoice):
    services.void_invoice(invoice=invoice, actor=world.owner, reason="Issued twice")
    return expire_sessions_nobody_should_pay(invoice.pk)


def test_a_session_for_what_is_still_owed_stays_open(world, invoice, contact_http, stripe_api):
    attempt = press_pay(contact_http, world, invoice)
    assert expire_checkout_sessions(invoice.pk) == {}
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.OPEN and expire_calls(stripe_api) == []


def test_a_call_on_a_connected_account_never_falls_back_to_the_platform(
    world, invoice, connected, contact_http, stripe_api
):
    """Without its Stripe-Account header a call would act on the platform's own account: an attempt with no
    account id is refused before any request is made."""
    from billing.stripe_client import on_account

    for bad in ("", None, "acct_", "cus_123", " acct_1"):
        with pytest.raises(ValueError, match="not a connected account id"):
            on_account(bad)
    assert on_account("acct_1ABC") == {"stripe_account": "acct_1ABC"}
    attempt = press_pay(contact_http, world, invoice)
    type(attempt).objects.filter(pk=attempt.pk).update(stripe_account="")
    services.void_invoice(invoice=invoice, actor=world.owner, reason="Issued twice")
    before = len(stripe_api.calls("POST", "/v1/checkout/sessions/"))
    with pytest.raises(ValueError):
        expire_sessions_nobody_should_pay(invoice.pk)
    assert len(stripe_api.calls("POST", "/v1/checkout/sessions/")) == before
    assert session_status(stripe_api, attempt) == "open"
