"""Demo data for `manage.py seed_demo`: one lived-in PCI DSS assessment. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Client, Contact, User, Workspace
from assessments import services
from assessments.importing import SAMPLE_CSV, parse_csv
from assessments.models import Assessment, AssessmentAccess, EvidenceRequest, Status

NAME = "PCI DSS v4.0.1 ROC 2026"

# Status of each imported row, in order: every status is represented, most work still in flight.
PATTERN = [
    Status.ACCEPTED,
    Status.OPEN,
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.UNDER_REVIEW,
    Status.CHANGES_REQUESTED,
    Status.OPEN,
    Status.ACCEPTED,
    Status.SUBMITTED,
    Status.OPEN,
    Status.WAIVED,
    Status.ACCEPTED,
    Status.OPEN,
    Status.CHANGES_REQUESTED,
]


def _pdf(title: str) -> bytes:
    text = title.replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
        b"4 0 obj<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream endobj\n"
        b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


@transaction.atomic
def seed_assessment(*, workspace: Workspace, staff: User, client: Client) -> Assessment:
    assessment = Assessment.objects.for_workspace(workspace).filter(client=client, name=NAME).first()
    if assessment is not None:
        return assessment  # already seeded: running seed_demo twice changes nothing
    today = timezone.localdate()
    assessment = services.create_assessment(
        workspace=workspace,
        client=client,
        actor=staff,
        name=NAME,
        type="roc",
        organization=f"{client.name} (card processing platform)",
        status="in_progress",
        period_start=today.replace(month=1, day=1),
        period_end=today.replace(month=12, day=31),
        lead=staff,
    )
    contacts = list(Contact.objects.for_client(client).active())
    for contact in contacts:
        AssessmentAccess.objects.get_or_create(
            assessment=assessment, contact=contact, defaults={"granted_by": staff}
        )
    contact = contacts[0] if contacts else None

    rows = [row.data for row in parse_csv(SAMPLE_CSV.read_text()).good]
    for i, row in enumerate(rows):
        # Due dates from three weeks ago to six weeks ahead, so some open items are overdue.
        row["due_date"] = today + timedelta(days=(i * 7) % 63 - 21)
    requests = services.import_requests(assessment=assessment, actor=staff, rows=rows)

    now = timezone.now()
    for i, evidence in enumerate(requests):
        status = PATTERN[i % len(PATTERN)]
        if status == Status.OPEN or contact is None:
            continue
        if status != Status.WAIVED:
            upload = SimpleUploadedFile(
                f"{evidence.requirement} {evidence.title[:40]}.pdf", _pdf(evidence.title)
            )
            services.upload_file(evidence=evidence, upload=upload, contact=contact, ip="127.0.0.1")
            if i % 3 == 0:
                csv = SimpleUploadedFile(
                    f"{evidence.requirement}-export.csv", b"system,owner,reviewed\nfw-01,netops,yes\n"
                )
                services.upload_file(evidence=evidence, upload=csv, contact=contact, ip="127.0.0.1")
        updates = {"status": status}
        if status != Status.WAIVED:
            updates.update(submission_round=1, submitted_at=now - timedelta(days=(i % 9) + 1))
        if status in (Status.ACCEPTED, Status.CHANGES_REQUESTED, Status.WAIVED):
            updates["reviewed_at"] = now - timedelta(days=i % 4)
        if status == Status.CHANGES_REQUESTED:
            updates["reviewer_notes"] = (
                "The document is from last year. Please upload the version approved this year."
            )
        if status == Status.WAIVED:
            updates["reviewer_notes"] = "Not applicable: no wireless networks in scope."
        # Demo history is written directly: replaying every transition would email the demo contact.
        EvidenceRequest.objects.filter(pk=evidence.pk).update(**updates)
        if i % 4 == 1:
            # On the chain like any message (Verify integrity stays clean), without the emails.
            services.record_message(
                evidence=evidence,
                contact=contact,
                body="Is the export from the firewall manager enough, or do you need screenshots?",
            )
            services.record_message(
                evidence=evidence,
                user=staff,
                body="The export is fine as long as it shows the rule review date.",
            )
    return assessment


def seed_step(ctx) -> None:
    """seed_demo step (core/demo.py): a lived-in assessment for the demo workspace's client."""
    seed_assessment(
        workspace=ctx.objects["demo_workspace"],
        staff=ctx.objects["demo_staff"],
        client=ctx.objects["demo_client"],
    )
