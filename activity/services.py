from __future__ import annotations

from typing import Any

from django.db import models

from activity.models import Event


def record_event(
    *,
    workspace,
    verb: str,
    client=None,
    actor_user=None,
    actor_contact=None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Append one event. Call it inside the transaction of the change it describes."""
    return Event.objects.create(
        workspace=workspace,
        client=client,
        actor_user=actor_user if getattr(actor_user, "is_authenticated", False) else None,
        actor_contact=actor_contact,
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        data=data or {},
    )
