"""Staff views for evidence packages: export, progress (polled by htmx), download."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from assessments.models import Assessment, EvidencePackage, PackageStatus
from assessments.package import request_package
from assessments.views import get_assessment_for_staff
from core.types import StaffRequest
from files.downloads import stored_file_response


def get_package_for_staff(request: StaffRequest, assessment: Assessment, package_id: int) -> EvidencePackage:
    return get_object_or_404(
        EvidencePackage.objects.for_workspace(request.workspace).select_related("requested_by"),
        assessment=assessment,
        pk=package_id,
    )


@require_POST
@staff_required
def package_create(request: StaffRequest, assessment_id: int) -> HttpResponse:
    # Any member of the workspace may export: the package holds nothing they cannot already download.
    assessment = get_assessment_for_staff(request, assessment_id)
    request_package(assessment=assessment, actor=request.user)
    if request.htmx:
        return render(request, "assessments/_package_panel.html", {"assessment": assessment})
    page = reverse("assessments:assessment-detail", kwargs={"assessment_id": assessment.pk})
    return redirect(page + "#package-panel")


@require_GET
@staff_required
def package_status(request: StaffRequest, assessment_id: int, package_id: int) -> HttpResponse:
    """The status fragment (htmx polls it every 2 s while building); without htmx, a page of its own."""
    assessment = get_assessment_for_staff(request, assessment_id)
    package = get_package_for_staff(request, assessment, package_id)
    context = {"assessment": assessment, "package": package}
    if request.htmx:
        return render(request, "assessments/_package_status.html", context)
    return render(request, "assessments/package_detail.html", context)


@require_GET
@staff_required
def package_download(request: StaffRequest, assessment_id: int, package_id: int) -> HttpResponse:
    assessment = get_assessment_for_staff(request, assessment_id)
    package = get_package_for_staff(request, assessment, package_id)
    if package.status != PackageStatus.READY or not package.file:
        raise Http404("Package not ready")
    return package_response(package, assessment)


def package_filename(package: EvidencePackage, assessment: Assessment) -> str:
    stamp = (package.finished_at or package.created_at).strftime("%Y%m%d-%H%M")
    return f"{slugify(assessment.name) or 'assessment'}-evidence-{stamp}.zip"


def package_response(package: EvidencePackage, assessment: Assessment) -> HttpResponse:
    return stored_file_response(
        package.file.name, filename=package_filename(package, assessment), content_type="application/zip"
    )
