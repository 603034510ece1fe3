"""The demo seed, assembled from steps each app contributes (so `accounts` never imports a domain app).

An app registers a step in `AppConfig.ready()`: `register_seed_step(order, fn)`. `manage.py seed_demo`
(core/management/commands/seed_demo.py) runs them in order inside one transaction, passing one
`DemoContext`: earlier steps leave what later ones need (the demo workspace, its staff, its client) in
`ctx.objects`, and every step may add login lines, printed last so scripts can read them.
Each step must be idempotent: running seed_demo twice changes nothing and prints the same lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DemoContext:
    objects: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # help printed before the login lines
    logins: list[str] = field(default_factory=list)  # "staff: …", "contact: …", "portal: …"


SeedStep = Callable[[DemoContext], None]
_STEPS: dict[str, tuple[int, SeedStep]] = {}


def register_seed_step(order: int, step: SeedStep) -> None:
    """Idempotent by the step's qualified name."""
    _STEPS[f"{step.__module__}.{step.__qualname__}"] = (order, step)


def seed_steps() -> list[SeedStep]:
    return [step for _, step in sorted(_STEPS.values(), key=lambda item: item[0])]
