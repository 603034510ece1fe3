"""Daily overdue reminders: a sent invoice past its due date with money owed is emailed to the client's
contacts the day after it falls due, then every `BillingSettings.reminder_interval_days` days (0: never).
At most one reminder per invoice per day, however often the job runs (a DigestLog key claims the day, as
the evidence digests do)."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from activity import outbox
from activity.models import DigestLog
from activity.services import record_event
from billing.handlers import contact_recipients
from billing.models import Invoice
from billing.selectors import billing_settings


def _claim(key: str) -> bool:
    """True the first time a key is claimed, False ever after (the unique index decides)."""
    try:
        with transaction.atomic():
            DigestLog.objects.create(key=key)
    except IntegrityError:
        return False
    return True


def reminder_due(invoice: Invoice, today: date, interval: int) -> bool:
    """Day 1 overdue, then day 1 + k x interval."""
    if not interval or not invoice.is_overdue_on(today):
        return False
    days = (today - invoice.due_date).days
    return days >= 1 and (days - 1) % interval == 0


def queue_overdue_reminders(today: date | None = None) -> int:
    """Decide which overdue invoices get a reminder today and queue one mail each. Safe to rerun."""
    today = today or timezone.localdate()
    queued = 0
    overdue = (
        Invoice.objects.overdue(today).select_related("workspace", "client").order_by("workspace_id", "id")
    )
    with transaction.atomic():
        for invoice in overdue.iterator():
            conf = billing_settings(invoice.workspace)
            if not reminder_due(invoice, today, conf.reminder_interval_days):
                continue
            if not contact_recipients(invoice):
                continue
            if _claim(f"invoice-reminder:{invoice.pk}:{today.isoformat()}"):
                outbox.enqueue("billing.overdue_reminder", invoice_id=invoice.pk, day=today.isoformat())
                record_event(
                    workspace=invoice.workspace,
                    client=invoice.client,
                    verb="invoice.reminder_sent",
                    target=invoice,
                    data={
                        "invoice_id": invoice.pk,
                        "number": invoice.number,
                        "day": today.isoformat(),
                        "days_overdue": (today - invoice.due_date).days,
                    },
                )
                queued += 1
    return queued
