"""Evidence packages: an assessment's accepted evidence as one ZIP for the auditor.

    <requirement> <title>/<file>   every submitted file of every accepted request
    manifest.csv                  one row per file (and per request not accepted), spreadsheet-safe
    index.pdf                     the same, readable: assessment, client, requests, reviewers, hashes
    checkpoint.json               the signed checkpoint of the assessment's event chain at build time

Staff call `request_package()`; the outbox hands the build to a Celery task after commit. The build
streams each stored file through a hashing reader into the ZIP on a temporary file (memory stays flat
whatever the assessment's size), then streams the ZIP into storage.

Each file is checked against the SHA-256 in its chained upload event (the editable column only for a file
with no such event). A file whose bytes no longer match is still packed, marked "HASH MISMATCH" in the
manifest and the index, and the package is ready with a warning: the auditor must see the discrepancy,
and withholding the whole package would hide it. A file missing from storage fails the build: a package
that silently lacks evidence is worse than none.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from activity import checkpoints, outbox
from activity.checkpoints import Checkpoint
from activity.mail import send_templated_email
from activity.models import Event
from assessments.audit import log_assessment_event
from assessments.integrity import upload_events
from assessments.models import (
    Assessment,
    EvidenceFile,
    EvidencePackage,
    EvidenceRequest,
    PackageStatus,
    Status,
    package_key,
)
from core.http import absolute_url
from files.filetypes import name_for
from files.hashing import StreamHasher, iter_hashed, sha256_of

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
FOLDER_MAX = 100
NAME_MAX = 120
HASH_MISMATCH = "HASH MISMATCH"
# A build still "building" after this long died with its worker; a re-run may take it over.
STALE_BUILD = timedelta(hours=1)
# Types that are already compressed: deflating them again costs CPU and saves nothing.
_DEFLATE_PREFIXES = ("text/", "application/json", "application/xml")
_RESERVED_ROOT = {"manifest.csv", "index.pdf", "checkpoint.json"}
_WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}


# --- names and cells ---------------------------------------------------------------------------------


def safe_component(text: str, *, max_len: int, keep_ext: bool = False) -> str:
    """One path component fit for any unzip tool: no separators, no `..`, no control characters."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    text = re.sub(r"[/\\]", "-", text)
    text = re.sub(r'[<>:"|?*]', "_", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if not text:
        text = "_"
    if text.split(".")[0].lower() in _WINDOWS_RESERVED:
        text = "_" + text
    if len(text) > max_len:
        stem, dot, ext = text.rpartition(".")
        if keep_ext and dot and stem and len(ext) <= 10:
            text = stem[: max_len - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            text = text[:max_len].rstrip(" .")
    return text or "_"


def dedupe(name: str, taken: set[str]) -> str:
    """`name`, or `name (2).ext`, `name (3).ext`… whichever is free (compared case-insensitively)."""
    candidate, n = name, 1
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, dot, ext = name, "", ""
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}){dot}{ext}"
    taken.add(candidate.lower())
    return candidate


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# --- building ----------------------------------------------------------------------------------------


@dataclass
class FileRow:
    record: EvidenceFile
    arcname: str
    expected_sha256: str = ""  # from the file's chained upload event
    verified: str = ""  # "OK" or HASH_MISMATCH once copied
    actual_sha256: str = ""

    @property
    def renamed(self) -> bool:
        """True when the name in the ZIP differs from the uploaded name (sanitised or de-duplicated)."""
        return self.arcname.split("/", 1)[1] != self.record.original_name


@dataclass
class RequestRow:
    evidence: EvidenceRequest
    reviewer: str
    folder: str = ""
    files: list[FileRow] = field(default_factory=list)


class PackageError(RuntimeError):
    """A build that cannot produce an honest package; the message is shown to staff."""


def _reviewers(assessment: Assessment, request_ids: list[int]) -> dict[int, str]:
    """Who accepted each request: the actor of its latest `evidence.accepted` event."""
    events = (
        Event.objects.filter(
            workspace_id=assessment.workspace_id,
            verb=f"evidence.{Status.ACCEPTED}",
            target_type=EvidenceRequest._meta.label_lower,
            target_id__in=[str(pk) for pk in request_ids],
        )
        .select_related("actor_user")
        .order_by("created_at", "id")
    )
    return {int(e.target_id): str(e.actor_user) if e.actor_user else "—" for e in events}


