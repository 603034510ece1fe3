"""Previews cannot stall the server: each hostile file from the ASVS test trips its guard (asserted as the
guard or as bounded memory, never as a time), and CSV/XLSX tables are built once per SHA-256."""

from __future__ import annotations

import csv
import io
import tracemalloc
import zipfile

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse

from files import preview_jobs, previews, tables
from tests.conftest import portal_client, staff_client
from tests.files.test_previews import XLSX, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def peak_bytes(fn) -> int:
    """Peak Python memory allocated while `fn` runs (what a preview costs a worker)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bomb_xlsx(part: str, inflated: int) -> bytes:
    """A real workbook (openpyxl writes it) with `part` replaced by one that inflates to `inflated` bytes."""
    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes(3)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for info in base.infolist():
            if info.filename != part:
                zf.writestr(info.filename, base.read(info.filename))
        with zf.open(part, "w", force_zip64=True) as dest:
            if "sharedStrings" in part:
                dest.write(f'<sst xmlns="{NS}">'.encode())
                unit = b"<si><t>" + b"A" * 1000 + b"</t></si>"
                close = b"</sst>"
            else:
                dest.write(f'<worksheet xmlns="{NS}"><sheetData><row r="1">'.encode())
                unit = b'<c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c>"
                close = b"</row></sheetData></worksheet>"
            block = unit * 1000
            for _ in range(inflated // len(block)):
                dest.write(block)
            dest.write(close)
    return out.getvalue()


@pytest.fixture(scope="module")
def shared_strings_bomb() -> bytes:
    # As measured: a small file whose sharedStrings.xml inflates to 182 MB (96 s and 1.15 GB before).
    data = bomb_xlsx("xl/sharedStrings.xml", 182 * MB)
    assert len(data) < 2 * MB
    return data


def staff_preview(record) -> str:
    return reverse("assessments:file-preview", kwargs={"file_id": record.pk})


# --- XLSX -------------------------------------------------------------------------------------------


def test_shared_strings_bomb_is_refused_before_openpyxl_parses_it(shared_strings_bomb):
    with pytest.raises(tables.TooLarge, match="sharedStrings"):
        tables.xlsx_table(io.BytesIO(shared_strings_bomb))


def test_shared_strings_bomb_page_is_a_friendly_message(world, store, shared_strings_bomb):
    record = store("bomb.xlsx", shared_strings_bomb, XLSX)
    for http, url in [
        (staff_client(world.owner), staff_preview(record)),
        (portal_client(world.contact), reverse("portal:file-preview", args=["alpha", record.pk])),
    ]:
        response = http.get(url)
        assert response.status_code == 200
        assert response.context["preview"].error == previews.TOO_LARGE
        assert "could not be previewed" in response.content.decode()


def test_sheet_part_over_its_cap_is_refused():
    data = bomb_xlsx("xl/worksheets/sheet1.xml", 12 * MB)
    with pytest.raises(tables.TooLarge, match="worksheets/sheet1.xml"):
        tables.xlsx_table(io.BytesIO(data))


@override_settings(PREVIEW_XLSX_PART_MAX_BYTES=1000)
def test_every_other_xml_part_has_a_cap_too():
    with pytest.raises(tables.TooLarge, match="over the 1000-byte preview limit"):
        tables.xlsx_table(io.BytesIO(xlsx_bytes(3)))


def test_a_part_under_another_name_is_capped_too():
    # [Content_Types].xml may declare any part as the shared strings: a name is no excuse.
    data = bomb_xlsx("xl/media/image1.png", 12 * MB)
    with pytest.raises(tables.TooLarge, match="xl/media/image1.png"):
        tables.xlsx_table(io.BytesIO(data))


def test_a_workbook_under_the_caps_still_previews():
    table = tables.xlsx_table(io.BytesIO(xlsx_bytes(5000)))
    assert table.shown == 200 and table.remaining == 4800


# --- CSV --------------------------------------------------------------------------------------------


def test_delimiter_is_counted_not_sniffed(monkeypatch):
    # 63 KB that make csv.Sniffer's regular expressions backtrack (29 s as measured).
    hostile = b"a,b\n" + b', "x' * 15_750 + b"\n1,2\n"

    def refuse(*args, **kwargs):
        raise AssertionError("csv.Sniffer was used")

    monkeypatch.setattr(csv.Sniffer, "sniff", refuse)
    table = tables.csv_table(io.BytesIO(hostile))
    assert table.header[:2] == ["a", "b"]  # the hostile line is a row of 15,751 cells: cut to 50
    assert table.rows[-1][:3] == ["1", "2", ""]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\n1\t2\n", "\t"),
        ("a|b\n1|2\n", "|"),
        ('name;note\n"x, y, z";1\n', ";"),  # commas inside quotes do not count
        ("single column\nvalue\n", ","),
        ("", ","),
    ],
)
def test_choose_delimiter(text, delimiter):
    assert tables.choose_delimiter(text) == delimiter


def test_a_30_mb_single_line_is_read_in_bounded_chunks():
    data = b"a," * (15 * MB)  # one line, 30 MB: 14 s and ~1 GB before
    source = io.BytesIO(data)
    table = None

    def run():
        nonlocal table
        table = tables.csv_table(source)

    peak = peak_bytes(run)
    assert peak < 8 * MB, peak
    assert len(table.header) == tables.MAX_COLUMNS and table.rows == []
    assert any("longer than" in n and "were cut" in n for n in table.notes)


def test_lines_never_exceed_the_cap_whatever_the_chunks():
    flags: dict = {}
    chunks = [b"x" * 1000] * 50 + [b"\nshort\n", b"y" * 3000]
    lines = list(tables._decoded_lines(b"", chunks, "utf-8", flags, line_cap=256))
    assert [len(line) for line in lines] == [257, 6, 256]
    assert lines[1] == "short\n" and flags["cut_lines"] == 2


def test_a_row_spanning_many_lines_stops_at_the_row_budget():
    # Each quoted field spans lines and stays under csv's field limit; together they are unbounded.
    field = b'"' + b"x\n" * 20_000 + b'"'
    data = b"a,b\n" + b",".join([field] * 400) + b"\n"  # one row of 16 MB
    table = None

    def run():
        nonlocal table
        table = tables.csv_table(io.BytesIO(data))

    assert peak_bytes(run) < 8 * MB
    assert table.rows == [] and any("longer than" in n for n in table.notes)


def test_each_row_is_cut_at_the_column_cap_while_reading():
    data = b"h\n" + b",".join(b"%d" % i for i in range(10_000)) + b"\n"
    table = tables.csv_table(io.BytesIO(data))
    assert len(table.rows[0]) == tables.MAX_COLUMNS
    assert any(f"first {tables.MAX_COLUMNS} of 10000 columns" in n for n in table.notes)


# --- text -------------------------------------------------------------------------------------------


def test_text_excerpt_starts_at_the_first_line_with_text():
    text, _ = previews.text_excerpt(io.BytesIO(b"\n\n   \r\n\t\n  indented first line\n\nsecond\n"))
    assert text == "  indented first line\n\nsecond\n"
    text, _ = previews.text_excerpt(io.BytesIO("\ufeff\n\nafter a BOM\n".encode()))
    assert text == "after a BOM\n"


# --- built once per SHA-256 ------------------------------------------------------------------------


def test_a_table_is_built_once_per_sha256(world, store):
    first = store("ledger.csv", csv_bytes(250), "text/csv")
    again = store("copy of ledger.csv", csv_bytes(250), "text/csv")  # same bytes, another upload
    http = staff_client(world.owner)
    assert "50 more rows" in http.get(staff_preview(first)).content.decode()
    # Without its bytes the copy still previews: the table comes from the cache, not from storage.
    default_storage.delete(again.file.name)
    response = http.get(staff_preview(again))
    assert response.context["preview"].table.remaining == 50
    assert "could not be read from storage" not in response.content.decode()


def test_missing_bytes_are_not_cached(world, ev, store):
    record = store("ledger.csv", csv_bytes(3), "text/csv")
    default_storage.delete(record.file.name)
    http = staff_client(world.owner)
    assert "could not be read from storage" in http.get(staff_preview(record)).content.decode()
    default_storage.save(record.file.name, ContentFile(csv_bytes(3)))  # the store is back
    assert http.get(staff_preview(record)).context["preview"].table.shown == 3


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_page_says_preparing_and_polls_until_the_worker_is_done(world, store):
    record = store("ledger.csv", csv_bytes(250), "text/csv")
    key = preview_jobs.cache_key(record)
    cache.add(f"{key}:pending", 1, 60)  # a worker already has it: the page queues nothing more
    http = staff_client(world.owner)
    url = staff_preview(record)
    page = http.get(url)
    assert page.context["preview"].pending
    body = page.content.decode()
    assert "Preparing preview…" in body
    assert f'hx-get="{url}"' in body and 'hx-trigger="every 2s"' in body
    assert f'href="{url}" id="preview-refresh"' in body  # works without JavaScript too
    # The worker's task (run here as the worker would) fills the cache; the next poll gets the table.
    preview_jobs.build_preview_task(record._meta.label, record.pk)
    assert cache.get(f"{key}:pending") is None
    poll = http.get(url, HTTP_HX_REQUEST="true")
    assert [t.name for t in poll.templates][0] == "files/_preview_section.html"
    fragment = poll.content.decode()
    assert 'id="preview-table"' in fragment and "hx-trigger" not in fragment and "50 more rows" in fragment


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_a_build_that_never_reports_back_ends_as_not_previewable(world, store):
    record = store("ledger.csv", csv_bytes(3), "text/csv")
    key = preview_jobs.cache_key(record)
    cache.set(f"{key}:attempts", preview_jobs.MAX_ATTEMPTS, 60)  # both builds died at the hard limit
    response = staff_client(world.owner).get(staff_preview(record))
    assert response.context["preview"].error == previews.UNREADABLE
    assert "could not be previewed" in response.content.decode()
    # Remembered for an hour, not a week: stopped workers are not the file's fault.
    redis = cache._cache.get_client(key)
    assert 0 < redis.ttl(cache.make_and_validate_key(key)) <= preview_jobs.LOST_BUILD_SECONDS


def test_the_task_caches_a_tripped_guard_as_could_not_be_previewed(world, store, shared_strings_bomb):
    record = store("bomb.xlsx", shared_strings_bomb, XLSX)
    preview_jobs.build_preview_task(record._meta.label, record.pk)
    cached = cache.get(preview_jobs.cache_key(record))
    assert cached.error == previews.TOO_LARGE and cached.table is None


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_a_worker_that_cannot_reach_the_store_stops_the_polling_briefly(world, store):
    record = store("ledger.csv", csv_bytes(3), "text/csv")
    default_storage.delete(record.file.name)
    key = preview_jobs.cache_key(record)
    cache.set(f"{key}:attempts", 1, 60)
    preview_jobs.build_preview_task(record._meta.label, record.pk)
    assert cache.get(f"{key}:attempts") is None  # it reported back: not counted as a lost build
    response = staff_client(world.owner).get(staff_preview(record))
    assert "could not be read from storage" in response.content.decode()
    assert not response.context["preview"].pending
    # Kept only briefly, then tried again: an outage is never cached as the file's preview.
    redis = cache._cache.get_client(key)
    assert 0 < redis.ttl(cache.make_and_validate_key(key)) <= preview_jobs.UNREACHABLE_SECONDS
