"""Download helpers both front doors use after their own access check (a plain module, not views)."""

from __future__ import annotations

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
