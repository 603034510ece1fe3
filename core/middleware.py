"""The product's own 404 and 500 pages in DEBUG too (the `make run` demo), instead of Django's debug pages.

With DEBUG=0 Django already renders templates/404.html and 500.html. In DEBUG, Django answers with its
technical pages, which show settings, URL patterns and source to whoever is looking: fine for a developer,
wrong for a demo handed to a client. The traceback of a 500 is still logged to the console.
Set DEBUG_TECHNICAL_ERRORS=1 to get Django's pages back while developing.
"""

from __future__ import annotations

from django.conf import settings
from django.template import loader


class ProductErrorPagesMiddleware:
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
