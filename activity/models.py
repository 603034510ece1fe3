"""The append-only activity log, and the outbox that makes 'send this mail' survive a broker outage."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils import timezone

from activity import keys


class AppendOnlyError(RuntimeError):
    pass


class EventQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> EventQuerySet:
        return self.filter(workspace=workspace)

    def for_client(self, client) -> EventQuerySet:
        return self.filter(workspace_id=client.workspace_id, client=client)

    def update(self, **kwargs):  # noqa: D102 - the log is append-only
        raise AppendOnlyError("activity events are append-only")

    def delete(self):
        raise AppendOnlyError("activity events are append-only")


class Event(models.Model):
    """One thing that happened. Written inside the same transaction as the change it records."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="events")
    client = models.ForeignKey(
        "accounts.Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Tamper evidence: events form hash chains (one per assessment, one per workspace for the rest).
    # Each stores the previous event's hash, so a changed, inserted or deleted row breaks the chain. The
    # hash is an HMAC whose secret lives outside the database (activity.keys), named by `key_id` so keys
    # can rotate; "" marks an event written before chains were keyed (a plain SHA-256).
    chain_key = models.CharField(max_length=60, blank=True, db_index=True)
    chain_seq = models.PositiveBigIntegerField(default=0)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    key_id = models.CharField(max_length=16, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "client", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["chain_key", "chain_seq"],
                name="uniq_event_chain_seq",
                condition=~models.Q(chain_key=""),
            )
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_label}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("activity events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("activity events are append-only")

    def canonical(self) -> bytes:
        """The exact bytes the hash covers. Stable across databases (sorted keys, UTC timestamps)."""
        body = {
            "chain": self.chain_key,
            "seq": self.chain_seq,
            "prev": self.prev_hash,
            "workspace": self.workspace_id,
            "client": self.client_id,
            "actor_user": self.actor_user_id,
            "actor_contact": self.actor_contact_id,
            "verb": self.verb,
            "target": [self.target_type, self.target_id, self.target_label],
            "data": self.data,
            "at": self.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        }
        if self.key_id:  # unkeyed events keep the exact bytes they were hashed with
            body["key"] = self.key_id
        return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()

    def compute_hash(self) -> str:
        """HMAC-SHA256 with the key named by `key_id` (raises UnknownChainKey if it is not configured);
        a plain SHA-256 for unkeyed events written before chains were keyed."""
        if not self.key_id:
            return hashlib.sha256(self.canonical()).hexdigest()
        return keys.sign(self.key_id, self.canonical())

    @property
    def actor_label(self) -> str:
        if self.actor_user_id:
            return str(self.actor_user)
        if self.actor_contact_id:
            return str(self.actor_contact)
        return "System"


class EventChain(models.Model):
    """The head of one hash chain. Locking this row serialises appends to the chain."""

    key = models.CharField(max_length=60, unique=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.key} @ {self.last_seq}"


class DigestLog(models.Model):
    """One row per digest sent, keyed e.g. "contact-digest:12:2026-11-23". The unique key is what makes a
    scheduled job that runs twice send once."""

    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class OutboxMessage(models.Model):
    """Work promised in a transaction (usually an email) and done after it commits.

    The row is written with the change; a Celery task does the work and stamps `processed_at`. If
    the broker is down when the transaction commits, the periodic sweep re-queues the row.
    """

    handler = models.CharField(max_length=100)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.handler} #{self.pk}"
