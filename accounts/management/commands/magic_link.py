from django.core.management.base import BaseCommand, CommandError

from accounts.models import Workspace
from accounts.services import PortalAccessError, support_link


class Command(BaseCommand):
    help = "Print a fresh one-time portal sign-in URL for a contact (support staff sharing a link by hand)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--workspace", required=True, help="workspace slug")

    def handle(self, *args, email: str, workspace: str, **options):
        ws = Workspace.objects.filter(slug=workspace).first()
        if ws is None:
            raise CommandError(f"No workspace with slug {workspace!r}.")
        try:
            url = support_link(workspace=ws, email=email)
        except PortalAccessError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(url)
