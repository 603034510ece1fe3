"""Client-side evidence views: assessments, request lists, request detail with uploads, messages, downloads.

Everything is loaded through `for_contact(contact)` scopes; anything else is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.kept_pages import kept_whole
from activity.verbs import CLIENT
from assessments import services, workflow
from assessments.files import EVIDENCE
from assessments.forms import MessageForm
from assessments.models import Assessment, EvidenceFile, EvidenceRequest, Status
from assessments.selectors import (
    NEXT_SORT,
    SORTS,
    annotate_revisions,
    contact_assessments,
    present_requests,
    request_history,
    request_list,
)
from assessments.threads import post_message_from_form, render_history, render_thread_list
from core.fragments import cached_list
from core.http import client_ip
from core.listing import url_maker, wants_window_fragment, window
from core.types import PortalRequest
from files.downloads import file_response
from files.policies import accepts_uploads
from files.uploads import body_too_large, from_upload_widget, human_size, too_large_message
from portal.decorators import contact_required

# --- access helpers ----------------------------------------------------------------------------------


def get_assessment_for_contact(request: PortalRequest, assessment_id: int) -> Assessment:
    return get_object_or_404(
        Assessment.objects.for_contact(request.contact).select_related("client"), pk=assessment_id
    )


def get_request_for_contact(request: PortalRequest, request_id: int) -> EvidenceRequest:
    return get_object_or_404(
        EvidenceRequest.objects.for_contact(request.contact).select_related("assessment"), pk=request_id
    )


def get_file_for_contact(request: PortalRequest, file_id: int) -> EvidenceFile:
    return get_object_or_404(EvidenceFile.objects.for_contact(request.contact), pk=file_id)


# --- assessments and request lists -------------------------------------------------------------------


@require_GET
@contact_required
def assessment_list(request: PortalRequest, slug: str) -> HttpResponse:
    """Every assessment shared with the contact as a table (progress, what waits on them); with only one,
    straight to its requests — a list of one would only repeat the dashboard."""
    assessments = list(contact_assessments(request.contact).select_related("client"))
    if len(assessments) == 1:
        return redirect("portal:assessment-detail", slug=slug, assessment_id=assessments[0].pk)
    for a in assessments:
        a.percent = round(100 * a.n_accepted / a.total) if a.total else 0
        a.to_do = a.n_open + a.n_changes_requested
        a.in_review = a.n_submitted + a.n_under_review
    return render(request, "portal/assessments/assessment_list.html", {"assessments": assessments})


@require_GET
@kept_whole
@contact_required
def assessment_detail(request: PortalRequest, slug: str, assessment_id: int) -> HttpResponse:
    assessment = get_assessment_for_contact(request, assessment_id)
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else ""

    def table_context() -> dict:
        rows = window(
            request,
            request_list(EvidenceRequest.objects.filter(assessment=assessment), status=status, sort=sort),
        )
        present_requests(
            rows.rows,
            detail_url=url_maker("portal:request-detail", "request_id", slug=slug),
            for_client=True,
        )
        return {
            "assessment": assessment,
            "requests": rows.rows,
            "window": rows,
            "status": status,
            "sort": sort,
            "next_sort": NEXT_SORT[sort],
            "sort_label": SORTS[sort],
            "next_sort_label": SORTS[NEXT_SORT[sort]],
            "statuses": Status.choices,
        }

    if wants_window_fragment(request):  # "Show more": only the next rows
        return render(request, "portal/assessments/_request_rows.html", table_context())
    table = cached_list(
        request,
        f"portal-requests:{assessment.pk}",
        {"status": status, "sort": sort},
        lambda: render_to_string("portal/assessments/_requests.html", table_context(), request=request),
    )
    if request.htmx and request.htmx.target == "requests":
        return HttpResponse(table)
    return render(
        request, "portal/assessments/assessment_detail.html", {"assessment": assessment, "table": table}
    )


# --- one request -------------------------------------------------------------------------------------


def _files_context(request: PortalRequest, evidence: EvidenceRequest) -> dict:
    every = annotate_revisions(
        EvidenceFile.objects.filter(request=evidence).select_related(
            "uploaded_by_contact", "uploaded_by_user"
        ),
        evidence,
    )
    # The client works on the latest revision; earlier submissions stay on record for the assessor.
    files = [f for f in every if f.revision_state != "superseded"]
    return {
        "evidence": evidence,
        "files": files,
        "superseded_count": len(every) - len(files),
        # Preview mode renders no write controls at all (the middleware refuses the POSTs anyway).
        "can_edit": evidence.client_can_edit and not request.portal_preview,
        "can_submit": evidence.client_can_edit
        and not request.portal_preview
        and any(f.revision_state == "pending" for f in files),
        "max_upload": human_size(EVIDENCE.max_bytes),
        "max_upload_bytes": EVIDENCE.max_bytes,
        "accept": EVIDENCE.accept_attribute,
    }


def _thread_url(request: PortalRequest, evidence: EvidenceRequest) -> str:
    return reverse(
        "portal:request-messages", kwargs={"slug": request.portal_workspace.slug, "request_id": evidence.pk}
    )


@require_GET
@contact_required
def request_detail(request: PortalRequest, slug: str, request_id: int) -> HttpResponse:
    evidence = get_request_for_contact(request, request_id)
    if request.htmx and request.htmx.target == "history":  # the section refreshing itself
        return render_history(request, evidence, viewer="client")
    from assessments.models import RequestMessage

    context = {
        **_files_context(request, evidence),
        "assessment": evidence.assessment,
        "thread": RequestMessage.objects.filter(request=evidence).select_related(
            "author_user", "author_contact"
        ),
        "thread_url": _thread_url(request, evidence),
        "message_form": MessageForm(),
        "viewer": "client",
        "history": request_history(evidence, CLIENT),
    }
    return render(request, "portal/assessments/request_detail.html", context)


def _files_fragment(
    request: PortalRequest, evidence: EvidenceRequest, status: int = 200, error: str = ""
) -> HttpResponse:
    evidence.refresh_from_db()
    return render(
        request,
        "portal/assessments/_files.html",
        {**_files_context(request, evidence), "upload_error": error},
        status=status,
    )


@require_POST
@accepts_uploads(EVIDENCE)
@contact_required
def request_upload(request: PortalRequest, slug: str, request_id: int) -> HttpResponse:
    """One file per XHR from the upload widget (or several from the no-JS form). Returns the files fragment."""
    evidence = get_request_for_contact(request, request_id)
    xhr = from_upload_widget(request)
    if xhr and body_too_large(request, EVIDENCE):
        return _files_fragment(
            request, evidence, 413, f"That file is larger than the {human_size(EVIDENCE.max_bytes)} limit."
        )
    uploads = request.FILES.getlist("file")
    too_big = getattr(request, "oversize_uploads", [])
    if too_big and not uploads:
        error = " ".join(too_large_message(n, EVIDENCE) for n in too_big)
        if xhr:
            return _files_fragment(request, evidence, 413, error)
        messages.error(request, error)
        return redirect("portal:request-detail", slug=slug, request_id=evidence.pk)
    if not uploads:
        error = "Choose a file to upload."
        if xhr:
            return _files_fragment(request, evidence, 400, error)
        messages.error(request, error)
        return redirect("portal:request-detail", slug=slug, request_id=evidence.pk)
    errors, stored = [], []
    for upload in uploads:
        try:
            stored.append(
                services.upload_file(
                    evidence=evidence, upload=upload, contact=request.contact, ip=client_ip(request)
                )
            )
        except services.ServiceError as exc:
            errors.append(str(exc))
    errors += [too_large_message(n, EVIDENCE) for n in too_big]
    if xhr:
        return _files_fragment(request, evidence, 400 if errors else 200, " ".join(errors))
    for error in errors:
        messages.error(request, error)
    if stored:
        messages.success(request, f"Uploaded {', '.join(f.original_name for f in stored)}.")
    return redirect("portal:request-detail", slug=slug, request_id=evidence.pk)


@require_POST
@contact_required
def file_delete(request: PortalRequest, slug: str, request_id: int, file_id: int) -> HttpResponse:
    evidence = get_request_for_contact(request, request_id)
    record = get_object_or_404(
        EvidenceFile.objects.for_contact(request.contact), request=evidence, pk=file_id
    )
    error = ""
    try:
        services.delete_file(file=record, contact=request.contact)
    except services.ServiceError as exc:
        error = str(exc)
    if from_upload_widget(request):
        response = _files_fragment(request, evidence, 200, error)
        if not error:
            response["HX-Trigger"] = "evidence-changed"
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Deleted {record.original_name}.")
    return redirect("portal:request-detail", slug=slug, request_id=evidence.pk)


@require_POST
@contact_required
def request_submit(request: PortalRequest, slug: str, request_id: int) -> HttpResponse:
    evidence = get_request_for_contact(request, request_id)
    try:
        workflow.transition(evidence=evidence, to=Status.SUBMITTED, contact=request.contact)
    except workflow.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Submitted for review. Your assessor has been notified.")
    return redirect("portal:request-detail", slug=slug, request_id=evidence.pk)


@require_http_methods(["GET", "POST"])
@contact_required
def request_messages(request: PortalRequest, slug: str, request_id: int) -> HttpResponse:
    evidence = get_request_for_contact(request, request_id)
    page = reverse("portal:request-detail", kwargs={"slug": slug, "request_id": evidence.pk}) + "#messages"
    error = None
    if request.method == "POST":
        error = post_message_from_form(request, evidence, contact=request.contact)
        if not request.htmx:
            if error:
                messages.error(request, error)
            return redirect(page)
    elif not request.htmx:
        return redirect(page)
    return render_thread_list(
        request, evidence, viewer="client", error=error, thread_url=_thread_url(request, evidence)
    )


@require_GET
@contact_required
def file_download(request: PortalRequest, slug: str, file_id: int) -> HttpResponse:
    return file_response(get_file_for_contact(request, file_id))
