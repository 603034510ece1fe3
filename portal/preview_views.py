"""Portal file previews: the same pages as the back-office's, loaded through `get_file_for_contact`
(so invitation, revoked access, hidden sections and disabled portals all answer 404)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from assessments import previews
from portal.decorators import contact_required
from portal.evidence_views import get_file_for_contact


@require_GET
@contact_required
def file_preview(request: HttpRequest, slug: str, file_id: int) -> HttpResponse:
    record = get_file_for_contact(request, file_id)
    evidence = record.request
    context = previews.preview_context(
        record,
        raw_url=reverse("portal:file-raw", args=[slug, record.pk]),
        download_url=reverse("portal:file-download", args=[slug, record.pk]),
        back_url=reverse("portal:request-detail", args=[slug, evidence.pk]),
    )
    return render(
        request,
        "includes/file_preview_page.html",
        {**context, "evidence": evidence, "base_template": "portal/base.html"},
    )


@require_GET
@contact_required
def file_raw(request: HttpRequest, slug: str, file_id: int) -> HttpResponse:
    return previews.raw_response(get_file_for_contact(request, file_id))
