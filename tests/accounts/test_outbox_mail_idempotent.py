"""An outbox mail job that runs twice sends the same link twice (or nothing), never a new one, and mail
goes out with no database transaction (and so no row lock) open."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test import Client

from accounts import services
from accounts.models import Role
from activity.models import OutboxMessage
from activity.tasks import process_outbox
from tests.conftest import use_link

pytestmark = pytest.mark.django_db(transaction=True)


def redeliver(handler: str) -> None:
    """What a sweep racing a slow worker, or a retry after a lost acknowledgement, does."""
    row = OutboxMessage.objects.get(handler=handler)
    OutboxMessage.objects.filter(pk=row.pk).update(processed_at=None)
    process_outbox(row.pk)


def links(pattern: str) -> list[str]:
    return [re.search(pattern, m.body).group(0) for m in mail.outbox]


def test_a_redelivered_contact_invite_carries_the_same_working_link(world):
    services.invite_contact(client=world.client, email="cfo@secretco.example", actor=world.owner)
    redeliver("accounts.contact_invite_email")
    first, second = links(r"/p/alpha/auth#t=[-\w]+")
    assert first == second
    assert use_link(Client(), first).status_code == 302


def test_a_redelivery_after_the_link_was_used_sends_nothing(world):
    services.invite_contact(client=world.client, email="cfo@secretco.example", actor=world.owner)
    (first,) = links(r"/p/alpha/auth#t=[-\w]+")
    assert use_link(Client(), first).status_code == 302
    redeliver("accounts.contact_invite_email")
    assert len(mail.outbox) == 1


def test_a_redelivered_staff_invite_does_not_kill_the_first_link(world):
    services.invite_staff(
        workspace=world.ws, email="new.hire@alpha.example", role=Role.MEMBER, actor=world.owner
    )
    redeliver("accounts.staff_invite_email")
    first, second = links(r"/app/join/[-\w]+")
    assert first == second
    page = Client().get(first)
    assert page.status_code == 200 and b"new.hire@alpha.example" in page.content


class TransactionRecordingBackend(EmailBackend):
    """Notes whether a database transaction was open when each message went out."""

    seen: list[bool] = []

    def send_messages(self, messages):
        TransactionRecordingBackend.seen.append(connection.in_atomic_block)
        return super().send_messages(messages)


def test_mail_is_sent_outside_any_transaction(world, settings):
    settings.EMAIL_BACKEND = f"{__name__}.TransactionRecordingBackend"
    TransactionRecordingBackend.seen = []
    services.invite_contact(client=world.client, email="cfo@secretco.example", actor=world.owner)
    services.request_login_link(workspace=world.ws, email=world.contact.email)
    assert TransactionRecordingBackend.seen == [False, False]
    assert OutboxMessage.objects.filter(processed_at__isnull=True).count() == 0
