"""PDF rendering with WeasyPrint that never reaches outside: no network, no local files.

Templates carry user text (request titles, client names). WeasyPrint would follow any URL in that
HTML or its CSS, so every PDF goes through `render_pdf`, whose fetcher allows only `data:` URIs and
our own static files (looked up through Django's finders, not the filesystem path in the URL).
"""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_BASE = "portal-static:/"


class FetchRefused(ValueError):
    """WeasyPrint logs and skips the resource; the PDF renders without it."""


class RestrictedFetcher(URLFetcher):
    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers=None):
        if url.startswith(STATIC_BASE):
            path = url.removeprefix(STATIC_BASE).lstrip("/")
            if ".." in path.split("/"):
                raise FetchRefused(f"refused: {url}")
            found = finders.find(path.removeprefix(settings.STATIC_URL.lstrip("/")))
            if not found:
                raise FetchRefused(f"no such static file: {url}")
            with open(found, "rb") as fh:
                body = fh.read()
            content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})
        if url.startswith("data:"):
            return super().fetch(url, headers)
        raise FetchRefused(f"refused: {url}")


def render_pdf(html: str) -> bytes:
    """Relative URLs in `html` resolve against our static files only."""
    return HTML(string=html, base_url=STATIC_BASE, url_fetcher=RestrictedFetcher()).write_pdf()
