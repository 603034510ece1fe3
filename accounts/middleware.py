from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

from accounts.models import Membership

# Where a staff member's "preview the portal as this contact" choice is kept (read by the portal's
# middleware, which then serves that contact's portal read-only).
PREVIEW_SESSION_KEY = "portal_preview_contact_id"


class StaffWorkspaceMiddleware:
    """Attach the signed-in staff member's current workspace and membership to the request."""

    SESSION_KEY = "workspace_id"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace = None
        request.membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = Membership.objects.filter(user=user).select_related("workspace")
            wanted = request.session.get(self.SESSION_KEY)
            membership = None
            if wanted:
                membership = memberships.filter(workspace_id=wanted).first()
            if membership is None:
                membership = memberships.first()
            if membership is not None:
                request.membership = membership
                request.workspace = membership.workspace
        return self.get_response(request)


class StaffIdleTimeoutMiddleware:
    """Sign a staff member out after `STAFF_IDLE_TIMEOUT_MINUTES` without a request.

    The session stores when it was last used (rewritten at most once a minute, not on every request);
    the next request after a longer pause finds it stale and ends the session before any view runs.
    """

    SESSION_KEY = "staff_last_seen"
    WRITE_INTERVAL_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        timeout = settings.STAFF_IDLE_TIMEOUT_MINUTES * 60
        if timeout > 0 and user is not None and user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(self.SESSION_KEY)
            if isinstance(last_seen, int | float) and now - last_seen > timeout:
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity. Sign in again.")
            elif not isinstance(last_seen, int | float) or now - last_seen >= self.WRITE_INTERVAL_SECONDS:
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)
