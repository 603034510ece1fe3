"""Document numbers: assigned when an invoice is finalised (or a credit note issued), never on a draft.

Each workspace has gap-free series through django-sequences: `get_next_value` increments a row that stays
locked until the calling transaction ends, so two finalisations wait for each other, a rolled-back one
gives its number back, and no number is skipped or used twice. The unique constraint on
(workspace, number) backs it up. A prefix may contain "{year}" (the issue year): each rendered prefix is
its own series, so INV-2027-0001 follows INV-2026-0317.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from sequences import get_last_value, get_next_value

INVOICE = "invoice"
CREDIT_NOTE = "credit-note"


def render_prefix(prefix: str, issue_date: date) -> str:
    return prefix.replace("{year}", f"{issue_date.year:04d}")


def _series(kind: str, workspace_id: int, rendered_prefix: str) -> str:
    return f"billing.{kind}.{workspace_id}.{rendered_prefix}"[:100]


def format_number(rendered_prefix: str, value: int, digits: int) -> str:
    return f"{rendered_prefix}{value:0{digits}d}"


def next_number(*, kind: str, workspace_id: int, prefix: str, digits: int, issue_date: date) -> str:
    """Take the next number of a series. Must run inside the transaction that stores it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that saves the number")
    rendered = render_prefix(prefix, issue_date)
    value = get_next_value(_series(kind, workspace_id, rendered))
    return format_number(rendered, value, digits)


def preview_next_number(*, kind: str, workspace_id: int, prefix: str, digits: int, issue_date: date) -> str:
    """What the next number will look like (for settings pages; another finalisation may take it first)."""
    rendered = render_prefix(prefix, issue_date)
    last = get_last_value(_series(kind, workspace_id, rendered)) or 0
    return format_number(rendered, last + 1, digits)
