"""Portal side of evidence requests: dashboard counts, lists, detail, upload/delete/submit, messages, scoping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.services import revoke_contact, set_visibility
from assessments.models import EvidenceFile, EvidenceRequest, Status
from assessments.services import revoke_assessment_access
from assessments.workflow import transition
from tests.assessments.conftest import make_evidence
from tests.conftest import portal_client
from tests.factories import (
    AssessmentAccessFactory,
    AssessmentFactory,
    ContactFactory,
    EvidenceRequestFactory,
)


@pytest.fixture
def ev(world):
    return make_evidence(world)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def P(name, **kwargs):
    return reverse(f"portal:{name}", kwargs={"slug": "alpha", **kwargs})


def _populate(assessment, spec):
    for status, n in spec.items():
        EvidenceRequestFactory.create_batch(n, assessment=assessment, status=status)


def test_dashboard_counts_progress_and_cards(world, ev, contact_http):
    # ev.request is open; add more in each status
    _populate(
        ev.assessment,
        {
            Status.OPEN: 2,
            Status.SUBMITTED: 1,
            Status.ACCEPTED: 3,
            Status.CHANGES_REQUESTED: 1,
            Status.WAIVED: 1,
        },
    )
    second = AssessmentFactory(client=world.client, name="Gap assessment 2026", type="gap")
    AssessmentAccessFactory(assessment=second, contact=world.contact)
    _populate(second, {Status.ACCEPTED: 1, Status.UNDER_REVIEW: 1})
    hidden = AssessmentFactory(client=world.client, name="Not invited ROC")
    _populate(hidden, {Status.ACCEPTED: 5})

    response = contact_http.get(P("dashboard"))
    summary, cards = response.context["summary"], response.context["assessment_cards"]
    assert (summary.total, summary.open, summary.accepted, summary.changes_requested) == (11, 3, 4, 1)
    assert summary.percent == 36  # 4 of 11
    by_name = {a.name: a for a in cards}
    assert set(by_name) == {"PCI DSS ROC 2026", "Gap assessment 2026"}
    roc = by_name["PCI DSS ROC 2026"]
    assert (roc.n_open, roc.n_submitted, roc.n_accepted, roc.n_changes_requested) == (3, 1, 3, 1)
    assert roc.invited_at == ev.access.created_at
    body = response.content.decode()
    assert 'value="36"' in body and "Total Requests" in body and "Not invited ROC" not in body
    assert "Recent activity" in body  # the foundation's feed stays


def test_only_invited_assessments_and_revocation_hides_at_once(world, ev, contact_http):
    url = P("assessment-detail", assessment_id=ev.assessment.pk)
    assert contact_http.get(url).status_code == 200
    # a colleague at the same client who was not invited sees nothing
    colleague = portal_client(ContactFactory(client=world.client))
    assert colleague.get(url).status_code == 404
    assert colleague.get(P("request-detail", request_id=ev.request.pk)).status_code == 404
    revoke_assessment_access(access=ev.access, actor=world.owner)
    assert contact_http.get(url).status_code == 404
    assert contact_http.get(P("request-detail", request_id=ev.request.pk)).status_code == 404
    assert "PCI DSS ROC 2026" not in contact_http.get(P("dashboard")).content.decode()


def test_visibility_toggle_hides_section_nav_and_urls(world, ev, contact_http):
    assert "Assessments</a>" in contact_http.get(P("dashboard")).content.decode()
    set_visibility(client=world.client, actor=world.owner, hidden={"assessments"})
    body = contact_http.get(P("dashboard")).content.decode()
    assert "Assessments</a>" not in body and "Total Requests" not in body
    for url in (
        P("assessment-list"),
        P("assessment-detail", assessment_id=ev.assessment.pk),
        P("request-detail", request_id=ev.request.pk),
    ):
        assert contact_http.get(url).status_code == 404


def test_revoking_the_contact_ends_everything(world, ev, contact_http):
    revoke_contact(contact=world.contact, actor=world.owner)
    response = contact_http.get(P("assessment-detail", assessment_id=ev.assessment.pk))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_requests_list_filter_natural_sort_and_overdue(world, ev, contact_http):
    EvidenceRequest.objects.all().delete()
    today = timezone.localdate()
    for req in ["1.10", "12.10", "1.9", "2.1", "1.1"]:
        EvidenceRequestFactory(assessment=ev.assessment, requirement=req, title=f"T{req}")
    late = EvidenceRequestFactory(
        assessment=ev.assessment, requirement="3.1", title="Late one", due_date=today - timedelta(days=1)
    )
    EvidenceRequestFactory(
        assessment=ev.assessment,
        requirement="3.2",
        title="Late but accepted",
        due_date=today - timedelta(days=5),
        status=Status.ACCEPTED,
    )
    url = P("assessment-detail", assessment_id=ev.assessment.pk)

    def reqs(response):
        return [r.requirement for r in response.context["requests"]]

    asc = contact_http.get(url, {"sort": "req"})
    assert reqs(asc) == ["1.1", "1.9", "1.10", "2.1", "3.1", "3.2", "12.10"]
    assert asc.context["next_sort"] == "-req"
    desc = contact_http.get(url, {"sort": "-req"})
    assert reqs(desc) == list(reversed(reqs(asc)))
    assert desc.context["next_sort"] == ""
    partial = contact_http.get(
        url, {"status": "accepted", "sort": "req"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="requests"
    )
    body = partial.content.decode()
    assert reqs(partial) == ["3.2"] and "<html" not in body
    assert "sort=-req" in body and "status=accepted" in body  # the next sort keeps the filter in the URL
    full = contact_http.get(url).content.decode()
    assert 'class="overdue"' in full and "Late one · Overdue" not in full
    assert late.is_overdue and not EvidenceRequest.objects.get(title="Late but accepted").is_overdue
    assert EvidenceRequest.objects.overdue().count() == 1
    assert 'data-label="Due date"' in full  # stacked-card labels for phones


def test_upload_delete_submit_and_resubmit(world, ev, contact_http, django_capture_on_commit_callbacks):
    upload = P("request-upload", request_id=ev.request.pk)
    response = contact_http.post(
        upload, {"file": SimpleUploadedFile("policy.pdf", PDF)}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert response.status_code == 200 and "policy.pdf" in response.content.decode()
    colleague = ContactFactory(client=world.client)
    AssessmentAccessFactory(assessment=ev.assessment, contact=colleague)
    colleague_http = portal_client(colleague)
    colleague_http.post(upload, {"file": SimpleUploadedFile("extra.pdf", PDF)})
    extra = EvidenceFile.objects.get(original_name="extra.pdf")
    assert extra.uploaded_by_contact == colleague and extra.uploader_ip == "127.0.0.1"
    # any contact of the client may delete an unsubmitted file, not only its uploader
    contact_http.post(P("file-delete", request_id=ev.request.pk, file_id=extra.pk), HTTP_HX_REQUEST="true")
    assert not EvidenceFile.objects.filter(pk=extra.pk).exists()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contact_http.post(P("request-submit", request_id=ev.request.pk))
    ev.request.refresh_from_db()
    assert ev.request.status == Status.SUBMITTED and mail.outbox[0].to == [world.owner.email]
    submitted = EvidenceFile.objects.get(original_name="policy.pdf")
    response = contact_http.post(
        P("file-delete", request_id=ev.request.pk, file_id=submitted.pk), follow=True
    )
    assert "cannot be deleted" in response.content.decode()
    assert EvidenceFile.objects.filter(pk=submitted.pk).exists()
    # uploads are closed while the assessor has it
    response = contact_http.post(
        upload, {"file": SimpleUploadedFile("late.pdf", PDF)}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert response.status_code == 400 and not EvidenceFile.objects.filter(original_name="late.pdf").exists()

    transition(evidence=ev.request, to=Status.UNDER_REVIEW, user=world.owner)
    transition(
        evidence=ev.request, to=Status.CHANGES_REQUESTED, user=world.owner, note="Add the 2026 version"
    )
    page = contact_http.get(P("request-detail", request_id=ev.request.pk)).content.decode()
    assert "Reviewer notes" in page and "Add the 2026 version" in page
    assert "Submitted</span>" in page  # the round-1 file stays, marked submitted, with no delete button
    contact_http.post(upload, {"file": SimpleUploadedFile("policy-2026.pdf", PDF)})
    assert EvidenceFile.objects.get(original_name="policy-2026.pdf").submission_round == 2
    contact_http.post(P("request-submit", request_id=ev.request.pk))
    ev.request.refresh_from_db()
    assert ev.request.status == Status.SUBMITTED and ev.request.submission_round == 2


def test_submit_without_files_is_refused_with_message(world, ev, contact_http):
    response = contact_http.post(P("request-submit", request_id=ev.request.pk), follow=True)
    assert "Upload at least one file" in response.content.decode()
    ev.request.refresh_from_db()
    assert ev.request.status == Status.OPEN


def test_messages_both_ways_with_email_and_partial(
    world, ev, contact_http, owner_http, django_capture_on_commit_callbacks
):
    url = P("request-messages", request_id=ev.request.pk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = contact_http.post(url, {"body": "Which diagram version?"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Which diagram version?" in response.content.decode()
    assert "<html" not in response.content.decode()
    assert mail.outbox[-1].to == [world.owner.email]
    staff_url = reverse(
        "assessments:request-messages",
        kwargs={"assessment_id": ev.assessment.pk, "request_id": ev.request.pk},
    )
    with django_capture_on_commit_callbacks(execute=True):
        owner_http.post(staff_url, {"body": "The current one, please."}, HTTP_HX_REQUEST="true")
    assert mail.outbox[-1].to == [world.contact.email]
    poll = contact_http.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "The current one, please." in poll and 'hx-trigger="every 10s"' in poll
    empty = contact_http.post(url, {"body": "   "}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="thread-error"' in empty and "required" in empty.lower()


def test_download_is_attachment_for_the_right_contact_only(world, ev, contact_http):
    contact_http.post(
        P("request-upload", request_id=ev.request.pk), {"file": SimpleUploadedFile('a b".pdf', PDF)}
    )
    record = EvidenceFile.objects.get()
    response = contact_http.get(P("file-download", file_id=record.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    other = portal_client(world.other_contact)
    assert other.get(P("file-download", file_id=record.pk)).status_code == 404


@pytest.mark.parametrize("rows", [300])
def test_portal_pages_have_fixed_query_counts(world, ev, contact_http, django_assert_max_num_queries, rows):
    EvidenceRequestFactory.create_batch(rows, assessment=ev.assessment)
    for _ in range(3):
        extra = AssessmentFactory(client=world.client)
        AssessmentAccessFactory(assessment=extra, contact=world.contact)
        EvidenceRequestFactory.create_batch(20, assessment=extra, status=Status.ACCEPTED)
    with django_assert_max_num_queries(12):
        response = contact_http.get(
            P("assessment-detail", assessment_id=ev.assessment.pk), {"sort": "req", "rows": str(rows + 1)}
        )
    assert response.content.decode().count("data-requirement=") == rows + 1
    # Session 1, evidence widget 3 (cards, to-do list, allowed assessments for the feed), feed 1, plus a
    # fixed few for the other sections' widgets (projects 1-2, deliverables 2, contracts 1, proposals 1,
    # invoices 2): no query per assessment card (each card shows the client's name) or per row.
    with django_assert_max_num_queries(13):
        response = contact_http.get(P("dashboard"))
    assert response.context["summary"].total == rows + 1 + 60
