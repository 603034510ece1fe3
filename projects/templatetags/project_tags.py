"""Badges for project, approval, contract and proposal statuses (one mapping each, shared by both front doors)."""

from __future__ import annotations

from django import template

register = template.Library()

BADGE = {
    # projects
    "planned": "",
    "active": "info",
    "on_hold": "warn",
    "completed": "ok",
    "cancelled": "",
    # approvals
    "not_required": "",
    "pending": "warn",
    "approved": "ok",
    "changes_requested": "danger",
    # contracts
    "draft": "",
    "sent": "info",
    "signed": "ok",
    "expired": "",
    "terminated": "danger",
    # proposals
    "viewed": "info",
    "accepted": "ok",
    "declined": "danger",
    "withdrawn": "",
}


@register.filter
def badge(status: str) -> str:
    return BADGE.get(status, "")
