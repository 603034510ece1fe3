"""Typed request classes: what the middleware of each front door puts on the request.

Use them in view signatures (`def view(request: StaffRequest, ...)`) so editors and type checkers know
`request.workspace` and `request.contact` exist; at run time they are plain `HttpRequest`s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails


class StaffRequest(HttpRequest):
    """A back-office request (`/app/…`): a signed-in staff user and their current workspace."""

    user: Any
    workspace: Any
    membership: Any
    htmx: HtmxDetails


class PortalRequest(HttpRequest):
    """A portal request (`/p/<slug>/…`): the workspace from the URL, the contact from its session cookie."""

    portal_workspace: Any
    portal_session: Any
    contact: Any
    portal_preview: bool
    htmx: HtmxDetails
