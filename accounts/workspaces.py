"""The workspace behind a portal URL, cached for a few seconds.

Every portal request resolves `/p/<slug>/` to its workspace (name, branding, plan): a row that changes
rarely, read on every page. Each process keeps it for `WORKSPACE_CACHE_SECONDS` (0 turns this off); a
save or delete in this process forgets it at once, other processes see the change within those seconds.
Callers get their own copy, so nothing a request does to it leaks into another request.
"""

from __future__ import annotations

import copy
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from accounts.models import Workspace

_BY_SLUG: dict[str, tuple[float, Workspace]] = {}


def workspace_for_slug(slug: str) -> Workspace | None:
    ttl = settings.WORKSPACE_CACHE_SECONDS
    if ttl <= 0:
        return Workspace.objects.filter(slug=slug).first()
    now = time.monotonic()
    hit = _BY_SLUG.get(slug)
    if hit is not None and hit[0] > now:
        return copy.copy(hit[1])
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        return None  # misses are not kept: a workspace created a moment later is found at once
    _BY_SLUG[slug] = (now + ttl, workspace)
    return copy.copy(workspace)


def forget_workspaces(**kwargs) -> None:
    """A workspace was saved or deleted (its slug may have changed): drop every cached one."""
    _BY_SLUG.clear()


post_save.connect(forget_workspaces, sender=Workspace, dispatch_uid="accounts.workspaces.saved")
post_delete.connect(forget_workspaces, sender=Workspace, dispatch_uid="accounts.workspaces.deleted")
