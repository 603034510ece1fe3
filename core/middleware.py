"""Response headers every page gets, whichever front door served it."""

from __future__ import annotations

from django.conf import settings


class SecurityHeadersMiddleware:
    """`Permissions-Policy` on every response; `Cache-Control: no-store` on every signed-in page.

    A signed-in page (a staff user, or a portal contact, preview included) must not be kept by the
    browser's or a shared cache: after logout, Back or a shared computer would show it again. A view
    that chose its own caching (a public logo, a presigned redirect) keeps its choice.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        signed_in = (user is not None and user.is_authenticated) or getattr(request, "contact", None)
        if signed_in and "Cache-Control" not in response.headers:
            response["Cache-Control"] = "no-store"
        return response
