"""Uploads are written once: straight into the storage directory, hashed as they stream, then renamed to
their key. The hash is the stored file's, partial files never outlive a refused or broken upload, and
S3 (no local directory) still takes the spooled path."""

from __future__ import annotations

import gc
import hashlib
import io
import os
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopFutureHandlers
from django.http.multipartparser import MultiPartParser
from django.urls import reverse

from assessments.models import EvidenceFile
from files.upload_handlers import (
    PARTIAL_DIR,
    UPLOAD_CHUNK_BYTES,
    SizeLimitUploadHandler,
    StoragePartialFile,
    StreamToStorageUploadHandler,
)
from tests.conftest import portal_client

pytestmark = pytest.mark.django_db

PDF_HEAD = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BIG_PDF = PDF_HEAD + bytes(range(256)) * (3 * UPLOAD_CHUNK_BYTES // 256)  # several 1 MB chunks
BOUNDARY = "bench-boundary-7MA4YWxkTrZu0gW"


def _partials() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / PARTIAL_DIR
    return sorted(folder.iterdir()) if folder.exists() else []


def _upload(http, ev, name: str, content: bytes):
    url = reverse("portal:request-upload", kwargs={"slug": "alpha", "request_id": ev.request.pk})
    return http.post(url, {"file": SimpleUploadedFile(name, content)}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")


def _multipart(content: bytes) -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="e.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def _meta(body_length: int) -> dict:
    return {"CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}", "CONTENT_LENGTH": str(body_length)}


def test_upload_is_hashed_while_streaming_and_stored_by_rename(world, ev, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # past this, the file streams to disk
    response = _upload(portal_client(world.contact), ev, "scan.pdf", BIG_PDF)
    assert response.status_code == 200, response.content[:300]
    record = EvidenceFile.objects.get()
    assert record.sha256 == hashlib.sha256(BIG_PDF).hexdigest() and record.size == len(BIG_PDF)
    assert record.content_type == "application/pdf" and record.original_name == "scan.pdf"
    with default_storage.open(record.file.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == record.sha256  # the hash is the stored file's
    assert not record.file.name.startswith(PARTIAL_DIR) and "scan" not in record.file.name
    assert _partials() == []  # renamed away, nothing left behind


def test_handler_hash_equals_the_written_file(settings):
    body = _multipart(BIG_PDF)
    handler = StreamToStorageUploadHandler()
    parser = MultiPartParser(_meta(len(body)), io.BytesIO(body), [handler])
    _, files = parser.parse()
    upload = files["file"]
    assert isinstance(upload, StoragePartialFile)
    assert Path(upload.temporary_file_path()).parent == Path(settings.MEDIA_ROOT) / PARTIAL_DIR
    assert Path(upload.temporary_file_path()).read_bytes() == BIG_PDF
    assert upload.streamed_hasher.hexdigest() == hashlib.sha256(BIG_PDF).hexdigest()
    assert upload.size == upload.streamed_hasher.size == len(BIG_PDF)
    upload.close()
    assert _partials() == []  # closing a file that was never stored deletes it


def test_refused_upload_leaves_no_partial_file(world, ev, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    html = b"<!DOCTYPE html><html><script>alert(1)</script></html>" + b" " * 50_000
    response = _upload(portal_client(world.contact), ev, "report.pdf", html)
    assert "HTML, SVG and XML" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert _partials() == []  # the request's files are closed (deleted) when the response ends


def test_oversized_upload_skipped_mid_stream_leaves_no_partial_file(world, ev, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.EVIDENCE_MAX_UPLOAD_BYTES = UPLOAD_CHUNK_BYTES + 10  # passed during the second chunk
    response = _upload(portal_client(world.contact), ev, "big.pdf", BIG_PDF)
    assert response.status_code == 413 and "larger than" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert _partials() == []


class _BrokenStream(io.BytesIO):
    """A request body whose connection drops after `limit` bytes (the client went away)."""

    def __init__(self, data: bytes, limit: int):
        super().__init__(data)
        self.limit = limit

    def read(self, size=-1):
        if self.tell() >= self.limit:
            raise OSError("connection reset by peer")
        return super().read(size)


def test_aborted_upload_leaves_no_partial_file():
    body = _multipart(BIG_PDF)
    handlers = [SizeLimitUploadHandler(), StreamToStorageUploadHandler()]
    parser = MultiPartParser(_meta(len(body)), _BrokenStream(body, 2 * UPLOAD_CHUNK_BYTES), handlers)
    with pytest.raises(OSError, match="connection reset"):
        parser.parse()
    assert len(_partials()) == 1  # half-received, still open (its writer thread may still be writing)
    del parser, handlers  # the request ends: its handlers and their open file go with it
    gc.collect()
    assert _partials() == []


def test_s3_storage_takes_the_spooled_path(world, ev, settings, s3_storage):
    s3, bucket = s3_storage
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = _upload(portal_client(world.contact), ev, "scan.pdf", BIG_PDF)
    assert response.status_code == 200, response.content[:300]
    record = EvidenceFile.objects.get()
    assert record.sha256 == hashlib.sha256(BIG_PDF).hexdigest() and record.size == len(BIG_PDF)
    assert s3.get_object(Bucket=bucket, Key=record.file.name)["Body"].read() == BIG_PDF
    assert _partials() == []


def test_partial_files_of_killed_workers_are_swept_live_ones_kept(settings):
    """A worker killed mid-upload (timeout, deploy, OOM) never closes its partial file: the hourly sweep
    deletes those untouched for UPLOAD_PARTIAL_MAX_AGE_SECONDS, and nothing else in the directory."""
    import os
    import time

    from files.tasks import sweep_abandoned_uploads

    folder = Path(settings.MEDIA_ROOT) / PARTIAL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    dead = folder / "upload-dead1234.part"
    live = folder / "upload-live5678.part"
    other = folder / "notes.txt"
    for path in (dead, live, other):
        path.write_bytes(b"x" * 10)
    old = time.time() - settings.UPLOAD_PARTIAL_MAX_AGE_SECONDS - 60
    os.utime(dead, (old, old))
    os.utime(other, (old, old))
    outside = Path(settings.MEDIA_ROOT) / "upload-outside.part"
    outside.write_bytes(b"y")
    os.utime(outside, (old, old))
    link = folder / "upload-link.part"
    link.symlink_to(outside)
    os.utime(link, (old, old), follow_symlinks=False)
    try:
        assert sweep_abandoned_uploads() == 1
        assert not dead.exists()
        assert live.exists() and other.exists() and outside.exists() and link.is_symlink()
        assert sweep_abandoned_uploads() == 0  # idempotent
    finally:
        for path in (live, other, outside, link):
            path.unlink(missing_ok=True)


def test_sweep_without_local_storage_does_nothing(settings, s3_storage):
    from files.tasks import sweep_abandoned_uploads

    assert sweep_abandoned_uploads() == 0


def test_file_modes_private_while_partial_then_the_storage_setting(world, ev, settings):
    """A partial file is private to the app's user (mkstemp's 0600) while it streams; the stored file gets
    the mode FileSystemStorage gives every file (FILE_UPLOAD_PERMISSIONS), as a streamed copy did."""
    import stat

    body = _multipart(BIG_PDF)
    parser = MultiPartParser(_meta(len(body)), io.BytesIO(body), [StreamToStorageUploadHandler()])
    _, files = parser.parse()
    partial = Path(files["file"].temporary_file_path())
    assert stat.S_IMODE(partial.stat().st_mode) == 0o600
    files["file"].close()

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    assert _upload(portal_client(world.contact), ev, "scan.pdf", BIG_PDF).status_code == 200
    stored = Path(default_storage.path(EvidenceFile.objects.get().file.name))
    expected = settings.FILE_UPLOAD_PERMISSIONS
    assert expected is not None and stat.S_IMODE(stored.stat().st_mode) == expected
    assert not stored.stat().st_mode & stat.S_IWOTH


def test_signed_in_staff_still_get_their_views_policy_end_to_end(world, settings):
    """Staff sign-in is known when the body is parsed: a deliverable larger than the small default is
    stored, not skipped."""
    from projects import services as project_services
    from projects.models import Deliverable, ProjectStatus
    from tests.conftest import staff_client

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_DEFAULT_MAX_BYTES = UPLOAD_CHUNK_BYTES  # BIG_PDF is three times this
    project = project_services.create_project(
        workspace=world.ws, client=world.client, actor=world.owner, name="Site", status=ProjectStatus.ACTIVE
    )
    url = reverse("projects:deliverable-create", args=[project.pk])
    response = staff_client(world.owner).post(
        url, {"file": SimpleUploadedFile("big.pdf", BIG_PDF), "note": ""}
    )
    assert response.status_code == 302
    assert Deliverable.objects.get(project=project).current_version.size == len(BIG_PDF)
    assert _partials() == []


def test_a_stranger_posting_to_an_upload_url_is_held_to_the_small_default(world, ev, settings, monkeypatch):
    """Signed out, with a valid CSRF cookie and token (anyone can get one): the body is parsed by the CSRF
    check before the view refuses, at the small default limit, and nothing is kept."""
    from django.test import Client as HttpClient

    seen = []
    original = SizeLimitUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        seen.append(self.limit)
        return original(self, raw_data, start)

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_DEFAULT_MAX_BYTES = UPLOAD_CHUNK_BYTES
    http = HttpClient(enforce_csrf_checks=True)
    login = http.get(reverse("portal:login", kwargs={"slug": "alpha"}))
    token = login.cookies["csrftoken"].value
    url = reverse("portal:request-upload", kwargs={"slug": "alpha", "request_id": ev.request.pk})
    monkeypatch.setattr(SizeLimitUploadHandler, "receive_data_chunk", spy)  # observes, changes nothing
    response = http.post(url, {"file": SimpleUploadedFile("e.pdf", BIG_PDF), "csrfmiddlewaretoken": token})
    assert response.status_code in (302, 403, 404)
    assert seen and set(seen) == {UPLOAD_CHUNK_BYTES}  # the default, not the evidence limit
    assert len(seen) == 2  # skipped in the second chunk: the rest of the file was never read into a handler
    assert not EvidenceFile.objects.exists() and _partials() == []


def test_writer_thread_hashes_every_byte_in_order_and_ends():
    """Chunks handed to the writer thread land in order and hashed, and the thread is gone once complete."""
    chunks = [
        bytes([i % 251]) * (UPLOAD_CHUNK_BYTES // 3 + i) for i in range(40)
    ]  # more than the queue holds
    handler = StreamToStorageUploadHandler()
    with pytest.raises(StopFutureHandlers):
        handler.new_file("file", "x.pdf", "application/pdf", sum(map(len, chunks)))
    for n, chunk in enumerate(chunks):
        assert handler.receive_data_chunk(chunk, n) is None
    stored = handler.file_complete(sum(map(len, chunks)))
    expected = b"".join(chunks)
    assert stored.read() == expected
    assert stored.streamed_hasher.hexdigest() == hashlib.sha256(expected).hexdigest()
    assert stored.streamed_hasher.size == len(expected)
    assert not [t for t in threading.enumerate() if t.name == "upload-writer"]
    stored.close()
    assert _partials() == []


def test_the_partial_directory_takes_the_configured_directory_mode(settings, tmp_path):
    import stat

    from django.core.files.storage import default_storage

    from files.upload_handlers import partial_directory

    settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
    settings.MEDIA_ROOT = str(tmp_path / "media")  # storage follows MEDIA_ROOT (setting_changed)
    assert default_storage.location == settings.MEDIA_ROOT
    path = partial_directory()
    assert path == str(tmp_path / "media" / PARTIAL_DIR)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
