"""Evidence objects for the outsider sweep (tests/test_outsider_sweep.py): all named "Secretco" so any leak shows."""

from __future__ import annotations

import io
import zipfile

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from assessments.models import EvidencePackage, PackageStatus, RequestMessage, Status
from tests.factories import (
    AssessmentAccessFactory,
    AssessmentFactory,
    EvidenceFileFactory,
    EvidenceRequestFactory,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def evidence_sweep_extra(world) -> None:
    assessment = AssessmentFactory(
        client=world.client, name="Secretco ROC 2026", organization="Secretco Payments"
    )
    access = AssessmentAccessFactory(assessment=assessment, contact=world.contact)
    evidence = EvidenceRequestFactory(
        assessment=assessment, requirement="1.2.3", title="Secretco network diagram", status=Status.OPEN
    )
    key = default_storage.save("evidence/sweep/secretco", ContentFile(PDF))
    record = EvidenceFileFactory(
        request=evidence,
        file=key,
        original_name="secretco-diagram.pdf",
        size=len(PDF),
        content_type="application/pdf",
    )
    RequestMessage.objects.create(
        request=evidence, author_user=world.owner, body="Secretco: please add the DMZ."
    )
    world.extra.update(
        assessment_id=assessment.pk,
        request_id=evidence.pk,
        file_id=record.pk,
        access_id=access.pk,
    )
    package_sweep_extra(world, assessment)


def package_sweep_extra(world, assessment) -> None:
    """A ready evidence package of the Secretco assessment, with a real ZIP in storage."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("manifest.csv", "requirement,request_title\r\n1.2.3,Secretco network diagram\r\n")
    key = default_storage.save("packages/sweep-secretco.zip", ContentFile(buf.getvalue()))
    package = EvidencePackage.objects.create(
        assessment=assessment,
        requested_by=world.owner,
        status=PackageStatus.READY,
        progress=100,
        file=key,
        size=len(buf.getvalue()),
        file_count=0,
    )
    world.extra.update(package_id=package.pk)
