"""Generic service helpers (Django-Styleguide-Example's `model_update`)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def model_update(
    *, instance: M, fields: list[str] | tuple[str, ...], data: dict[str, Any]
) -> tuple[M, list[str]]:
    """Set the listed fields that are in `data` and differ; save only those. Returns (instance, changed)."""
    changed = [name for name in fields if name in data and getattr(instance, name) != data[name]]
    for name in changed:
        setattr(instance, name, data[name])
    if changed:
        instance.save(update_fields=changed)
    return instance, changed
