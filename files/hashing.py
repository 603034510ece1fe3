"""The one streaming SHA-256 used by uploads (while storing), integrity re-checks and package building."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from django.core.files.storage import default_storage

CHUNK_BYTES = 1024 * 1024


class StreamHasher:
    """Feed it the bytes as they pass by; it keeps the digest and the byte count."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._digest = hashlib.sha256()
        self.size = 0

    def update(self, data: bytes) -> bytes:
        self._digest.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def iter_hashed(handle, hasher: StreamHasher, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Yield `handle`'s bytes in chunks, hashing each on the way (to copy and hash in one pass)."""
    while True:
        data = handle.read(chunk_bytes)
        if not data:
            return
        yield hasher.update(data)


def sha256_of(handle) -> tuple[str, int]:
    """(hex digest, size) of everything left in an open binary file."""
    hasher = StreamHasher()
    for _ in iter_hashed(handle, hasher):
        pass
    return hasher.hexdigest(), hasher.size


def sha256_of_stored(key: str) -> tuple[str, int]:
    """(hex digest, size) of a stored object, streamed: memory stays flat whatever the size."""
    with default_storage.open(key, "rb") as handle:
        return sha256_of(handle)
