"""Staff back-office views for assessments and evidence review, under /app/."""

from __future__ import annotations

from urllib.parse import quote as urlencode_value

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as account_services
from accounts.decorators import staff_required
from accounts.invites import invite_dialog
from accounts.kept_pages import kept_whole
from accounts.models import Client
from assessments import services, workflow
from assessments.files import REQUEST_IMPORT
from assessments.forms import AssessmentForm, EvidenceRequestForm, ImportForm, RequestFilterForm
from assessments.importing import SAMPLE_CSV, parse_csv
from assessments.models import Assessment, AssessmentAccess, EvidenceFile, EvidenceRequest
from assessments.selectors import (
    NEXT_SORT,
    SORTS,
    annotate_revisions,
    present_requests,
    request_counts,
    request_history,
    request_list,
    staff_inbox,
    status_counts,
)
from assessments.threads import post_message_from_form, render_history, render_thread_list, thread_context
from core.fragments import cached_list
from core.http import is_id
from core.listing import url_maker, wants_window_fragment, window
from core.types import StaffRequest
from files.downloads import file_response
from files.policies import accepts_uploads

# --- access helpers: one way to load each thing, 404 for "missing" and "not yours" alike ----------


def get_assessment_for_staff(request: StaffRequest, assessment_id: int) -> Assessment:
    return get_object_or_404(
        Assessment.objects.for_workspace(request.workspace).select_related("client", "lead"), pk=assessment_id
    )


def get_request_for_staff(request: StaffRequest, assessment: Assessment, request_id: int) -> EvidenceRequest:
    return get_object_or_404(
        EvidenceRequest.objects.for_workspace(request.workspace).select_related(
            "assignee", "assessment__client"
        ),
        assessment=assessment,
        pk=request_id,
    )


def get_file_for_staff(request: StaffRequest, file_id: int) -> EvidenceFile:
    return get_object_or_404(EvidenceFile.objects.for_workspace(request.workspace), pk=file_id)


# --- assessments -------------------------------------------------------------------------------------


@require_GET
@staff_required
def assessment_list(request: StaffRequest) -> HttpResponse:
    assessments = (
        Assessment.objects.for_workspace(request.workspace)
        .select_related("client")
        .annotate(**status_counts())
    )
    return render(request, "assessments/assessment_list.html", {"assessments": assessments})


