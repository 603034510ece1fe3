"""What an insider with database access can do to the audit log, done with raw SQL as they would."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import connection

from activity.models import Event


def write_event(event: Event) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE activity_event SET data = %s::jsonb, target_label = %s, prev_hash = %s, hash = %s, "
            "key_id = %s WHERE id = %s",
            [json.dumps(event.data), event.target_label, event.prev_hash, event.hash, event.key_id, event.pk],
        )


def reset_head(chain_key: str) -> None:
    """Point the EventChain head at whatever is now the last event, as if nothing had happened."""
    last = Event.objects.filter(chain_key=chain_key).order_by("-chain_seq").first()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE activity_eventchain SET last_seq = %s, last_hash = %s WHERE key = %s",
            [last.chain_seq if last else 0, last.hash if last else "", chain_key],
        )


def rewrite_chain(
    chain_key: str, change: Callable[[Event], None], *, with_key: bool = True, unkeyed: bool = False
) -> None:
    """Apply `change` to every event of a chain and recompute every hash and link, in order, then reset
    the head: with the real chain key (an insider who also holds the key), with plain SHA-256 as
    "unkeyed" events (a downgrade), or with plain SHA-256 under the events' own key ids (no key)."""
    prev = ""
    for event in Event.objects.filter(chain_key=chain_key).order_by("chain_seq"):
        change(event)
        event.prev_hash = prev
        if unkeyed:
            event.key_id = ""
        if with_key or unkeyed:
            event.hash = event.compute_hash()
        else:
            event.hash = hashlib.sha256(event.canonical()).hexdigest()
        write_event(event)
        prev = event.hash
    reset_head(chain_key)


def truncate(chain_key: str, keep: int) -> None:
    """Delete every event after seq `keep` and reset the head to the new last event."""
    with connection.cursor() as cur:
        cur.execute("DELETE FROM activity_event WHERE chain_key = %s AND chain_seq > %s", [chain_key, keep])
    reset_head(chain_key)


def delete_event(event: Event) -> None:
    with connection.cursor() as cur:
        cur.execute("DELETE FROM activity_event WHERE id = %s", [event.pk])
