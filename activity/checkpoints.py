"""Signed checkpoints of chain heads, kept outside the database.

A keyed chain stops anyone without the key from rewriting history, but not from cutting it: delete the
last events and reset the `EventChain` head, and what is left still verifies. Someone holding the key
could even rewrite every event and recompute every HMAC. So the head of each chain is also written, signed,
to the object store (`default_storage`, under AUDIT_CHECKPOINT_PREFIX/<chain>/<seq>.json):

    {"format": "portal.audit-checkpoint/1", "chain": "assessment:12", "seq": 42, "event_id": 981,
     "head_hash": "…", "event_key_id": "k2", "workspace_id": 3, "created_at": "…", "key_id": "k2",
     "signature": "<HMAC-SHA256 of the other fields, sorted, compact JSON>"}

A checkpoint is written every AUDIT_CHECKPOINT_EVERY events (after commit), by the periodic
`activity.tasks.checkpoint_chains`, at every verification and into every evidence package. One is never
overwritten: the path is per sequence number and an existing object is left alone. Verification then
compares the database with every checkpoint of the chain: a checkpoint beyond the last event means the tail
was cut; a checkpoint whose head hash differs from the event at its seq means the history was rewritten.
For this to hold against an operator with database *and* storage access, point the store at a bucket
with object lock (or versioning with no delete rights for the app), as the README says.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass
from datetime import UTC

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from activity import keys
from activity.models import Event

logger = logging.getLogger(__name__)

FORMAT = "portal.audit-checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    chain: str
    seq: int
    event_id: int
    head_hash: str
    event_key_id: str
    workspace_id: int
    created_at: str
    key_id: str
    signature: str = ""
    format: str = FORMAT

    def signed_part(self) -> bytes:
        body = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def signature_ok(self) -> bool:
        return keys.signature_matches(self.key_id, self.signed_part(), self.signature)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, indent=2).encode() + b"\n"

    @classmethod
    def from_json(cls, raw: bytes) -> Checkpoint:
        """Raises ValueError for anything that is not a checkpoint of our format."""
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a Portal audit checkpoint")
        try:
            return cls(
                chain=str(data["chain"]),
                seq=int(data["seq"]),
                event_id=int(data["event_id"]),
                head_hash=str(data["head_hash"]),
                event_key_id=str(data["event_key_id"]),
                workspace_id=int(data["workspace_id"]),
                created_at=str(data["created_at"]),
                key_id=str(data["key_id"]),
                signature=str(data["signature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"incomplete checkpoint ({exc})") from exc


def folder(chain_key: str) -> str:
    # "assessment:12" -> "assessment-12": a name every store and file system accepts.
    return f"{settings.AUDIT_CHECKPOINT_PREFIX}/{re.sub(r'[^A-Za-z0-9_.-]', '-', chain_key)}"


def path_for(chain_key: str, seq: int) -> str:
    # Zero-padded so that names sort in chain order.
    return f"{folder(chain_key)}/{seq:012d}.json"


def make(event: Event) -> Checkpoint:
    """A checkpoint of `event` as its chain's head, signed with the current key."""
    unsigned = Checkpoint(
        chain=event.chain_key,
        seq=event.chain_seq,
        event_id=event.pk,
        head_hash=event.hash,
        event_key_id=event.key_id,
        workspace_id=event.workspace_id,
        created_at=timezone.now().astimezone(UTC).isoformat(timespec="seconds"),
        key_id=keys.current_key_id(),
    )
    return Checkpoint(**{**asdict(unsigned), "signature": keys.sign(unsigned.key_id, unsigned.signed_part())})


def write(event: Event) -> tuple[Checkpoint, str, bool]:
    """Anchor `event` (a committed chain head) in storage; returns the checkpoint, its path and whether
    this call wrote it.

    Write-once: if a checkpoint already exists at that seq it is returned untouched, whatever it says
    (verification, not this function, decides whether it still matches).
    """
    path = path_for(event.chain_key, event.chain_seq)
    try:
        existing = read(path)
    except ValueError:
        # Something unreadable sits there (verification reports it): leave it, hand back a fresh one.
        return make(event), path, False
    if existing is not None:
        return existing, path, False
    checkpoint = make(event)
    saved = default_storage.save(path, ContentFile(checkpoint.to_json()))
    if saved != path:
        # Another writer got there between our look and our save; the store gave us a new name. Keep
        # theirs, drop our copy (which we alone just wrote).
        default_storage.delete(saved)
        return read(path) or checkpoint, path, False
    return checkpoint, path, True


def write_head(chain_key: str) -> tuple[Checkpoint, str, bool] | None:
    """Anchor the chain's current last event (None for an empty chain)."""
    head = Event.objects.filter(chain_key=chain_key).order_by("-chain_seq").first()
    return write(head) if head is not None else None


def write_quietly(event: Event | None = None, *, chain_key: str = "") -> None:
    """For after-commit hooks: anchor `event` (or `chain_key`'s head). A failing store must not fail the
    change that was just committed; the periodic task anchors the head later."""
    try:
        if event is not None:
            write(event)
        else:
            write_head(chain_key)
    except Exception:
        logger.exception("could not write an audit checkpoint of %s", event.chain_key if event else chain_key)


def read(path: str) -> Checkpoint | None:
    """The checkpoint stored at `path`, None if there is none. Raises ValueError if it is not one."""
    try:
        with default_storage.open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None
    return Checkpoint.from_json(raw)


def load(chain_key: str) -> tuple[list[tuple[str, Checkpoint]], list[str]]:
    """Every checkpoint stored for a chain, with its path, in seq order; and a problem per unreadable one."""
    base = folder(chain_key)
    try:
        _, names = default_storage.listdir(base)
    except FileNotFoundError:
        return [], []
    found: list[tuple[str, Checkpoint]] = []
    problems: list[str] = []
    for name in sorted(names):
        if not name.endswith(".json"):
            continue
        path = f"{base}/{name}"
        try:
            checkpoint = read(path)
        except ValueError as exc:
            problems.append(f"checkpoint {path} cannot be read ({exc}): it was altered")
            continue
        if checkpoint is not None:
            found.append((path, checkpoint))
    found.sort(key=lambda item: item[1].seq)
    return found, problems


def check(path: str, checkpoint: Checkpoint, chain_key: str) -> str | None:
    """Why a stored checkpoint cannot be trusted at all (None when it is genuine for this chain)."""
    if checkpoint.key_id not in settings.AUDIT_CHAIN_KEYS:
        return f"checkpoint {path} is signed with key id {checkpoint.key_id!r}, which is not configured"
    if not checkpoint.signature_ok():
        return f"checkpoint {path}: its signature does not verify; it was forged or altered"
    if checkpoint.chain != chain_key:
        return f"checkpoint {path} belongs to chain {checkpoint.chain!r}, not {chain_key!r}"
    return None
