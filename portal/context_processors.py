from __future__ import annotations

from portal.sections import nav_items


def portal_nav(request) -> dict:
    """The portal's nav entries: Dashboard, then each visible registered section."""
    if getattr(request, "contact", None) is None or getattr(request, "portal_workspace", None) is None:
        return {}
    return {"portal_nav": nav_items(request)}
