from django.core.management.base import BaseCommand, CommandError

from assessments.integrity import verify_assessment
from assessments.models import Assessment


class Command(BaseCommand):
    help = (
        "Verify chain of custody: each assessment's hash-chained event log and the SHA-256 of every stored "
        "evidence file. Exits non-zero when anything does not match."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workspace", help="only this workspace (slug)")
        parser.add_argument("--assessment", type=int, help="only this assessment id")

    def handle(self, *args, workspace=None, assessment=None, **options):
        qs = Assessment.objects.select_related("workspace", "client").order_by("pk")
        if workspace:
            qs = qs.filter(workspace__slug=workspace)
        if assessment:
            qs = qs.filter(pk=assessment)
        bad = 0
        for item in qs.iterator():
            report = verify_assessment(item)
            status = "OK" if report.ok else "FAILED"
            self.stdout.write(
                f"{status} {item.workspace.slug} #{item.pk} {item.name}: "
                f"{report.chain.events} events, {report.files_checked} files"
            )
            for problem in report.problems:
                self.stdout.write(f"  - {problem}")
            bad += not report.ok
        if bad:
            raise CommandError(f"{bad} assessment(s) failed verification")
