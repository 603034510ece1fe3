"""Storage quota per workspace: the bytes of every stored file of every app, summed through the models
that extend `StoredFile` (each one's queryset has `for_workspace`)."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db.models import Sum

from core.errors import ServiceError
from files.models import StoredFile
from files.uploads import human_size


def stored_file_models() -> list[type[StoredFile]]:
    return [m for m in apps.get_models() if issubclass(m, StoredFile)]


def workspace_usage(workspace) -> int:
    total = 0
    for model in stored_file_models():
        total += model.objects.for_workspace(workspace).aggregate(n=Sum("size"))["n"] or 0
    return total


class QuotaExceeded(ServiceError):
    pass


def check_quota(workspace, incoming: int) -> None:
    """Refuse `incoming` more bytes past WORKSPACE_STORAGE_QUOTA_BYTES, with a message a client can act on."""
    quota = settings.WORKSPACE_STORAGE_QUOTA_BYTES
    used = workspace_usage(workspace)
    if used + incoming > quota:
        raise QuotaExceeded(
            f"This workspace's storage is full ({human_size(used)} of {human_size(quota)} used), so the file "
            f"was not saved. Ask {workspace.name} to free space or raise the limit."
        )
