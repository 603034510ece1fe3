"""Template filters for stored files: sizes and friendly type names."""

from __future__ import annotations

from django import template

from files.uploads import friendly_type as _friendly_type
from files.uploads import human_size

register = template.Library()


@register.filter
def filesize(n: int) -> str:
    return human_size(n or 0)


@register.filter
def friendly_type(content_type: str) -> str:
    """ "application/pdf" → "PDF"; unknown types get a generic name, never a raw MIME type."""
    return _friendly_type(content_type)
