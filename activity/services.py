from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from activity import checkpoints, keys, verbs
from activity.checkpoints import Checkpoint
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

    The verb must be registered (activity/verbs.py): an unworded verb would show as a raw code. The event
    is signed with the current chain key; every AUDIT_CHECKPOINT_EVERY events the new head is anchored
    outside the database once the transaction commits.
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
            key_id=keys.current_key_id(),
        )
        event.hash = event.compute_hash()
        event.save()
        chain.last_seq, chain.last_hash = event.chain_seq, event.hash
        chain.save(update_fields=["last_seq", "last_hash"])
        every = settings.AUDIT_CHECKPOINT_EVERY
        if every and event.chain_seq % every == 0:
            transaction.on_commit(lambda: checkpoints.write_quietly(event))
    return event


@dataclass
class ChainReport:
    key: str
    events: int = 0
    problems: list[str] = field(default_factory=list)
    # Worth saying but not a failure: events from before chains were keyed, no checkpoint yet.
    notes: list[str] = field(default_factory=list)
    unkeyed: int = 0
    checkpoints: int = 0  # genuine checkpoints compared with the database
    latest_checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _trusted_checkpoints(
    key: str, report: ChainReport, extra: list[tuple[str, Checkpoint]]
) -> dict[int, list[tuple[str, Checkpoint]]]:
    """The chain's stored checkpoints (and `extra` ones) whose signature holds, by seq; the others are
    problems."""
    stored, unreadable = checkpoints.load(key)
    stored = sorted([*stored, *extra], key=lambda item: item[1].seq)
    report.problems.extend(unreadable)
    anchors: dict[int, list[tuple[str, Checkpoint]]] = {}
    for path, checkpoint in stored:
        reason = checkpoints.check(path, checkpoint, key)
        if reason:
            report.problems.append(reason)
            continue
        anchors.setdefault(checkpoint.seq, []).append((path, checkpoint))
        report.checkpoints += 1
        report.latest_checkpoint = checkpoint  # stored is in seq order
    return anchors


def verify_chain(key: str, *, extra_checkpoints: list[tuple[str, Checkpoint]] | None = None) -> ChainReport:
    """Recompute every HMAC in one chain, check the links, the numbering and the head, and compare the
    chain with every checkpoint stored outside the database (activity.checkpoints), plus any
    `extra_checkpoints` (source, checkpoint) kept elsewhere, such as an evidence package's copy."""
    report = ChainReport(key=key)
    anchors = _trusted_checkpoints(key, report, extra_checkpoints or [])
    expected_prev, expected_seq, keyed_seen = "", 1, False
    for event in Event.objects.filter(chain_key=key).order_by("chain_seq").iterator():
        report.events += 1
        label = f"event #{event.pk} (seq {event.chain_seq}, {event.verb})"
        if event.chain_seq != expected_seq:
            report.problems.append(
                f"{label}: expected seq {expected_seq}; an event is missing or was inserted"
            )
        if event.prev_hash != expected_prev:
            report.problems.append(f"{label}: does not link to the previous event's hash")
        if event.key_id:
            keyed_seen = True
        else:
            report.unkeyed += 1
            if keyed_seen:
                report.problems.append(
                    f"{label}: unkeyed after keyed events; it was written or rewritten without the chain key"
                )
        try:
            computed = event.compute_hash()
        except keys.UnknownChainKey:
            report.problems.append(
                f"{label}: signed with key id {event.key_id!r}, which is not configured (AUDIT_CHAIN_KEYS)"
            )
        else:
            if not hmac.compare_digest(computed, event.hash):
                report.problems.append(f"{label}: its content was changed after it was written")
        for path, checkpoint in anchors.pop(event.chain_seq, []):
            if checkpoint.event_id != event.pk or not hmac.compare_digest(checkpoint.head_hash, event.hash):
                report.problems.append(
                    f"{label} differs from checkpoint {path} of {checkpoint.created_at} (event "
                    f"#{checkpoint.event_id}, hash {checkpoint.head_hash[:12]}…): the history was rewritten"
                )
        expected_prev, expected_seq = event.hash, event.chain_seq + 1
    last_seq = expected_seq - 1
    for seq, stored in sorted(anchors.items()):
        for path, checkpoint in stored:
            if seq > last_seq:
                report.problems.append(
                    f"checkpoint {path} of {checkpoint.created_at} anchors seq {seq} but the chain ends at "
                    f"seq {last_seq}: events were deleted from its end (truncated)"
                )
            else:
                report.problems.append(
                    f"checkpoint {path} anchors seq {seq}, which is missing from the chain"
                )
    head = EventChain.objects.filter(key=key).first()
    if head is not None and (head.last_seq != last_seq or head.last_hash != expected_prev):
        report.problems.append(
            f"chain head says {head.last_seq} events but {last_seq} were found: events were deleted"
        )
    if report.unkeyed:
        report.notes.append(
            f"{report.unkeyed} event{'s' if report.unkeyed != 1 else ''} from before the chain was keyed "
            "(unkeyed): checked with a plain SHA-256, which anyone with database access could recompute"
        )
    if report.events and not report.checkpoints:
        report.notes.append("no checkpoint outside the database yet: a cut tail would not be noticed")
    return report
