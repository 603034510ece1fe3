"""Evidence objects for the outsider sweep (tests/test_outsider_sweep.py): all named "Secretco" so any leak shows."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from assessments.models import RequestMessage, Status
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
