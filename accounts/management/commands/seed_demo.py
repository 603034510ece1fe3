"""Seed a demo workspace. Idempotent: running it twice changes nothing and prints the same logins."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Client, Contact, Membership, Plan, Role, User, Workspace
from accounts.services import login_url

STAFF_EMAIL = "demo@portal.localhost"
STAFF_PASSWORD = "demo-portal-2026"  # noqa: S105 - a published demo login, never used in production
CONTACT_EMAIL = "jordan@acme-payments.example"


class Command(BaseCommand):
    help = "Create (or refresh) the demo workspace and print how to sign in."

    @transaction.atomic
    def handle(self, *args, **options):
        ws, _ = Workspace.objects.get_or_create(
            slug="demo",
            defaults={"name": "Northwind Assurance", "plan": Plan.TEAM, "accent_color": "#0f766e"},
        )
        staff = User.objects.filter(email=STAFF_EMAIL).first()
        if staff is None:
            staff = User.objects.create_user(
                email=STAFF_EMAIL, password=STAFF_PASSWORD, full_name="Dana Assessor"
            )
        Membership.objects.get_or_create(user=staff, workspace=ws, defaults={"role": Role.OWNER})
        acme, _ = Client.objects.get_or_create(
            workspace=ws, name="Acme Payments", defaults={"portal_enabled": True}
        )
        if not acme.portal_enabled:
            acme.portal_enabled = True
            acme.save(update_fields=["portal_enabled"])
        Contact.objects.get_or_create(
            workspace=ws,
            email=CONTACT_EMAIL,
            defaults={
                "client": acme,
                "name": "Jordan Lee",
                "job_title": "Head of Compliance",
                "invited_by": staff,
            },
        )
        Client.objects.get_or_create(workspace=ws, name="Globex Retail")
        self._seed_more(ws, staff, acme)
        self.stdout.write(
            f"(staff sign in at {settings.SITE_URL}/app/login; the contact's sign-in link is printed by the "
            "console email backend in this terminal, or run: "
            f"python manage.py magic_link {CONTACT_EMAIL} --workspace {ws.slug})"
        )
        # These three lines end the output: scripts read them.
        self.stdout.write(f"staff: {STAFF_EMAIL} {STAFF_PASSWORD}")
        self.stdout.write(f"contact: {CONTACT_EMAIL}")
        self.stdout.write(f"portal: {login_url(ws)}")

    def _seed_more(self, ws, staff, client) -> None:
        """Hook for later features' demo data (assessments, projects…)."""
        from assessments.demo import seed_assessment

        seed_assessment(workspace=ws, staff=staff, client=client)
