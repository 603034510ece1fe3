"""Refunds made in the firm's Stripe dashboard reach the invoice through `charge.refunded` (partial or
full, once each), and `reconcile_payments` applies whatever the webhooks missed, idempotently."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.models import InvoiceStatus
from billing.payment_models import AttemptStatus, Payment, Refund, StripeEvent
from billing.payment_tasks import reconcile_payments as reconcile_task
from tests.billing.payments.conftest import deliver, detail_url, press_pay

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def paid(world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks) -> Payment:
    attempt = press_pay(contact_http, world, invoice)
    stripe_api.pay_session(attempt.session_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(stripe_api.session_event("checkout.session.completed", attempt.session_id))
    return Payment.objects.get()


def refunded_event(stripe_api, payment):
    charge = stripe_api.get(payment.stripe_account, payment.charge_id)
    return stripe_api.event("charge.refunded", dict(charge), account=payment.stripe_account)


def test_partial_then_full_refund(world, invoice, paid, stripe_api, contact_http):
    stripe_api.refund(paid.stripe_account, paid.charge_id, 65999)
    event = refunded_event(stripe_api, paid)
    assert deliver(event).status_code == 200
    assert deliver(event).status_code == 200  # replayed: once
    invoice.refresh_from_db()
    paid.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.amount_refunded == D("659.99")
    assert paid.amount_refunded_minor == 65999 and Refund.objects.count() == 1
    page = contact_http.get(detail_url(world, invoice))
    assert b"659.99" in page.content and b"refunded" in page.content
    stripe_api.refund(paid.stripe_account, paid.charge_id)  # the rest
    deliver(refunded_event(stripe_api, paid))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REFUNDED and invoice.amount_refunded == D("3659.99")
    assert list(Refund.objects.order_by("refunded_at", "id").values_list("amount_minor", flat=True)) == [
        65999,
        300000,
    ]
    receipt = contact_http.get(f"/p/alpha/payments/{paid.pk}/receipt")
    assert receipt.context["payment"].refunded_fully and b"Refunded" in receipt.content


def test_refund_event_from_another_account_is_rejected(world, paid, stripe_api):
    stripe_api.refund(paid.stripe_account, paid.charge_id, 100)
    event = refunded_event(stripe_api, paid)
    event["account"] = "acct_someone_else"
    deliver(event)
    assert not Refund.objects.exists() and StripeEvent.objects.get(event_id=event["id"]).outcome == "rejected"


def test_a_refund_of_an_unknown_charge_is_ignored(stripe_api, connected):
    event = stripe_api.event(
        "charge.refunded", {"id": "ch_unknown", "object": "charge"}, account=connected.account_id
    )
    assert deliver(event).status_code == 200 and StripeEvent.objects.get().outcome == "ignored"


def test_reconcile_applies_a_missed_payment_once(
    world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks
):
    attempt = press_pay(contact_http, world, invoice)
    stripe_api.pay_session(attempt.session_id)  # paid on Stripe; the webhook never came
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reconcile_payments", stdout=out)
    assert "applied: 1" in out.getvalue()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and Payment.objects.count() == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PAID
    assert len([m for m in mail.outbox if m.to == [world.contact.email]]) == 1
    # Again, and then the late webhook: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reconcile_payments", stdout=StringIO())
        deliver(stripe_api.session_event("checkout.session.completed", attempt.session_id))
    assert (
        Payment.objects.count() == 1 and len([m for m in mail.outbox if m.to == [world.contact.email]]) == 1
    )
    invoice.refresh_from_db()
    assert invoice.amount_paid == D("3659.99")


def test_reconcile_leaves_open_sessions_and_closes_expired_ones(world, invoice, contact_http, stripe_api):
    attempt = press_pay(contact_http, world, invoice)
    assert reconcile_task() == {"no_change": 1}
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.OPEN
    stripe_api.expire_session(attempt.session_id)
    reconcile_task()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED
    # Settled attempts are not read again.
    before = len(stripe_api.calls("GET"))
    reconcile_task()
    assert len(stripe_api.calls("GET")) == before


def test_reconcile_applies_a_missed_refund(world, invoice, paid, stripe_api):
    stripe_api.refund(paid.stripe_account, paid.charge_id, 1000)
    counts = reconcile_task()
    assert counts.get("refunds applied") == 1
    invoice.refresh_from_db()
    assert invoice.amount_refunded == D("10.00") and Refund.objects.count() == 1
    reconcile_task()
    assert Refund.objects.count() == 1


def test_reconcile_reports_stripe_outages(world, invoice, contact_http, stripe_api):
    press_pay(contact_http, world, invoice)
    stripe_api.fail_next("/v1/checkout/sessions/", status=500)
    with pytest.raises(CommandError, match="could not be read"):
        call_command("reconcile_payments", stdout=StringIO())


def test_reconcile_without_stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(CommandError, match="not set up"):
        call_command("reconcile_payments")
    assert reconcile_task() == {}


def test_reconcile_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["payments-reconcile"]
    assert entry["task"] == "billing.payment_tasks.reconcile_payments"
    assert reconcile_task.name == entry["task"]


def test_a_refund_staff_already_recorded_by_hand_is_kept_without_a_500(world, invoice, paid, stripe_api):
    from billing import services

    services.apply_refund(invoice=invoice, amount=D("3659.99"), currency="EUR", reference="by hand")
    stripe_api.refund(paid.stripe_account, paid.charge_id)
    event = refunded_event(stripe_api, paid)
    assert deliver(event).status_code == 200
    assert StripeEvent.objects.get(event_id=event["id"]).outcome == "mismatch"
    assert Refund.objects.get().amount_minor == 365999  # Stripe's fact stays on record
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REFUNDED and invoice.amount_refunded == D("3659.99")  # not twice
