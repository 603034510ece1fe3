"""Projects fixtures: a project of Secretco (world.client) with a deliverable awaiting approval."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects import services
from projects.models import ProjectStatus


def pdf_upload(name: str = "design.pdf", text: str = "design") -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% {text}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()
    return SimpleUploadedFile(name, body)


@pytest.fixture
def project(world):
    return services.create_project(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        name="Website redesign",
        status=ProjectStatus.ACTIVE,
    )


@pytest.fixture
def deliverable(world, project):
    """A deliverable with one version, awaiting the client's approval."""
    return services.create_deliverable(
        project=project,
        upload=pdf_upload("wireframes.pdf", "v1"),
        user=world.owner,
        title="Wireframes",
        needs_approval=True,
    )
