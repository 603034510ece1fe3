from __future__ import annotations

import logging
from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from activity import checkpoints, outbox
from activity.models import EventChain, OutboxMessage

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def process_outbox(outbox_id: int) -> None:
    # A lease in the shared cache instead of a row lock held across the handler: the handler talks to
    # an SMTP server, and a database transaction must not stay open (holding a lock and a connection)
    # for as long as that takes. Handlers are idempotent per row (outbox.run), so the rare double run
    # when a lease expires under a stuck worker re-sends the same mail, never a different link.
    lease = f"outbox:lease:{outbox_id}"
    if not cache.add(lease, 1, settings.OUTBOX_LEASE_SECONDS):
        return  # another worker has it right now
    try:
        msg = OutboxMessage.objects.filter(pk=outbox_id, processed_at__isnull=True).first()
        if msg is None:  # already done
            return
        outbox.run(msg)
        OutboxMessage.objects.filter(pk=msg.pk, processed_at__isnull=True).update(
            attempts=F("attempts") + 1, processed_at=timezone.now()
        )
    finally:
        cache.delete(lease)


@shared_task
def sweep_outbox() -> int:
    """Re-queue rows whose after-commit dispatch never reached the broker. Runs every minute."""
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_SWEEP_AGE_SECONDS)
    ids = list(
        OutboxMessage.objects.filter(processed_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    sent = 0
    for pk in ids:
        if not outbox.dispatch(pk):
            break
        sent += 1
    return sent


@shared_task
def checkpoint_chains() -> int:
    """Anchor every chain head that has no checkpoint yet (periodic; see activity.checkpoints)."""
    written = 0
    for key in EventChain.objects.filter(last_seq__gt=0).values_list("key", flat=True).iterator():
        result = checkpoints.write_head(key)
        written += bool(result and result[2])
    return written
