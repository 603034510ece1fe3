from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from activity import checkpoints
from activity.checkpoints import Checkpoint
from assessments.integrity import verify_assessment
from assessments.models import Assessment


class Command(BaseCommand):
    help = (
        "Verify chain of custody: each assessment's keyed event chain against its checkpoints outside the "
        "database, every stored evidence file against the SHA-256 in its upload event, and every message "
        "against the hash in its event. Exits non-zero when anything does not match. Afterwards the head "
        "of each chain is checkpointed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workspace", help="only this workspace (slug)")
        parser.add_argument("--assessment", type=int, help="only this assessment id")
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="also compare with this checkpoint file (e.g. checkpoint.json from an evidence package)",
        )
        parser.add_argument(
            "--no-anchor", action="store_true", help="do not write a checkpoint of each chain's head"
        )

    def handle(self, *args, workspace=None, assessment=None, checkpoint=(), no_anchor=False, **options):
        extra: list[tuple[str, Checkpoint]] = []
        for name in checkpoint:
            try:
                extra.append((name, Checkpoint.from_json(Path(name).read_bytes())))
            except (OSError, ValueError) as exc:
                raise CommandError(f"{name} is not a readable checkpoint: {exc}") from exc
        qs = Assessment.objects.select_related("workspace", "client").order_by("pk")
        if workspace:
            qs = qs.filter(workspace__slug=workspace)
        if assessment:
            qs = qs.filter(pk=assessment)
        bad = 0
        for item in qs.iterator():
            key = item.audit_chain_key
            report = verify_assessment(item, extra_checkpoints=[e for e in extra if e[1].chain == key])
            status = "OK" if report.ok else "FAILED"
            self.stdout.write(
                f"{status} {item.workspace.slug} #{item.pk} {item.name}: {report.chain.events} events "
                f"({report.chain.checkpoints} checkpoints), {report.files_checked} files, "
                f"{report.messages_checked} messages"
            )
            for problem in report.problems:
                self.stdout.write(f"  - {problem}")
            for note in report.notes:
                self.stdout.write(f"  note: {note}")
            bad += not report.ok
            if not no_anchor:
                checkpoints.write_quietly(chain_key=key)
        if bad:
            raise CommandError(f"{bad} assessment(s) failed verification")