def _plan(assessment: Assessment) -> tuple[list[RequestRow], list[EvidenceRequest]]:
    """Accepted requests with their submitted files and ZIP paths, and the requests not accepted."""
    requests = list(
        EvidenceRequest.objects.filter(assessment=assessment).select_related("assignee").natural_order()
    )
    accepted = [r for r in requests if r.status == Status.ACCEPTED]
    others = [r for r in requests if r.status != Status.ACCEPTED]
    reviewers = _reviewers(assessment, [r.pk for r in accepted])
    files_by_request: dict[int, list[EvidenceFile]] = {}
    for record in EvidenceFile.objects.filter(request__in=accepted).select_related(
        "uploaded_by_user", "uploaded_by_contact"
    ):
        files_by_request.setdefault(record.request_id, []).append(record)
    uploads = upload_events(assessment)
    folders: set[str] = set(_RESERVED_ROOT)
    rows = []
    for evidence in accepted:
        row = RequestRow(evidence=evidence, reviewer=reviewers.get(evidence.pk, "—"))
        row.folder = dedupe(
            safe_component(f"{evidence.requirement} {evidence.title}", max_len=FOLDER_MAX), folders
        )
        names: set[str] = set()
        for record in files_by_request.get(evidence.pk, []):
            # Only the accepted revision: the latest submitted round. Files of a round not yet submitted were
            # never reviewed, and earlier rounds were superseded (they stay on record in the app's history).
            if record.submission_round != evidence.submission_round:
                continue
            # The extension is the sniffed type's (files.filetypes), never the uploader's: a PDF named
            # `evidence.bat` is packed as `evidence.bat.pdf`. The manifest keeps the uploaded name beside it.
            display = name_for(record.original_name, record.content_type)
            name = dedupe(safe_component(display, max_len=NAME_MAX, keep_ext=True), names)
            upload = uploads.get(record.pk)
            expected = str(upload.data.get("sha256", "")) if upload is not None else record.sha256
            row.files.append(FileRow(record=record, arcname=f"{row.folder}/{name}", expected_sha256=expected))
        rows.append(row)
    return rows, others


def _copy_into(zf: zipfile.ZipFile, row: FileRow) -> None:
    record = row.record
    compress = (
        zipfile.ZIP_DEFLATED if record.content_type.startswith(_DEFLATE_PREFIXES) else zipfile.ZIP_STORED
    )
    info = zipfile.ZipInfo(row.arcname, date_time=timezone.localtime(record.uploaded_at).timetuple()[:6])
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    try:
        source = default_storage.open(record.file.name, "rb")
    except FileNotFoundError as exc:
        raise PackageError(
            f"{record.original_name} ({row.arcname.split('/')[0]}) is missing from storage."
        ) from exc
    hasher = StreamHasher()
    with source, zf.open(info, "w", force_zip64=True) as dest:
        for chunk in iter_hashed(source, hasher, CHUNK):  # copy and re-hash in one pass
            dest.write(chunk)
    row.actual_sha256 = hasher.hexdigest()
    row.verified = "OK" if row.actual_sha256 == row.expected_sha256 else HASH_MISMATCH


MANIFEST_HEADER = [
    "requirement",
    "request_title",
    "request_status",
    "reviewer",
    "submitted_at",
    "reviewed_at",
    "path",
    "original_name",
    "size_bytes",
    "sha256",
    "sha256_check",
    "content_type",
    "uploaded_by",
    "uploaded_at",
    "submission_round",
]


def _iso(value) -> str:
    return value.isoformat() if value else ""


