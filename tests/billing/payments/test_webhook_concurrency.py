"""The same event delivered several times at once (Stripe's retry racing a slow first delivery): the
unique event id and the locked attempt make it one payment, one receipt."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from activity.models import OutboxMessage
from billing.models import InvoiceStatus
from billing.payment_models import Payment, StripeEvent
from tests.billing.payments.conftest import deliver, press_pay

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_deliveries_pay_once(world, invoice, contact_http, stripe_api):
    attempt = press_pay(contact_http, world, invoice)
    stripe_api.pay_session(attempt.session_id)
    completed = stripe_api.session_event("checkout.session.completed", attempt.session_id)
    succeeded = stripe_api.session_event("checkout.session.async_payment_succeeded", attempt.session_id)
    events = [completed] * 4 + [succeeded] * 2
    start = threading.Barrier(len(events))
    statuses: list[int] = []

    def send(event):
        try:
            start.wait(timeout=30)
            statuses.append(deliver(event).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [200] * len(events)
    assert Payment.objects.count() == 1
    assert StripeEvent.objects.count() == 2  # each event id once
    assert OutboxMessage.objects.filter(handler="billing.payment_receipt_email").count() == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.amount_paid == invoice.total
