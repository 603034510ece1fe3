"""Refuse oversized files while Django parses the upload, before any byte of them is spooled to disk."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class SizeLimitUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts each file's bytes and skips a file past the limit.

    The skipped file's name is left on `request.oversize_uploads` so the view can say why it is missing.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.seen = 0
        if request is not None and not hasattr(request, "oversize_uploads"):
            request.oversize_uploads = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.seen = 0

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > settings.EVIDENCE_MAX_UPLOAD_BYTES:
            if self.request is not None:
                self.request.oversize_uploads.append(self.file_name or "file")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers build the file
