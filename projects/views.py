"""Staff back-office views for projects and deliverables, under /app/projects/."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from accounts.models import Client
from activity.verbs import STAFF
from core.errors import ServiceError
from core.http import client_ip, is_id
from core.types import StaffRequest
from files import views as file_views
from files.policies import accepts_uploads
from files.uploads import body_too_large, from_upload_widget, human_size, too_large_message
from projects import approval, services
from projects.files import DELIVERABLE
from projects.forms import DeliverableForm, ProjectFilterForm, ProjectForm, VersionForm
from projects.models import ApprovalDecision, ApprovalStatus, Deliverable, DeliverableVersion, Project
from projects.selectors import deliverable_events, deliverable_rows, project_events, with_deliverable_counts
from projects.threads import post_comment_from_form, render_thread_list, thread_context

# --- access helpers: one way to load each thing, 404 for "missing" and "not yours" alike -------------


def get_project_for_staff(request: StaffRequest, project_id: int) -> Project:
    return get_object_or_404(
        Project.objects.for_workspace(request.workspace).select_related("client"), pk=project_id
    )


def get_deliverable_for_staff(request: StaffRequest, deliverable_id: int) -> Deliverable:
    return get_object_or_404(
        Deliverable.objects.for_workspace(request.workspace).select_related(
            "project__client", "project__workspace", "current_version"
        ),
        pk=deliverable_id,
    )


def get_version_for_staff(request: StaffRequest, file_id: int) -> DeliverableVersion:
    return get_object_or_404(
        DeliverableVersion.objects.for_workspace(request.workspace).select_related("deliverable"), pk=file_id
    )


# --- projects ------------------------------------------------------------------------------------------


@require_GET
@staff_required
def project_list(request: StaffRequest) -> HttpResponse:
    filters = ProjectFilterForm(request.GET or None, workspace=request.workspace)
    filters.is_valid()
    data = getattr(filters, "cleaned_data", {})
    projects = Project.objects.for_workspace(request.workspace).select_related("client")
    if data.get("status"):
        projects = projects.filter(status=data["status"])
    if data.get("client"):
        projects = projects.filter(client=data["client"])
    context = {"projects": with_deliverable_counts(projects), "filters": filters}
    if request.htmx and request.htmx.target == "project-table":
        return render(request, "projects/_project_table.html", context)
    return render(request, "projects/project_list.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def project_create(request: StaffRequest) -> HttpResponse:
    initial = {}
    client_id = request.GET.get("client", "")
    if is_id(client_id) and Client.objects.for_workspace(request.workspace).filter(pk=client_id).exists():
        initial["client"] = int(client_id)
    form = ProjectForm(request.POST or None, workspace=request.workspace, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        client = data.pop("client")
        project = services.create_project(
            workspace=request.workspace, client=client, actor=request.user, **data
        )
        messages.success(request, f"{project.name} created. Upload its first deliverable.")
        return redirect("projects:project-detail", project_id=project.pk)
    return render(request, "projects/project_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@staff_required
def project_edit(request: StaffRequest, project_id: int) -> HttpResponse:
    project = get_project_for_staff(request, project_id)
    form = ProjectForm(
        request.POST or None, instance=Project.objects.get(pk=project.pk), workspace=request.workspace
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_project(project=project, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Project saved.")
            return redirect("projects:project-detail", project_id=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


@require_GET
@staff_required
def project_detail(request: StaffRequest, project_id: int) -> HttpResponse:
    project = get_project_for_staff(request, project_id)
    if request.htmx and request.htmx.target == "project-activity":  # the section refreshing itself
        events = project_events(project, audience=STAFF)
        return render(request, "projects/_activity.html", {"project": project, "events": events})
    deliverables = deliverable_rows(Deliverable.objects.filter(project=project))
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "deliverables": deliverables,
            "events": project_events(project, audience=STAFF),
            "form": DeliverableForm(),
            "max_upload": human_size(DELIVERABLE.max_bytes),
            "max_upload_bytes": DELIVERABLE.max_bytes,
            "accept": DELIVERABLE.accept_attribute,
        },
    )


def _deliverables_fragment(request: StaffRequest, project: Project, status: int, error: str) -> HttpResponse:
    """The project's deliverables (#files), answering the upload widget; `error` in #upload-error."""
    return render(
        request,
        "projects/_deliverables.html",
        {
            "deliverables": deliverable_rows(Deliverable.objects.filter(project=project)),
            "upload_error": error,
        },
        status=status,
    )


@require_POST
@accepts_uploads(DELIVERABLE)
@staff_required
def deliverable_create(request: StaffRequest, project_id: int) -> HttpResponse:
    """One deliverable per uploaded file, each with the title (or the file's name) and the note. The
    drop zone (static/files/upload.js) sends one file per request with `upload_batch`, how many were
    chosen together: a title names a deliverable only when it was the one file."""
    project = get_project_for_staff(request, project_id)
    widget = from_upload_widget(request)
    if widget and body_too_large(request, DELIVERABLE):
        error = f"That file is larger than the {human_size(DELIVERABLE.max_bytes)} limit."
        return _deliverables_fragment(request, project, 413, error)
    form = DeliverableForm(request.POST)
    uploads = request.FILES.getlist("file")
    errors = [too_large_message(n, DELIVERABLE) for n in getattr(request, "oversize_uploads", [])]
    created = []
    if not form.is_valid():
        errors.append("Check the title and note.")
    elif not uploads and not errors:
        errors.append("Choose a file to upload.")
    else:
        data = form.cleaned_data
        one_file = len(uploads) == 1 and data["upload_batch"] in (None, 1)
        for upload in uploads:
            try:
                created.append(
                    services.create_deliverable(
                        project=project,
                        upload=upload,
                        user=request.user,
                        title=data["title"] if one_file else "",
                        note=data["note"],
                        needs_approval=data["needs_approval"],
                        ip=client_ip(request),
                    )
                )
            except ServiceError as exc:
                errors.append(str(exc))
    if widget:
        too_big = bool(getattr(request, "oversize_uploads", []))
        status = 200 if not errors else 413 if too_big and not created else 400
        return _deliverables_fragment(request, project, status, " ".join(errors))
    if created:
        messages.success(request, f"Delivered {', '.join(d.title for d in created)}.")
    for error in errors:
        messages.error(request, error)
    return redirect("projects:project-detail", project_id=project.pk)


