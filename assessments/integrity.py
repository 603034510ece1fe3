"""Chain of custody checks for one assessment.

- The event chain: every HMAC, link and number, and the chain against its checkpoints outside the
  database (activity.services.verify_chain).
- Files: each stored file hashes to the SHA-256 in its chained `evidence.file_uploaded` event, not to the
  editable `EvidenceFile.sha256` column; a row whose column (or request) no longer matches its event, a row
  no upload event records, and an upload event whose row vanished without an `evidence.file_deleted`
  event are all reported.
- Messages: each message's text hashes to the `body_sha256` of its `evidence.message_posted` event; edited,
  deleted and unrecorded messages are reported.
"""

from __future__ import annotations

import hmac
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction

from activity import checkpoints
from activity.checkpoints import Checkpoint
from activity.models import Event
from activity.services import ChainReport, verify_chain
from assessments.audit import log_assessment_event, message_digest
from assessments.models import Assessment, EvidenceFile, RequestMessage
from files.hashing import sha256_of_stored
from files.uploads import STORE_ERRORS

UPLOADED = "evidence.file_uploaded"
DELETED = "evidence.file_deleted"
POSTED = "evidence.message_posted"


@dataclass
class IntegrityReport:
    assessment: Assessment
    chain: ChainReport
    files_checked: int = 0
    messages_checked: int = 0
    file_problems: list[str] = field(default_factory=list)
    message_problems: list[str] = field(default_factory=list)
    own_notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.file_problems and not self.message_problems

    @property
    def problems(self) -> list[str]:
        return [*self.chain.problems, *self.file_problems, *self.message_problems]

    @property
    def notes(self) -> list[str]:
        return [*self.chain.notes, *self.own_notes]


def _events(assessment: Assessment, verb: str) -> list[Event]:
    return list(Event.objects.filter(chain_key=assessment.audit_chain_key, verb=verb).order_by("chain_seq"))


def _file_id(event: Event, key: str = "file_id") -> int | None:
    value = event.data.get(key)
    return value if isinstance(value, int) else None


def upload_events(assessment: Assessment) -> dict[int, Event]:
    """Each file's `evidence.file_uploaded` event on the assessment's chain, by file id."""
    uploads: dict[int, Event] = {}
    for event in _events(assessment, UPLOADED):
        file_id = _file_id(event)
        if file_id is not None:
            uploads.setdefault(file_id, event)
    return uploads


def _check_files(assessment: Assessment, report: IntegrityReport) -> None:
    uploads = upload_events(assessment)
    deleted_ids: set[int] = set()
    # Deletions logged before they carried a file id: matched to uploads by request and name.
    unnamed_deletions: Counter[tuple[str, str]] = Counter()
    for event in _events(assessment, DELETED):
        file_id = _file_id(event)
        if file_id is not None:
            deleted_ids.add(file_id)
        else:
            unnamed_deletions[(event.target_id, event.data.get("file", ""))] += 1

    problems = report.file_problems
    files = EvidenceFile.objects.filter(request__assessment=assessment).select_related("request")
    present: set[int] = set()
    for record in files.order_by("pk").iterator():
        present.add(record.pk)
        report.files_checked += 1
        label = f"{record.request.requirement} {record.original_name} (file #{record.pk})"
        upload = uploads.get(record.pk)
        if upload is None:
            problems.append(f"{label}: no upload event on the chain records this file; its row was added")
            expected = record.sha256
        else:
            expected = str(upload.data.get("sha256", ""))
            if not hmac.compare_digest(record.sha256, expected):
                problems.append(
                    f"{label}: its recorded SHA-256 was edited ({record.sha256[:12]}… in the database, "
                    f"{expected[:12]}… in its upload event)"
                )
            if upload.target_id != str(record.request_id):
                problems.append(f"{label}: moved to another request than the one it was uploaded to")
            if upload.data.get("size") not in (None, record.size):
                problems.append(
                    f"{label}: its recorded size was edited ({record.size} bytes, "
                    f"{upload.data.get('size')} in its upload event)"
                )
        try:
            actual, _ = sha256_of_stored(record.file.name)
        except FileNotFoundError:
            problems.append(f"{label}: missing from storage")
            continue
        except STORE_ERRORS as exc:
            problems.append(f"{label}: could not be read ({exc.__class__.__name__})")
            continue
        if not hmac.compare_digest(actual, expected):
            problems.append(
                f"{label}: content changed (SHA-256 {actual[:12]}… ≠ recorded at upload {expected[:12]}…)"
            )

    for file_id, upload in uploads.items():
        if file_id in present or file_id in deleted_ids:
            continue
        legacy = (upload.target_id, upload.data.get("file", ""))
        if unnamed_deletions[legacy]:
            unnamed_deletions[legacy] -= 1
            continue
        problems.append(
            f"{upload.data.get('file', '?')} (file #{file_id}, uploaded {upload.created_at:%Y-%m-%d %H:%M} "
            f"to {upload.target_label}): missing file row; no deletion was logged"
        )


