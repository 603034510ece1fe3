from __future__ import annotations


def workspace(request) -> dict:
    """Branding for whichever front door the request came through."""
    ws = getattr(request, "portal_workspace", None) or getattr(request, "workspace", None)
    return {"current_workspace": ws, "accent_color": ws.accent_color if ws else "#4f46e5"}
