"""The `studio` demo: the agency workspace with projects in every status, versions, one deliverable awaiting
approval, contracts and activity; its login lines come after the existing ones; a second run changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accounts.models import Plan, Workspace
from activity.models import Event
from projects.models import ApprovalStatus, Deliverable, DeliverableVersion, Project, ProjectStatus
from proposals.models import Contract

pytestmark = pytest.mark.django_db


def _seed() -> list[str]:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue().strip().splitlines()


def test_studio_seed_is_complete_and_idempotent():
    lines = _seed()
    studio = Workspace.objects.get(slug="studio")
    assert studio.plan == Plan.SOLO and studio.clients.count() == 2
    assert set(Project.objects.filter(workspace=studio).values_list("status", flat=True)) == set(
        ProjectStatus.values
    )
    assert Deliverable.objects.filter(project__workspace=studio, version_count__gt=1).exists()
    assert Deliverable.objects.filter(
        project__workspace=studio, approval_status=ApprovalStatus.PENDING
    ).exists()
    assert Contract.objects.filter(workspace=studio).count() >= 2
    assert Event.objects.filter(workspace=studio, verb__startswith="deliverable.").exists()
    assert lines[-3] == "agency-staff: studio@portal.localhost studio-portal-2026"
    assert lines[-2] == "agency-contact: riley@brightleaf.example"
    assert lines[-1].startswith("agency-portal: ") and lines[-1].endswith("/p/studio/login")
    assert [line.split(":")[0] for line in lines[-6:-3]] == ["staff", "contact", "portal"]
    counts = (
        Project.objects.count(),
        DeliverableVersion.objects.count(),
        Contract.objects.count(),
        Event.objects.count(),
    )
    assert _seed() == lines
    assert (
        Project.objects.count(),
        DeliverableVersion.objects.count(),
        Contract.objects.count(),
        Event.objects.count(),
    ) == counts
