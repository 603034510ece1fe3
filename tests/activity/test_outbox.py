"""Mail goes out through a transactional outbox and Celery. These tests use a real broker (Redis)."""

from __future__ import annotations

import contextlib
import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse

from accounts import services
from activity.models import Event, OutboxMessage
from activity.tasks import sweep_outbox
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@contextlib.contextmanager
def broker(url: str):
    """Point the Celery app at a real broker URL (not eager) for the duration of the block."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = url, False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@pytest.fixture
def outbox_settings(settings):
    settings.OUTBOX_SWEEP_AGE_SECONDS = 0


def test_broker_down_still_answers_and_the_sweep_delivers_later(world, client, outbox_settings):
    with broker(DEAD_BROKER):
        started = time.monotonic()
        response = client.post(
            reverse("portal:login", kwargs={"slug": "alpha"}), {"email": world.contact.email}
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 200 and b"Check your email" in response.content
    assert elapsed < 15  # generous: the point is that it answers, not how fast
    row = OutboxMessage.objects.get()
    assert row.processed_at is None and mail.outbox == []

    # Broker still down: the sweep gives up quietly and leaves the row.
    with broker(DEAD_BROKER):
        assert sweep_outbox() == 0
    assert OutboxMessage.objects.get().processed_at is None

    # Broker back (eager here stands for "a worker picks it up"): the sweep delivers exactly once.
    assert sweep_outbox() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.contact.email]
    assert OutboxMessage.objects.get().processed_at is not None
    assert sweep_outbox() == 0
    assert len(mail.outbox) == 1


def test_invite_with_broker_down_keeps_the_invite_and_mails_later(world, owner_http, outbox_settings):
    with broker(DEAD_BROKER):
        response = owner_http.post(
            reverse("accounts:contact-invite", kwargs={"client_id": world.client.pk}),
            {"email": "late@secretco.example"},
        )
    assert response.status_code == 302
    assert Event.objects.filter(verb="contact.invited").exists()
    assert mail.outbox == []
    sweep_outbox()
    assert [m.to for m in mail.outbox] == [["late@secretco.example"]]


def test_rolled_back_transaction_sends_nothing(world):
    from django.db import transaction

    with contextlib.suppress(RuntimeError), transaction.atomic():
        services.invite_contact(client=world.client, email="ghost@secretco.example", actor=world.owner)
        raise RuntimeError("boom")
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


@pytest.mark.celery_worker
def test_a_real_worker_on_redis_delivers_the_invite(world):
    with broker(REDIS_URL):
        celery_app.conf.task_always_eager = False
        with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            services.invite_contact(client=world.client, email="worker@secretco.example", actor=world.owner)
            deadline = time.monotonic() + 20
            while not mail.outbox and time.monotonic() < deadline:
                time.sleep(0.1)
    assert [m.to for m in mail.outbox] == [["worker@secretco.example"]]
    assert "/p/alpha/auth#t=" in mail.outbox[0].body
    assert OutboxMessage.objects.get().processed_at is not None
