"""Activity verbs of projects and deliverables (registered in ProjectsConfig.ready). Clients see their
projects start and change status, deliverables arrive, approvals and comments; edits are internal."""

from __future__ import annotations

from activity.verbs import CLIENT, STAFF, Verb, register
from projects.models import DELIVERABLES_SECTION, PROJECTS_SECTION


def register_verbs() -> None:
    register(
        Verb(
            "project.created",
            "created project",
            client="started project",
            audience=CLIENT,
            section=PROJECTS_SECTION,
            on_target="created this project",
        ),
        Verb("project.updated", "edited project", audience=STAFF, section=PROJECTS_SECTION),
        Verb(
            "project.status_changed",
            "changed the status of",
            client="updated the status of",
            audience=CLIENT,
            section=PROJECTS_SECTION,
            on_target="changed the status",
        ),
        Verb(
            "deliverable.uploaded",
            "delivered",
            audience=CLIENT,
            section=DELIVERABLES_SECTION,
            plural="delivered {n} files:",
            on_target="delivered the first version",
        ),
        Verb(
            "deliverable.version_uploaded",
            "uploaded a new version of",
            audience=CLIENT,
            section=DELIVERABLES_SECTION,
            plural="uploaded {n} new versions of",
            on_target="uploaded a new version",
        ),
        Verb(
            "deliverable.approval_requested",
            "asked for approval of",
            audience=CLIENT,
            section=DELIVERABLES_SECTION,
            on_target="asked for approval",
        ),
        Verb(
            "deliverable.approval_withdrawn",
            "no longer needs approval of",
            audience=STAFF,
            section=DELIVERABLES_SECTION,
            on_target="withdrew the approval request",
        ),
        Verb(
            "deliverable.approved",
            "approved",
            audience=CLIENT,
            section=DELIVERABLES_SECTION,
            on_target="approved this version",
        ),
        Verb(
            "deliverable.changes_requested",
            "requested changes to",
            audience=CLIENT,
            section=DELIVERABLES_SECTION,
            on_target="requested changes",
        ),
        Verb(
            "deliverable.comment_posted",
            "commented on",
            audience=CLIENT,
            section=DELIVERABLES_SECTION,
            plural="wrote {n} comments on",
            on_target="commented",
        ),
    )
