"""Transactional outbox: `enqueue()` inside a transaction, delivered by Celery after commit.

Handlers are plain functions registered by name; they take JSON-able keyword arguments (ids, not
objects) and must be safe to run twice (a sweep can race a slow worker, a retry can follow a send whose
acknowledgement was lost). A handler registered with `keyed=True` also gets `delivery_key`, fixed for
its outbox row, to derive anything it mints (a link's token), so every run sends the same thing.

A handler that mails several people (an invoice to each of a client's contacts) sends each one through
`once_per_recipient(delivery_key, address, send)`: when the third send fails and the task is retried, the
first two are not mailed again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from kombu.exceptions import OperationalError as BrokerError

from activity.models import DigestLog, OutboxMessage

logger = logging.getLogger(__name__)

_handlers: dict[str, Callable[..., None]] = {}
_keyed: set[str] = set()


def handler(name: str, *, keyed: bool = False) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(fn: Callable[..., None]) -> Callable[..., None]:
        _handlers[name] = fn
        if keyed:
            _keyed.add(name)
        return fn

    return register


def delivery_key(msg: OutboxMessage) -> str:
    """Unique per row, even if the table's id sequence were ever reset."""
    return f"{msg.pk}:{msg.created_at.isoformat()}"


def run(msg: OutboxMessage) -> None:
    kwargs = dict(msg.kwargs)
    if msg.handler in _keyed:
        kwargs["delivery_key"] = delivery_key(msg)
    _handlers[msg.handler](**kwargs)


def get_handler(name: str) -> Callable[..., None]:
    return _handlers[name]


def enqueue(name: str, **kwargs) -> OutboxMessage:
    if name not in _handlers:
        raise KeyError(f"no outbox handler named {name!r}")
    msg = OutboxMessage.objects.create(handler=name, kwargs=kwargs)
    transaction.on_commit(lambda: dispatch(msg.pk))
    return msg


def dispatch(outbox_id: int) -> bool:
    """Hand one row to Celery. A broker outage is logged, not raised: the sweep retries later."""
    from activity.tasks import process_outbox

    try:
        process_outbox.apply_async(args=[outbox_id])
    except (BrokerError, ConnectionError, OSError) as exc:
        logger.warning("broker unavailable, outbox #%s left for the sweep: %s", outbox_id, exc)
        return False
    return True


def once_per_recipient(delivery_key: str, recipient: str, send: Callable[[], object]) -> bool:
    """Run `send` unless this outbox row already sent to this recipient; True when it ran.

    The fact is recorded (a DigestLog key, unique) after `send` returns: a failed send is retried with the
    row, and only a crash between a send and its record can mail someone twice (at least once, never zero).
    Without a delivery key (a handler called directly) every call sends."""
    if not delivery_key:
        send()
        return True
    digest = hashlib.sha256(f"{delivery_key}|{recipient.strip().lower()}".encode()).hexdigest()[:48]
    key = f"outbox-recipient:{digest}"
    if DigestLog.objects.filter(key=key).exists():
        return False
    send()
    try:
        with transaction.atomic():
            DigestLog.objects.create(key=key)
    except IntegrityError:
        pass  # a concurrent run recorded it first
    return True
