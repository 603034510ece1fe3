"""CSV import of requests: dates are ISO or refused with a row error (never guessed, never dropped), and
oversized fields are row errors, not a 500."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from assessments.importing import parse_csv
from assessments.models import EvidenceRequest

pytestmark = pytest.mark.django_db

HEADER = "requirement,title,description,priority,due_date,tags\n"


def one_row(due: str = "", description: str = "") -> object:
    preview = parse_csv(HEADER + f'1.1,Firewall rules,"{description}",high,{due},\n')
    assert len(preview.rows) == 1
    return preview.rows[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("2026-05-12", date(2026, 5, 12)),
        ("2026-12-31 00:00:00", date(2026, 12, 31)),
        ("", None),
    ],
)
def test_iso_dates_are_accepted(value, expected):
    row = one_row(due=value)
    assert row.ok, row.errors
    assert row.data["due_date"] == expected


def test_an_ambiguous_date_is_a_row_error_naming_both_readings():
    row = one_row(due="05/12/2026")
    assert not row.ok and row.data["due_date"] is None
    (error,) = row.errors
    assert "ambiguous" in error and "2026-12-05" in error and "2026-05-12" in error


def test_a_day_first_date_is_a_row_error_not_a_silent_drop():
    row = one_row(due="31/12/2026")
    assert not row.ok and row.data["due_date"] is None
    assert row.errors == ["Due date “31/12/2026” must be written as YYYY-MM-DD: 2026-12-31."]


@pytest.mark.parametrize("value", ["2026-02-30", "13/13/2026", "next week", "20261231", "2026-W01-1"])
def test_other_dates_are_row_errors(value):
    row = one_row(due=value)
    assert not row.ok and row.data["due_date"] is None
    assert len(row.errors) == 1 and "Due date" in row.errors[0]


@override_settings(EVIDENCE_DESCRIPTION_MAX_CHARS=100)
def test_an_oversized_description_is_a_row_error():
    assert one_row(description="x" * 100).ok
    row = one_row(description="x" * 101)
    assert row.errors == ["Description is longer than 100 characters."]
    assert row.data["description"] == ""


def test_a_field_over_the_csv_limit_is_a_row_error_not_a_500(world, ev, owner_http):
    huge = "[" * 200_000  # over the csv module's 131,072-character field limit
    text = HEADER + "1.1,Fine row,,low,,\n" + f'2.1,Huge,"{huge}",low,,\n' + "3.1,After,,low,,\n"
    preview = parse_csv(text)
    assert preview.rows[0].ok
    assert not preview.rows[1].ok and "could not be read" in preview.rows[1].errors[0]
    url = reverse("assessments:request-import", kwargs={"assessment_id": ev.assessment.pk})
    response = owner_http.post(url, {"csv_file": SimpleUploadedFile("r.csv", text.encode(), "text/csv")})
    assert response.status_code == 200
    assert "could not be read" in response.content.decode()


def test_import_page_shows_date_errors_and_creates_only_good_rows(world, ev, owner_http):
    url = reverse("assessments:request-import", kwargs={"assessment_id": ev.assessment.pk})
    text = (
        HEADER + "7.1,ISO,,low,2026-12-31,\n7.2,Ambiguous,,low,05/12/2026,\n7.3,Day first,,low,31/12/2026,\n"
    )
    body = owner_http.post(url, {"csv_file": SimpleUploadedFile("r.csv", text.encode(), "text/csv")}).content
    assert "ambiguous" in body.decode() and "2026-12-31" in body.decode()
    response = owner_http.post(url, {"csv_text": text, "confirm": "1"})
    assert response.status_code == 302
    created = EvidenceRequest.objects.filter(assessment=ev.assessment, requirement__startswith="7.")
    assert [(r.title, r.due_date) for r in created] == [("ISO", date(2026, 12, 31))]
