"""Response middleware every page goes through, whichever front door served it: security headers, and the
product's own error pages in DEBUG too."""

from __future__ import annotations

from django.conf import settings
from django.template import loader


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


class ProductErrorPagesMiddleware:
    """The product's own 404 and 500 pages in DEBUG too (the `make run` demo), instead of Django's debug pages.

    With DEBUG=0 Django already renders templates/404.html and 500.html. In DEBUG, Django answers with its
    technical pages, which show settings, URL patterns and source to whoever is looking: fine for a developer,
    wrong for a demo handed to a client. The traceback of a 500 is still logged to the console.
    Set DEBUG_TECHNICAL_ERRORS=1 to get Django's pages back while developing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not settings.DEBUG or settings.DEBUG_TECHNICAL_ERRORS:
            return response
        if response.status_code not in (404, 500) or getattr(response, "streaming", False):
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if response.status_code == 404:
            body = loader.render_to_string("404.html", request=request)
        else:
            body = loader.render_to_string("500.html")
        response.content = body.encode()
        return response
