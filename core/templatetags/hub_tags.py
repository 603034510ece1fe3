"""`{% hub_tabs client %}`: the engagement hub's tabs from the registry (core/hub.py)."""

from __future__ import annotations

from django import template

from core.hub import tabs_for

register = template.Library()


@register.inclusion_tag("core/_hub_tabs.html")
def hub_tabs(client) -> dict:
    return {"tabs": tabs_for(client), "client": client}