def _check_messages(assessment: Assessment, report: IntegrityReport) -> None:
    posted: dict[int, Event] = {}
    # Messages posted before their events carried the body's hash: counted per request, not checkable.
    unhashed_events: Counter[str] = Counter()
    for event in _events(assessment, POSTED):
        message_id = _file_id(event, "message_id")
        if message_id is None:
            unhashed_events[event.target_id] += 1
        else:
            posted.setdefault(message_id, event)

    problems = report.message_problems
    unhashed = 0
    present: set[int] = set()
    messages = RequestMessage.objects.filter(request__assessment=assessment).select_related("request")
    for message in messages.order_by("pk").iterator():
        present.add(message.pk)
        report.messages_checked += 1
        label = (
            f"message #{message.pk} on {message.request.requirement} ({message.created_at:%Y-%m-%d %H:%M})"
        )
        event = posted.get(message.pk)
        if event is None:
            if unhashed_events[str(message.request_id)]:
                unhashed_events[str(message.request_id)] -= 1
                unhashed += 1
            else:
                problems.append(f"{label}: no event on the chain records it; it was added afterwards")
            continue
        if not hmac.compare_digest(message_digest(message.body), str(event.data.get("body_sha256", ""))):
            problems.append(f"{label}: its text was edited after it was posted")
        if event.target_id != str(message.request_id):
            problems.append(f"{label}: moved to another request than the one it was posted on")
    for message_id, event in posted.items():
        if message_id not in present:
            problems.append(
                f"message #{message_id} posted {event.created_at:%Y-%m-%d %H:%M} on {event.target_label} "
                f"by {event.actor_label}: deleted"
            )
    if unhashed:
        report.own_notes.append(
            f"{unhashed} message{'s' if unhashed != 1 else ''} posted before message texts were hashed "
            "into the chain: their text cannot be checked"
        )


def verify_assessment(
    assessment: Assessment, *, extra_checkpoints: list[tuple[str, Checkpoint]] | None = None
) -> IntegrityReport:
    """Check everything; `extra_checkpoints` are checkpoints kept elsewhere (e.g. an evidence package's
    checkpoint.json) to compare the chain with, besides those in storage."""
    chain = verify_chain(assessment.audit_chain_key, extra_checkpoints=extra_checkpoints)
    report = IntegrityReport(assessment=assessment, chain=chain)
    _check_files(assessment, report)
    _check_messages(assessment, report)
    return report


def verify_and_record(*, assessment: Assessment, actor=None) -> IntegrityReport:
    """Run the check and log its outcome (itself an event on the chain it just checked), then anchor the
    new head outside the database once that event is committed."""
    report = verify_assessment(assessment)
    with transaction.atomic():
        log_assessment_event(
            assessment,
            "assessment.integrity_verified",
            user=actor,
            ok=report.ok,
            events=report.chain.events,
            files=report.files_checked,
            messages=report.messages_checked,
            problems=report.problems[:50],
        )
        transaction.on_commit(lambda: checkpoints.write_quietly(chain_key=assessment.audit_chain_key))
    return report
