"""Upload handlers (FILE_UPLOAD_HANDLERS): refuse oversized files while Django parses the upload, and write
each accepted file once, straight into the storage directory, hashing it as it streams.

The size limit is the one of the upload policy the target view declares (`@accepts_uploads(POLICY)`), so a
logo form is held to the logo limit and an evidence upload to the evidence limit; a view that declares
none, and any request from someone the view could not accept (signed out), gets the small default.
Parsing happens after URL resolution (CSRF checks or the view read `request.POST`), so
`request.resolver_match` (and the middleware's `request.user` and `request.contact`) are known here.

With local storage (FileSystemStorage) a file larger than FILE_UPLOAD_MAX_MEMORY_SIZE is written to a
temporary file inside the storage directory (`.uploading/`) while SHA-256 is computed over the same bytes:
storing it (files.uploads.store_upload) is then a rename on the same disk, not a second copy and hash.
With any other storage (S3) Django's temporary file handler spools it as before and storing streams it.
"""

from __future__ import annotations

import logging
import os
import queue
import tempfile
import threading
import time
import weakref

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    SkipFile,
    StopFutureHandlers,
    TemporaryFileUploadHandler,
)

from files.hashing import CHUNK_BYTES, StreamHasher
from files.policies import DEFAULT, policy_for_request

# Django reads the body in the smallest chunk any handler asks for: every handler here asks for 1 MB.
UPLOAD_CHUNK_BYTES = CHUNK_BYTES
PARTIAL_DIR = ".uploading"  # inside the storage location, so that storing is a rename
PARTIAL_PREFIX, PARTIAL_SUFFIX = "upload-", ".part"

logger = logging.getLogger(__name__)


def partial_directory() -> str | None:
    """Where a file being received is written, or None when storage is not the local disk."""
    if not isinstance(default_storage, FileSystemStorage):
        return None
    path = os.path.join(default_storage.location, PARTIAL_DIR)
    if not os.path.isdir(path):
        # As storage creates its own directories: FILE_UPLOAD_DIRECTORY_PERMISSIONS when set, else the umask.
        mode = settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS
        if mode is None:
            os.makedirs(path, exist_ok=True)
        else:
            _makedirs_exact(path, mode)
    return path


def _makedirs_exact(path: str, mode: int) -> None:
    old_umask = os.umask(0)  # FileSystemStorage does the same so the mode is exactly the setting
    try:
        os.makedirs(path, mode=mode, exist_ok=True)
    finally:
        os.umask(old_umask)


def sweep_partial_uploads(max_age_seconds: int) -> int:
    """Delete partial files of uploads that ended without closing them (a worker killed mid-upload by its
    timeout, a deploy or the OOM killer): nothing else removes them from the storage directory, unlike a
    spooled file in the system's temporary directory. A file being received is written to at least once
    per chunk, so one untouched for `max_age_seconds` (far longer than any request may run) is dead.
    Only our own regular files (`upload-*.part`) are touched. Returns how many were deleted."""
    if not isinstance(default_storage, FileSystemStorage):
        return 0
    path = os.path.join(default_storage.location, PARTIAL_DIR)
    cutoff = time.time() - max_age_seconds
    deleted = 0
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if not (entry.name.startswith(PARTIAL_PREFIX) and entry.name.endswith(PARTIAL_SUFFIX)):
            continue
        try:
            if (
                not entry.is_file(follow_symlinks=False)
                or entry.stat(follow_symlinks=False).st_mtime > cutoff
            ):
                continue
            os.unlink(entry.path)
        except FileNotFoundError:
            continue  # finished (renamed or closed) meanwhile
        deleted += 1
    if deleted:
        logger.warning("deleted %s abandoned partial upload(s) from %s", deleted, path)
    return deleted


def _signed_in(request) -> bool:
    """Is the request from someone the target view could accept (a portal page's contact, or else a signed-in
    user)? Only then does the view's upload policy apply. The middleware has run (the body is parsed after
    URL resolution, by the CSRF check or the view), so `request.contact` and `request.user` are set."""
    if getattr(request, "portal_workspace", None) is not None:
        return getattr(request, "contact", None) is not None
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _policy_for(request):
    """The view's policy for a signed-in request; the small default for anyone else. The CSRF check parses
    the body before the view refuses a stranger, so without this anyone holding a CSRF cookie could have a
    500 MB deliverable-sized file per field written to disk before being turned away."""
    return policy_for_request(request) if _signed_in(request) else DEFAULT


class SizeLimitUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts each file's bytes and skips a file past the policy's limit.

    The skipped file's name is left on `request.oversize_uploads` so the view can say why it is missing.
    """

    chunk_size = UPLOAD_CHUNK_BYTES

    def __init__(self, request=None):
        super().__init__(request)
        self.seen = 0
        self.limit = _policy_for(request).max_bytes if request is not None else None
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


class MemoryUploadHandler(MemoryFileUploadHandler):
    """Django's in-memory handler (small requests), reading 1 MB chunks like the others."""

    chunk_size = UPLOAD_CHUNK_BYTES


class StoragePartialFile(TemporaryUploadedFile):
    """An upload written into the storage directory as it arrived; `streamed_hasher` saw every byte.

    The temporary name is ours (never the uploaded one). It is deleted when closed, unless storage has
    renamed it to its key first (Django's FileSystemStorage moves a file that has a temporary path).
    """

    def __init__(self, name, content_type, size, charset, content_type_extra=None, *, directory: str):
        handle = tempfile.NamedTemporaryFile(prefix=PARTIAL_PREFIX, suffix=PARTIAL_SUFFIX, dir=directory)  # noqa: SIM115
        UploadedFile.__init__(self, handle, name, content_type, size, charset, content_type_extra)
        self.directory = directory
        self.streamed_hasher = StreamHasher()
        self.writer: _Writer | None = None

    def close(self):
        if self.writer is not None:
            self.writer.stop()  # nothing may write after the file is gone
        return super().close()


class _Writer:
    """Hashes and writes a file's chunks on a second thread while the request thread parses the next
    chunk: hashlib and file writes release the GIL for large buffers, so the two overlap on two cores.

    At most QUEUED chunks wait (memory stays bounded: 8 x 1 MB). The thread ends on `finish()`/`stop()`
    (file complete, file closed, upload interrupted) or when the handler that owns it is collected.
    """

    QUEUED = 8

    def __init__(self, file: StoragePartialFile, owner) -> None:
        self.file = file
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=self.QUEUED)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="upload-writer", daemon=True)
        self.thread.start()
        # A request that broke off mid-body is freed without any handler call: when its handler goes,
        # an unfinished writer stops and the partial file is closed (which deletes it).
        weakref.finalize(owner, self._abandon)

    def _run(self) -> None:
        while (chunk := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.file.write(self.file.streamed_hasher.update(chunk))
                except BaseException as exc:  # disk full, closed file: reported to the request thread
                    self.error = exc

    def _abandon(self) -> None:
        if self.thread.is_alive():
            self.stop()
            self.file.close()

    def put(self, chunk: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(chunk)

    def finish(self) -> None:
        """Wait until every chunk is written; raise what the thread ran into."""
        self.stop()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.queue.put(None)
            self.thread.join()


class StreamToStorageUploadHandler(FileUploadHandler):
    """Writes a file into the local storage directory while hashing it; inactive for other storages."""

    chunk_size = UPLOAD_CHUNK_BYTES

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.__dict__.pop("file", None)  # the previous file of this request (already handed over)
        directory = partial_directory()
        if directory is None:
            return  # the next handler (a temporary file) takes it
        self.file = StoragePartialFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra, directory=directory
        )
        self.file.writer = _Writer(self.file, self)
        raise StopFutureHandlers

    def receive_data_chunk(self, raw_data, start):
        if "file" not in self.__dict__:
            return raw_data
        self.file.writer.put(raw_data)
        return None

    def file_complete(self, file_size):
        if "file" not in self.__dict__:
            return None
        self.file.writer.finish()
        self.file.writer = None
        self.file.flush()
        self.file.seek(0)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self):
        if "file" in self.__dict__:
            self.file.close()  # stops the writer and deletes the partial file (it was never moved)


class TemporaryUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler (storages other than the local disk), reading 1 MB chunks."""

    chunk_size = UPLOAD_CHUNK_BYTES
