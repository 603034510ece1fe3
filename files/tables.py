"""Tables out of stored CSV and XLSX files for previews (files/previews.py), bounded in rows, columns,
cell size, bytes read, inflated size and time: a file is never trusted to be small or well formed."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

MAX_ROWS = 200  # rows shown under the header


MAX_COLUMNS = 50


MAX_CELL_CHARS = 500


SAMPLE_BYTES = 64 * 1024  # what the encoding guess looks at


# The delimiter is chosen by counting candidates on the first lines of this much text: linear, and small.
DELIMITER_SAMPLE_CHARS = 8 * 1024


DELIMITER_SAMPLE_LINES = 20


CHUNK_BYTES = 64 * 1024


# Counting the rows after the shown ones streams the file; past this many bytes we stop and say "more than".
COUNT_BYTE_CAP = 32 * 1024 * 1024


SPOOL_BYTES = 8 * 1024 * 1024


XLSX_COUNT_CAP = 100_000  # rows counted past the shown ones when the sheet does not declare its size


CSV_DELIMITERS = ",;\t|"


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    remaining: int | None = 0  # rows after the shown ones; None when unknown
    remaining_is_minimum: bool = False  # the count stopped at a cap: "more than N"
    notes: list[str] = field(default_factory=list)
    sheet: str = ""
    other_sheets: list[str] = field(default_factory=list)

    @property
    def shown(self) -> int:
        return len(self.rows)


class TooLarge(ValueError):
    """A preview guard tripped: the file would cost more time or memory than a preview may."""


def _chunks(handle, limit: int | None = None) -> Iterator[bytes]:
    read = 0
    while limit is None or read < limit:
        size = CHUNK_BYTES if limit is None else min(CHUNK_BYTES, limit - read)
        data = handle.read(size)
        if not data:
            return
        read += len(data)
        yield data


def guess_encoding(sample: bytes) -> tuple[str, str]:
    """(codec, note). UTF-8 (with or without BOM) when the sample decodes; else Windows-1252, else Latin-1."""
    try:
        # final=False: a multi-byte character cut at the end of the sample is not an error.
        codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
        return "utf-8-sig", ""
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252", "Shown as Windows-1252: the file is not UTF-8."
    except UnicodeDecodeError:
        return "latin-1", "Shown as Latin-1: the file is not UTF-8."


def _line_cap() -> int:
    return settings.PREVIEW_CSV_LINE_MAX_CHARS


class _Lines:
    """Split decoded text into lines of at most `cap` characters, whatever the chunks look like.

    A line longer than the cap is cut there (with its line ending restored) and the rest of it is read
    and dropped without being kept: a 30 MB file of one line never becomes a 30 MB string.
    """

    def __init__(self, cap: int, flags: dict):
        self.cap = cap
        self.flags = flags
        self.pieces: list[str] = []
        self.length = 0
        self.cutting = False

    def _add(self, piece: str) -> None:
        if self.cutting or not piece:
            return
        room = self.cap - self.length
        if len(piece) > room:
            piece = piece[:room]
            self.cutting = True
            self.flags["cut_lines"] = self.flags.get("cut_lines", 0) + 1
        self.pieces.append(piece)
        self.length += len(piece)

    def _line(self) -> str:
        line = "".join(self.pieces) + "\n"
        self.pieces, self.length, self.cutting = [], 0, False
        return line

    def feed(self, text: str) -> Iterator[str]:
        parts = text.split("\n")
        for part in parts[:-1]:
            self._add(part)
            yield self._line()
        self._add(parts[-1])

    def close(self) -> Iterator[str]:
        if self.pieces:
            yield "".join(self.pieces)


def _decoded_lines(
    first: bytes,
    rest: Iterable[bytes],
    encoding: str,
    flags: dict,
    *,
    line_cap: int | None = None,
    byte_cap: int | None = None,
) -> Iterator[str]:
    """Lines with their endings, decoded as we go; bad bytes become U+FFFD and NULs are made visible.

    Each line is at most `line_cap` characters; reading stops (flags["capped"]) after `byte_cap` bytes.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    lines = _Lines(line_cap or _line_cap(), flags)

    def decode(data: bytes, final: bool = False) -> str:
        text = decoder.decode(data, final=final)
        if "\x00" in text:
            flags["nul"] = True
            text = text.replace("\x00", "\N{SYMBOL FOR NULL}")
        if "\ufffd" in text:
            flags["replaced"] = True
        return text

    yield from lines.feed(decode(first))
    for chunk in rest:
        flags["bytes"] = flags.get("bytes", 0) + len(chunk)
        yield from lines.feed(decode(chunk))
        if byte_cap is not None and flags["bytes"] >= byte_cap:
            flags["capped"] = True
            break
    yield from lines.feed(decode(b"", final=True))
    yield from lines.close()


class _RowBudget:
    """Characters fed to the CSV reader since the last row ended; a row may not exceed `cap`.

    A quoted field may span lines, so capping lines alone does not bound a row.
    """

    def __init__(self, lines: Iterator[str], cap: int):
        self.lines, self.cap, self.used = lines, cap, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.used += len(line)
        if self.used > self.cap:
            raise TooLarge(f"a row is longer than {self.cap} characters")
        return line


