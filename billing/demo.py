"""The studio demo's invoices (filled in below)."""

from __future__ import annotations

from core.demo import DemoContext


def seed_step(ctx: DemoContext) -> None:
    return None
