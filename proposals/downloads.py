"""Download helpers both front doors use after their own access check (a plain module, not views)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.http import content_disposition_header

from files import views as file_views
from proposals import certificates


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    """A PDF rendered on the fly, as an attachment (never rendered inline by the browser)."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def signature_download(signature, kind: str) -> HttpResponse:
    """A stored PDF of a signature (certificate or signed document), issued now if the outbox job that
    issues them has not run yet (idempotent)."""
    record = signature.file(kind)
    if record is None:
        record = certificates.issue_signature_files(signature)[kind]
    return file_views.download(record)


# A rendered PDF takes WeasyPrint a second or two: pages of frozen content are rendered once per content
# hash and served from the cache after that, so reloading a download costs nothing and cannot be used to
# keep the workers busy.
PDF_CACHE_SECONDS = 24 * 3600


def cached_pdf(key: str, render: Callable[[], bytes]) -> bytes:
    data = cache.get(key)
    if data is None:
        data = render()
        cache.set(key, data, PDF_CACHE_SECONDS)
    return data
