"""Client-side project and deliverable views: project list and page, the flat deliverable list, one
deliverable with its versions (preview, download), approval and comments.

Everything is loaded through `for_contact(contact)` scopes; anything else is a 404. In preview mode
(staff looking at a contact's portal) no write control is rendered, and the middleware refuses POSTs.
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
from core.fragments import cached_list
from core.http import client_ip, is_id
from core.listing import url_maker, wants_window_fragment, window
from core.types import PortalRequest
from files import views as file_views
from portal.decorators import contact_required
from projects import approval
from projects.forms import DecisionForm
from projects.models import (
    DELIVERABLES_SECTION,
    ApprovalDecision,
    ApprovalStatus,
    Deliverable,
    DeliverableVersion,
    Project,
    ProjectStatus,
)
from projects.selectors import (
    contact_projects,
    deliverable_events,
    deliverable_rows,
    present_deliverables,
    project_events,
)
from projects.threads import post_comment_from_form, render_thread_list, thread_context

# --- access helpers ------------------------------------------------------------------------------------


def get_project_for_contact(request: PortalRequest, project_id: int) -> Project:
    return get_object_or_404(
        Project.objects.for_contact(request.contact).select_related("client"), pk=project_id
    )


def get_deliverable_for_contact(request: PortalRequest, deliverable_id: int) -> Deliverable:
    return get_object_or_404(
        Deliverable.objects.for_contact(request.contact).select_related(
            "project__client", "project__workspace", "current_version"
        ),
        pk=deliverable_id,
    )


def get_version_for_contact(request: PortalRequest, file_id: int) -> DeliverableVersion:
    return get_object_or_404(
        DeliverableVersion.objects.for_contact(request.contact).select_related("deliverable"), pk=file_id
    )


# --- projects ------------------------------------------------------------------------------------------


@require_GET
@contact_required
def project_list(request: PortalRequest, slug: str) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in ProjectStatus.values else ""
    projects = contact_projects(request.contact).select_related("client")
    if status:
        projects = projects.filter(status=status)
    return render(
        request,
        "portal/projects/project_list.html",
        {"projects": projects, "status": status, "statuses": ProjectStatus.choices},
    )


@require_GET
@contact_required
def project_detail(request: PortalRequest, slug: str, project_id: int) -> HttpResponse:
    project = get_project_for_contact(request, project_id)
    shows_deliverables = request.contact.client.shows(DELIVERABLES_SECTION)
    deliverables = (
        _present(
            list(deliverable_rows(Deliverable.objects.for_contact(request.contact).filter(project=project))),
            slug,
        )
        if shows_deliverables
        else []
    )
    return render(
        request,
        "portal/projects/project_detail.html",
        {
            "project": project,
            "deliverables": deliverables,
            "shows_deliverables": shows_deliverables,
            "events": project_events(project, audience=CLIENT),
        },
    )


def _present(rows: list[Deliverable], slug: str) -> list[Deliverable]:
    return present_deliverables(
        rows,
        detail_url=url_maker("portal:deliverable-detail", "deliverable_id", slug=slug),
        download_url=url_maker("portal:deliverable-file-download", "file_id", slug=slug),
        for_client=True,
    )


# --- deliverables --------------------------------------------------------------------------------------


@require_GET
@kept_whole
@contact_required
def deliverable_list(request: PortalRequest, slug: str) -> HttpResponse:
    deliverables = Deliverable.objects.for_contact(request.contact)
    # The filter offers the projects that have deliverables (a hidden Projects section hides no deliverable).
    projects = Project.objects.filter(pk__in=deliverables.values("project_id")).order_by("name")
    project_id = request.GET.get("project", "")
    selected = None
    if is_id(project_id):
        selected = projects.filter(pk=project_id).first()
        if selected is not None:
            deliverables = deliverables.filter(project=selected)

    def table_context() -> dict:
        rows = window(request, deliverable_rows(deliverables))
        _present(rows.rows, slug)
        return {"deliverables": rows.rows, "window": rows, "selected": selected}

    if wants_window_fragment(request):  # "Show more": only the next rows
        return render(request, "portal/projects/_deliverable_rows.html", table_context())
    table = cached_list(
        request,
        "portal-deliverables",
        {"project": str(selected.pk) if selected is not None else ""},
        lambda: render_to_string("portal/projects/_deliverable_table.html", table_context(), request=request),
    )
    if request.htmx and request.htmx.target == "deliverables":
        return HttpResponse(table)
    context = {"table": table, "projects": projects, "selected": selected}
    return render(request, "portal/projects/deliverable_list.html", context)


def _thread_url(slug: str, deliverable: Deliverable) -> str:
    return reverse("portal:deliverable-comments", kwargs={"slug": slug, "deliverable_id": deliverable.pk})


@require_GET
@contact_required
def deliverable_detail(request: PortalRequest, slug: str, deliverable_id: int) -> HttpResponse:
    deliverable = get_deliverable_for_contact(request, deliverable_id)
    versions = DeliverableVersion.objects.filter(deliverable=deliverable).select_related("uploaded_by_user")
    decisions = ApprovalDecision.objects.filter(deliverable=deliverable).select_related("contact", "version")
    return render(
        request,
        "portal/projects/deliverable_detail.html",
        {
            **thread_context(deliverable),
            "project": deliverable.project,
            "shows_projects": request.contact.client.shows("projects"),
            "versions": versions,
            "decisions": decisions,
            # Preview mode renders no write controls at all (the middleware refuses the POSTs anyway).
            "can_decide": deliverable.awaiting_client and not request.portal_preview,
            "decision_form": DecisionForm(initial={"version": deliverable.current_version_id}),
            "thread_url": _thread_url(slug, deliverable),
            "viewer": "client",
            "history": deliverable_events(deliverable, audience=CLIENT),
        },
    )


@require_POST
@contact_required
def deliverable_decide(request: PortalRequest, slug: str, deliverable_id: int) -> HttpResponse:
    deliverable = get_deliverable_for_contact(request, deliverable_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Approve or Request changes.")
    else:
        data = form.cleaned_data
        to = ApprovalStatus.APPROVED if data["decision"] == "approve" else ApprovalStatus.CHANGES_REQUESTED
        try:
            approval.transition(
                deliverable=deliverable,
                to=to,
                contact=request.contact,
                comment=data["comment"],
                version_id=data["version"],
                ip=client_ip(request),
            )
        except approval.TransitionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                "Approved. Thank you!"
                if to == ApprovalStatus.APPROVED
                else "Changes requested. The studio has been notified.",
            )
    return redirect("portal:deliverable-detail", slug=slug, deliverable_id=deliverable.pk)


@require_http_methods(["GET", "POST"])
@contact_required
def deliverable_comments(request: PortalRequest, slug: str, deliverable_id: int) -> HttpResponse:
    deliverable = get_deliverable_for_contact(request, deliverable_id)
    page = (
        reverse("portal:deliverable-detail", kwargs={"slug": slug, "deliverable_id": deliverable.pk})
        + "#comments"
    )
    error = None
    if request.method == "POST":
        error = post_comment_from_form(request, deliverable, contact=request.contact)
        if not request.htmx:
            if error:
                messages.error(request, error)
            return redirect(page)
    elif not request.htmx:
        return redirect(page)
    return render_thread_list(
        request, deliverable, viewer="client", error=error, thread_url=_thread_url(slug, deliverable)
    )


@require_GET
@contact_required
def version_download(request: PortalRequest, slug: str, file_id: int) -> HttpResponse:
    return file_views.download(get_version_for_contact(request, file_id))


@require_GET
@contact_required
def version_preview(request: PortalRequest, slug: str, file_id: int) -> HttpResponse:
    version = get_version_for_contact(request, file_id)
    deliverable = version.deliverable
    return file_views.preview_page(
        request,
        version,
        base_template="portal/base.html",
        raw_url=reverse("portal:deliverable-file-raw", args=[slug, version.pk]),
        download_url=reverse("portal:deliverable-file-download", args=[slug, version.pk]),
        back_url=reverse("portal:deliverable-detail", args=[slug, deliverable.pk]),
        back_label=deliverable.title,
        extra_details=[("Version", version.label)],
    )


@require_GET
@contact_required
def version_raw(request: PortalRequest, slug: str, file_id: int) -> HttpResponse:
    return file_views.raw(get_version_for_contact(request, file_id))
