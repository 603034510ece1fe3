"""Staff views for evidence packages: export, progress (polled by htmx), download."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from assessments.models import Assessment, EvidencePackage, PackageStatus
from assessments.package import request_package
from assessments.views import get_assessment_for_staff

PRESIGNED_SECONDS = 60


def get_package_for_staff(request: HttpRequest, assessment: Assessment, package_id: int) -> EvidencePackage:
    return get_object_or_404(
        EvidencePackage.objects.for_workspace(request.workspace).select_related("requested_by"),
        assessment=assessment,
        pk=package_id,
    )


@require_POST
@staff_required
def package_create(request: HttpRequest, assessment_id: int) -> HttpResponse:
    # Any member of the workspace may export: the package holds nothing they cannot already download.
    assessment = get_assessment_for_staff(request, assessment_id)
    request_package(assessment=assessment, actor=request.user)
    if request.htmx:
        return render(request, "assessments/_package_panel.html", {"assessment": assessment})
    page = reverse("assessments:assessment-detail", kwargs={"assessment_id": assessment.pk})
    return redirect(page + "#package-panel")


@require_GET
@staff_required
def package_status(request: HttpRequest, assessment_id: int, package_id: int) -> HttpResponse:
    """The status fragment (htmx polls it every 2 s while building); without htmx, a page of its own."""
    assessment = get_assessment_for_staff(request, assessment_id)
    package = get_package_for_staff(request, assessment, package_id)
    context = {"assessment": assessment, "package": package}
    if request.htmx:
        return render(request, "assessments/_package_status.html", context)
    return render(request, "assessments/package_detail.html", context)


@require_GET
@staff_required
def package_download(request: HttpRequest, assessment_id: int, package_id: int) -> HttpResponse:
    assessment = get_assessment_for_staff(request, assessment_id)
    package = get_package_for_staff(request, assessment, package_id)
    if package.status != PackageStatus.READY or not package.file:
        raise Http404("Package not ready")
    return package_response(package, assessment)


def package_filename(package: EvidencePackage, assessment: Assessment) -> str:
    stamp = (package.finished_at or package.created_at).strftime("%Y%m%d-%H%M")
    return f"{slugify(assessment.name) or 'assessment'}-evidence-{stamp}.zip"


def package_response(package: EvidencePackage, assessment: Assessment) -> HttpResponse:
    """The same shape as assessments.downloads.file_response: attachment, nosniff, S3 → presigned URL."""
    filename = package_filename(package, assessment)
    disposition = content_disposition_header(as_attachment=True, filename=filename)
    if hasattr(default_storage, "bucket_name"):
        url = default_storage.url(
            package.file.name,
            parameters={"ResponseContentDisposition": disposition, "ResponseContentType": "application/zip"},
            expire=PRESIGNED_SECONDS,
        )
        response: HttpResponse = HttpResponseRedirect(url)
    else:
        try:
            handle = default_storage.open(package.file.name, "rb")
        except FileNotFoundError as exc:
            raise Http404("Package missing from storage") from exc
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/zip")
        response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
