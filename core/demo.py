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


def demo_pdf(title: str) -> bytes:
    """A small valid one-page PDF showing `title`, for demo files of any app."""
    text = title.replace("(", "").replace(")", "").replace("\\", "")
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
        b"4 0 obj<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream endobj\n"
        b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
