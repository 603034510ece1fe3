"""The client hub's Projects and Deliverables tabs (core/hub.py): links to the staff lists filtered to
the client."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from core.hub import HubTab, register_hub_tab
from projects.models import ApprovalStatus, Deliverable, Project


def register() -> None:
    register_hub_tab(
        HubTab(
            key="projects",
            label="Projects",
            url=lambda c: reverse("projects:project-list") + "?" + urlencode({"client": c.pk}),
            count=lambda c: Project.objects.filter(client=c).count(),
            order=20,
        )
    )
    register_hub_tab(
        HubTab(
            key="deliverables",
            label="Awaiting approval",
            url=lambda c: reverse("projects:project-list") + "?" + urlencode({"client": c.pk}),
            count=lambda c: Deliverable.objects.filter(
                project__client=c, approval_status=ApprovalStatus.PENDING
            ).count(),
            order=30,
        )
    )
