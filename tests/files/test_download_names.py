"""The name of every download, raw response and package entry ends in the extension of the type sniffed
from the bytes (files/filetypes.py), never the one the uploader chose."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.services import upload_file
from files.filetypes import extension_for, name_for
from tests.conftest import portal_client, staff_client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Sniffed as PDF (the signature comes first) while it also carries markup and a page's name.
POLYGLOT = PDF + b"<html><script>alert(document.domain)</script></html>\n"


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("evidence.bat", "application/pdf", "evidence.bat.pdf"),
        ("polyglot.html", "application/pdf", "polyglot.html.pdf"),
        ("report.pdf", "application/pdf", "report.pdf"),
        ("REPORT.PDF", "application/pdf", "REPORT.PDF"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("photo.png", "image/jpeg", "photo.png.jpg"),
        ("notes", "text/plain", "notes.txt"),
        ("ledger.csv", "text/csv", "ledger.csv"),
        ("ledger.exe", "text/csv", "ledger.exe.csv"),
        ("setup.exe", "application/x-msdownload", "setup.exe.bin"),
        ("data.bin", "application/octet-stream", "data.bin"),
        ("trailing.", "application/pdf", "trailing.pdf"),
        (".pdf", "application/pdf", ".pdf.pdf"),  # an extension alone is not a name that ends in one
    ],
)
def test_name_for_uses_the_sniffed_type(name, content_type, expected):
    assert name_for(name, content_type) == expected


def test_extension_for_unknown_types_is_opaque():
    assert extension_for("application/pdf; charset=binary") == ".pdf"
    assert extension_for("text/html") == ".bin" and extension_for("") == ".bin"


def _upload(world, ev, name: str, content: bytes):
    return upload_file(
        evidence=ev.request, upload=SimpleUploadedFile(name, content), contact=world.contact, ip="203.0.113.9"
    )


@pytest.mark.parametrize(
    ("name", "served"), [("evidence.bat", "evidence.bat.pdf"), ("polyglot.html", "polyglot.html.pdf")]
)
def test_downloads_and_raw_are_named_from_the_sniffed_type(world, ev, name, served):
    record = _upload(world, ev, name, POLYGLOT)
    assert record.content_type == "application/pdf" and record.original_name == name
    staff, contact = staff_client(world.owner), portal_client(world.contact)
    urls = [
        (staff, reverse("assessments:file-download", args=[record.pk]), "attachment"),
        (staff, reverse("assessments:file-raw", args=[record.pk]), "inline"),
        (contact, reverse("portal:file-download", args=["alpha", record.pk]), "attachment"),
        (contact, reverse("portal:file-raw", args=["alpha", record.pk]), "inline"),
    ]
    for http, url, disposition in urls:
        response = http.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'{disposition}; filename="{served}"'
        assert response["Content-Type"] == "application/pdf"
