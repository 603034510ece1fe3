"""One way to log what happens to a project or deliverable: with its client and ids."""

from __future__ import annotations

from typing import Any

from activity.models import Event
from activity.services import record_event
from projects.models import Deliverable, Project


def log_project_event(project: Project, verb: str, *, user=None, contact=None, **data: Any) -> Event:
    return record_event(
        workspace=project.workspace,
        client=project.client,
        verb=verb,
        actor_user=user,
        actor_contact=contact,
        target=project,
        data={**data, "project_id": project.pk},
    )


def log_deliverable_event(
    deliverable: Deliverable, verb: str, *, user=None, contact=None, **data: Any
) -> Event:
    """`project_id` lets a project page list the events of its deliverables with one query."""
    project = deliverable.project
    return record_event(
        workspace=project.workspace,
        client=project.client,
        verb=verb,
        actor_user=user,
        actor_contact=contact,
        target=deliverable,
        data={**data, "project_id": project.pk, "deliverable_id": deliverable.pk},
    )
