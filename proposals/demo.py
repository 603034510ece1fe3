"""Demo seed step of `proposals` (core/demo.py): contracts for the `studio` workspace's clients, after the
projects step created them (ctx.objects). Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.demo import DemoContext, demo_pdf
from proposals import services
from proposals.models import Contract, ContractStatus

CONTRACTS = [
    # (client key, project name or "", title, status)
    ("brightleaf", "Website redesign", "Website redesign: statement of work", ContractStatus.SIGNED),
    ("brightleaf", "", "Master services agreement", ContractStatus.ACTIVE),
    ("brightleaf", "Annual report 2026", "Annual report: statement of work", ContractStatus.DRAFT),
    ("harbour", "Mobile ordering app", "Mobile app: statement of work", ContractStatus.SENT),
    ("harbour", "Menu photography", "Photography agreement", ContractStatus.TERMINATED),
]


def seed_step(ctx: DemoContext) -> None:
    ws = ctx.objects.get("studio_workspace")
    if ws is None:
        return
    staff, clients, projects = (
        ctx.objects["studio_staff"],
        ctx.objects["studio_clients"],
        ctx.objects["studio_projects"],
    )
    today = timezone.localdate()
    for key, project_name, title, status in CONTRACTS:
        if Contract.objects.filter(workspace=ws, client=clients[key], title=title).exists():
            continue
        services.create_contract(
            workspace=ws,
            client=clients[key],
            actor=staff,
            title=title,
            status=status,
            project=projects.get(project_name),
            start_date=today - timedelta(days=30),
            end_date=today + timedelta(days=335),
            upload=SimpleUploadedFile(f"{title}.pdf".replace(":", ""), demo_pdf(title)),
        )
