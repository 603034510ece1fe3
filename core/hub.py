"""The engagement-hub registry: what each domain app adds to a client's page in the back-office.

An app registers a tab in `AppConfig.ready()` (projects/hub.py): a label, the staff URL of its list
filtered to the client, and a count function. The client page (accounts) renders the tabs through the
`hub_tabs` template tag (core/templatetags/core_tags.py), so `accounts` never imports a domain app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HubTab:
    key: str
    label: str
    url: Callable[[Any], str]  # the client -> a staff URL (e.g. "/app/projects/?client=7")
    count: Callable[[Any], int] | None = None  # the client -> how many (shown as a badge)
    order: int = 100


@dataclass
class RenderedTab:
    key: str
    label: str
    url: str
    count: int | None


_TABS: dict[str, HubTab] = {}


def register_hub_tab(tab: HubTab) -> HubTab:
    """Idempotent by key (apps may be readied more than once in tests)."""
    _TABS[tab.key] = tab
    return tab


def hub_tabs() -> list[HubTab]:
    return sorted(_TABS.values(), key=lambda t: (t.order, t.key))


def tabs_for(client) -> list[RenderedTab]:
    return [
        RenderedTab(t.key, t.label, t.url(client), t.count(client) if t.count else None) for t in hub_tabs()
    ]
