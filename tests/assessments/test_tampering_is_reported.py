"""Each way an insider with database (and storage) access can tamper with an assessment's evidence is
reported by `verify_evidence` and by the *Verify integrity* button."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from activity import checkpoints
from activity.models import Event
from assessments.integrity import verify_assessment
from assessments.models import EvidenceFile, EvidencePackage, RequestMessage
from assessments.services import delete_file, post_message, upload_file
from tests.activity.tamper import delete_event, rewrite_chain, truncate

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORGED = PDF + b"% a different firewall rule set"


@pytest.fixture
def stocked(world, ev):
    """One uploaded file and one message on the assessment's chain, the head anchored outside the DB."""
    record = upload_file(
        evidence=ev.request, upload=SimpleUploadedFile("firewall.pdf", PDF), contact=world.contact
    )
    message = post_message(evidence=ev.request, body="Rules attached.", contact=world.contact)
    checkpoints.write_head(ev.assessment.audit_chain_key)
    return record, message


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params)


def _overwrite_stored(record: EvidenceFile, data: bytes) -> None:
    default_storage.delete(record.file.name)
    default_storage.save(record.file.name, ContentFile(data))


def file_and_column_overwritten(world, ev, record, message):
    _overwrite_stored(record, FORGED)
    _sql(
        "UPDATE assessments_evidencefile SET sha256 = %s WHERE id = %s",
        [hashlib.sha256(FORGED).hexdigest(), record.pk],
    )


def column_edited(world, ev, record, message):
    _sql("UPDATE assessments_evidencefile SET sha256 = %s WHERE id = %s", ["0" * 64, record.pk])


def file_row_deleted(world, ev, record, message):
    _sql("DELETE FROM assessments_evidencefile WHERE id = %s", [record.pk])


def file_row_added(world, ev, record, message):
    key = default_storage.save("evidence/planted.pdf", ContentFile(FORGED))
    EvidenceFile.objects.create(
        request=ev.request,
        file=key,
        original_name="planted.pdf",
        size=len(FORGED),
        content_type="application/pdf",
        sha256=hashlib.sha256(FORGED).hexdigest(),
    )


def message_edited(world, ev, record, message):
    _sql("UPDATE assessments_requestmessage SET body = %s WHERE id = %s", ["Rules never sent.", message.pk])


def message_deleted(world, ev, record, message):
    _sql("DELETE FROM assessments_requestmessage WHERE id = %s", [message.pk])


def message_added(world, ev, record, message):
    RequestMessage.objects.create(request=ev.request, author_user=world.owner, body="Accepted by phone.")


def event_deleted(world, ev, record, message):
    delete_event(Event.objects.get(verb="evidence.file_uploaded", chain_key=ev.assessment.audit_chain_key))


def rewritten_without_the_key(world, ev, record, message):
    def forge(event):
        if event.verb == "evidence.file_uploaded":
            event.data = {**event.data, "sha256": hashlib.sha256(FORGED).hexdigest()}

    _overwrite_stored(record, FORGED)
    rewrite_chain(ev.assessment.audit_chain_key, forge, with_key=False)


def rewritten_as_unkeyed_legacy_events(world, ev, record, message):
    def forge(event):
        if event.verb == "evidence.file_uploaded":
            event.data = {**event.data, "sha256": hashlib.sha256(FORGED).hexdigest()}

    _overwrite_stored(record, FORGED)
    _sql("UPDATE assessments_evidencefile SET sha256 = %s", [hashlib.sha256(FORGED).hexdigest()])
    rewrite_chain(ev.assessment.audit_chain_key, forge, unkeyed=True)


def rewritten_and_rehashed_with_the_key(world, ev, record, message):
    """The worst case: the insider also holds the chain key, swaps the file, edits its column and its
    upload event, and recomputes every HMAC and the head. Only the checkpoint outside the DB knows."""

    def forge(event):
        if event.verb == "evidence.file_uploaded":
            event.data = {**event.data, "sha256": hashlib.sha256(FORGED).hexdigest()}

    _overwrite_stored(record, FORGED)
    _sql("UPDATE assessments_evidencefile SET sha256 = %s", [hashlib.sha256(FORGED).hexdigest()])
    rewrite_chain(ev.assessment.audit_chain_key, forge, with_key=True)


def tail_cut_and_head_reset(world, ev, record, message):
    _sql("DELETE FROM assessments_requestmessage WHERE id = %s", [message.pk])
    truncate(ev.assessment.audit_chain_key, keep=1)


