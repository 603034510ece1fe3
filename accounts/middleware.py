from __future__ import annotations

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