# --- one deliverable -----------------------------------------------------------------------------------


def _thread_url(deliverable: Deliverable) -> str:
    return reverse("projects:deliverable-comments", kwargs={"deliverable_id": deliverable.pk})


@require_GET
@staff_required
def deliverable_detail(request: StaffRequest, deliverable_id: int) -> HttpResponse:
    deliverable = get_deliverable_for_staff(request, deliverable_id)
    versions = DeliverableVersion.objects.filter(deliverable=deliverable).select_related("uploaded_by_user")
    decisions = ApprovalDecision.objects.filter(deliverable=deliverable).select_related("contact", "version")
    return render(
        request,
        "projects/deliverable_detail.html",
        {
            **thread_context(deliverable),
            "project": deliverable.project,
            "versions": versions,
            "decisions": decisions,
            "moves": approval.allowed_moves(deliverable, approval.STAFF),
            "version_form": VersionForm(),
            "max_upload": human_size(DELIVERABLE.max_bytes),
            "accept": DELIVERABLE.accept_attribute,
            "thread_url": _thread_url(deliverable),
            "viewer": "staff",
            "history": deliverable_events(deliverable, audience=STAFF),
        },
    )


@require_POST
@accepts_uploads(DELIVERABLE)
@staff_required
def version_create(request: StaffRequest, deliverable_id: int) -> HttpResponse:
    deliverable = get_deliverable_for_staff(request, deliverable_id)
    form = VersionForm(request.POST)
    uploads = request.FILES.getlist("file")
    too_big = getattr(request, "oversize_uploads", [])
    if too_big:
        messages.error(request, " ".join(too_large_message(n, DELIVERABLE) for n in too_big))
    elif len(uploads) != 1 or not form.is_valid():
        messages.error(request, "Choose one file: a new version is one file.")
    else:
        try:
            version = services.upload_version(
                deliverable=deliverable,
                upload=uploads[0],
                user=request.user,
                note=form.cleaned_data["note"],
                ip=client_ip(request),
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            reset = " The client is asked to approve it again." if deliverable.awaiting_client else ""
            messages.success(request, f"Uploaded {version.label} of {deliverable.title}.{reset}")
    return redirect("projects:deliverable-detail", deliverable_id=deliverable.pk)


@require_POST
@staff_required
def deliverable_approval(request: StaffRequest, deliverable_id: int) -> HttpResponse:
    """Ask the client to approve (needs approval) or withdraw that request."""
    deliverable = get_deliverable_for_staff(request, deliverable_id)
    to = request.POST.get("to", "")
    try:
        approval.transition(deliverable=deliverable, to=to, user=request.user)
    except approval.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            "The client is asked to approve it."
            if to == ApprovalStatus.PENDING
            else "It no longer needs the client's approval.",
        )
    return redirect("projects:deliverable-detail", deliverable_id=deliverable.pk)


@require_http_methods(["GET", "POST"])
@staff_required
def deliverable_comments(request: StaffRequest, deliverable_id: int) -> HttpResponse:
    deliverable = get_deliverable_for_staff(request, deliverable_id)
    page = reverse("projects:deliverable-detail", kwargs={"deliverable_id": deliverable.pk}) + "#comments"
    error = None
    if request.method == "POST":
        error = post_comment_from_form(request, deliverable, user=request.user)
        if not request.htmx:
            if error:
                messages.error(request, error)
            return redirect(page)
    elif not request.htmx:
        return redirect(page)
    return render_thread_list(
        request, deliverable, viewer="staff", error=error, thread_url=_thread_url(deliverable)
    )


# --- files ---------------------------------------------------------------------------------------------


@require_GET
@staff_required
def version_download(request: StaffRequest, file_id: int) -> HttpResponse:
    return file_views.download(get_version_for_staff(request, file_id))


@require_GET
@staff_required
def version_preview(request: StaffRequest, file_id: int) -> HttpResponse:
    version = get_version_for_staff(request, file_id)
    deliverable = version.deliverable
    return file_views.preview_page(
        request,
        version,
        base_template="app_base.html",
        raw_url=reverse("projects:version-raw", args=[version.pk]),
        download_url=reverse("projects:version-download", args=[version.pk]),
        back_url=reverse("projects:deliverable-detail", args=[deliverable.pk]),
        back_label=deliverable.title,
        extra_details=[("Version", version.label)],
    )


@require_GET
@staff_required
def version_raw(request: StaffRequest, file_id: int) -> HttpResponse:
    return file_views.raw(get_version_for_staff(request, file_id))
