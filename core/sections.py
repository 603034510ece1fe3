"""The portal section registry: what each domain app shows a client, declared by the app itself.

An app registers its section in `AppConfig.ready()` (assessments/section.py). Everything that lists
sections reads this registry — the portal nav, the dashboard widgets, the client's feed, the staff
visibility toggles on the client page, and the 404 for a hidden section's URLs (portal/sections.py) — so a
new app needs no edit in `portal/` or `accounts/` and no migration.

It lives in `core` (not `portal`) so that domain apps can register without importing a front door;
`portal/sections.py` is where the portal reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ShareOption:
    value: str
    label: str
    checked: bool  # shared unless staff untick it


@dataclass(frozen=True)
class Section:
    key: str  # stored in Client.hidden_sections; never rename once shipped
    label: str  # nav entry and staff toggle
    list_url: (
        str  # portal URL name of its list page, reversed with the workspace slug: "portal:assessment-list"
    )
    # Portal URL names (without the "portal:" namespace) the section owns, as prefixes: they are "current"
    # in the nav and answer 404 while the section is hidden.
    url_prefixes: tuple[str, ...] = ()
    order: int = 100  # position in nav and dashboard (stable: ties break on key)
    description: str = ""  # help text beside the staff toggle
    # Dashboard widget: a template rendered with the dict the function returns for a contact
    # (an empty dict hides the widget).
    widget_template: str = ""
    widget_context: Callable[[Any], dict] | None = None
    # Narrow a client's feed further (e.g. events of assessments this contact was not invited to).
    feed_filter: Callable[[Any, Any], Any] | None = None
    # For sections shared per contact (assessments): what staff may share when inviting from the client
    # page — `share_options(client)` → [ShareOption] — how to grant the chosen ones —
    # `share(contact=, values=, actor=)` — and what each contact can see —
    # `shared_with(contacts)` → {contact_id: [label, …]}, shown in the client's contacts table.
    share_options: Callable[[Any], list[ShareOption]] | None = None
    share: Callable[..., None] | None = None
    shared_with: Callable[[list], dict[int, list[str]]] | None = None

    def owns(self, url_name: str | None) -> bool:
        return bool(url_name) and any(url_name.startswith(p) for p in self.url_prefixes)


_SECTIONS: dict[str, Section] = {}
# The registry in order, sorted once per change: every portal request reads it several times (the hidden
# section check, nav, dashboard, feed) and it changes only while apps get ready (and in tests).
_ORDERED: tuple[Section, ...] | None = None


def register_section(section: Section) -> Section:
    """Idempotent by key (apps may be readied more than once in tests)."""
    global _ORDERED
    _SECTIONS[section.key] = section
    _ORDERED = None
    return section


def unregister_section(key: str) -> None:
    global _ORDERED
    _SECTIONS.pop(key, None)
    _ORDERED = None


def sections() -> list[Section]:
    global _ORDERED
    if _ORDERED is None:
        _ORDERED = tuple(sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key)))
    return list(_ORDERED)


def get_section(key: str) -> Section | None:
    return _SECTIONS.get(key)
