"""Back-office: assessments, the requests table, create/edit, review actions, invite, inbox, import."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Contact
from assessments.importing import SAMPLE_CSV, parse_csv
from assessments.models import Assessment, AssessmentAccess, EvidenceRequest, Status
from tests.conftest import staff_client
from tests.factories import AssessmentFactory, EvidenceFileFactory, EvidenceRequestFactory


def _detail(ev, **params):
    return reverse("assessments:assessment-detail", kwargs={"assessment_id": ev.assessment.pk})


def _req_url(name, ev, evidence=None):
    evidence = evidence or ev.request
    return reverse(
        f"assessments:{name}", kwargs={"assessment_id": evidence.assessment_id, "request_id": evidence.pk}
    )


def test_create_and_edit_assessment(world, owner_http):
    response = owner_http.post(
        reverse("assessments:assessment-create"),
        {
            "client": world.client.pk,
            "name": "ROC 2027",
            "type": "saq_d",
            "organization": "Secretco EU",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "status": "planned",
            "lead": world.member.pk,
        },
    )
    assessment = Assessment.objects.get(name="ROC 2027")
    assert (
        response.status_code == 302 and assessment.workspace == world.ws and assessment.lead == world.member
    )
    response = owner_http.post(
        reverse("assessments:assessment-edit", kwargs={"assessment_id": assessment.pk}),
        {
            "name": "ROC 2027 (final)",
            "type": "roc",
            "organization": "Secretco EU",
            "status": "in_progress",
            "period_start": "2027-01-01",
            "period_end": "2026-01-01",
        },
    )
    assert response.status_code == 200 and "cannot end before it starts" in response.content.decode()
    owner_http.post(
        reverse("assessments:assessment-edit", kwargs={"assessment_id": assessment.pk}),
        {"name": "ROC 2027 (final)", "type": "roc", "organization": "Secretco EU", "status": "in_progress"},
    )
    assessment.refresh_from_db()
    assert assessment.name == "ROC 2027 (final)" and assessment.client == world.client


def test_cannot_create_assessment_for_another_workspaces_client(world, owner_http):
    response = owner_http.post(
        reverse("assessments:assessment-create"),
        {"client": world.outsider_client.pk, "name": "Sneaky", "type": "roc", "status": "planned"},
    )
    assert response.status_code == 200
    assert not Assessment.objects.filter(name="Sneaky").exists()


def test_request_create_edit_and_markdown_is_sanitised(world, ev, owner_http):
    response = owner_http.post(
        reverse("assessments:request-create", kwargs={"assessment_id": ev.assessment.pk}),
        {
            "requirement": " 10.2.1 ",
            "title": "Audit logs",
            "priority": "high",
            "due_date": "2026-03-01",
            "tags": "logging, Logging, siem",
            "description": "**Bold** <script>alert(1)</script> [x](javascript:alert(1))",
        },
    )
    assert response.status_code == 302
    evidence = EvidenceRequest.objects.get(title="Audit logs")
    assert evidence.requirement == "10.2.1" and evidence.tags == ["logging", "siem"]
    page = owner_http.get(_req_url("request-detail", ev, evidence)).content.decode()
    assert "<strong>Bold</strong>" in page
    assert "<script>alert" not in page and "javascript:" not in page
    owner_http.post(
        _req_url("request-edit", ev, evidence),
        {"requirement": "10.2.2", "title": "Audit logs v2", "priority": "low", "tags": ""},
    )
    evidence.refresh_from_db()
    assert (evidence.requirement, evidence.title, evidence.tags) == ("10.2.2", "Audit logs v2", [])


def test_requests_table_filters_and_natural_sort(world, ev, owner_http):
    for req in ["1.10", "1.9", "12.10", "2.1"]:
        EvidenceRequestFactory(assessment=ev.assessment, requirement=req, title=f"R {req}", priority="low")
    EvidenceRequestFactory(
        assessment=ev.assessment,
        requirement="3.3",
        title="Critical one",
        priority="critical",
        status=Status.SUBMITTED,
    )
    body = owner_http.get(_detail(ev), {"sort": "req"}).content.decode()
    order = [body.index(f">R {r}<") for r in ["1.9", "1.10", "2.1", "12.10"]]
    assert order == sorted(order)
    body = owner_http.get(_detail(ev), {"priority": "critical"}).content.decode()
    assert "Critical one" in body and "R 1.9" not in body
    body = owner_http.get(
        _detail(ev), {"status": "submitted"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="requests-table"
    ).content.decode()
    assert "Critical one" in body and "Network diagram" not in body and "<html" not in body


def test_review_flow_and_refusals(world, ev, owner_http, django_capture_on_commit_callbacks):
    record = EvidenceFileFactory(request=ev.request)
    EvidenceRequest.objects.filter(pk=ev.request.pk).update(status=Status.SUBMITTED, submission_round=1)
    url = _req_url("request-transition", ev)
    page = owner_http.get(_req_url("request-detail", ev)).content.decode()
    assert "Start review" in page and record.original_name in page
    assert reverse("assessments:file-download", kwargs={"file_id": record.pk}) in page

    response = owner_http.post(url, {"to": "accepted"}, follow=True)
    assert "cannot be moved to accepted" in response.content.decode()
    owner_http.post(url, {"to": "under_review"})
    response = owner_http.post(url, {"to": "changes_requested", "note": ""}, follow=True)
    assert "Write a note" in response.content.decode()
    ev.request.refresh_from_db()
    assert ev.request.status == Status.UNDER_REVIEW
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        owner_http.post(url, {"to": "changes_requested", "note": "Include the DMZ"})
    ev.request.refresh_from_db()
    assert ev.request.status == Status.CHANGES_REQUESTED and ev.request.reviewer_notes == "Include the DMZ"
    assert mail.outbox[0].to == [world.contact.email]
    response = owner_http.post(url, {"to": "waived", "note": "Not applicable: no wireless"}, follow=True)
    ev.request.refresh_from_db()
    assert ev.request.status == Status.WAIVED


def test_inbox_lists_submitted_oldest_first_in_own_workspace(world, ev, owner_http):
    now = timezone.now()
    newer = EvidenceRequestFactory(
        assessment=ev.assessment, title="Newer", status=Status.SUBMITTED, submitted_at=now
    )
    older = EvidenceRequestFactory(
        assessment=ev.other_assessment,
        title="Older",
        status=Status.SUBMITTED,
        submitted_at=now - timedelta(days=3),
    )
    EvidenceRequestFactory(assessment=ev.assessment, title="Still open", status=Status.OPEN)
    EvidenceRequestFactory(
        assessment=ev.outsider_assessment, title="Bravo submitted", status=Status.SUBMITTED
    )
    body = owner_http.get(reverse("assessments:inbox")).content.decode()
    assert body.index(older.title) < body.index(newer.title)
    assert "Still open" not in body and "Bravo submitted" not in body


def test_invite_from_assessment_grants_access_with_company_locked(
    world, ev, owner_http, django_capture_on_commit_callbacks
):
    url = reverse("assessments:assessment-invite", kwargs={"assessment_id": ev.assessment.pk})
    dialog = owner_http.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Invite Client" in dialog and 'value="Secretco Payments"' in dialog and "readonly" in dialog
    assert url in dialog  # the foundation's form, pointed at this assessment
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_http.post(
            url,
            {"email": "Kim@Secretco.example", "name": "Kim", "company": "Evil Corp"},
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200 and response["HX-Trigger-After-Swap"] == "invite-sent"
    kim = Contact.objects.get(email="kim@secretco.example")
    assert kim.client == world.client
    assert AssessmentAccess.objects.filter(assessment=ev.assessment, contact=kim).exists()
    assert mail.outbox[-1].to == ["kim@secretco.example"]
    # another client's contact cannot be pulled into this assessment
    response = owner_http.post(url, {"email": world.other_contact.email})
    assert "another client" in response.content.decode()
    assert not AssessmentAccess.objects.filter(assessment=ev.assessment, contact=world.other_contact).exists()
    # the invited list shows both, and revoking removes only this assessment's access
    access = AssessmentAccess.objects.get(assessment=ev.assessment, contact=kim)
    page = owner_http.get(_detail(ev)).content.decode()
    assert "kim@secretco.example" in page and "Copy Portal URL" in page
    owner_http.post(
        reverse(
            "assessments:access-revoke", kwargs={"assessment_id": ev.assessment.pk, "access_id": access.pk}
        )
    )
    assert not AssessmentAccess.objects.filter(pk=access.pk).exists()
    kim.refresh_from_db()
    assert kim.is_active


def test_import_preview_errors_then_create(world, ev, owner_http):
    url = reverse("assessments:request-import", kwargs={"assessment_id": ev.assessment.pk})
    csv_text = (
        "requirement,title,description,priority,due_date,tags\n"
        "1.2.1,Network diagram,dup of existing,high,,\n"
        "2.2.1,Config standards,Hardening,high,2026-05-01,config\n"
        ",No requirement,,low,,\n"
        "3.1,Bad priority,,urgent,,\n"
        "4.1,Bad date,,low,next week,\n"
        "5.2.1,Anti-malware,,,,\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = owner_http.post(url, {"csv_file": SimpleUploadedFile("r.csv", csv_text.encode(), "text/csv")})
    body = response.content.decode()
    assert "2 requests will be created" in body
    for error in ("already has this request", "Requirement is required", "not one of critical", "not a date"):
        assert error in body
    assert EvidenceRequest.objects.filter(assessment=ev.assessment).count() == 1  # preview creates nothing
    response = owner_http.post(url, {"csv_text": csv_text, "confirm": "1"})
    assert response.status_code == 302
    titles = set(EvidenceRequest.objects.filter(assessment=ev.assessment).values_list("title", flat=True))
    assert titles == {"Network diagram", "Config standards", "Anti-malware"}
    assert EvidenceRequest.objects.get(title="Anti-malware").priority == "medium"
    assert EvidenceRequest.objects.get(title="Config standards").requirement_key.startswith("00000002")


def test_sample_csv_is_valid_and_downloadable(world, owner_http):
    preview = parse_csv(SAMPLE_CSV.read_text())
    assert len(preview.rows) >= 40 and not preview.bad and not preview.header_error
    response = owner_http.get(reverse("assessments:import-sample"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]


def test_staff_request_list_queries_do_not_grow(world, owner_http, django_assert_max_num_queries):
    assessment = AssessmentFactory(client=world.client)
    EvidenceRequestFactory.create_batch(300, assessment=assessment, assignee=world.member)
    url = reverse("assessments:assessment-detail", kwargs={"assessment_id": assessment.pk})
    with django_assert_max_num_queries(13):  # 12, and the count of every row beside the window shown
        response = owner_http.get(url, {"sort": "req", "rows": "300"})
    assert response.content.decode().count('id="request-') == 300


@pytest.mark.parametrize("who", ["outsider_staff"])
def test_other_workspace_staff_get_404(world, ev, who):
    http = staff_client(getattr(world, who))
    for url in [
        _detail(ev),
        _req_url("request-detail", ev),
        _req_url("request-edit", ev),
        reverse("assessments:assessment-invite", kwargs={"assessment_id": ev.assessment.pk}),
    ]:
        assert http.get(url).status_code == 404
    response = http.post(_req_url("request-transition", ev), {"to": "waived", "note": "x"})
    assert response.status_code == 404
    ev.request.refresh_from_db()
    assert ev.request.status == Status.OPEN
