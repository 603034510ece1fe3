"""Upload hardening: every bad input is refused or stored safely, never served inline, nothing half-stored."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import EvidenceFile
from assessments.services import ServiceError, upload_file
from files.uploads import sanitize_filename

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40


def _stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "evidence"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _upload(world, ev, name: str, content: bytes):
    return upload_file(
        evidence=ev.request, upload=SimpleUploadedFile(name, content), contact=world.contact, ip="203.0.113.9"
    )


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML, SVG and XML"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "HTML, SVG"),
        ("chart.png", b'<?xml version="1.0"?><svg onload="alert(1)"/>', "HTML, SVG"),
        ("notes.txt", b"hello <script>steal()</script>", "HTML, SVG"),
        ("empty.pdf", b"", "is empty"),
        ("fake.pdf", b"just some text pretending", "does not match its name"),
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 200, "not accepted"),
        ("report.pdf.exe", b"MZ\x90\x00" + b"\x00" * 200, "not accepted"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(world, ev, name, content, message):
    before = _stored_files()
    with pytest.raises(ServiceError, match=message):
        _upload(world, ev, name, content)
    assert not EvidenceFile.objects.exists()
    assert _stored_files() == before


def test_oversized_file_is_refused(world, ev, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    before = _stored_files()
    with pytest.raises(ServiceError, match="the limit is 1 KB"):
        _upload(world, ev, "big.pdf", PDF + b"0" * 2000)
    assert not EvidenceFile.objects.exists() and _stored_files() == before


def test_oversized_xhr_body_is_refused_before_parsing(world, ev, contact_http, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    url = reverse("portal:request-upload", kwargs={"slug": "alpha", "request_id": ev.request.pk})
    response = contact_http.post(
        url,
        {"file": SimpleUploadedFile("big.pdf", PDF + b"0" * 200_000)},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 413 and "larger than" in response.content.decode()
    assert not EvidenceFile.objects.exists()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../x", "x"),
        ("..\\..\\windows\\evil.pdf", "evil.pdf"),
        ("/etc/passwd", "passwd"),
        ('we"ird<name>.pdf', "we_ird_name_.pdf"),
        ("...", "file"),
        ("", "file"),
        ("a\x00b\nc.pdf", "a_b_c.pdf"),
    ],
)
def test_sanitize_filename(raw, expected):
    assert sanitize_filename(raw) == expected


def test_path_traversal_name_is_only_metadata(world, ev):
    record = _upload(world, ev, "../../x.pdf", PDF)
    assert record.original_name == "x.pdf"
    assert (
        record.file.name.startswith("evidence/")
        and ".." not in record.file.name
        and "x.pdf" not in record.file.name
    )


def test_long_name_with_quotes_is_stored_safely_and_downloads_as_attachment(world, ev, contact_http):
    name = "Q\"uote's " + "x" * 300 + ".pdf"
    record = _upload(world, ev, name, PDF)
    assert len(record.original_name) <= 150 and record.original_name.endswith(".pdf")
    assert '"' not in record.original_name
    response = contact_http.get(
        reverse("portal:file-download", kwargs={"slug": "alpha", "file_id": record.pk})
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition
    assert response["Content-Security-Policy"].startswith("default-src 'none'")


def test_double_extension_with_real_pdf_is_stored_as_pdf(world, ev):
    record = _upload(world, ev, "invoice.php.pdf", PDF)
    assert record.content_type == "application/pdf" and record.original_name == "invoice.php.pdf"


def test_type_is_sniffed_hash_and_size_recorded(world, ev):
    record = _upload(world, ev, "photo.jpg", PNG)  # a PNG named .jpg is stored as what it is
    assert record.content_type == "image/png"
    assert record.sha256 == hashlib.sha256(PNG).hexdigest() and record.size == len(PNG)
    assert record.uploader_ip == "203.0.113.9" and record.submission_round == 1
    with record.file.open("rb") as fh:
        assert fh.read() == PNG
    docx = _upload(world, ev, "policy.docx", _docx())
    assert docx.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    csv = _upload(world, ev, "users.csv", b"user,role\nalice,admin\n")
    assert csv.content_type == "text/csv"


def test_allow_list_is_configurable(world, ev, settings):
    settings.EVIDENCE_ALLOWED_TYPES = ["application/pdf"]
    with pytest.raises(ServiceError, match="not accepted"):
        _upload(world, ev, "users.csv", b"a,b\n1,2\n")
    assert _upload(world, ev, "ok.pdf", PDF).content_type == "application/pdf"


def test_large_upload_streams_through_a_temporary_file(world, ev):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    payload = PDF + b"0" * (3 * 1024 * 1024)
    tmp = TemporaryUploadedFile("big.pdf", "application/pdf", len(payload), None)
    tmp.write(payload)
    tmp.seek(0)
    record = upload_file(evidence=ev.request, upload=tmp, contact=world.contact)
    assert record.size == len(payload) and record.sha256 == hashlib.sha256(payload).hexdigest()


def test_no_js_form_oversized_file_is_skipped_before_spooling(world, ev, settings):
    """The plain form (no XHR) path: the size handler skips the file while parsing; nothing is stored."""
    from tests.conftest import portal_client

    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1000
    http = portal_client(world.contact)
    url = reverse("portal:request-upload", kwargs={"slug": "alpha", "request_id": ev.request.pk})
    before = _stored_files()
    response = http.post(url, {"file": SimpleUploadedFile("huge.pdf", PDF + b"0" * 5000)}, follow=True)
    assert b"huge.pdf is larger than the 1000 bytes limit" in response.content
    assert not EvidenceFile.objects.exists()
    assert _stored_files() == before
    ok = http.post(url, {"file": SimpleUploadedFile("small.pdf", PDF)}, follow=True)
    assert b"Uploaded small.pdf" in ok.content