TAMPERINGS = [
    (file_and_column_overwritten, ["content changed", "recorded SHA-256 was edited"]),
    (column_edited, ["recorded SHA-256 was edited"]),
    (file_row_deleted, ["firewall.pdf", "missing file row; no deletion was logged"]),
    (file_row_added, ["planted.pdf", "no upload event on the chain records this file"]),
    (message_edited, ["text was edited after it was posted"]),
    (message_deleted, ["by Pat Secret: deleted"]),
    (message_added, ["no event on the chain records it"]),
    (event_deleted, ["expected seq 1; an event is missing", "no upload event on the chain"]),
    (rewritten_without_the_key, ["changed after it was written"]),
    (rewritten_as_unkeyed_legacy_events, ["history was rewritten"]),
    (rewritten_and_rehashed_with_the_key, ["the history was rewritten"]),
    (tail_cut_and_head_reset, ["events were deleted from its end (truncated)"]),
]


@pytest.mark.parametrize(("tamper", "expected"), TAMPERINGS, ids=[t.__name__ for t, _ in TAMPERINGS])
def test_verify_evidence_reports_each_tampering(world, ev, stocked, tamper, expected):
    out = StringIO()
    call_command("verify_evidence", assessment=ev.assessment.pk, stdout=out)
    assert out.getvalue().startswith("OK "), out.getvalue()
    tamper(world, ev, *stocked)
    out = StringIO()
    with pytest.raises(CommandError, match="1 assessment"):
        call_command("verify_evidence", assessment=ev.assessment.pk, stdout=out)
    report = out.getvalue()
    assert report.startswith("FAILED"), report
    for phrase in expected:
        assert phrase in report, report


def test_rewrite_with_the_key_passes_every_database_check_but_the_checkpoint(world, ev, stocked):
    rewritten_and_rehashed_with_the_key(world, ev, *stocked)
    report = verify_assessment(ev.assessment)
    assert len(report.problems) == 1, report.problems
    assert "differs from checkpoint" in report.problems[0]


def test_files_deleted_through_the_service_and_messages_posted_verify(world, ev, stocked):
    draft = upload_file(
        evidence=ev.request, upload=SimpleUploadedFile("draft.pdf", PDF), contact=world.contact
    )
    delete_file(file=draft, contact=world.contact)
    deleted = Event.objects.get(verb="evidence.file_deleted")
    assert deleted.data["file_id"] == draft.pk
    posted = Event.objects.get(verb="evidence.message_posted")
    record, message = stocked
    assert posted.data["message_id"] == message.pk
    assert posted.data["body_sha256"] == hashlib.sha256(b"Rules attached.").hexdigest()
    report = verify_assessment(ev.assessment)
    assert report.ok, report.problems
    assert report.files_checked == 1 and report.messages_checked == 1


def test_a_package_checkpoint_alone_reveals_a_cut_tail(world, ev, stocked, tmp_path, settings):
    """The storage checkpoints are gone too (or the store was rewritten): the auditor's copy still shows it."""
    from assessments.package import build_package

    settings.AUDIT_CHECKPOINT_EVERY = 0
    late = post_message(evidence=ev.request, body="One more thing.", user=world.owner)
    package = EvidencePackage.objects.create(assessment=ev.assessment, requested_by=world.owner)
    assert build_package(package.pk).status == "ready"
    with default_storage.open(EvidencePackage.objects.get().file.name, "rb") as fh:
        kept = zipfile.ZipFile(io.BytesIO(fh.read())).read("checkpoint.json")
    assert json.loads(kept)["chain"] == ev.assessment.audit_chain_key
    (tmp_path / "checkpoint.json").write_bytes(kept)

    message_deleted(world, ev, None, late)
    truncate(ev.assessment.audit_chain_key, keep=2)
    folder = checkpoints.folder(ev.assessment.audit_chain_key)
    for name in default_storage.listdir(folder)[1]:
        default_storage.delete(f"{folder}/{name}")
    out = StringIO()
    call_command("verify_evidence", assessment=ev.assessment.pk, no_anchor=True, stdout=out)
    assert out.getvalue().startswith("OK ")  # with nothing outside the database, the cut is invisible
    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "verify_evidence",
            assessment=ev.assessment.pk,
            checkpoint=[str(tmp_path / "checkpoint.json")],
            stdout=out,
        )
    assert "truncated" in out.getvalue() and "checkpoint.json" in out.getvalue()


def test_verify_button_reports_a_cut_tail_and_an_edited_message(world, ev, stocked, owner_http):
    record, message = stocked
    url = reverse("assessments:assessment-verify", kwargs={"assessment_id": ev.assessment.pk})
    ok = owner_http.post(url, HTTP_HX_REQUEST="true")
    assert ok.context["report"].ok and b"1 message" in ok.content
    checkpoints.write_head(ev.assessment.audit_chain_key)  # the verification's own event, anchored
    message_edited(world, ev, record, message)
    truncate(ev.assessment.audit_chain_key, keep=2)
    bad = owner_http.post(url, HTTP_HX_REQUEST="true")
    problems = bad.context["report"].problems
    assert any("truncated" in p for p in problems), problems
    assert any("text was edited" in p for p in problems), problems
    assert b"Verification failed" in bad.content and b"truncated" in bad.content