def manifest_csv(rows: list[RequestRow], others: list[EvidenceRequest]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MANIFEST_HEADER)
    for row in rows:
        ev = row.evidence
        head = [
            ev.requirement,
            ev.title,
            ev.get_status_display(),
            row.reviewer,
            _iso(ev.submitted_at),
            _iso(ev.reviewed_at),
        ]
        for f in row.files:
            r = f.record
            writer.writerow(
                [
                    csv_safe(c)
                    for c in [
                        *head,
                        f.arcname,
                        r.original_name,
                        r.size,
                        f.expected_sha256,
                        f.verified,
                        r.content_type,
                        r.uploader_label,
                        _iso(r.uploaded_at),
                        r.submission_round,
                    ]
                ]
            )
        if not row.files:
            writer.writerow([csv_safe(c) for c in head] + [""] * 9)
    for ev in others:
        writer.writerow(
            [
                csv_safe(c)
                for c in [ev.requirement, ev.title, ev.get_status_display(), "", _iso(ev.submitted_at)]
            ]
            + [""] * 10
        )
    # BOM: Excel reads the file as UTF-8 (names are often not ASCII).
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def index_pdf(
    package: EvidencePackage,
    rows: list[RequestRow],
    others: list[EvidenceRequest],
    checkpoint: Checkpoint | None = None,
) -> bytes:
    # Imported here: WeasyPrint is slow to import and this module loads in every process (apps.ready).
    from core.pdf import render_pdf

    assessment = package.assessment
    html = render_to_string(
        "assessments/package_index.html",
        {
            "package": package,
            "assessment": assessment,
            "client": assessment.client,
            "rows": rows,
            "others": others,
            "generated_at": timezone.now(),
            "file_total": sum(len(r.files) for r in rows),
            "byte_total": sum(f.record.size for r in rows for f in r.files),
            "mismatches": sum(1 for r in rows for f in r.files if f.verified == HASH_MISMATCH),
            "HASH_MISMATCH": HASH_MISMATCH,
            "checkpoint": checkpoint,
        },
    )
    return render_pdf(html)


def _claim(package_id: int) -> EvidencePackage | None:
    """Move queued → building exactly once (the outbox and Celery may both deliver twice)."""
    now = timezone.now()
    claimable = Q(status=PackageStatus.QUEUED) | Q(
        status=PackageStatus.BUILDING, started_at__lt=now - STALE_BUILD
    )
    claimed = EvidencePackage.objects.filter(claimable, pk=package_id).update(
        status=PackageStatus.BUILDING, started_at=now, progress=0, error=""
    )
    if not claimed:
        return None
    return EvidencePackage.objects.select_related("assessment__client", "assessment__workspace").get(
        pk=package_id
    )


def _set_progress(package_id: int, value: int) -> None:
    EvidencePackage.objects.filter(pk=package_id, status=PackageStatus.BUILDING).update(progress=value)


def build_package(package_id: int) -> EvidencePackage | None:
    """Build one queued package. Returns it ready or failed; None if someone else has it."""
    package = _claim(package_id)
    if package is None:
        return None
    try:
        return _build(package)
    except Exception as exc:
        logger.exception("evidence package %s failed", package_id)
        message = str(exc) if isinstance(exc, PackageError) else "The package could not be built."
        with transaction.atomic():
            EvidencePackage.objects.filter(pk=package.pk).update(
                status=PackageStatus.FAILED, error=message, finished_at=timezone.now()
            )
            log_assessment_event(
                package.assessment,
                "assessment.package_failed",
                target=package,
                package_id=package.pk,
                error=message,
            )
        package.refresh_from_db()
        return package


