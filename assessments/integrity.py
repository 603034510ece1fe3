"""Chain of custody checks: the assessment's event chain is intact and every stored file still hashes
to the SHA-256 recorded when it was uploaded."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from activity.services import ChainReport, verify_chain
from assessments.audit import log_assessment_event
from assessments.models import Assessment, EvidenceFile
from files.hashing import sha256_of_stored
from files.uploads import STORE_ERRORS


@dataclass
class IntegrityReport:
    assessment: Assessment
    chain: ChainReport
    files_checked: int = 0
    file_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.file_problems

    @property
    def problems(self) -> list[str]:
        return [*self.chain.problems, *self.file_problems]


def verify_assessment(assessment: Assessment) -> IntegrityReport:
    report = IntegrityReport(assessment=assessment, chain=verify_chain(assessment.audit_chain_key))
    files = EvidenceFile.objects.filter(request__assessment=assessment).select_related("request")
    for record in files.order_by("pk").iterator():
        report.files_checked += 1
        label = f"{record.request.requirement} {record.original_name} (file #{record.pk})"
        try:
            actual, _ = sha256_of_stored(record.file.name)
        except FileNotFoundError:
            report.file_problems.append(f"{label}: missing from storage")
            continue
        except STORE_ERRORS as exc:
            report.file_problems.append(f"{label}: could not be read ({exc.__class__.__name__})")
            continue
        if actual != record.sha256:
            report.file_problems.append(
                f"{label}: content changed (SHA-256 {actual[:12]}… ≠ recorded {record.sha256[:12]}…)"
            )
    return report


def verify_and_record(*, assessment: Assessment, actor=None) -> IntegrityReport:
    """Run the check and log its outcome (itself an event on the chain it just checked)."""
    report = verify_assessment(assessment)
    with transaction.atomic():
        log_assessment_event(
            assessment,
            "assessment.integrity_verified",
            user=actor,
            ok=report.ok,
            events=report.chain.events,
            files=report.files_checked,
            problems=report.problems[:50],
        )
    return report
