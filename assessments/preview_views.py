"""Staff file previews: a page per evidence file and the raw bytes its PDF viewer and images load.

Thin on purpose: access through `get_file_for_staff` (404 for missing and not yours alike), the page and
the raw response from files/views.py, shared with the portal's views.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from assessments.selectors import submission_detail
from assessments.views import get_file_for_staff
from core.types import StaffRequest
from files import views as file_views


@require_GET
@staff_required
def file_preview(request: StaffRequest, file_id: int) -> HttpResponse:
    record = get_file_for_staff(request, file_id)
    evidence = record.request
    return file_views.preview_page(
        request,
        record,
        base_template="app_base.html",
        raw_url=reverse("assessments:file-raw", args=[record.pk]),
        download_url=reverse("assessments:file-download", args=[record.pk]),
        back_url=reverse("assessments:request-detail", args=[evidence.assessment_id, evidence.pk]),
        back_label=f"{evidence.requirement} {evidence.title}",
        extra_details=[submission_detail(record)],
    )


@require_GET
@staff_required
def file_raw(request: StaffRequest, file_id: int) -> HttpResponse:
    return file_views.raw(get_file_for_staff(request, file_id))
