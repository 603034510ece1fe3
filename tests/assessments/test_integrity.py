from __future__ import annotations

from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from activity.models import Event
from assessments.integrity import verify_and_record, verify_assessment
from assessments.services import post_message, upload_file

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def stocked(world, ev):
    record = upload_file(
        evidence=ev.request,
        upload=SimpleUploadedFile("diagram.pdf", PDF),
        contact=world.contact,
        ip="203.0.113.7",
    )
    post_message(evidence=ev.request, body="Here is the diagram.", contact=world.contact)
    return record


def test_untouched_assessment_verifies(world, ev, stocked):
    report = verify_assessment(ev.assessment)
    assert report.ok, report.problems
    assert report.files_checked == 1
    assert report.chain.events >= 2
    keys = set(Event.objects.filter(verb__startswith="evidence.").values_list("chain_key", flat=True))
    assert keys == {f"assessment:{ev.assessment.pk}"}
    upload = Event.objects.get(verb="evidence.file_uploaded")
    assert upload.data["ip"] == "203.0.113.7" and upload.data["sha256"] == stocked.sha256


def test_a_tampered_file_is_detected(world, ev, stocked):
    default_storage.delete(stocked.file.name)
    default_storage.save(stocked.file.name, ContentFile(PDF + b"% edited"))
    report = verify_assessment(ev.assessment)
    assert not report.ok
    assert any("content changed" in p and "diagram.pdf" in p for p in report.problems)


def test_a_missing_file_is_detected(world, ev, stocked):
    default_storage.delete(stocked.file.name)
    assert any("missing from storage" in p for p in verify_assessment(ev.assessment).problems)


def test_a_tampered_event_is_detected_and_the_command_fails(world, ev, stocked):
    event = Event.objects.get(verb="evidence.file_uploaded")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE activity_event SET data = jsonb_set(data, '{sha256}', '\"0000\"') WHERE id = %s",
            [event.pk],
        )
    out = StringIO()
    with pytest.raises(CommandError, match="1 assessment"):
        call_command("verify_evidence", assessment=ev.assessment.pk, stdout=out)
    assert "FAILED" in out.getvalue() and "changed after it was written" in out.getvalue()


def test_command_passes_when_all_is_well(world, ev, stocked):
    out = StringIO()
    call_command("verify_evidence", workspace="alpha", stdout=out)
    assert out.getvalue().count("OK ") == 2  # both of workspace A's assessments
    assert "FAILED" not in out.getvalue()


def test_verification_is_itself_logged(world, ev, stocked):
    report = verify_and_record(assessment=ev.assessment, actor=world.owner)
    assert report.ok
    logged = Event.objects.get(verb="assessment.integrity_verified")
    assert logged.data["ok"] is True and logged.data["files"] == 1
    assert verify_assessment(ev.assessment).ok  # the log entry extends the chain cleanly


def test_verify_button_reports_ok_then_a_tampered_file(world, ev, stocked, owner_http):
    from django.urls import reverse

    url = reverse("assessments:assessment-verify", kwargs={"assessment_id": ev.assessment.pk})
    assert owner_http.get(url).status_code == 405
    ok = owner_http.post(url, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and b"Verified." in ok.content and b"1 file matches" in ok.content
    default_storage.delete(stocked.file.name)
    default_storage.save(stocked.file.name, ContentFile(b"%PDF-1.4 swapped"))
    bad = owner_http.post(url)
    assert b"Verification failed" in bad.content and b"diagram.pdf" in bad.content and b"<html" in bad.content
    page = owner_http.get(
        reverse("assessments:assessment-detail", kwargs={"assessment_id": ev.assessment.pk})
    )
    assert b"Verify integrity" in page.content
