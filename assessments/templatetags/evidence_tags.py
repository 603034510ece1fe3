from __future__ import annotations

from django import template

from assessments.markup import render_markdown
from files.templatetags.files_tags import filesize, friendly_type

register = template.Library()

STATUS_BADGE = {
    "open": "",
    "submitted": "info",
    "under_review": "warn",
    "changes_requested": "danger",
    "accepted": "ok",
    "waived": "",
}
PRIORITY_BADGE = {"critical": "danger", "high": "warn", "medium": "info", "low": ""}


@register.filter
def markdown(text: str):
    """Render Markdown now. Request descriptions do not use this: they are rendered once when saved
    (`EvidenceRequest.description_rendered`); keep it for short text that is not stored rendered."""
    return render_markdown(text)


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGE.get(status, "")


@register.filter
def priority_badge(priority: str) -> str:
    return PRIORITY_BADGE.get(priority, "")


register.filter("filesize", filesize)
register.filter("friendly_type", friendly_type)


@register.filter
def percent(part: int, whole: int) -> int:
    return round(100 * (part or 0) / whole) if whole else 0
