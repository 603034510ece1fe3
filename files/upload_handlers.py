"""Refuse oversized files while Django parses the upload, before any byte of them is spooled to disk.

The limit is the one of the upload policy the target view declares (`@accepts_uploads(POLICY)`), so a
logo form is held to the logo limit and an evidence upload to the evidence limit; a view that declares
none gets the small default. Parsing happens after URL resolution (CSRF checks or the view read
`request.POST`), so `request.resolver_match` is known here.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from files.policies import policy_for_request


class SizeLimitUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts each file's bytes and skips a file past the policy's limit.

    The skipped file's name is left on `request.oversize_uploads` so the view can say why it is missing.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.seen = 0
        self.limit = policy_for_request(request).max_bytes if request is not None else None
        if request is not None and not hasattr(request, "oversize_uploads"):
            request.oversize_uploads = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.seen = 0

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.limit is not None and self.seen > self.limit:
            if self.request is not None:
                self.request.oversize_uploads.append(self.file_name or "file")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers build the file
