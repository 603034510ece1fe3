"""The upload path every stored document takes: sanitise the name, sniff the type from the bytes, refuse
markup, check the use's policy (files/policies.py), then stream to storage hashing on the way.

Call `inspect_upload(upload, policy)` (reads only the first bytes), then `store_upload(upload, key)`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage

from files.hashing import StreamHasher
from files.policies import UploadPolicy
from files.upload_handlers import PARTIAL_DIR

logger = logging.getLogger(__name__)
# What a storage backend raises when it cannot be reached: S3 (botocore) or a local disk (OSError).
STORE_ERRORS = (BotoCoreError, ClientError, OSError)

HEAD_BYTES = 64 * 1024  # enough for filetype's OOXML probes and for a look at text content

# Extensions whose content we accept as plain text when no binary signature matches.
TEXT_EXTENSIONS = {".txt": "text/plain", ".log": "text/plain", ".md": "text/plain", ".csv": "text/csv"}
# Markup is refused outright: an HTML or SVG file served from our origin could run script.
MARKUP = re.compile(rb"^\s*(<!doctype|<html|<svg|<\?xml|<script|<head|<body|<iframe)|<script", re.IGNORECASE)
OOXML_PREFIX = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
FRIENDLY = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "text/plain": "text",
    "text/csv": "CSV",
    "application/zip": "ZIP",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (XLSX)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint (PPTX)",
}


class UploadRejected(Exception):
    """The file was refused; the message is fit to show the person who uploaded it."""


@dataclass
class Inspected:
    name: str
    content_type: str
    size: int


_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f"\\/<>:|?*]+')


def sanitize_filename(raw: str, max_length: int = 150) -> str:
    """A display name safe in HTML, headers and any OS. Only metadata: never a storage path."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # drop any directory part, Windows or POSIX
    name = _UNSAFE_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")  # no leading dots (hidden files, "..")
    if not name:
        name = "file"
    if len(name) > max_length:
        stem, ext = os.path.splitext(name)
        ext = ext[:16]
        name = stem[: max_length - len(ext)].rstrip(" .") + ext
    return name


def friendly_type(content_type: str) -> str:
    """What to call a type when talking to people: never a raw MIME type such as application/x-msdownload."""
    if content_type in FRIENDLY:
        return FRIENDLY[content_type]
    major = (content_type or "").split("/")[0]
    return {"image": "image", "video": "video", "audio": "audio", "text": "text"}.get(major, "other")


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            if unit == "bytes":
                return f"{int(size)} {unit}"
            return f"{size:.1f}".removesuffix(".0") + f" {unit}"  # "1 MB", "1.5 MB", never "100.0 MB"
        size /= 1024
    return f"{n} bytes"


