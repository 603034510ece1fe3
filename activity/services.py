from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from activity import verbs
from activity.models import Event, EventChain


def chain_key_for(workspace, target: models.Model | None) -> str:
    """Assessment-related events chain per assessment (targets expose `audit_chain_key`); the rest per
    workspace."""
    key = getattr(target, "audit_chain_key", None) if target is not None else None
    return key or f"workspace:{workspace.pk}"


def record_event(
    *,
    workspace,
    verb: str,
    client=None,
    actor_user=None,
    actor_contact=None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    chain_key: str | None = None,
) -> Event:
    """Append one event to its hash chain. Call it inside the transaction of the change it describes.

    The verb must be registered (activity/verbs.py): an unworded verb would show as a raw code.
    """
    verbs.get(verb)  # raises UnknownVerb
    key = chain_key or chain_key_for(workspace, target)
    with transaction.atomic():
        EventChain.objects.get_or_create(key=key)
        chain = EventChain.objects.select_for_update().get(key=key)
        event = Event(
            workspace=workspace,
            client=client,
            actor_user=actor_user if getattr(actor_user, "is_authenticated", False) else None,
            actor_contact=actor_contact,
            verb=verb,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_label=str(target)[:200] if target is not None else "",
            data=data or {},
            created_at=timezone.now(),
            chain_key=key,
            chain_seq=chain.last_seq + 1,
            prev_hash=chain.last_hash,
        )
        event.hash = event.compute_hash()
        event.save()
        chain.last_seq, chain.last_hash = event.chain_seq, event.hash
        chain.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass
class ChainReport:
    key: str
    events: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(key: str) -> ChainReport:
    """Recompute every hash in one chain and check the links, the numbering and the head."""
    report = ChainReport(key=key)
    expected_prev, expected_seq = "", 1
    for event in Event.objects.filter(chain_key=key).order_by("chain_seq").iterator():
        report.events += 1
        label = f"event #{event.pk} (seq {event.chain_seq}, {event.verb})"
        if event.chain_seq != expected_seq:
            report.problems.append(
                f"{label}: expected seq {expected_seq}; an event is missing or was inserted"
            )
        if event.prev_hash != expected_prev:
            report.problems.append(f"{label}: does not link to the previous event's hash")
        if event.compute_hash() != event.hash:
            report.problems.append(f"{label}: its content was changed after it was written")
        expected_prev, expected_seq = event.hash, event.chain_seq + 1
    head = EventChain.objects.filter(key=key).first()
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != expected_prev):
        report.problems.append(
            f"chain head says {head.last_seq} events but {expected_seq - 1} were found: events were deleted"
        )
    return report
