"""Staff file previews: a page per evidence file and the raw bytes its PDF viewer and images load.

Thin on purpose: access through `get_file_for_staff` (404 for missing and not yours alike), the rest in
assessments/previews.py, shared with the portal's views.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from assessments import previews
from assessments.views import get_file_for_staff


@require_GET
@staff_required
def file_preview(request: HttpRequest, file_id: int) -> HttpResponse:
    record = get_file_for_staff(request, file_id)
    evidence = record.request
    context = previews.preview_context(
        record,
        raw_url=reverse("assessments:file-raw", args=[record.pk]),
        download_url=reverse("assessments:file-download", args=[record.pk]),
        back_url=reverse("assessments:request-detail", args=[evidence.assessment_id, evidence.pk]),
    )
    return render(
        request,
        "includes/file_preview_page.html",
        {**context, "evidence": evidence, "base_template": "app_base.html"},
    )


@require_GET
@staff_required
def file_raw(request: HttpRequest, file_id: int) -> HttpResponse:
    return previews.raw_response(get_file_for_staff(request, file_id))
