"""Request descriptions: Markdown rendered by core.markup (cmark-gfm + nh3), capped at
EVIDENCE_DESCRIPTION_MAX_CHARS, rendered once when saved (EvidenceRequest.description_html)."""

from __future__ import annotations

from django.conf import settings
from django.utils.safestring import SafeString

from core import markup


def description_max_chars() -> int:
    return settings.EVIDENCE_DESCRIPTION_MAX_CHARS


def render_markdown(text: str) -> SafeString:
    return markup.render_markdown(text, max_chars=description_max_chars())