def _cell(value: str) -> str:
    return value if len(value) <= MAX_CELL_CHARS else value[:MAX_CELL_CHARS] + "…"


_QUOTED = re.compile(r'"[^"]*"')  # linear: no nested quantifier, nothing to backtrack into


def choose_delimiter(text: str) -> str:
    """The candidate that the header line has most of and that the next lines repeat as often.

    Counting, not `csv.Sniffer`: its regular expressions backtrack, and a 63 KB file took it 29 s.
    Looks only at the first DELIMITER_SAMPLE_LINES lines of DELIMITER_SAMPLE_CHARS characters.
    """
    lines = [
        line for line in text[:DELIMITER_SAMPLE_CHARS].split("\n")[:DELIMITER_SAMPLE_LINES] if line.strip()
    ]
    if not lines:
        return ","
    counts = [{d: _QUOTED.sub("", line).count(d) for d in CSV_DELIMITERS} for line in lines]
    header = counts[0]

    def score(d: str) -> tuple[int, int, int]:
        agreeing = sum(1 for c in counts[1:] if c[d] == header[d])
        return (agreeing, header[d], -CSV_DELIMITERS.index(d))

    best = max((d for d in CSV_DELIMITERS if header[d]), key=score, default=",")
    return best


def csv_table(
    handle,
    *,
    max_rows: int = MAX_ROWS,
    byte_cap: int = COUNT_BYTE_CAP,
    line_cap: int | None = None,
) -> Table:
    """The header and the first `max_rows` rows of a CSV, streaming.

    Bounded in memory and time whatever the file: lines are cut at `line_cap` characters (a row at four
    times that), only MAX_COLUMNS cells of a row are kept, and reading stops after `byte_cap` bytes.
    """
    line_cap = line_cap or _line_cap()
    sample = handle.read(SAMPLE_BYTES)
    encoding, encoding_note = guess_encoding(sample)
    notes = [encoding_note] if encoding_note else []
    sample_text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(
        sample[: DELIMITER_SAMPLE_CHARS * 4], final=False
    )
    delimiter = choose_delimiter(sample_text.removeprefix("\ufeff"))
    flags: dict = {"bytes": len(sample)}
    lines = _RowBudget(
        _decoded_lines(sample, _chunks(handle), encoding, flags, line_cap=line_cap, byte_cap=byte_cap),
        cap=4 * line_cap,
    )
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    header: list[str] = []
    rows: list[list[str]] = []
    width = 0  # the widest row seen, before cutting at MAX_COLUMNS
    ragged = 0
    remaining: int | None = 0
    capped = False
    try:
        first = next(reader, [])
        lines.used = 0
        width = len(first)
        header = [_cell(c) for c in first[: MAX_COLUMNS + 1]]
        for raw in reader:
            lines.used = 0
            if len(rows) < max_rows:
                width = max(width, len(raw))
                if len(raw) != len(first):
                    ragged += 1
                rows.append([_cell(c) for c in raw[: MAX_COLUMNS + 1]])
                continue
            remaining += 1
            if flags["bytes"] >= byte_cap:
                capped = True
                break
    except csv.Error as exc:
        notes.append(
            f"The file is malformed after row {len(rows) + (remaining or 0)}; the rest is not shown ({exc})."
        )
    except TooLarge:
        notes.append(
            f"Row {len(rows) + (remaining or 0) + 2} is longer than {4 * line_cap} characters; "
            "it and the rest of the file are not shown."
        )
    if flags.get("capped") and not capped:
        capped = True
        if len(rows) < max_rows:
            remaining = None  # stopped while still reading the rows shown: we cannot say how many follow
    if flags.get("cut_lines"):
        notes.append(
            f"{flags['cut_lines']} line{'s' if flags['cut_lines'] != 1 else ''} longer than {line_cap} "
            "characters were cut."
        )
    if not header and not rows:
        notes.append("The file is empty.")
    if flags.get("replaced") and not encoding_note:
        notes.append("Some bytes are not valid UTF-8; they are shown as �.")
    if flags.get("nul"):
        notes.append("The file contains NUL bytes; they are shown as ␀.")
    table = _shape(header, rows, notes, width=width)
    if ragged:
        table.notes.append(
            f"{ragged} of the rows shown have a different number of cells than the header; "
            "short rows are padded with blanks."
        )
    table.remaining = remaining
    table.remaining_is_minimum = capped and remaining is not None
    return table


def _shape(header: list[str], rows: list[list[str]], notes: list[str], *, width: int = 0) -> Table:
    """Pad short rows to the header width, label cells beyond it "(extra)", cut at MAX_COLUMNS.

    `width` is the true width when the caller already cut rows while reading.
    """
    width = max([width, len(header), *(len(r) for r in rows)]) if (header or rows) else 0
    if width > MAX_COLUMNS:
        notes.append(f"Only the first {MAX_COLUMNS} of {width} columns are shown.")
        width = MAX_COLUMNS
    header = header[:width] + ["(extra)"] * (width - len(header))
    rows = [r[:width] + [""] * (width - len(r)) for r in rows]
    return Table(header=header, rows=rows, notes=notes)


