"""Bulk import of evidence requests from CSV: parse, validate each row, preview, then create the good rows."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from assessments.markup import description_max_chars
from assessments.models import Assessment, EvidenceRequest, Priority, requirement_sort_key

SAMPLE_CSV = Path(__file__).parent / "data" / "pci_dss_evidence_requests.csv"
COLUMNS = ("requirement", "title", "description", "priority", "due_date", "tags")
ALIASES = {
    "req": "requirement",
    "req #": "requirement",
    "requirement number": "requirement",
    "due": "due_date",
    "due date": "due_date",
    "name": "title",
}
REQUIREMENT = re.compile(r"^[A-Za-z]?\d+(\.\d+)*[a-z]?$")
MAX_ROWS = 2000


@dataclass
class Row:
    line: int
    data: dict[str, Any]
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    rows: list[Row]
    header_error: str = ""

    @property
    def good(self) -> list[Row]:
        return [r for r in self.rows if r.ok]

    @property
    def bad(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]


ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")  # a spreadsheet may add midnight
SLASH_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class DateRefused(ValueError):
    """The message is fit for the row's error list."""


def _parse_date(value: str) -> date | None:
    """An ISO date (YYYY-MM-DD), or None for a blank cell. Anything else is refused, never guessed.

    `05/12/2026` is 5 December in most of the world and May 12 in the US: the importer cannot know which
    was meant, so it asks. `31/12/2026` can only be day-first, but a file that writes dates that way
    likely holds ambiguous ones too; the error says what to write instead.
    """
    value = value.strip()
    if not value:
        return None
    shown = value[:20]
    iso = ISO_DATE.match(value)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            raise DateRefused(f"Due date “{shown}” is not a real date.") from None
    slash = SLASH_DATE.match(value)
    if slash:
        first, second, year = int(slash[1]), int(slash[2]), int(slash[3])
        readings = []
        for day, month in ((first, second), (second, first)):
            try:
                readings.append(date(year, month, day))
            except ValueError:
                pass
        if len(readings) == 2 and readings[0] != readings[1]:
            a, b = readings
            raise DateRefused(
                f"Due date “{shown}” is ambiguous: {a.day} {a:%B %Y} or {b.day} {b:%B %Y}? "
                f"Write it as {a.isoformat()} or {b.isoformat()}."
            )
        if readings:
            raise DateRefused(f"Due date “{shown}” must be written as YYYY-MM-DD: {readings[0].isoformat()}.")
        raise DateRefused(f"Due date “{shown}” is not a real date.")
    raise DateRefused(f"Due date “{shown}” is not a date (use YYYY-MM-DD).")


def _records(reader: csv.DictReader, rows: list[Row]):
    """The reader's rows until one cannot be read (a field over the csv module's size limit, say): that one
    becomes a row error and reading stops there, since the rest of the file cannot be trusted to line up."""
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            rows.append(
                Row(
                    reader.line_num,
                    {},
                    [f"This row could not be read ({exc}); rows after it were not imported."],
                )
            )
            return
        yield raw


def parse_csv(text: str, *, assessment: Assessment | None = None) -> Preview:
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        return Preview(rows=[], header_error=f"The header row could not be read ({exc}).")
    if not fieldnames:
        return Preview(rows=[], header_error="The file is empty.")
    header = {
        name: ALIASES.get((name or "").strip().lower(), (name or "").strip().lower()) for name in fieldnames
    }
    missing = {"requirement", "title"} - set(header.values())
    if missing:
        return Preview(
            rows=[],
            header_error=f"Missing column(s): {', '.join(sorted(missing))}. Expected: {', '.join(COLUMNS)}.",
        )
    existing: set[tuple[str, str]] = set()
    if assessment is not None:
        existing = {
            (requirement_sort_key(r), t.strip().lower())
            for r, t in EvidenceRequest.objects.filter(assessment=assessment).values_list(
                "requirement", "title"
            )
        }
    seen: set[tuple[str, str]] = set()
    rows: list[Row] = []
    for index, raw in enumerate(_records(reader, rows)):
        line = index + 2  # header is line 1
        if index >= MAX_ROWS:
            rows.append(Row(line, {}, [f"Only the first {MAX_ROWS} rows are imported."]))
            break
        values = {header[k]: (v or "").strip() for k, v in raw.items() if k is not None and k in header}
        if not any(values.values()):
            continue  # blank line
        row = Row(line, {})
        requirement = values.get("requirement", "")
        if not requirement:
            row.errors.append("Requirement is required.")
        elif len(requirement) > 40 or not REQUIREMENT.match(requirement):
            row.errors.append(f"“{requirement[:40]}” is not a requirement number like 1.2.1.")
        title = values.get("title", "")
        if not title:
            row.errors.append("Title is required.")
        elif len(title) > 200:
            row.errors.append("Title is longer than 200 characters.")
        priority = (values.get("priority") or "medium").lower()
        if priority not in Priority.values:
            row.errors.append(f"Priority “{priority[:20]}” is not one of critical, high, medium, low.")
        try:
            due = _parse_date(values.get("due_date", ""))
        except DateRefused as exc:
            due = None
            row.errors.append(str(exc))
        description = values.get("description", "")
        if len(description) > description_max_chars():
            row.errors.append(f"Description is longer than {description_max_chars():,} characters.")
            description = ""  # never kept or echoed back: the row is refused
        key = (requirement_sort_key(requirement), title.lower())
        if row.ok and key in existing:
            row.errors.append("This assessment already has this request.")
        elif row.ok and key in seen:
            row.errors.append("Duplicate of an earlier row.")
        seen.add(key)
        row.data = {
            "requirement": requirement,
            "title": title,
            "description": description,
            "priority": priority,
            "due_date": due,
            "tags": values.get("tags", ""),
        }
        rows.append(row)
    return Preview(rows=rows)
