"""Chain of custody on the request pages: revisions marked superseded, and the history from the log."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import workflow
from assessments.models import EvidenceRequest, Status
from assessments.services import upload_file
from tests.conftest import portal_client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _up(world, evidence, name, extra=b""):
    return upload_file(
        evidence=evidence,
        upload=SimpleUploadedFile(name, PDF + extra),
        contact=world.contact,
        ip="198.51.100.4",
    )


@pytest.fixture
def resubmitted(world, ev):
    first = _up(world, ev.request, "policy-v1.pdf")
    workflow.transition(evidence=ev.request, to=Status.SUBMITTED, contact=world.contact)
    workflow.transition(evidence=ev.request, to=Status.UNDER_REVIEW, user=world.owner)
    workflow.transition(
        evidence=ev.request, to=Status.CHANGES_REQUESTED, user=world.owner, note="Sign page 2, please."
    )
    evidence = EvidenceRequest.objects.get(pk=ev.request.pk)
    second = _up(world, evidence, "policy-v2.pdf", b"% v2")
    workflow.transition(evidence=evidence, to=Status.SUBMITTED, contact=world.contact)
    return first, second


def test_staff_see_earlier_revisions_marked_superseded_and_the_full_history(
    world, ev, owner_http, resubmitted
):
    first, second = resubmitted
    url = reverse(
        "assessments:request-detail", kwargs={"assessment_id": ev.assessment.pk, "request_id": ev.request.pk}
    )
    body = owner_http.get(url).content.decode()
    assert "policy-v1.pdf" in body and "policy-v2.pdf" in body
    assert "Superseded · 1" in body and "Current · 2" in body
    history = body[body.index('id="history-h"') :]
    order = [
        history.index("policy-v1.pdf"),
        history.index("submitted evidence for"),
        history.index("started reviewing"),
        history.index("Sign page 2, please."),
        history.index("policy-v2.pdf"),
    ]
    assert order == sorted(order)
    assert first.sha256 in history and "198.51.100.4" in history  # staff see the uploader's IP


def test_client_sees_the_current_revision_and_the_history_without_ips(world, ev, resubmitted):
    http = portal_client(world.contact)
    url = reverse("portal:request-detail", kwargs={"slug": "alpha", "request_id": ev.request.pk})
    body = http.get(url).content.decode()
    files = body[body.index('id="files"') : body.index('id="history-h"')]
    assert "policy-v2.pdf" in files and "policy-v1.pdf" not in files.split("kept on record")[0]
    assert "1 file from earlier submissions is kept on record" in files
    history = body[body.index('id="history-h"') :]
    assert "policy-v1.pdf" in history and "Sign page 2, please." in history
    assert "198.51.100.4" not in body


def test_submitted_files_cannot_be_deleted_even_after_changes_requested(world, ev, resubmitted):
    first, _ = resubmitted
    http = portal_client(world.contact)
    workflow.transition(
        evidence=EvidenceRequest.objects.get(pk=ev.request.pk), to=Status.UNDER_REVIEW, user=world.owner
    )
    workflow.transition(
        evidence=EvidenceRequest.objects.get(pk=ev.request.pk),
        to=Status.CHANGES_REQUESTED,
        user=world.owner,
        note="Again",
    )
    url = reverse(
        "portal:file-delete", kwargs={"slug": "alpha", "request_id": ev.request.pk, "file_id": first.pk}
    )
    http.post(url)
    assert type(first).objects.filter(pk=first.pk).exists()


def test_evidence_package_holds_only_the_accepted_revision(
    world, ev, resubmitted, django_capture_on_commit_callbacks
):
    import zipfile

    from django.core.files.storage import default_storage

    from assessments.models import EvidencePackage
    from assessments.package import request_package

    workflow.transition(
        evidence=EvidenceRequest.objects.get(pk=ev.request.pk), to=Status.UNDER_REVIEW, user=world.owner
    )
    workflow.transition(
        evidence=EvidenceRequest.objects.get(pk=ev.request.pk), to=Status.ACCEPTED, user=world.owner
    )
    with django_capture_on_commit_callbacks(execute=True):
        request_package(assessment=ev.assessment, actor=world.owner)
    package = EvidencePackage.objects.get()
    assert package.status == "ready", package.error
    with default_storage.open(package.file.name, "rb") as fh, zipfile.ZipFile(fh) as zf:
        names = zf.namelist()
    assert any(n.endswith("/policy-v2.pdf") for n in names)
    assert not any(n.endswith("/policy-v1.pdf") for n in names)


def test_resubmitting_without_a_new_file_is_refused(world, ev):
    _up(world, ev.request, "policy-v1.pdf")
    workflow.transition(evidence=ev.request, to=Status.SUBMITTED, contact=world.contact)
    workflow.transition(evidence=ev.request, to=Status.UNDER_REVIEW, user=world.owner)
    workflow.transition(evidence=ev.request, to=Status.CHANGES_REQUESTED, user=world.owner, note="Sign it.")
    with pytest.raises(workflow.TransitionError, match="Upload the corrected evidence"):
        workflow.transition(evidence=ev.request, to=Status.SUBMITTED, contact=world.contact)
    assert EvidenceRequest.objects.get(pk=ev.request.pk).submission_round == 1


def test_old_packages_are_purged_with_their_zip(
    world, ev, resubmitted, django_capture_on_commit_callbacks, settings
):
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from assessments.models import EvidencePackage
    from assessments.package import purge_old_packages, request_package
    from assessments.tasks import purge_old_packages as purge_task

    with django_capture_on_commit_callbacks(execute=True):
        request_package(assessment=ev.assessment, actor=world.owner)
    package = EvidencePackage.objects.get()
    assert default_storage.exists(package.file.name)
    assert purge_task() == 0  # fresh packages stay
    EvidencePackage.objects.filter(pk=package.pk).update(created_at=timezone.now() - timedelta(days=15))
    assert purge_old_packages() == 1
    assert not EvidencePackage.objects.exists()
    assert not default_storage.exists(package.file.name)


def test_a_failed_database_write_leaves_no_orphaned_zip(world, ev, resubmitted, monkeypatch):
    from django.core.files.storage import default_storage

    from assessments import package as package_module
    from assessments.models import EvidencePackage

    saved: list[str] = []
    real_save = default_storage.save

    def spy_save(name, content, *args, **kwargs):
        key = real_save(name, content, *args, **kwargs)
        if key.startswith("packages/"):  # the ZIP, not the chain checkpoint the build also anchors
            saved.append(key)
        return key

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(default_storage, "save", spy_save)
    monkeypatch.setattr(package_module, "_mark_ready", broken)
    package = EvidencePackage.objects.create(assessment=ev.assessment, requested_by=world.owner)
    result = package_module.build_package(package.pk)
    assert result.status == "failed"
    assert saved and not default_storage.exists(saved[0])
