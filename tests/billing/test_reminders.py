"""Overdue reminders: the day after the due date, then every `reminder_interval_days`; one per invoice per
day however often the job runs; never for a paid invoice or a client that cannot receive it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from activity.models import Event, OutboxMessage
from billing import services
from billing.models import Invoice
from billing.reminders import queue_overdue_reminders
from billing.selectors import billing_settings
from billing.tasks import send_overdue_reminders

pytestmark = pytest.mark.django_db


def _due(invoice, days_ago: int):
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=days_ago))
    invoice.refresh_from_db()


def test_one_reminder_per_invoice_per_day(world, sent, django_capture_on_commit_callbacks):
    _due(sent, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_overdue_reminders() == 1
        assert queue_overdue_reminders() == 0  # the same day again: nothing
    (message,) = mail.outbox
    assert message.subject == f"Overdue: invoice {sent.number} from {world.ws.name}"
    assert message.to == [world.contact.email] and message.attachments[0][0] == f"{sent.number}.pdf"
    assert "€3,659.99 is still outstanding" in message.body
    assert Event.objects.filter(verb="invoice.reminder_sent", target_id=str(sent.pk)).count() == 1


def test_schedule_follows_the_interval(world, sent):
    today = timezone.localdate()
    _due(sent, 0)
    assert queue_overdue_reminders(today) == 0  # due today: not overdue yet
    sent_on = [offset for offset in range(1, 20) if queue_overdue_reminders(today + timedelta(days=offset))]
    assert sent_on == [1, 8, 15]  # the day after, then every 7 days (the default)
    conf = billing_settings(world.ws)
    conf.reminder_interval_days = 0
    conf.save()
    assert queue_overdue_reminders(today + timedelta(days=22)) == 0


def test_no_reminder_once_paid_or_when_nobody_can_receive_it(world, sent, django_capture_on_commit_callbacks):
    _due(sent, 1)
    with django_capture_on_commit_callbacks(execute=False):
        assert queue_overdue_reminders() == 1
    # Paid between queueing and sending: the handler sends nothing.
    services.apply_payment(invoice=sent, amount=sent.total, currency="EUR")
    from activity import outbox

    outbox.run(OutboxMessage.objects.get(handler="billing.overdue_reminder"))
    assert mail.outbox == []
    other = services.finalise_invoice(invoice=_fresh(world), actor=world.owner)
    _due(other, 1)
    world.client.portal_enabled = False
    world.client.save()
    assert queue_overdue_reminders() == 0


def _fresh(world):
    from tests.billing.conftest import make_draft

    return make_draft(world)
