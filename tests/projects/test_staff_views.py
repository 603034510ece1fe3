"""Staff project pages: filters, delivering files, new versions, asking for approval, the hub's tabs."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects import services
from projects.files import DELIVERABLE
from projects.models import ApprovalStatus, Deliverable, ProjectStatus
from tests.projects.conftest import pdf_upload

pytestmark = pytest.mark.django_db


def test_project_list_filters_by_status_and_client(world, project, owner_http):
    other = services.create_project(
        workspace=world.ws,
        client=world.other_client,
        actor=world.owner,
        name="Other",
        status=ProjectStatus.PLANNED,
    )
    url = reverse("projects:project-list")
    assert set(owner_http.get(url).context["projects"]) == {other, project}
    assert list(owner_http.get(url, {"status": ProjectStatus.ACTIVE}).context["projects"]) == [project]
    assert list(owner_http.get(url, {"client": world.other_client.pk}).context["projects"]) == [other]
    fragment = owner_http.get(
        url, {"client": world.client.pk}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="project-table"
    )
    assert [t.name for t in fragment.templates][0] == "projects/_project_table.html"


def test_staff_deliver_files_then_a_new_version(world, project, owner_http):
    url = reverse("projects:deliverable-create", args=[project.pk])
    response = owner_http.post(
        url,
        {
            "file": [pdf_upload("a.pdf"), pdf_upload("b.pdf")],
            "title": "ignored for several",
            "note": "Round 1",
            "needs_approval": "on",
        },
    )
    assert response.status_code == 302
    titles = sorted(Deliverable.objects.filter(project=project).values_list("title", "approval_status"))
    assert titles == [("a.pdf", ApprovalStatus.PENDING), ("b.pdf", ApprovalStatus.PENDING)]
    d = Deliverable.objects.get(title="a.pdf")
    owner_http.post(
        reverse("projects:deliverable-version-create", args=[d.pk]),
        {"file": pdf_upload("a2.pdf"), "note": "Fixed"},
    )
    d.refresh_from_db()
    assert d.version_count == 2 and d.current_version.note == "Fixed"
    page = owner_http.get(reverse("projects:deliverable-detail", args=[d.pk]))
    assert [v.number for v in page.context["versions"]] == [2, 1]
    assert "superseded" in page.content.decode()
    owner_http.post(
        reverse("projects:deliverable-approval", args=[d.pk]), {"to": ApprovalStatus.NOT_REQUIRED}
    )
    d.refresh_from_db()
    assert d.approval_status == ApprovalStatus.NOT_REQUIRED
    # A refused file is reported, nothing is created.
    owner_http.post(url, {"file": SimpleUploadedFile("x.html", b"<html></html>"), "title": "Bad"})
    assert not Deliverable.objects.filter(title="Bad").exists()


def test_client_hub_has_tabs_for_projects_and_contracts(world, project, deliverable, owner_http):
    page = owner_http.get(reverse("accounts:client-detail", args=[world.client.pk]))
    body = page.content.decode()
    assert f"/app/projects/?client={world.client.pk}" in body
    assert f"/app/contracts/?client={world.client.pk}" in body
    assert 'data-hub-tab="deliverables"' in body


def test_the_drop_zone_delivers_each_file_and_answers_with_the_list(world, project, owner_http):
    """static/files/upload.js sends one file per request, with the form's fields and `upload_batch`; the
    answer is the deliverables list (#files), with the refusal in #upload-error and nothing created."""
    url = reverse("projects:deliverable-create", args=[project.pk])
    widget = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
    batch = {"title": "Named", "note": "Round 2", "needs_approval": "on", "upload_batch": "2"}
    for name in ("c.pdf", "d.pdf"):
        answer = owner_http.post(url, {**batch, "file": pdf_upload(name)}, **widget)
        assert (
            answer.status_code == 200
            and [t.name for t in answer.templates][0] == "projects/_deliverables.html"
        )
        body = answer.content.decode()
        assert 'id="files"' in body and name in body and "upload-error" not in body
    # Two files chosen together: each is named after its file, the title is not given to both.
    made = Deliverable.objects.filter(project=project).order_by("title")
    assert [(d.title, d.note, d.approval_status) for d in made] == [
        ("c.pdf", "Round 2", ApprovalStatus.PENDING),
        ("d.pdf", "Round 2", ApprovalStatus.PENDING),
    ]
    # One file alone takes the title.
    answer = owner_http.post(url, {**batch, "upload_batch": "1", "file": pdf_upload("e.pdf")}, **widget)
    assert answer.status_code == 200 and "Named" in answer.content.decode()
    # A refused file: 400, the reason in #upload-error, the list as it was, nothing created.
    refused = owner_http.post(url, {"file": SimpleUploadedFile("x.html", b"<html></html>")}, **widget)
    body = refused.content.decode()
    assert refused.status_code == 400 and 'id="upload-error"' in body and 'id="files"' in body
    assert Deliverable.objects.filter(project=project).count() == 3
    # A body past the limit: 413, the limit named, nothing stored.
    big = owner_http.post(
        url, {"file": pdf_upload("f.pdf")}, CONTENT_LENGTH=str(DELIVERABLE.max_bytes + 10**6), **widget
    )
    assert big.status_code == 413 and "larger than" in big.content.decode()
    assert Deliverable.objects.filter(project=project).count() == 3


def test_the_project_page_offers_the_drop_zone(world, project, deliverable, owner_http):
    url = reverse("projects:project-detail", args=[project.pk])
    body = owner_http.get(url).content.decode()
    assert "data-upload-form" in body and "data-dropzone" in body and "files/upload" in body
    assert 'id="files"' in body  # what the widget swaps after each file
    # The activity section refreshes itself once files arrived: only that section, with the new events.
    section = owner_http.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="project-activity")
    assert [t.name for t in section.templates][0] == "projects/_activity.html"
    html = section.content.decode()
    assert html.lstrip().startswith("<section") and 'id="project-activity"' in html
    assert deliverable.title in html and "data-dropzone" not in html
