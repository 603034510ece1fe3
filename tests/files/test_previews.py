"""Inline previews: kind detection and table building (files/previews.py), the preview pages and raw
endpoints on both sides, their headers, their refusals, and S3 streaming."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import Workbook
from PIL import Image

from files import previews, tables
from files.previews import Kind
from tests.conftest import portal_client, staff_client
from tests.factories import EvidenceFileFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def png_bytes(size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (79, 70, 229)).save(buf, "PNG")
    return buf.getvalue()


def csv_bytes(rows: int, header=("id", "name", "amount")) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for i in range(1, rows + 1):
        writer.writerow([i, f"item {i}", f"{i * 1.5:.2f}"])
    return out.getvalue().encode()


def xlsx_bytes(rows: int, *, cols: int = 4, sheets=("Findings",)) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheets[0])
    ws.append(["Requirement", "Control", "Tested on", "Score", *[f"c{i}" for i in range(4, cols)]])
    for i in range(1, rows + 1):
        ws.append([f"1.{i}", f"Control {i}", dt.datetime(2026, 1, 1 + i % 28), i / 4, *range(4, cols)])
    for name in sheets[1:]:
        wb.create_sheet(name).append(["other"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def staff_url(name: str, record) -> str:
    return reverse(f"assessments:{name}", kwargs={"file_id": record.pk})


def portal_url(name: str, record, slug: str = "alpha") -> str:
    return reverse(f"portal:{name}", kwargs={"slug": slug, "file_id": record.pk})


@pytest.fixture
def both(world):
    """(http client, url builder) for the staff side and the portal side."""
    return [(staff_client(world.owner), staff_url), (portal_client(world.contact), portal_url)]


# --- previews.py units --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("application/pdf", Kind.PDF),
        ("image/png", Kind.IMAGE),
        ("image/jpeg", Kind.IMAGE),
        ("image/gif", Kind.IMAGE),
        ("image/webp", Kind.IMAGE),
        ("image/svg+xml", Kind.OTHER),
        ("text/html", Kind.OTHER),
        ("text/csv", Kind.CSV),
        (XLSX, Kind.XLSX),
        ("text/plain", Kind.TEXT),
        (DOCX, Kind.OTHER),
        ("application/zip", Kind.OTHER),
        ("", Kind.OTHER),
    ],
)
def test_kind_comes_from_the_sniffed_type(content_type, kind):
    assert previews.kind_for(content_type) == kind


def test_csv_table_shows_200_rows_and_counts_the_rest():
    table = tables.csv_table(io.BytesIO(csv_bytes(250)))
    assert table.header == ["id", "name", "amount"]
    assert table.shown == 200 and table.rows[0] == ["1", "item 1", "1.50"] and table.rows[-1][0] == "200"
    assert table.remaining == 50 and not table.remaining_is_minimum
    assert table.notes == []


def test_csv_count_stops_at_the_byte_cap_and_says_more_than():
    data = csv_bytes(50_000)
    table = tables.csv_table(io.BytesIO(data), byte_cap=200_000)
    assert table.shown == 200
    assert table.remaining_is_minimum and 0 < table.remaining < 50_000 - 200


def test_csv_streams_instead_of_reading_everything():
    class CountingFile(io.BytesIO):
        biggest = 0

        def read(self, size=-1):
            assert size is not None and size > 0, "the whole file was read at once"
            CountingFile.biggest = max(CountingFile.biggest, size)
            return super().read(size)

    tables.csv_table(CountingFile(csv_bytes(20_000)))
    assert CountingFile.biggest <= tables.SAMPLE_BYTES


def test_csv_semicolons_and_quoted_newlines():
    data = b'a;b;c\n1;"two\nlines";3\n4;5;6\n'
    table = tables.csv_table(io.BytesIO(data))
    assert table.header == ["a", "b", "c"]
    assert table.rows == [["1", "two\nlines", "3"], ["4", "5", "6"]]


def test_csv_windows_1252_is_decoded_with_a_note():
    table = tables.csv_table(io.BytesIO("name,city\nRenée,Zürich\n".encode("cp1252")))
    assert table.rows == [["Renée", "Zürich"]]
    assert any("Windows-1252" in n for n in table.notes)


def test_csv_bad_bytes_after_the_sample_are_replaced_not_fatal():
    data = csv_bytes(5000) + b"5001,bad \xff\xfe bytes,1\n"
    assert len(data) > tables.SAMPLE_BYTES
    table = tables.csv_table(io.BytesIO(data), max_rows=6000)
    assert table.rows[-1][1] == "bad \ufffd\ufffd bytes"
    assert any("not valid UTF-8" in n for n in table.notes)


def test_csv_utf8_bom_is_not_part_of_the_header():
    table = tables.csv_table(io.BytesIO("\ufeffid,name\n1,x\n".encode()))
    assert table.header == ["id", "name"]


def test_csv_empty_file():
    table = tables.csv_table(io.BytesIO(b""))
    assert table.header == [] and table.rows == [] and "The file is empty." in table.notes


def test_csv_wide_file_is_cut_at_50_columns():
    data = (",".join(f"h{i}" for i in range(80)) + "\n" + ",".join(str(i) for i in range(80)) + "\n").encode()
    table = tables.csv_table(io.BytesIO(data))
    assert len(table.header) == 50 and len(table.rows[0]) == 50
    assert any("first 50 of 80 columns" in n for n in table.notes)


def test_format_value():
    assert tables.format_value(None) == ""
    assert tables.format_value(dt.datetime(2026, 3, 4)) == "2026-03-04"
    assert tables.format_value(dt.datetime(2026, 3, 4, 9, 30)) == "2026-03-04 09:30"
    assert tables.format_value(dt.date(2026, 3, 4)) == "2026-03-04"
    assert tables.format_value(3.0) == "3"
    assert tables.format_value(0.1 + 0.2) == "0.3"
    assert tables.format_value(True) == "TRUE"
    assert tables.format_value("x" * 600).endswith("…")


def test_xlsx_table_large_sheet():
    table = tables.xlsx_table(io.BytesIO(xlsx_bytes(5000, sheets=("Findings", "Notes", "Scope"))))
    assert table.header == ["Requirement", "Control", "Tested on", "Score"]
    assert table.shown == 200
    assert table.rows[0] == ["1.1", "Control 1", "2026-01-02", "0.25"]
    assert table.remaining == 4800
    assert table.sheet == "Findings" and table.other_sheets == ["Notes", "Scope"]


def test_xlsx_wide_sheet_is_cut_at_50_columns():
    table = tables.xlsx_table(io.BytesIO(xlsx_bytes(3, cols=70)))
    assert len(table.header) == 50 and all(len(r) == 50 for r in table.rows)
    # openpyxl's write-only mode records no sheet size, so the total is unknown here
    assert "Only the first 50 columns are shown." in table.notes


def test_xlsx_from_a_stream_that_cannot_seek():
    class Stream(io.RawIOBase):
        def __init__(self, data):
            self._buf = io.BytesIO(data)

        def readable(self):
            return True

        def seekable(self):
            return False

        def read(self, size=-1):
            return self._buf.read(size)

    table = tables.xlsx_table(Stream(xlsx_bytes(10)))
    assert table.shown == 10 and table.remaining == 0


# --- preview pages ------------------------------------------------------------------------------------


def test_csv_preview_page_shows_200_rows_and_50_more(both, store):
    record = store("ledger.csv", csv_bytes(250), "text/csv")
    for http, url in both:
        response = http.get(url("file-preview", record))
        assert response.status_code == 200
        page = response.content.decode()
        assert '<th scope="col">name</th>' in page
        assert page.count('<th scope="row" class="row-num">') == 200
        assert "item 200" in page and "item 201" not in page
        assert "50 more rows" in page
        assert record.sha256 in page and "ledger.csv" in page
        assert url("file-download", record) in page


def test_malformed_csv_renders_escaped(both, store):
    data = (
        b"id,name,note\n"
        b"1,short\n"  # ragged: one cell short
        b"2,long,row,with,extra\n"  # ragged: two extra cells
        b"3,<script>alert('x')</script>,=HYPERLINK(\"http://evil.example\")\n"
        b"4,nul\x00byte,caf\xe9 \xff\n"  # a NUL and bytes that are not UTF-8
        b'5,"unterminated\n'
    )
    record = store("broken.csv", data, "text/csv")
    for http, url in both:
        response = http.get(url("file-preview", record))
        assert response.status_code == 200
        page = response.content.decode()
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
        assert "=HYPERLINK(&quot;http://evil.example&quot;)" in page  # shown as text, never evaluated
        assert "(extra)" in page and "different number of cells" in page
        assert "Windows-1252" in page and "café" in page
        assert "nul␀byte" in page


def test_large_xlsx_preview(both, store):
    record = store("controls.xlsx", xlsx_bytes(5000, sheets=("Findings", "Notes")), XLSX)
    for http, url in both:
        response = http.get(url("file-preview", record))
        assert response.status_code == 200
        page = response.content.decode()
        assert '<th scope="col">Requirement</th>' in page
        assert page.count('<th scope="row" class="row-num">') == 200
        assert "4800 more rows" in page
        assert "Notes" in page and "2026-01-02" in page


def test_corrupt_xlsx_is_a_friendly_message(both, store):
    record = store("broken.xlsx", b"PK\x03\x04 this is not really a workbook", XLSX)
    for http, url in both:
        response = http.get(url("file-preview", record))
        assert response.status_code == 200
        page = response.content.decode()
        assert "could not be previewed" in page and 'id="preview-error"' in page
        assert url("file-download", record) in page


def test_file_missing_from_storage_is_a_message_not_a_500(world, ev, both):
    record = EvidenceFileFactory(request=ev.request, content_type="text/csv", original_name="gone.csv")
    for http, url in both:
        response = http.get(url("file-preview", record))
        assert response.status_code == 200
        assert "could not be read from storage" in response.content.decode()


def test_pdf_preview_page_points_the_viewer_at_the_raw_url(both, store):
    record = store("report.pdf", PDF, "application/pdf")
    for http, url in both:
        page = http.get(url("file-preview", record)).content.decode()
        assert f'data-pdf-src="{url("file-raw", record)}"' in page
        assert "files/preview.js" in page
        assert "<iframe" in page and "data-pdf-fallback" in page
        assert f'href="{url("file-download", record)}"' in page


def test_image_preview_uses_img_with_the_raw_url(both, store):
    record = store("screenshot.png", png_bytes(), "image/png")
    for http, url in both:
        page = http.get(url("file-preview", record)).content.decode()
        assert f'<img class="preview-image" id="preview-image" src="{url("file-raw", record)}"' in page
        assert "files/preview.js" not in page


def test_text_preview_is_escaped_and_cut_at_100_kb(both, store):
    data = b"<b>not bold</b>\n" + b"x" * (200 * 1024)
    record = store("notes.txt", data, "text/plain")
    for http, url in both:
        page = http.get(url("file-preview", record)).content.decode()
        assert "&lt;b&gt;not bold&lt;/b&gt;" in page and "<b>not bold" not in page
        assert "Only the first 100 KB are shown" in page


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("policy.docx", docx_bytes(), DOCX), ("bundle.zip", docx_bytes(), "application/zip")],
)
def test_other_types_show_an_icon_and_download(both, store, name, content, content_type):
    record = store(name, content, content_type)
    for http, url in both:
        page = http.get(url("file-preview", record)).content.decode()
        assert 'id="preview-other"' in page and 'class="file-icon"' in page
        assert f'href="{url("file-download", record)}"' in page


def test_preview_page_shows_the_file_details(world, both, store):
    record = store("report.pdf", PDF, "application/pdf")
    for http, url in both:
        page = http.get(url("file-preview", record)).content.decode()
        for value in (record.sha256, "PDF", world.contact.name, f"{len(PDF)} bytes", "Download"):
            assert value in page


def test_request_detail_lists_link_to_previews(world, ev, store):
    record = store("report.pdf", PDF, "application/pdf")
    staff = staff_client(world.owner).get(
        reverse("assessments:request-detail", args=[ev.assessment.pk, ev.request.pk])
    )
    assert staff_url("file-preview", record) in staff.content.decode()
    assert staff_url("file-download", record) in staff.content.decode()
    portal = portal_client(world.contact).get(reverse("portal:request-detail", args=["alpha", ev.request.pk]))
    assert portal_url("file-preview", record) in portal.content.decode()
    assert portal_url("file-download", record) in portal.content.decode()


# --- raw endpoints ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type", "csp"),
    [
        ("report.pdf", PDF, "application/pdf", "default-src 'none'; sandbox"),
        (
            "shot.png",
            png_bytes(),
            "image/png",
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        ),
    ],
)
def test_raw_endpoint_headers(both, store, name, content, content_type, csp):
    record = store(name, content, content_type)
    for http, url in both:
        response = http.get(url("file-raw", record))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == content
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'inline; filename="{name}"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == csp
        assert response["Cache-Control"] == "private, no-store"


def test_raw_endpoint_encodes_awkward_names(both, store):
    record = store("Rapport «été» 2026.pdf", PDF, "application/pdf")
    for http, url in both:
        disposition = http.get(url("file-raw", record))["Content-Disposition"]
        assert disposition.startswith("inline; filename*=utf-8''") and "%C3%A9t%C3%A9" in disposition


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("ledger.csv", csv_bytes(3), "text/csv"),
        ("notes.txt", b"<script>alert(1)</script>", "text/plain"),
        ("policy.docx", docx_bytes(), DOCX),
        ("controls.xlsx", xlsx_bytes(2), XLSX),
        ("vector.svg", b"<svg onload=alert(1)></svg>", "image/svg+xml"),  # never stored, refused anyway
    ],
)
def test_raw_endpoint_refuses_types_that_are_not_inline(both, store, name, content, content_type):
    record = store(name, content, content_type)
    for http, url in both:
        assert http.get(url("file-raw", record)).status_code == 404


def test_raw_endpoint_is_get_only(both, store):
    record = store("report.pdf", PDF, "application/pdf")
    for http, url in both:
        assert http.post(url("file-raw", record)).status_code == 405


# --- access ---------------------------------------------------------------------------------------------


def test_outsiders_get_404(world, ev, store):
    mine = store("report.pdf", PDF, "application/pdf")
    others = store("theirs.pdf", PDF, "application/pdf", request=ev.other_request)
    outsider_file = store("bravo.pdf", PDF, "application/pdf", request=ev.outsider_request)
    b_staff = staff_client(world.outsider_staff)
    a_staff = staff_client(world.owner)
    contact = portal_client(world.contact)
    other_contact = portal_client(world.other_contact)
    b_contact = portal_client(world.outsider_contact)
    for name in ("file-preview", "file-raw"):
        assert b_staff.get(staff_url(name, mine)).status_code == 404
        assert a_staff.get(staff_url(name, outsider_file)).status_code == 404
        assert other_contact.get(portal_url(name, mine)).status_code == 404
        assert contact.get(portal_url(name, others)).status_code == 404
        assert contact.get(portal_url(name, outsider_file)).status_code == 404
        assert b_contact.get(portal_url(name, mine, slug="bravo")).status_code == 404
        assert contact.get(portal_url(name, mine)).status_code == 200
        assert a_staff.get(staff_url(name, mine)).status_code == 200


def test_portal_respects_revoked_access_and_hidden_section(world, ev, store):
    record = store("report.pdf", PDF, "application/pdf")
    http = portal_client(world.contact)
    world.client.hidden_sections = ",assessments,"
    world.client.save()
    for name in ("file-preview", "file-raw"):
        assert http.get(portal_url(name, record)).status_code == 404
    world.client.hidden_sections = ""
    world.client.save()
    ev.access.delete()
    for name in ("file-preview", "file-raw"):
        assert http.get(portal_url(name, record)).status_code == 404


def test_anonymous_is_sent_to_sign_in(world, ev, store):
    from django.test import Client

    record = store("report.pdf", PDF, "application/pdf")
    anonymous = Client()
    for name in ("file-preview", "file-raw"):
        portal = anonymous.get(portal_url(name, record))
        assert portal.status_code == 302 and "/p/alpha/login" in portal["Location"]
        assert anonymous.get(staff_url(name, record)).status_code == 302


# --- S3 -------------------------------------------------------------------------------------------------


def test_raw_endpoint_streams_from_s3_instead_of_redirecting(world, ev, s3_storage):
    s3, bucket = s3_storage
    content = PDF + b"%" + b"x" * 300_000
    key = default_storage.save(f"evidence/previews/{uuid.uuid4().hex}", ContentFile(content))
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == content
    record = EvidenceFileFactory(
        request=ev.request,
        file=key,
        original_name="s3.pdf",
        size=len(content),
        content_type="application/pdf",
    )
    csv_key = default_storage.save(f"evidence/previews/{uuid.uuid4().hex}", ContentFile(csv_bytes(250)))
    table_file = EvidenceFileFactory(
        request=ev.request, file=csv_key, original_name="s3.csv", content_type="text/csv"
    )
    xlsx_key = default_storage.save(f"evidence/previews/{uuid.uuid4().hex}", ContentFile(xlsx_bytes(300)))
    xlsx_file = EvidenceFileFactory(
        request=ev.request, file=xlsx_key, original_name="s3.xlsx", content_type=XLSX
    )
    for http, url in [(staff_client(world.owner), staff_url), (portal_client(world.contact), portal_url)]:
        response = http.get(url("file-raw", record))
        assert response.status_code == 200  # not a 302 to a presigned URL: fetch() stays same-origin
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == content
        assert "50 more rows" in http.get(url("file-preview", table_file)).content.decode()
        assert "100 more rows" in http.get(url("file-preview", xlsx_file)).content.decode()
