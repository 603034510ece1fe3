"""Demo seed step of `accounts` (core/demo.py): the demo workspace, its staff login and a client contact."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from accounts.models import Client, Contact, Membership, Plan, Role, User, Workspace
from accounts.services import login_url
from core.demo import DemoContext

STAFF_EMAIL = "demo@portal.localhost"
STAFF_PASSWORD = "demo-portal-2026"  # noqa: S105 - a published demo login, never used in production
CONTACT_EMAIL = "jordan@acme-payments.example"


def seed_demo_workspace(ctx: DemoContext) -> None:
    ws, _ = Workspace.objects.get_or_create(
        slug="demo",
        defaults={"name": "Northwind Assurance", "plan": Plan.TEAM, "accent_color": "#0f766e"},
    )
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    if staff is None:
        staff = User.objects.create_user(
            email=STAFF_EMAIL,
            password=STAFF_PASSWORD,
            full_name="Dana Assessor",
            email_confirmed_at=timezone.now(),
        )
    Membership.objects.get_or_create(user=staff, workspace=ws, defaults={"role": Role.OWNER})
    acme, _ = Client.objects.get_or_create(
        workspace=ws,
        name="Acme Payments",
        # An assessor's client sees its evidence; the agency sections are hidden (staff can show them).
        defaults={
            "portal_enabled": True,
            "hidden_sections": Client.encode_hidden(
                {"projects", "deliverables", "contracts", "invoices", "proposals"}
            ),
        },
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
    ctx.objects.update(demo_workspace=ws, demo_staff=staff, demo_client=acme)
    ctx.notes.append(
        f"(staff sign in at {settings.SITE_URL}/app/login; the contact's sign-in link is printed by the "
        "console email backend in this terminal, or run: "
        f"python manage.py magic_link {CONTACT_EMAIL} --workspace {ws.slug})"
    )
    ctx.logins += [
        f"staff: {STAFF_EMAIL} {STAFF_PASSWORD}",
        f"contact: {CONTACT_EMAIL}",
        f"portal: {login_url(ws)}",
    ]
