"""The preview page and raw endpoint, as helpers each front door calls after its own access check.

Staff and portal views differ only in how they load the record (their scoped access helper, which
answers 404 for "missing" and "not yours" alike) and in the base template they pass.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from files import preview_jobs, previews
from files.downloads import file_response

PAGE_TEMPLATE = "files/preview_page.html"
DIALOG_TARGET = "preview-dialog-body"  # templates/files/_preview_dialog.html
DIALOG_TEMPLATE = "files/_preview_in_dialog.html"
# While a table is being built the preview section polls the page; htmx gets only this fragment.
SECTION_TEMPLATE = "files/_preview_section.html"


def preview_page(
    request: HttpRequest,
    record,
    *,
    base_template: str,
    raw_url: str,
    download_url: str,
    back_url: str,
    back_label: str,
    extra_details: list[tuple[str, str]] | None = None,
    extra_context: dict | None = None,
) -> HttpResponse:
    context = previews.preview_context(
        record,
        raw_url=raw_url,
        download_url=download_url,
        back_url=back_url,
        back_label=back_label,
        extra_details=extra_details,
        preview=preview_jobs.preview_for(record),
    )
    context = {**context, **(extra_context or {}), "base_template": base_template}
    context["poll_url"] = request.get_full_path()
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == DIALOG_TARGET:  # opened in place, over the page that lists the file
        return render(request, DIALOG_TEMPLATE, {**context, "page_url": request.path})
    if htmx:  # the preview section polling while its table is prepared
        return render(request, SECTION_TEMPLATE, context)
    return render(request, PAGE_TEMPLATE, context)


def raw(record) -> HttpResponse:
    """PDF/image bytes for the preview page (404 for every other type)."""
    return previews.raw_response(record)


def download(record) -> HttpResponse:
    return file_response(record)