def _build(package: EvidencePackage) -> EvidencePackage:
    assessment = package.assessment
    rows, others = _plan(assessment)
    files = [f for r in rows for f in r.files]
    total_bytes = sum(f.record.size for f in files) or 1
    done_bytes, shown, last_write = 0, 0, time.monotonic()
    with tempfile.TemporaryFile(suffix=".zip", dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            for i, row in enumerate(files, start=1):
                _copy_into(zf, row)
                done_bytes += row.record.size
                # Bytes, not file count, drive the bar: one 50 MB file is not one 10 kB file. The last
                # 10% is the manifest, the index and the upload. Written at most ~twice a second.
                value = min(90, int(90 * done_bytes / total_bytes))
                if value > shown and (time.monotonic() - last_write > 0.5 or i == len(files)):
                    _set_progress(package.pk, value)
                    shown, last_write = value, time.monotonic()
            zf.writestr("manifest.csv", manifest_csv(rows, others), compress_type=zipfile.ZIP_DEFLATED)
            # Anchor the chain as it stands (in storage too) and hand the auditor a copy: if the log is
            # later cut or rewritten, this file shows it (`verify_evidence --checkpoint checkpoint.json`).
            anchored = checkpoints.write_head(assessment.audit_chain_key)
            checkpoint = anchored[0] if anchored else None
            if checkpoint is not None:
                zf.writestr("checkpoint.json", checkpoint.to_json(), compress_type=zipfile.ZIP_DEFLATED)
            _set_progress(package.pk, 92)
            zf.writestr(
                "index.pdf", index_pdf(package, rows, others, checkpoint), compress_type=zipfile.ZIP_DEFLATED
            )
        _set_progress(package.pk, 95)
        size = tmp.tell()
        tmp.seek(0)
        zip_digest, _ = sha256_of(tmp)
        tmp.seek(0)
        # Storage streams the temporary file (FileSystemStorage copies in chunks, S3 uploads in parts).
        key = default_storage.save(package_key(), File(tmp, name="package.zip"))
    mismatches = [f for f in files if f.verified == HASH_MISMATCH]
    warning = ""
    if mismatches:
        warning = (
            f"{len(mismatches)} file{'s' if len(mismatches) != 1 else ''} did not match the SHA-256 recorded "
            f"at upload: marked {HASH_MISMATCH} in manifest.csv and index.pdf."
        )
    try:
        _mark_ready(
            package,
            key=key,
            size=size,
            digest=zip_digest,
            files=files,
            mismatches=mismatches,
            warning=warning,
        )
    except BaseException:
        default_storage.delete(key)  # no row points at it: do not leave the ZIP behind
        raise
    package.refresh_from_db()
    return package


def _mark_ready(package, *, key, size, digest, files, mismatches, warning) -> None:
    assessment = package.assessment
    with transaction.atomic():
        EvidencePackage.objects.filter(pk=package.pk).update(
            status=PackageStatus.READY,
            progress=100,
            file=key,
            size=size,
            sha256=digest,
            file_count=len(files),
            error=warning,
            finished_at=timezone.now(),
        )
        log_assessment_event(
            assessment,
            "assessment.package_ready",
            target=package,
            package_id=package.pk,
            files=len(files),
            size=size,
            sha256=digest,
            hash_mismatches=[f.arcname for f in mismatches],
        )
        if package.requested_by_id:
            outbox.enqueue("assessments.package_ready_email", package_id=package.pk)


# --- services ----------------------------------------------------------------------------------------


@transaction.atomic
def request_package(*, assessment: Assessment, actor: User) -> EvidencePackage:
    """Queue a package build. The caller has already scoped `assessment` to the actor's workspace."""
    package = EvidencePackage.objects.create(assessment=assessment, requested_by=actor)
    log_assessment_event(
        assessment, "assessment.package_requested", target=package, user=actor, package_id=package.pk
    )
    outbox.enqueue("assessments.package_build", package_id=package.pk)
    return package


@shared_task(acks_late=True)
def build_package_task(package_id: int) -> None:
    build_package(package_id)


@outbox.handler("assessments.package_build")
def package_build_handler(*, package_id: int) -> None:
    # Hand over to a task of its own rather than building here: the outbox runs handlers inside its
    # row lock's transaction, where progress updates would stay invisible to the page until the end.
    # A broker error raises, so the outbox row stays pending and the sweep retries.
    build_package_task.apply_async(args=[package_id])


def download_url(package: EvidencePackage) -> str:
    return absolute_url(
        "assessments:package-status", assessment_id=package.assessment_id, package_id=package.pk
    )


@outbox.handler("assessments.package_ready_email")
def package_ready_email(*, package_id: int) -> None:
    package = (
        EvidencePackage.objects.select_related("assessment__client", "assessment__workspace", "requested_by")
        .filter(pk=package_id, status=PackageStatus.READY)
        .first()
    )
    user = package.requested_by if package else None
    if user is None or not user.is_active:
        return
    # They may have left the workspace since asking.
    if not user.memberships.filter(workspace_id=package.assessment.workspace_id).exists():
        return
    workspace = package.assessment.workspace
    send_templated_email(
        to=user.email,
        template="package_ready",
        context={
            "workspace": workspace,
            "recipient": user,
            "package": package,
            "assessment": package.assessment,
            "link": download_url(package),
        },
    )


def purge_old_packages(*, days: int | None = None) -> int:
    """Delete ready or failed packages older than EVIDENCE_PACKAGE_RETENTION_DAYS, ZIP and row.

    The log keeps each package's SHA-256 and contents summary; a fresh export rebuilds it at any time.
    """
    days = settings.EVIDENCE_PACKAGE_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    old = EvidencePackage.objects.filter(
        status__in=[PackageStatus.READY, PackageStatus.FAILED], created_at__lt=cutoff
    )
    removed = 0
    for package in old.iterator():
        if package.file:
            default_storage.delete(package.file.name)
        EvidencePackage.objects.filter(pk=package.pk).delete()
        removed += 1
    return removed
