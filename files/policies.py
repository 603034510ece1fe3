"""Upload policies: what each use of a file upload accepts (sniffed types, size), read from settings.

An app declares its policy next to its model (`EVIDENCE = UploadPolicy(...)` in assessments/files.py)
and marks the views that receive that kind of upload with `@accepts_uploads(POLICY)`: the upload handler
(files/upload_handlers.py) then skips an oversized file *while Django parses the request*, at that policy's
limit and not another's. A view that declares no policy gets `DEFAULT`, a small limit.

Settings are read on every access (not at import), so `override_settings` and env changes apply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class UploadPolicy:
    key: str
    label: str  # what the thing is called in messages: "evidence file", "logo"
    max_bytes_setting: str
    types_setting: str
    max_files_setting: str = ""  # per owning object (e.g. files on one request); "" = no count limit

    @property
    def max_bytes(self) -> int:
        return int(getattr(settings, self.max_bytes_setting))

    @property
    def allowed_types(self) -> frozenset[str]:
        return frozenset(getattr(settings, self.types_setting))

    @property
    def max_files(self) -> int | None:
        return int(getattr(settings, self.max_files_setting)) if self.max_files_setting else None

    @property
    def accept_attribute(self) -> str:
        """The `accept=` of a file input: a hint for the picker; the server sniffs regardless."""
        return ",".join(sorted(self.allowed_types))


DEFAULT = UploadPolicy(
    key="default",
    label="file",
    max_bytes_setting="FILE_UPLOAD_DEFAULT_MAX_BYTES",
    types_setting="FILE_UPLOAD_DEFAULT_TYPES",
)

_REGISTRY: dict[str, UploadPolicy] = {DEFAULT.key: DEFAULT}


def register(policy: UploadPolicy) -> UploadPolicy:
    """Name a policy so tests and the README can list them; returns it for module-level declaration."""
    _REGISTRY[policy.key] = policy
    return policy


def registered() -> dict[str, UploadPolicy]:
    return dict(_REGISTRY)


def accepts_uploads(policy: UploadPolicy) -> Callable:
    """Mark a view as receiving uploads of `policy`. `functools.wraps` copies the attribute outward, so
    any decorator order works; the handler reads it from `request.resolver_match.func`."""

    def decorate(view):
        view.upload_policy = policy
        return view

    return decorate


def policy_for_request(request) -> UploadPolicy:
    match = getattr(request, "resolver_match", None)
    func = getattr(match, "func", None)
    return getattr(func, "upload_policy", None) or DEFAULT
