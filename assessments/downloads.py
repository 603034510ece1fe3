"""Serving evidence files: only after the caller's view has authorised access, always as an attachment."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from assessments.models import EvidenceFile

PRESIGNED_SECONDS = 60


def file_response(record: EvidenceFile) -> HttpResponse:
    disposition = content_disposition_header(as_attachment=True, filename=record.original_name)
    if hasattr(default_storage, "bucket_name"):
        # S3: a short-lived presigned URL that makes S3 send our headers, not the object's.
        url = default_storage.url(
            record.file.name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": record.content_type,
            },
            expire=PRESIGNED_SECONDS,
        )
        response = HttpResponseRedirect(url)
    else:
        try:
            handle = default_storage.open(record.file.name, "rb")
        except FileNotFoundError as exc:
            raise Http404("File missing from storage") from exc
        response = FileResponse(
            handle, as_attachment=True, filename=record.original_name, content_type=record.content_type
        )
        response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    # If a browser ever rendered it anyway, it would run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
