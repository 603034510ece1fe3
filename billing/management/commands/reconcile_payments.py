from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Workspace
from billing.reconcile import reconcile_payments
from billing.stripe_client import payments_configured


class Command(BaseCommand):
    help = "Read unsettled Checkout Sessions (and recent refunds) from Stripe and apply what webhooks missed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--workspace", help="Only this workspace (slug).")
        parser.add_argument(
            "--refund-days", type=int, default=30, help="Re-read refunds of payments this recent."
        )

    def handle(self, *args, **options) -> None:
        if not payments_configured():
            raise CommandError("Online payment is not set up (STRIPE_SECRET_KEY is empty).")
        workspace = None
        if options["workspace"]:
            workspace = Workspace.objects.filter(slug=options["workspace"]).first()
            if workspace is None:
                raise CommandError(f"No workspace {options['workspace']!r}.")
        counts = reconcile_payments(refund_days=options["refund_days"], workspace=workspace)
        summary = ", ".join(f"{name}: {n}" for name, n in sorted(counts.items())) or "nothing to do"
        self.stdout.write(f"reconcile_payments: {summary}")
        if counts.get("errors"):
            raise CommandError(f"{counts['errors']} could not be read from Stripe; run again later.")
