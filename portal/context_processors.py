from __future__ import annotations

from portal.sections import nav_items


def portal_nav(request) -> dict:
    """The portal's nav entries: Dashboard, then each visible registered section."""
    if getattr(request, "contact", None) is None or getattr(request, "portal_workspace", None) is None:
        return {}
    # Built once per request: a page renders several templates with this request (each dashboard widget).
    items = getattr(request, "_portal_nav", None)
    if items is None:
        items = request._portal_nav = nav_items(request)
    return {"portal_nav": items}
