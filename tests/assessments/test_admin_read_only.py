"""In the Django admin, evidence requests, files, messages and events are look-only even for a superuser:
every change to them goes through a service that logs it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from activity.models import Event, EventChain
from assessments.models import Assessment, EvidenceFile, EvidenceRequest, RequestMessage, Status
from assessments.services import post_message, upload_file
from tests.conftest import admin_client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def root_http(world):
    root = User.objects.create_superuser(email="root@portal.example", password="root-pass-long-123")
    return admin_client(root, "root-pass-long-123")  # password and TOTP, as the admin requires


@pytest.fixture
def evidence_rows(world, ev):
    record = upload_file(evidence=ev.request, upload=SimpleUploadedFile("a.pdf", PDF), contact=world.contact)
    message = post_message(evidence=ev.request, body="Here it is.", contact=world.contact)
    event = Event.objects.get(verb="evidence.file_uploaded")
    chain = EventChain.objects.get(key=ev.assessment.audit_chain_key)
    return {"request": ev.request, "file": record, "message": message, "event": event, "chain": chain}


def _url(obj, action: str) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{action}", args=[obj.pk])


@pytest.mark.parametrize("name", ["request", "file", "message", "event", "chain"])
def test_a_superuser_cannot_delete_custody_rows(root_http, evidence_rows, name):
    obj = evidence_rows[name]
    assert root_http.post(_url(obj, "delete"), {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()
    changelist = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_changelist")
    root_http.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("name", ["request", "file", "message", "event", "chain"])
def test_a_superuser_can_look_but_not_change_or_add(root_http, evidence_rows, name):
    obj = evidence_rows[name]
    page = root_http.get(_url(obj, "change"))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert root_http.post(_url(obj, "change"), {}).status_code == 403
    add = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_add")
    assert root_http.get(add).status_code == 403


def test_no_status_change_without_an_event(root_http, evidence_rows, ev):
    evidence = evidence_rows["request"]
    form = {
        "assessment": ev.assessment.pk,
        "requirement": evidence.requirement,
        "title": evidence.title,
        "priority": evidence.priority,
        "status": Status.ACCEPTED,
        "tags": "[]",
        "submission_round": 1,
        "created_at_0": "2026-01-01",
        "created_at_1": "00:00:00",
    }
    assert root_http.post(_url(evidence, "change"), form).status_code == 403
    assert EvidenceRequest.objects.get(pk=evidence.pk).status == Status.OPEN
    message = evidence_rows["message"]
    root_http.post(_url(message, "change"), {"request": evidence.pk, "body": "edited"})
    assert RequestMessage.objects.get(pk=message.pk).body == "Here it is."


def test_deleting_an_assessment_would_cascade_to_evidence_so_it_is_refused(root_http, evidence_rows, ev):
    url = _url(ev.assessment, "delete")
    assert root_http.post(url, {"post": "yes"}).status_code == 403
    assert Assessment.objects.filter(pk=ev.assessment.pk).exists()
    assert EvidenceFile.objects.filter(pk=evidence_rows["file"].pk).exists()
