"""Demo seed step of `projects` (core/demo.py): the agency workspace `studio` (Solo plan), its staff, two
clients with a contact each, projects in every status, deliverables with versions (one awaiting
approval), comments and activity. Idempotent: a second run changes nothing."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Client, Contact, Membership, Plan, Role, User, Workspace
from accounts.services import login_url
from core.demo import DemoContext, demo_pdf
from projects import approval, services
from projects.models import ApprovalStatus, Deliverable, Project, ProjectStatus

STAFF_EMAIL = "studio@portal.localhost"
STAFF_PASSWORD = "studio-portal-2026"  # noqa: S105 - a published demo login, never used in production
CONTACT_EMAIL = "riley@brightleaf.example"
OTHER_CONTACT_EMAIL = "morgan@harbourcoffee.example"

PROJECTS = [
    # (client key, name, status, start offset days, length days, budget, description)
    (
        "brightleaf",
        "Website redesign",
        ProjectStatus.ACTIVE,
        -40,
        90,
        "18000.00",
        "A new **marketing site**: sitemap, wireframes, visual design and build.",
    ),
    (
        "brightleaf",
        "Brand guidelines",
        ProjectStatus.COMPLETED,
        -150,
        60,
        "6500.00",
        "Logo refresh, colour palette and a short guidelines PDF.",
    ),
    (
        "brightleaf",
        "Annual report 2026",
        ProjectStatus.PLANNED,
        30,
        45,
        "9000.00",
        "Layout and infographics for the 2026 annual report.",
    ),
    (
        "brightleaf",
        "Packaging refresh",
        ProjectStatus.ON_HOLD,
        -20,
        60,
        None,
        "Paused until the new product line is confirmed.",
    ),
    (
        "harbour",
        "Mobile ordering app",
        ProjectStatus.ACTIVE,
        -10,
        120,
        "42000.00",
        "Design and prototype of the ordering app.",
    ),
    ("harbour", "Menu photography", ProjectStatus.CANCELLED, -60, 10, "2500.00", "Cancelled by the client."),
]


def _upload(name: str, title: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, demo_pdf(title))


def _client(ws: Workspace, staff: User, name: str, email: str, person: str, title: str) -> Client:
    # A studio's clients see its work, not an assessor's: the Assessments section is hidden for them.
    client, _ = Client.objects.get_or_create(
        workspace=ws,
        name=name,
        defaults={"portal_enabled": True, "hidden_sections": Client.encode_hidden({"assessments"})},
    )
    if not client.portal_enabled:
        client.portal_enabled = True
        client.save(update_fields=["portal_enabled"])
    Contact.objects.get_or_create(
        workspace=ws,
        email=email,
        defaults={"client": client, "name": person, "job_title": title, "invited_by": staff},
    )
    return client


def _deliverables(project: Project, staff: User, contact: Contact) -> None:
    if Deliverable.objects.filter(project=project).exists():
        return  # already seeded
    if project.name == "Website redesign":
        sitemap = services.create_deliverable(
            project=project,
            upload=_upload("sitemap.pdf", "Sitemap v1"),
            user=staff,
            title="Sitemap",
            note="All pages and how they link.",
            needs_approval=True,
        )
        approval.transition(deliverable=sitemap, to=ApprovalStatus.APPROVED, contact=contact, notify=False)
        wires = services.create_deliverable(
            project=project,
            upload=_upload("wireframes-v1.pdf", "Wireframes v1"),
            user=staff,
            title="Homepage wireframes",
            note="Desktop and mobile.",
            needs_approval=True,
        )
        approval.transition(
            deliverable=wires,
            to=ApprovalStatus.CHANGES_REQUESTED,
            contact=contact,
            notify=False,
            comment="Can the newsletter sign-up move above the fold?",
        )
        # The new version resets the decision: this one awaits the client's approval.
        services.upload_version(
            deliverable=wires,
            upload=_upload("wireframes-v2.pdf", "Wireframes v2"),
            user=staff,
            note="Newsletter sign-up moved above the fold.",
        )
        services.post_comment(deliverable=wires, body="Version 2 is up: see the note.", user=staff)
        services.create_deliverable(
            project=project,
            upload=_upload("moodboard.pdf", "Moodboard"),
            user=staff,
            title="Moodboard",
            note="Colours, type and imagery we are exploring.",
        )
    elif project.name == "Brand guidelines":
        logo = services.create_deliverable(
            project=project,
            upload=_upload("logo-v1.pdf", "Logo v1"),
            user=staff,
            title="Logo",
            needs_approval=True,
        )
        services.upload_version(
            deliverable=logo, upload=_upload("logo-v2.pdf", "Logo v2"), user=staff, note="Tighter kerning."
        )
        approval.transition(deliverable=logo, to=ApprovalStatus.APPROVED, contact=contact, notify=False)
        services.create_deliverable(
            project=project,
            upload=_upload("brand-guidelines.pdf", "Brand guidelines"),
            user=staff,
            title="Brand guidelines PDF",
        )
    elif project.name == "Mobile ordering app":
        services.create_deliverable(
            project=project,
            upload=_upload("user-flows.pdf", "User flows"),
            user=staff,
            title="User flows",
            note="Ordering, pick-up and loyalty.",
            needs_approval=True,
        )


def seed_studio(ctx: DemoContext) -> None:
    ws, _ = Workspace.objects.get_or_create(
        slug="studio", defaults={"name": "Pixel & Ink Studio", "plan": Plan.SOLO, "accent_color": "#7c3aed"}
    )
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    if staff is None:
        staff = User.objects.create_user(email=STAFF_EMAIL, password=STAFF_PASSWORD, full_name="Alex Studio")
    Membership.objects.get_or_create(user=staff, workspace=ws, defaults={"role": Role.OWNER})
    clients = {
        "brightleaf": _client(
            ws, staff, "Brightleaf Organics", CONTACT_EMAIL, "Riley Park", "Marketing lead"
        ),
        "harbour": _client(ws, staff, "Harbour Coffee", OTHER_CONTACT_EMAIL, "Morgan Hale", "Founder"),
    }
    contacts = {
        "brightleaf": Contact.objects.get(workspace=ws, email=CONTACT_EMAIL),
        "harbour": Contact.objects.get(workspace=ws, email=OTHER_CONTACT_EMAIL),
    }
    today = timezone.localdate()
    projects = {}
    for key, name, status, offset, length, budget, description in PROJECTS:
        project = Project.objects.filter(workspace=ws, client=clients[key], name=name).first()
        if project is None:
            start = today + timedelta(days=offset)
            project = services.create_project(
                workspace=ws,
                client=clients[key],
                actor=staff,
                name=name,
                status=status,
                start_date=start,
                end_date=start + timedelta(days=length),
                budget=budget,
                description=description,
            )
        projects[name] = project
        _deliverables(project, staff, contacts[key])
    ctx.objects.update(
        studio_workspace=ws, studio_staff=staff, studio_clients=clients, studio_projects=projects
    )
    ctx.logins += [
        f"agency-staff: {STAFF_EMAIL} {STAFF_PASSWORD}",
        f"agency-contact: {CONTACT_EMAIL}",
        f"agency-portal: {login_url(ws)}",
    ]


def seed_step(ctx: DemoContext) -> None:
    seed_studio(ctx)


__all__ = ["seed_step", "seed_studio"]