def _read_head(upload) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def _refine_zip(upload, extension: str) -> str:
    """filetype calls most OOXML files 'zip'; look inside for the part that names the real type."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "application/zip"
    finally:
        upload.seek(0)
    if "[Content_Types].xml" in names:
        for prefix, mime in OOXML_PREFIX.items():
            if any(n.startswith(prefix) for n in names):
                return mime
    return "application/zip"


def sniff(upload, name: str) -> str:
    head = _read_head(upload)
    extension = os.path.splitext(name)[1].lower()
    kind = filetype.guess(head)
    if kind is not None:
        mime = kind.mime
        if mime == "application/zip" or mime.startswith("application/vnd.openxmlformats"):
            mime = _refine_zip(upload, extension)
        return mime
    if MARKUP.search(head):
        raise UploadRejected("HTML, SVG and XML files are not accepted. Export the document as PDF instead.")
    if b"\x00" in head:
        return "application/octet-stream"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            return "application/octet-stream"
    if extension in TEXT_EXTENSIONS:
        return TEXT_EXTENSIONS[extension]
    # Text content under a binary name (an HTML page renamed .pdf, say) is not what it claims to be.
    raise UploadRejected(
        f"This file's content does not match its name ({extension or 'no extension'}). "
        "Upload the original document."
    )


def too_large_message(name: str, policy: UploadPolicy) -> str:
    return f"{sanitize_filename(name)} is larger than the {human_size(policy.max_bytes)} limit."


def from_upload_widget(request) -> bool:
    """True for a request from static/files/upload.js (one file per XHR, answered with a fragment holding
    #files) or from htmx; False for the plain form's POST, answered with a redirect and messages."""
    return request.headers.get("X-Requested-With") == "XMLHttpRequest" or bool(
        getattr(request, "htmx", False)
    )


def body_too_large(request, policy: UploadPolicy) -> bool:
    """The widget sends one file per request: a body past the policy's limit (and room for the form's
    fields) is answered 413 with the limit named. (The CSRF check may already have read the body; the
    upload handler skipped the file while it did, so nothing was stored.)"""
    return int(request.META.get("CONTENT_LENGTH") or 0) > policy.max_bytes + 64 * 1024


def inspect_upload(upload, policy: UploadPolicy) -> Inspected:
    """Refuse what `policy` does not accept. Reads only the first bytes; nothing is written anywhere."""
    name = sanitize_filename(getattr(upload, "name", "") or "")
    size = upload.size
    limit = policy.max_bytes
    if size is None or size <= 0:
        raise UploadRejected(f"{name} is empty.")
    if size > limit:
        raise UploadRejected(f"{name} is {human_size(size)}; the limit is {human_size(limit)}.")
    content_type = sniff(upload, name)
    allowed = policy.allowed_types
    if content_type not in allowed:
        label = friendly_type(content_type)
        accepted = ", ".join(sorted({friendly_type(t) for t in allowed}))
        raise UploadRejected(f"{name}: {label} files are not accepted. Accepted types: {accepted}.")
    return Inspected(name=name, content_type=content_type, size=size)


class HashingFile(File):
    """Wraps an upload so that whatever storage reads (chunks() locally, read() for S3) is hashed once."""

    def __init__(self, upload):
        super().__init__(upload, name=getattr(upload, "name", None))
        self.hasher = StreamHasher()

    def _seen(self, data: bytes) -> bytes:
        return self.hasher.update(data)

    def seek(self, pos, whence=0):
        if pos == 0 and whence == 0:  # a re-read starts the hash over, so it is never doubled
            self.hasher.reset()
        return self.file.seek(pos, whence)

    def read(self, size=-1):
        return self._seen(self.file.read(size))

    def chunks(self, chunk_size=None):
        self.seek(0)
        while True:
            data = self.file.read(chunk_size or self.DEFAULT_CHUNK_SIZE)
            if not data:
                break
            yield self._seen(data)

    def multiple_chunks(self, chunk_size=None):
        return True


@dataclass
class Stored:
    key: str
    sha256: str
    size: int


def _written_in_place(upload) -> bool:
    """Was `upload` already written into the local storage directory, hashed as it arrived?

    (files.upload_handlers.StreamToStorageUploadHandler): then storing it is a rename on the same disk.
    """
    hasher = getattr(upload, "streamed_hasher", None)
    if hasher is None or not isinstance(default_storage, FileSystemStorage):
        return False
    here = os.path.realpath(os.path.join(default_storage.location, PARTIAL_DIR))
    return os.path.realpath(getattr(upload, "directory", "")) == here


def _store_in_place(upload, key: str) -> Stored:
    hasher = upload.streamed_hasher
    if hasher.size != upload.size or os.fstat(upload.file.fileno()).st_size != hasher.size:
        raise UploadRejected("The upload was interrupted. Please try again.")
    try:
        saved_key = default_storage.save(key, upload)  # FileSystemStorage moves a file with a temporary path
    except OSError as exc:
        logger.exception("file store unwritable while saving %s", key)
        with contextlib.suppress(OSError):
            default_storage.delete(key)
        raise UploadRejected(
            "We could not reach the file store, so nothing was saved. Please try again in a few minutes."
        ) from exc
    return Stored(key=saved_key, sha256=hasher.hexdigest(), size=hasher.size)


def store_upload(upload, key: str) -> Stored:
    """Stream to default storage under our own key, hashing on the way. The caller deletes it on failure.

    An upload the upload handler already wrote into the storage directory (hashing every byte as it
    arrived) is renamed to `key` instead: written once, hashed once.
    """
    if _written_in_place(upload):
        return _store_in_place(upload, key)
    wrapped = HashingFile(upload)
    wrapped.seek(0)
    try:
        saved_key = default_storage.save(key, wrapped)
    except STORE_ERRORS as exc:
        logger.exception("file store unreachable while saving %s", key)
        with contextlib.suppress(*STORE_ERRORS):
            default_storage.delete(key)  # a half-written object, if the store got that far
        raise UploadRejected(
            "We could not reach the file store, so nothing was saved. Please try again in a few minutes."
        ) from exc
    if wrapped.hasher.size != upload.size:
        default_storage.delete(saved_key)
        raise UploadRejected("The upload was interrupted. Please try again.")
    return Stored(key=saved_key, sha256=wrapped.hasher.hexdigest(), size=wrapped.hasher.size)
