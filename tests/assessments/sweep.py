"""Evidence's part of the outsider sweep (tests/test_outsider_sweep.py): Secretco's assessment, request,
files, message, access and package, the kwarg sources of the staff and portal evidence URLs, and their
POST data. Every object says "Secretco"; every file carries a `file_marker` in its bytes."""

from __future__ import annotations

import io
import zipfile

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import services
from assessments.models import (
    AssessmentStatus,
    AssessmentType,
    EvidencePackage,
    PackageStatus,
    Priority,
    RequestMessage,
    Status,
)
from tests.factories import AssessmentAccessFactory, AssessmentFactory, EvidenceRequestFactory
from tests.sweep_registry import file_marker, get_request, kwarg_source, post_data, sweep_fixture


def _pdf(marker: str) -> bytes:
    return f"%PDF-1.4\n% {marker}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()


@sweep_fixture
def evidence_objects(world) -> None:
    o = world.objs
    o.assessment = AssessmentFactory(
        client=world.client, name="Secretco ROC 2026", organization="Secretco Payments", lead=world.owner
    )
    o.access = AssessmentAccessFactory(assessment=o.assessment, contact=world.contact)
    # A second shared assessment: with only one, the portal's Assessments page goes straight to it (302),
    # and the list page itself would go unswept.
    o.second_assessment = AssessmentFactory(client=world.client, name="Secretco SAQ D 2027", lead=world.owner)
    AssessmentAccessFactory(assessment=o.second_assessment, contact=world.contact)
    o.evidence_request = EvidenceRequestFactory(
        assessment=o.assessment, requirement="1.2.3", title="Secretco network diagram", status=Status.OPEN
    )
    # Uploaded the real way (sniffed, hashed, stored), unsubmitted, so the client may still delete them.
    # A PDF (download, raw bytes) and a CSV (whose preview page renders its rows).
    o.evidence_pdf = services.upload_file(
        evidence=o.evidence_request,
        upload=SimpleUploadedFile("secretco-diagram.pdf", _pdf(file_marker("evidence PDF"))),
        contact=world.contact,
    )
    csv = f"host,zone\r\nfw1.secretco.internal,{file_marker('evidence CSV')}\r\n".encode()
    o.evidence_csv = services.upload_file(
        evidence=o.evidence_request,
        upload=SimpleUploadedFile("secretco-hosts.csv", csv),
        contact=world.contact,
    )
    RequestMessage.objects.create(
        request=o.evidence_request, author_user=world.owner, body="Secretco: please add the DMZ."
    )
    # A submitted request, so A's review inbox (and so any inbox it could leak into) shows Secretco.
    EvidenceRequestFactory(
        assessment=o.assessment, requirement="3.4.1", title="Secretco key rotation", status=Status.SUBMITTED
    )
    o.package = _ready_package(world)


def _ready_package(world) -> EvidencePackage:
    """A ready evidence package with a real ZIP in storage. Deflated on purpose: its marker is only found
    by looking inside the archive, as the sweep does."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.csv", "requirement,request_title\r\n1.2.3,Network diagram\r\n")
        zf.writestr("1.2.3/diagram.pdf", _pdf(file_marker("evidence package")))
    key = default_storage.save("packages/sweep-package.zip", ContentFile(buf.getvalue()))
    return EvidencePackage.objects.create(
        assessment=world.objs.assessment,
        requested_by=world.owner,
        status=PackageStatus.READY,
        progress=100,
        file=key,
        size=len(buf.getvalue()),
        file_count=1,
    )


kwarg_source("assessment_id", lambda w: w.objs.assessment)
kwarg_source("request_id", lambda w: w.objs.evidence_request)
kwarg_source("access_id", lambda w: w.objs.access)
kwarg_source("package_id", lambda w: w.objs.package)
# `file_id` is a generic name: evidence files fill it only in the evidence file URLs, staff and portal.
EVIDENCE_FILES = lambda w: [w.objs.evidence_pdf, w.objs.evidence_csv]  # noqa: E731
kwarg_source("file_id", EVIDENCE_FILES, url="assessments:file-")
kwarg_source("file_id", EVIDENCE_FILES, url="portal:file-")
# Raw bytes are served for inline types only (a CSV is a 404 there by design).
kwarg_source("file_id", lambda w: w.objs.evidence_pdf, url="assessments:file-raw")
kwarg_source("file_id", lambda w: w.objs.evidence_pdf, url="portal:file-raw")

# The thread list is an htmx fragment; a plain GET redirects to the request page.
get_request("assessments:request-messages", htmx=True)
get_request("portal:request-messages", htmx=True)


def _assessment_fields(w) -> dict:
    return {
        "name": "Sweep ROC 2027",
        "type": AssessmentType.ROC,
        "organization": "Sweep Org",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "status": AssessmentStatus.IN_PROGRESS,
        "lead": w.owner.pk,
    }


def _request_fields(w) -> dict:
    return {
        "requirement": "2.2.2",
        "title": "Sweep configuration standard",
        "description": "Provide it.",
        "priority": Priority.HIGH,
        "due_date": "2027-03-01",
        "tags": "sweep",
        "assignee": w.owner.pk,
    }


post_data("assessments:assessment-create", lambda w: {"client": w.client.pk, **_assessment_fields(w)})
post_data("assessments:assessment-edit", _assessment_fields)
post_data(
    "assessments:assessment-invite",
    lambda w: {"email": "new-contact@sweep.example", "name": "Sweep Invitee", "job_title": "CFO"},
)
post_data("assessments:access-revoke", lambda w: {})
post_data(
    "assessments:request-import",
    lambda w: {"csv_text": "requirement,title\r\n9.9.9,Sweep imported request\r\n", "confirm": "1"},
)
post_data("assessments:request-create", _request_fields)
post_data("assessments:request-edit", _request_fields)
post_data("assessments:request-transition", lambda w: {"to": Status.WAIVED, "note": "Not applicable"})
post_data("assessments:request-messages", lambda w: {"body": "Sweep message"})
post_data("assessments:package-create", lambda w: {})
post_data("assessments:assessment-verify", lambda w: {})

post_data(
    "portal:request-upload",
    lambda w: {"file": SimpleUploadedFile("sweep.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")},
)
post_data("portal:file-delete", lambda w: {})
post_data("portal:request-submit", lambda w: {})
post_data("portal:request-messages", lambda w: {"body": "Sweep message"})