def format_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, int | Decimal):
        return str(value)
    return _cell(str(value))


def _seekable(handle):
    """openpyxl needs random access (it is a ZIP); copy a stream that has none into a spooled temp file."""
    seekable = getattr(handle, "seekable", None)
    try:
        if seekable is not None and seekable():
            handle.seek(0)
            return handle
    except (OSError, ValueError):
        pass
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    for chunk in _chunks(handle):
        spool.write(chunk)
    spool.seek(0)
    return spool


XLSX_MAX_INFLATED_BYTES = 200 * 1024 * 1024


XLSX_MAX_ENTRIES = 10_000


_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)


_SHARED_STRINGS_PART = re.compile(r"^xl/sharedStrings[^/]*\.xml$", re.IGNORECASE)


def check_xlsx_parts(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook whose XML parts would cost too much before openpyxl sees any of it.

    openpyxl parses the shared strings (and styles, the workbook, …) whole, even read-only: a 446 KB file
    whose sharedStrings.xml inflates to 182 MB took 96 s and 1.15 GB. Every part has a cap (settings):
    shared strings and sheets their own, other XML parts a smaller one, and a part with any other name
    (pictures, say) the shared-strings cap, since [Content_Types].xml can make openpyxl parse any part.
    The sizes are the ones the archive declares: `zipfile` never inflates a member past its declared
    size (it stops there and fails the CRC), so a lying header cannot get more through.
    """
    if len(infos) > XLSX_MAX_ENTRIES:
        raise TooLarge(f"XLSX has {len(infos)} parts")
    inflated = sum(info.file_size for info in infos)
    if inflated > XLSX_MAX_INFLATED_BYTES:
        raise TooLarge(f"XLSX inflates to {inflated} bytes, over the preview limit")
    for info in infos:
        name = info.filename
        if _SHEET_PART.match(name):
            cap = settings.PREVIEW_XLSX_SHEET_MAX_BYTES
        elif name.lower().endswith((".xml", ".rels")) and not _SHARED_STRINGS_PART.match(name):
            cap = settings.PREVIEW_XLSX_PART_MAX_BYTES
        else:
            cap = settings.PREVIEW_XLSX_SHARED_STRINGS_MAX_BYTES
        if info.file_size > cap:
            raise TooLarge(f"{name} inflates to {info.file_size} bytes, over the {cap}-byte preview limit")


def xlsx_table(handle, *, max_rows: int = MAX_ROWS) -> Table:
    """First sheet, first rows, cached values (data_only): formulas are never evaluated, only shown."""
    from openpyxl import load_workbook

    handle = _seekable(handle)
    with zipfile.ZipFile(handle) as archive:
        check_xlsx_parts(archive.infolist())
    handle.seek(0)
    workbook = load_workbook(handle, read_only=True, data_only=True)
    try:
        names = workbook.sheetnames
        ws = workbook[names[0]]
        rows_iter = ws.iter_rows(max_row=max_rows + 1, max_col=MAX_COLUMNS + 1, values_only=True)
        values = [[format_value(v) for v in row] for row in rows_iter]
        max_row, max_col = ws.max_row, ws.max_column
        remaining, capped = None, False
        if max_row is None or (len(values) > max_rows and max_row <= max_rows + 1):
            # No (or a stale) <dimension> in the sheet, as some writers leave it: count, up to a cap.
            remaining, capped = _count_rows(ws, start=max_rows + 2)
    finally:
        workbook.close()
    # Read-only sheets pad every row to the sheet's width; trim what is blank at the right of all of them.
    width = max(
        (len(r) - next((i for i, v in enumerate(reversed(r)) if v), len(r)) for r in values), default=0
    )
    notes: list[str] = []
    if width > MAX_COLUMNS:  # we read one column more than we show, to know whether there are more
        of = f" of {max_col}" if max_col and max_col > MAX_COLUMNS else ""
        notes.append(f"Only the first {MAX_COLUMNS}{of} columns are shown.")
        width = MAX_COLUMNS
    values = [r[:width] for r in values]
    header, rows = (values[0], values[1:]) if values else ([], [])
    table = _shape(header, rows, notes)
    if not values:
        table.notes.append("The first sheet is empty.")
    table.sheet = names[0]
    table.other_sheets = names[1:]
    if remaining is None:
        remaining = max(0, (max_row or 0) - 1 - len(rows))
    table.remaining, table.remaining_is_minimum = remaining, capped
    return table


def _count_rows(ws, *, start: int, cap: int = XLSX_COUNT_CAP) -> tuple[int, bool]:
    count = 0
    for _ in ws.iter_rows(min_row=start, max_col=1, values_only=True):
        count += 1
        if count >= cap:
            return count, True
    return count, False
