"""Inline previews of stored files, shared by every app's staff and portal preview pages.

The kind comes from the content type sniffed at upload (files/uploads.py), never from the name.
Nothing here marks anything safe: tables and text go to the template as plain strings, which Django
escapes; PDFs and images are served as bytes by `raw_response` with a locked-down CSP and `nosniff`.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.http import content_disposition_header

from files.filetypes import name_for
from files.tables import MAX_ROWS, Table, TooLarge, csv_table, guess_encoding, xlsx_table
from files.uploads import STORE_ERRORS, friendly_type

logger = logging.getLogger(__name__)

PDF = "application/pdf"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# The only types ever served inline (raw endpoint). Never HTML, SVG or text: the browser could render them.
INLINE_TYPES = IMAGE_TYPES | {PDF}
CSV_TYPE = "text/csv"
TEXT_TYPE = "text/plain"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TEXT_BYTES = 100 * 1024

UNREADABLE = "This file could not be previewed. Download it instead."
TOO_LARGE = "This file could not be previewed: it is too large or too complex. Download it instead."
MISSING = "This file could not be read from storage. Try again later, or download it."


class Kind:
    PDF = "pdf"
    IMAGE = "image"
    CSV = "csv"
    XLSX = "xlsx"
    TEXT = "text"
    OTHER = "other"


def kind_for(content_type: str) -> str:
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type == PDF:
        return Kind.PDF
    if content_type in IMAGE_TYPES:
        return Kind.IMAGE
    if content_type == CSV_TYPE:
        return Kind.CSV
    if content_type == XLSX_TYPE:
        return Kind.XLSX
    if content_type == TEXT_TYPE:
        return Kind.TEXT
    return Kind.OTHER


def type_label(content_type: str) -> str:
    return friendly_type(content_type)


@dataclass
class Preview:
    kind: str
    table: Table | None = None
    text: str | None = None
    notes: list[str] = field(default_factory=list)
    error: str = ""
    pending: bool = False  # a table being built by a worker (files.preview_jobs): the page polls

    @property
    def cacheable(self) -> bool:
        """Built from the bytes: the same for every file with this SHA-256. A store error is not."""
        return not self.pending and self.error != MISSING


def _open(record):
    try:
        return default_storage.open(record.file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404("File missing from storage") from exc


# --- the preview ----------------------------------------------------------------------------------------


# Blank (or whitespace-only) lines before the first line with text. Each repetition must end at a newline,
# so nothing can backtrack into it more than once.
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t\f\v\r]*\n)+")


def text_excerpt(handle, limit: int = TEXT_BYTES) -> tuple[str, list[str]]:
    data = handle.read(limit + 1)
    truncated = len(data) > limit
    data = data[:limit]
    encoding, note = guess_encoding(data)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(data, final=not truncated)
    notes = [note] if note else []
    if "\x00" in text:
        text = text.replace("\x00", "\N{SYMBOL FOR NULL}")
        notes.append("The file contains NUL bytes; they are shown as ␀.")
    text = _LEADING_BLANK_LINES.sub("", text.removeprefix("\ufeff"), count=1)
    if truncated:
        notes.append(f"Only the first {limit // 1024} KB are shown. Download the file to see all of it.")
    return text, notes


def build_preview(record) -> Preview:
    kind = kind_for(record.content_type)
    preview = Preview(kind=kind)
    if kind not in (Kind.CSV, Kind.XLSX, Kind.TEXT):
        return preview  # PDFs and images load from the raw endpoint; other types get an icon
    try:
        with _open(record) as handle:
            if kind == Kind.CSV:
                preview.table = csv_table(handle)
            elif kind == Kind.XLSX:
                preview.table = xlsx_table(handle)
            else:
                preview.text, preview.notes = text_excerpt(handle)
    except Http404:
        preview.error = MISSING
    except (TooLarge, SoftTimeLimitExceeded) as exc:
        logger.info("preview of stored file %s refused: %s", record.pk, exc)
        preview.error = TOO_LARGE
    except STORE_ERRORS:
        logger.exception("file store unreachable while previewing stored file %s", record.pk)
        preview.error = MISSING
    except Exception:  # noqa: BLE001 - a corrupt upload must give a friendly page, never a 500
        logger.warning("could not preview stored file %s (%s)", record.pk, record.content_type, exc_info=True)
        preview.error = UNREADABLE
    return preview


RAW_CSP = {
    Kind.PDF: "default-src 'none'; sandbox",
    Kind.IMAGE: "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
}


def raw_response(record) -> FileResponse:
    """The bytes of a PDF or image for our own preview page (fetch → blob, or <img src>), from our origin.

    Streams from storage even on S3 so the page's fetch() stays same-origin (connect-src 'self').
    Anything not on the inline allow-list is a 404: it is downloaded, never rendered.
    """
    kind = kind_for(record.content_type)
    if record.content_type not in INLINE_TYPES:
        raise Http404("Not an inline type")
    try:
        handle = _open(record)
    except STORE_ERRORS as exc:
        logger.exception("file store unreachable while serving stored file %s", record.pk)
        raise Http404("File store unreachable") from exc
    response = FileResponse(handle, content_type=record.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=name_for(record.original_name, record.content_type)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = RAW_CSP[kind]
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def preview_context(
    record,
    *,
    raw_url: str,
    download_url: str,
    back_url: str,
    back_label: str,
    extra_details: list[tuple[str, str]] | None = None,
    preview: Preview | None = None,
) -> dict:
    return {
        "file": record,
        "preview": preview if preview is not None else build_preview(record),
        "type_label": type_label(record.content_type),
        "raw_url": raw_url,
        "download_url": download_url,
        "back_url": back_url,
        "back_label": back_label,
        "extra_details": extra_details or [],
        "max_rows": MAX_ROWS,
    }
