"""Portal file previews: the same pages as the back-office's, loaded through `get_file_for_contact`
(so invitation, revoked access, hidden sections and disabled portals all answer 404)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from assessments.selectors import submission_detail
from core.types import PortalRequest
from files import views as file_views
from portal.decorators import contact_required
from portal.evidence_views import get_file_for_contact


@require_GET
@contact_required
def file_preview(request: PortalRequest, slug: str, file_id: int) -> HttpResponse:
    record = get_file_for_contact(request, file_id)
    evidence = record.request
    return file_views.preview_page(
        request,
        record,
        base_template="portal/base.html",
        raw_url=reverse("portal:file-raw", args=[slug, record.pk]),
        download_url=reverse("portal:file-download", args=[slug, record.pk]),
        back_url=reverse("portal:request-detail", args=[slug, evidence.pk]),
        back_label=f"{evidence.requirement} {evidence.title}",
        extra_details=[submission_detail(record)],
    )


@require_GET
@contact_required
def file_raw(request: PortalRequest, slug: str, file_id: int) -> HttpResponse:
    return file_views.raw(get_file_for_contact(request, file_id))