@require_http_methods(["GET", "POST"])
@staff_required
def assessment_create(request: StaffRequest) -> HttpResponse:
    initial = {"lead": request.user.pk}
    client_id = request.GET.get("client")
    if is_id(client_id):
        client = Client.objects.for_workspace(request.workspace).filter(pk=client_id).first()
        if client:
            initial.update(client=client.pk, organization=client.name)
    form = AssessmentForm(request.POST or None, workspace=request.workspace, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        client = data.pop("client")
        assessment = services.create_assessment(
            workspace=request.workspace, client=client, actor=request.user, **data
        )
        messages.success(request, f"{assessment.name} created. Add evidence requests or import a list.")
        return redirect("assessments:assessment-detail", assessment_id=assessment.pk)
    return render(request, "assessments/assessment_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@staff_required
def assessment_edit(request: StaffRequest, assessment_id: int) -> HttpResponse:
    assessment = get_assessment_for_staff(request, assessment_id)
    form = AssessmentForm(
        request.POST or None, instance=Assessment.objects.get(pk=assessment.pk), workspace=request.workspace
    )
    if request.method == "POST" and form.is_valid():
        services.update_assessment(assessment=assessment, actor=request.user, **form.cleaned_data)
        messages.success(request, "Assessment saved.")
        return redirect("assessments:assessment-detail", assessment_id=assessment.pk)
    return render(request, "assessments/assessment_form.html", {"form": form, "assessment": assessment})


def _access_context(request: StaffRequest, assessment: Assessment) -> dict:
    accesses = (
        AssessmentAccess.objects.filter(assessment=assessment)
        .select_related("contact__client")
        .order_by("-created_at")
    )
    return {
        "assessment": assessment,
        "client": assessment.client,
        "accesses": accesses,
        "portal_login_url": account_services.login_url(assessment.client.workspace),
    }


@require_GET
@kept_whole
@staff_required
def assessment_detail(request: StaffRequest, assessment_id: int) -> HttpResponse:
    assessment = get_assessment_for_staff(request, assessment_id)
    filters = RequestFilterForm(request.GET or None)
    filters.is_valid()
    data = getattr(filters, "cleaned_data", {})
    sort = request.GET.get("sort", "") if request.GET.get("sort", "") in SORTS else ""
    status, priority = data.get("status", ""), data.get("priority", "")
    context = {
        "assessment": assessment,
        "filters": filters,
        "sort": sort,
        "next_sort": NEXT_SORT[sort],
        "sort_label": SORTS[sort],
        # The active filters, kept when the sort changes ("status=…&priority=…&").
        "filter_query": "".join(
            f"{k}={urlencode_value(data[k])}&" for k in ("status", "priority") if data.get(k)
        ),
    }

    def table_context() -> dict:
        rows = window(
            request,
            request_list(
                EvidenceRequest.objects.filter(assessment=assessment),
                status=status,
                priority=priority,
                sort=sort,
            ),
        )
        present_requests(
            rows.rows,
            detail_url=url_maker("assessments:request-detail", "request_id", assessment_id=assessment.pk),
            edit_url=url_maker("assessments:request-edit", "request_id", assessment_id=assessment.pk),
            for_client=False,
        )
        return {**context, "requests": rows.rows, "window": rows}

    def table_html() -> str:
        return render_to_string("assessments/_requests_table.html", table_context(), request=request)

    if wants_window_fragment(request):  # "Show more": only the next rows
        return render(request, "assessments/_request_rows.html", table_context())
    params = {"status": status, "priority": priority, "sort": sort}
    if request.htmx and request.htmx.target == "requests-table":
        return HttpResponse(cached_list(request, f"staff-requests:{assessment.pk}", params, table_html))

    def body_html() -> str:
        # The whole page's content (its forms' CSRF tokens are filled in per response): counts, the
        # table, the package and integrity panels, who is invited.
        body_context = {
            **context,
            # Loaded again, after the cache read its tokens (as in portal/proposal_views.py).
            **_access_context(request, get_assessment_for_staff(request, assessment_id)),
            "table": mark_safe(table_html()),  # noqa: S308 - a rendered template
            "counts": request_counts(EvidenceRequest.objects.filter(assessment=assessment)),
        }
        return render_to_string("assessments/_assessment_body.html", body_context, request=request)

    body = cached_list(request, f"staff-assessment:{assessment.pk}", params, body_html)
    return render(request, "assessments/assessment_detail.html", {"assessment": assessment, "body": body})


# --- requests ----------------------------------------------------------------------------------------


def _request_fields(form: EvidenceRequestForm) -> dict:
    return {k: form.cleaned_data[k] for k in services.REQUEST_FIELDS if k in form.cleaned_data}


@require_http_methods(["GET", "POST"])
@staff_required
def request_create(request: StaffRequest, assessment_id: int) -> HttpResponse:
    assessment = get_assessment_for_staff(request, assessment_id)
    form = EvidenceRequestForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        evidence = services.create_request(assessment=assessment, actor=request.user, **_request_fields(form))
        messages.success(request, f"Request {evidence.requirement} added.")
        if "add_another" in request.POST:
            return redirect("assessments:request-create", assessment_id=assessment.pk)
        return redirect("assessments:assessment-detail", assessment_id=assessment.pk)
    return render(request, "assessments/request_form.html", {"form": form, "assessment": assessment})


@require_http_methods(["GET", "POST"])
@staff_required
def request_edit(request: StaffRequest, assessment_id: int, request_id: int) -> HttpResponse:
    assessment = get_assessment_for_staff(request, assessment_id)
    evidence = get_request_for_staff(request, assessment, request_id)
    form = EvidenceRequestForm(
        request.POST or None,
        instance=EvidenceRequest.objects.get(pk=evidence.pk),
        workspace=request.workspace,
    )
    if request.method == "POST" and form.is_valid():
        services.update_request(evidence=evidence, actor=request.user, **_request_fields(form))
        messages.success(request, "Request saved.")
        return redirect("assessments:request-detail", assessment_id=assessment.pk, request_id=evidence.pk)
    return render(
        request,
        "assessments/request_form.html",
        {"form": form, "assessment": assessment, "evidence": evidence},
    )


@require_GET
@staff_required
def request_detail(request: StaffRequest, assessment_id: int, request_id: int) -> HttpResponse:
    assessment = get_assessment_for_staff(request, assessment_id)
    evidence = get_request_for_staff(request, assessment, request_id)
    if request.htmx and request.htmx.target == "history":  # the section refreshing itself
        return render_history(request, evidence, viewer="staff")
    files = annotate_revisions(
        EvidenceFile.objects.filter(request=evidence)
        .select_related("uploaded_by_contact", "uploaded_by_user")
        .order_by("-submission_round", "uploaded_at", "id"),
        evidence,
    )
    return render(
        request,
        "assessments/request_detail.html",
        {
            **thread_context(evidence),
            "assessment": assessment,
            "files": files,
            "history": request_history(evidence),
            "viewer": "staff",
            "actions": workflow.allowed_targets(evidence.status, workflow.STAFF),
        },
    )


@require_POST
@staff_required
def request_transition(request: StaffRequest, assessment_id: int, request_id: int) -> HttpResponse:
    assessment = get_assessment_for_staff(request, assessment_id)
    evidence = get_request_for_staff(request, assessment, request_id)
    try:
        evidence = workflow.transition(
            evidence=evidence,
            to=request.POST.get("to", ""),
            user=request.user,
            note=request.POST.get("note", ""),
        )
    except workflow.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{evidence.requirement} is now {evidence.get_status_display().lower()}.")
    return redirect("assessments:request-detail", assessment_id=assessment.pk, request_id=evidence.pk)


@require_http_methods(["GET", "POST"])
@staff_required
def request_messages(request: StaffRequest, assessment_id: int, request_id: int) -> HttpResponse:
    """The thread list fragment (polled by htmx) and posting to it; without JS, back to the page."""
    assessment = get_assessment_for_staff(request, assessment_id)
    evidence = get_request_for_staff(request, assessment, request_id)
    page = reverse(
        "assessments:request-detail", kwargs={"assessment_id": assessment.pk, "request_id": evidence.pk}
    )
    error = None
    if request.method == "POST":
        error = post_message_from_form(request, evidence, user=request.user)
        if not request.htmx:
            if error:
                messages.error(request, error)
            return redirect(page + "#messages")
    elif not request.htmx:
        return redirect(page + "#messages")
    return render_thread_list(
        request,
        evidence,
        viewer="staff",
        error=error,
        thread_url=reverse(
            "assessments:request-messages", kwargs={"assessment_id": assessment.pk, "request_id": evidence.pk}
        ),
    )


@require_GET
@staff_required
def file_download(request: StaffRequest, file_id: int) -> HttpResponse:
    return file_response(get_file_for_staff(request, file_id))


# --- bulk import -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@accepts_uploads(REQUEST_IMPORT)
@staff_required
def request_import(request: StaffRequest, assessment_id: int) -> HttpResponse:
    """Upload a CSV → preview with row errors → confirm creates the good rows."""
    assessment = get_assessment_for_staff(request, assessment_id)
    posted = request.method == "POST"  # a POST holding only a skipped file is still a submission
    form = ImportForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        oversize=getattr(request, "oversize_uploads", None),
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        preview = parse_csv(form.cleaned_data["csv_text"], assessment=assessment)
        if "confirm" in request.POST and not preview.header_error:
            if not preview.good:
                messages.error(request, "No valid rows to import.")
            else:
                created = services.import_requests(
                    assessment=assessment, actor=request.user, rows=[row.data for row in preview.good]
                )
                skipped = len(preview.bad)
                note = f"Imported {len(created)} request{'s' if len(created) != 1 else ''}."
                if skipped:
                    note += f" Skipped {skipped} row{'s' if skipped != 1 else ''} with errors."
                messages.success(request, note)
                return redirect("assessments:assessment-detail", assessment_id=assessment.pk)
    return render(
        request,
        "assessments/import.html",
        {
            "assessment": assessment,
            "form": form,
            "preview": preview,
            "csv_text": form.cleaned_data.get("csv_text", "") if form.is_bound and form.is_valid() else "",
        },
    )


@require_GET
@staff_required
def import_sample(request: StaffRequest) -> HttpResponse:
    return FileResponse(
        SAMPLE_CSV.open("rb"),
        as_attachment=True,
        filename="pci-dss-evidence-requests.csv",
        content_type="text/csv",
    )


# --- invite from an assessment --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def assessment_invite(request: StaffRequest, assessment_id: int) -> HttpResponse:
    """The foundation's Invite Client dialog, granting this assessment. Company = the engagement's client."""
    assessment = get_assessment_for_staff(request, assessment_id)
    return invite_dialog(
        request,
        client=assessment.client,
        send=lambda **fields: services.invite_to_assessment(assessment=assessment, **fields),
        done_url=reverse("assessments:assessment-detail", kwargs={"assessment_id": assessment.pk}),
        success_template="assessments/_invite_success.html",
        success_context=lambda: _access_context(request, assessment),
        page_template="assessments/invite_page.html",
        # The foundation's dialog templates, pointed at this view instead of the client hub's.
        extra={
            "assessment": assessment,
            "invite_action": reverse(
                "assessments:assessment-invite", kwargs={"assessment_id": assessment.pk}
            ),
        },
        sent_note=f" for {assessment.name}",
    )


@require_POST
@staff_required
def access_revoke(request: StaffRequest, assessment_id: int, access_id: int) -> HttpResponse:
    assessment = get_assessment_for_staff(request, assessment_id)
    access = get_object_or_404(
        AssessmentAccess.objects.select_related("contact", "assessment"), assessment=assessment, pk=access_id
    )
    services.revoke_assessment_access(access=access, actor=request.user)
    messages.success(request, f"{access.contact.display_name} no longer sees {assessment.name}.")
    if request.htmx:
        return render(request, "assessments/_access.html", _access_context(request, assessment))
    return redirect("assessments:assessment-detail", assessment_id=assessment.pk)


# --- inbox -------------------------------------------------------------------------------------------


@require_GET
@staff_required
def inbox(request: StaffRequest) -> HttpResponse:
    return render(request, "assessments/inbox.html", {"requests": staff_inbox(request.workspace)})
