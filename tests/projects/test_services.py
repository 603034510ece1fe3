"""Project and deliverable services: validation, files through the deliverable policy, events, mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from activity.models import Event
from core.errors import ServiceError
from projects import services
from projects.files import DELIVERABLE
from projects.models import DeliverableComment, DeliverableVersion, Project, ProjectStatus
from tests.projects.conftest import pdf_upload

pytestmark = pytest.mark.django_db


def test_create_project_is_scoped_and_audited(world):
    with pytest.raises(ServiceError, match="not in this workspace"):
        services.create_project(workspace=world.ws, client=world.outsider_client, actor=world.owner, name="X")
    with pytest.raises(ServiceError, match="name"):
        services.create_project(workspace=world.ws, client=world.client, actor=world.owner, name=" ")
    with pytest.raises(ServiceError, match="end before"):
        services.create_project(
            workspace=world.ws,
            client=world.client,
            actor=world.owner,
            name="X",
            start_date="2026-05-01",
            end_date="2026-04-01",
        )
    assert not Project.objects.exists()
    project = services.create_project(workspace=world.ws, client=world.client, actor=world.owner, name="Site")
    assert project.workspace == world.ws and project.status == ProjectStatus.PLANNED
    assert Event.objects.filter(verb="project.created", client=world.client).count() == 1


def test_update_project_logs_status_changes_for_the_client_and_edits_for_staff(world, project):
    services.update_project(project=project, actor=world.owner, status=ProjectStatus.ON_HOLD, name="Site v2")
    verbs = list(
        Event.objects.filter(target_type="projects.project").order_by("id").values_list("verb", flat=True)
    )
    assert verbs == ["project.created", "project.status_changed", "project.updated"]
    services.update_project(project=project, actor=world.owner, status=ProjectStatus.ON_HOLD)  # no change
    assert Event.objects.filter(target_type="projects.project").count() == 3


def test_deliverable_upload_sniffs_hashes_and_emails_the_client(
    world, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        d = services.create_deliverable(
            project=project,
            upload=pdf_upload("brief.pdf"),
            user=world.owner,
            title="",
            note="Read me",
            ip="10.1.1.1",
        )
    v = d.current_version
    assert d.title == "brief.pdf" and d.note == "Read me" and d.version_count == 1
    assert (v.content_type, v.number, v.uploaded_by_user, v.uploader_ip) == (
        "application/pdf",
        1,
        world.owner,
        "10.1.1.1",
    )
    assert len(v.sha256) == 64 and default_storage.exists(v.file.name)
    assert [m.to for m in mail.outbox] == [[world.contact.email]]  # the client's active contacts
    assert "brief.pdf v1 is ready" in mail.outbox[0].subject


def test_refused_uploads_leave_nothing(world, project):
    with pytest.raises(ServiceError, match="not accepted"):
        services.create_deliverable(
            project=project,
            upload=SimpleUploadedFile("page.html", b"<html><script>x</script></html>"),
            user=world.owner,
        )
    with override_settings(DELIVERABLE_MAX_UPLOAD_BYTES=10):
        assert DELIVERABLE.max_bytes == 10
        with pytest.raises(ServiceError, match="limit"):
            services.create_deliverable(project=project, upload=pdf_upload(), user=world.owner)
    with override_settings(WORKSPACE_STORAGE_QUOTA_BYTES=10):
        with pytest.raises(ServiceError, match="storage is full"):
            services.create_deliverable(project=project, upload=pdf_upload(), user=world.owner)
    assert not project.deliverables.exists() and not DeliverableVersion.objects.exists()


def test_comments_email_the_other_side(world, deliverable, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_comment(deliverable=deliverable, body="Looks great", contact=world.contact)
    assert [m.to for m in mail.outbox] == [[world.owner.email]]
    with django_capture_on_commit_callbacks(execute=True):
        services.post_comment(deliverable=deliverable, body="Thanks!", user=world.owner)
    assert mail.outbox[-1].to == [world.contact.email] and "Thanks!" in mail.outbox[-1].body
    with pytest.raises(ServiceError, match="Write a comment"):
        services.post_comment(deliverable=deliverable, body="  ", contact=world.contact)
    with pytest.raises(ServiceError, match="Exactly one"):
        services.post_comment(deliverable=deliverable, body="x")
    assert DeliverableComment.objects.count() == 2
    assert Event.objects.filter(verb="deliverable.comment_posted").count() == 2
