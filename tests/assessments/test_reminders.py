from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from activity.models import DigestLog
from assessments.models import Status
from assessments.reminders import queue_daily_digests
from assessments.tasks import send_daily_digests
from tests.factories import EvidenceRequestFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _today():
    return timezone.localdate()


def test_contact_digest_lists_due_soon_and_overdue_once(world, ev):
    today = _today()
    ev.request.due_date = today - timedelta(days=2)
    ev.request.save()
    soon = EvidenceRequestFactory(
        assessment=ev.assessment,
        requirement="2.2.1",
        title="Config standards",
        due_date=today + timedelta(days=3),
    )
    EvidenceRequestFactory(
        assessment=ev.assessment, requirement="3.1", title="Far away", due_date=today + timedelta(days=10)
    )
    EvidenceRequestFactory(
        assessment=ev.assessment,
        requirement="4.1",
        title="Already accepted",
        due_date=today - timedelta(days=5),
        status=Status.ACCEPTED,
    )
    EvidenceRequestFactory(
        assessment=ev.assessment,
        requirement="5.1",
        title="Waiting on assessor",
        due_date=today - timedelta(days=1),
        status=Status.SUBMITTED,
    )

    assert send_daily_digests() >= 1
    to_contact = [m for m in mail.outbox if m.to == [world.contact.email]]
    assert len(to_contact) == 1
    body = to_contact[0].body
    assert "1.2.1 Network diagram" in body and "OVERDUE" in body
    assert f"{soon.requirement} {soon.title}" in body
    assert "Far away" not in body and "Already accepted" not in body and "Waiting on assessor" not in body
    assert "1 overdue evidence request" in to_contact[0].subject

    # Running again the same day sends nothing more, to anyone.
    before = len(mail.outbox)
    assert queue_daily_digests() == 0
    assert len(mail.outbox) == before
    assert DigestLog.objects.filter(key__startswith=f"contact-digest:{world.contact.pk}:").count() == 1
    # The other client's contact has nothing due, and workspace B's contact sees nothing of A.
    assert not [m for m in mail.outbox if m.to == [world.other_contact.email]]


def test_no_digest_for_revoked_contacts_or_hidden_sections(world, ev):
    ev.request.due_date = _today()
    ev.request.save()
    world.client.hidden_sections = ",assessments,"
    world.client.save()
    queue_daily_digests()
    assert not [m for m in mail.outbox if m.to == [world.contact.email]]


def test_staff_digest_lists_submissions_waiting_for_review(world, ev):
    ev.request.status = Status.SUBMITTED
    ev.request.submitted_at = timezone.now() - timedelta(days=2)
    ev.request.save()
    queue_daily_digests()
    to_lead = [m for m in mail.outbox if m.to == [world.owner.email]]
    assert len(to_lead) == 1
    assert "1 submission waiting for review" in to_lead[0].subject
    assert "1.2.1 Network diagram" in to_lead[0].body and "Secretco Payments" in to_lead[0].body
    queue_daily_digests()
    assert len([m for m in mail.outbox if m.to == [world.owner.email]]) == 1
    assert not [m for m in mail.outbox if m.to == [world.outsider_staff.email]]


def test_next_day_sends_again(world, ev):
    ev.request.due_date = _today()
    ev.request.save()
    queue_daily_digests(_today())
    queue_daily_digests(_today() + timedelta(days=1))
    assert len([m for m in mail.outbox if m.to == [world.contact.email]]) == 2
