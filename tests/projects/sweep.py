"""Projects' part of the outsider sweep (tests/test_outsider_sweep.py): Secretco's project, a deliverable
awaiting approval with a version (its PDF carries a `file_marker`) and a comment; the kwarg sources of the
staff and portal project URLs and their POST data."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from projects import services
from projects.models import ProjectStatus
from tests.sweep_registry import file_marker, get_request, kwarg_source, post_data, sweep_fixture


def pdf(marker: str = "") -> bytes:
    return f"%PDF-1.4\n% {marker}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()


@sweep_fixture
def project_objects(world) -> None:
    o = world.objs
    o.project = services.create_project(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        name="Secretco rebrand",
        status=ProjectStatus.ACTIVE,
        description="Secretco's new identity.",
    )
    o.deliverable = services.create_deliverable(
        project=o.project,
        upload=SimpleUploadedFile("secretco-logo.pdf", pdf(file_marker("deliverable PDF"))),
        user=world.owner,
        title="Secretco logo",
        note="Secretco logo, first round.",
        needs_approval=True,
    )
    o.deliverable_version = o.deliverable.current_version
    services.post_comment(deliverable=o.deliverable, body="Secretco: first round is up.", user=world.owner)


kwarg_source("project_id", lambda w: w.objs.project)
kwarg_source("deliverable_id", lambda w: w.objs.deliverable)
# `file_id` is generic: deliverable versions fill it only in the deliverable file URLs, staff and portal.
kwarg_source("file_id", lambda w: w.objs.deliverable_version, url="projects:version-")
kwarg_source("file_id", lambda w: w.objs.deliverable_version, url="portal:deliverable-file-")

# The comment lists are htmx fragments; a plain GET redirects to the deliverable page.
get_request("projects:deliverable-comments", htmx=True)
get_request("portal:deliverable-comments", htmx=True)


def _upload() -> dict:
    return {"file": SimpleUploadedFile("sweep.pdf", pdf("sweep"))}


post_data(
    "projects:project-create",
    lambda w: {"client": w.client.pk, "name": "Sweep project", "status": ProjectStatus.PLANNED},
)
post_data("projects:project-edit", lambda w: {"name": "Sweep renamed", "status": ProjectStatus.ON_HOLD})
post_data("projects:deliverable-create", lambda w: {**_upload(), "title": "Sweep deliverable", "note": "n"})
post_data("projects:deliverable-version-create", lambda w: {**_upload(), "note": "Sweep v2"})
post_data("projects:deliverable-approval", lambda w: {"to": "not_required"})
post_data("projects:deliverable-comments", lambda w: {"body": "Sweep comment"})
post_data(
    "portal:deliverable-decide",
    lambda w: {"decision": "changes", "comment": "Sweep change", "version": w.objs.deliverable_version.pk},
)
post_data("portal:deliverable-comments", lambda w: {"body": "Sweep comment"})
