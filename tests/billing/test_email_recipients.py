"""An invoice mail to several contacts is sent once per recipient per outbox row: when the SMTP server
fails on the second contact and the row is run again (Celery's retry, the sweep), the first contact is not
mailed twice. A new send (a resend) is a new row and mails everyone again."""

from __future__ import annotations

from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from activity import outbox
from activity.models import OutboxMessage
from billing import services
from billing.handlers import contact_recipients
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

FAIL_ONCE: set[str] = set()


class FlakySmtp(EmailBackend):
    """The locmem backend, refusing the first message to each address in FAIL_ONCE (an SMTP hiccup)."""

    def send_messages(self, messages):
        for message in messages:
            for address in message.to:
                if address in FAIL_ONCE:
                    FAIL_ONCE.discard(address)
                    raise SMTPException(f"451 try again later ({address})")
        return super().send_messages(messages)


@pytest.fixture
def flaky_smtp(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakySmtp"
    FAIL_ONCE.clear()
    yield FAIL_ONCE
    FAIL_ONCE.clear()


def mails_to(address: str) -> int:
    return sum(1 for m in mail.outbox if m.to == [address])


def run_failing_on_the_second_then_retried(msg: OutboxMessage, first, second) -> None:
    """Run an outbox row whose SMTP server refuses `second` once (flaky_smtp), then again twice: each
    recipient is mailed exactly once."""
    with pytest.raises(SMTPException):
        outbox.run(msg)  # the first recipient got it, the second's failed
    assert mails_to(first.email) == 1 and mails_to(second.email) == 0
    outbox.run(msg)  # the retry
    assert mails_to(first.email) == 1 and mails_to(second.email) == 1
    outbox.run(msg)  # a late duplicate run sends nothing
    assert len(mail.outbox) == 2


@pytest.fixture
def two_contacts(world):
    return [
        world.contact,
        ContactFactory(client=world.client, email="kim@secretco.example", name="Kim Secret"),
    ]


def test_a_retried_invoice_mail_reaches_each_contact_once(world, sent, two_contacts, flaky_smtp):
    first, second = contact_recipients(sent)  # the order the handler mails them in
    assert {first, second} == set(two_contacts)
    flaky_smtp.add(second.email)
    services.send_invoice(invoice=sent, actor=world.owner)
    run_failing_on_the_second_then_retried(
        OutboxMessage.objects.get(handler="billing.invoice_email"), first, second
    )


def test_a_resend_is_a_new_delivery(world, sent, two_contacts, flaky_smtp):
    services.send_invoice(invoice=sent, actor=world.owner)
    services.send_invoice(invoice=sent, actor=world.owner)
    for msg in OutboxMessage.objects.filter(handler="billing.invoice_email"):
        outbox.run(msg)
        outbox.run(msg)
    assert all(mails_to(c.email) == 2 for c in two_contacts)


def test_called_without_a_delivery_key_it_just_sends(world):
    sent = []
    assert outbox.once_per_recipient("", "a@example.com", lambda: sent.append(1))
    assert outbox.once_per_recipient("", "a@example.com", lambda: sent.append(1))
    assert sent == [1, 1]


def test_recipients_are_told_apart_case_insensitively(world):
    sent = []
    assert outbox.once_per_recipient("7:key", "Pat@Secretco.example", lambda: sent.append("pat"))
    assert not outbox.once_per_recipient("7:key", "pat@secretco.example", lambda: sent.append("again"))
    assert outbox.once_per_recipient("7:key", "kim@secretco.example", lambda: sent.append("kim"))
    assert outbox.once_per_recipient("8:key", "pat@secretco.example", lambda: sent.append("next row"))
    assert sent == ["pat", "kim", "next row"]
