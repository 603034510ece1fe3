"""Bulk import of evidence requests from CSV: parse, validate each row, preview, then create the good rows."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

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


def _parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    for parse in (date.fromisoformat,):
        try:
            return parse(value)
        except ValueError:
            pass
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", value)  # US style, as spreadsheets export it
    if m:
        try:
            return date(int(m[3]), int(m[1]), int(m[2]))
        except ValueError:
            return None
    raise ValueError(value)


def parse_csv(text: str, *, assessment: Assessment | None = None) -> Preview:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        return Preview(rows=[], header_error="The file is empty.")
    header = {
        name: ALIASES.get((name or "").strip().lower(), (name or "").strip().lower())
        for name in reader.fieldnames
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
    for index, raw in enumerate(reader):
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
        except ValueError:
            due = None
            row.errors.append(f"Due date “{values.get('due_date', '')[:20]}” is not a date (use YYYY-MM-DD).")
        key = (requirement_sort_key(requirement), title.lower())
        if row.ok and key in existing:
            row.errors.append("This assessment already has this request.")
        elif row.ok and key in seen:
            row.errors.append("Duplicate of an earlier row.")
        seen.add(key)
        row.data = {
            "requirement": requirement,
            "title": title,
            "description": values.get("description", ""),
            "priority": priority,
            "due_date": due,
            "tags": values.get("tags", ""),
        }
        rows.append(row)
    return Preview(rows=rows)
