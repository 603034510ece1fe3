from django.core.management.base import BaseCommand, CommandError

from proposals.integrity import verify_signature
from proposals.models import Signature


class Command(BaseCommand):
    help = (
        "Verify every typed signature (proposal acceptances and contract signatures): the content hash "
        "recomputed from what was signed, the record against its signing event, the document's keyed event "
        "chain (with its checkpoints) and the issued PDFs against their SHA-256. Exits non-zero on any problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workspace", help="only this workspace (slug)")

    def handle(self, *args, workspace=None, **options):
        signatures = Signature.objects.select_related(
            "workspace", "proposal_version__proposal", "contract__current_file"
        ).order_by("pk")
        if workspace:
            signatures = signatures.filter(workspace__slug=workspace)
        bad = 0
        for signature in signatures:
            report = verify_signature(signature)
            status = "OK" if report.ok else "FAILED"
            self.stdout.write(
                f"{status} {signature.workspace.slug} {signature.get_kind_display()} “{signature.document.title}” "
                f"by {signature.signer_name} ({signature.certificate_id}): {report.files_checked} files"
            )
            for problem in report.problems:
                self.stdout.write(f"  - {problem}")
            bad += not report.ok
        if bad:
            raise CommandError(f"{bad} signature{'s' if bad != 1 else ''} failed verification")
