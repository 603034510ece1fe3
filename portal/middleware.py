from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from accounts.kept_pages import PORTAL_PATH
from accounts.middleware import PREVIEW_SESSION_KEY
from accounts.models import Contact, Membership, Workspace
from accounts.services import resolve_portal_session
from accounts.workspaces import workspace_for_slug
from portal.sections import is_hidden_for

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def portal_cookie_path(workspace: Workspace) -> str:
    # One cookie per workspace: a person who is a contact of two firms has two independent sessions.
    return f"/p/{workspace.slug}/"


class PortalAuthMiddleware:
    """Resolve the workspace from /p/<slug>/ and the contact from that workspace's session cookie.

    Staff auth plays no part here: a staff login is not a portal login.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.portal_workspace = None
        request.portal_session = None
        request.contact = None
        request.portal_preview = False
        match = PORTAL_PATH.match(request.path_info)
        if match:
            workspace = workspace_for_slug(match["slug"])
            if workspace is None:
                raise Http404("No such portal")
            request.portal_workspace = workspace
            raw = request.COOKIES.get(settings.PORTAL_SESSION_COOKIE)
            if raw:
                session = resolve_portal_session(workspace=workspace, raw_token=raw)
                if session is not None:
                    request.portal_session = session
                    request.contact = session.contact
            if request.contact is None:
                preview = self._preview_contact(request, workspace)
                if preview is not None:
                    preview.is_staff_preview = True  # read-only; shown even while the portal is off
                    request.contact = preview
                    request.portal_preview = True
                    if request.method not in SAFE_METHODS:
                        # One guard for every portal action: preview never changes anything.
                        return render(request, "portal/preview_refused.html", status=403)
        response = self.get_response(request)
        if (
            match
            and request.COOKIES.get(settings.PORTAL_SESSION_COOKIE)
            and request.portal_session is None
            and not getattr(request, "portal_cookie_set", False)
        ):
            # A dead cookie (expired, revoked, logged out): clear it so the browser stops sending it.
            response.delete_cookie(settings.PORTAL_SESSION_COOKIE, path=portal_cookie_path(workspace))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """The one place a hidden section's URLs answer 404 (the section registry says which they are)."""
        match = request.resolver_match
        if request.contact is not None and match is not None and match.namespace == "portal":
            if is_hidden_for(request.contact, match.url_name):
                raise Http404("This section is hidden for this client")
        return None

    @staticmethod
    def _preview_contact(request, workspace: Workspace) -> Contact | None:
        """Staff of this workspace previewing a contact's view (read-only), set from the back-office."""
        user = getattr(request, "user", None)
        contact_id = request.session.get(PREVIEW_SESSION_KEY) if hasattr(request, "session") else None
        if not contact_id or user is None or not user.is_authenticated:
            return None
        if not Membership.objects.filter(user=user, workspace=workspace).exists():
            return None
        return Contact.objects.for_workspace(workspace).select_related("client").filter(pk=contact_id).first()
