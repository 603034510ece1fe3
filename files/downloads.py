"""Serving stored files: only after the caller's view has authorised access, always as an attachment."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from files.filetypes import name_for


def stored_file_response(key: str, *, filename: str, content_type: str) -> HttpResponse:
    """Local storage → the bytes as an attachment; S3 → a presigned URL valid for a few minutes
    (AWS_QUERYSTRING_EXPIRE) that makes S3 send our headers, not the object's."""
    disposition = content_disposition_header(as_attachment=True, filename=filename)
    if hasattr(default_storage, "bucket_name"):
        url = default_storage.url(
            key,
            parameters={"ResponseContentDisposition": disposition, "ResponseContentType": content_type},
            expire=settings.AWS_QUERYSTRING_EXPIRE,
        )
        response: HttpResponse = HttpResponseRedirect(url)
    else:
        try:
            handle = default_storage.open(key, "rb")
        except FileNotFoundError as exc:
            raise Http404("File missing from storage") from exc
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
        response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    # If a browser ever rendered it anyway, it would run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def file_response(record) -> HttpResponse:
    """A `StoredFile` (any app's) as an attachment, named with the extension of its sniffed type."""
    return stored_file_response(
        record.file.name,
        filename=name_for(record.original_name, record.content_type),
        content_type=record.content_type,
    )
