"""The outsider sweep's view of a response (tests/test_outsider_sweep.py): the Secretco markers in its
body, headers and ZIP members, and the same-site pages its redirects lead to."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.test import TestCase
from django.urls import resolve

from tests.sweep_registry import _FILE_MARKERS, GetRequest

SECRET = b"secretco"


def body_of(response: HttpResponse) -> bytes:
    if getattr(response, "_sweep_body", None) is None:
        response._sweep_body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        )
    return response._sweep_body


def markers_in(data: bytes, depth: int = 0) -> list[str]:
    """Where `data` shows a Secretco marker: in the bytes, or in a ZIP member (XLSX and DOCX are ZIPs)."""
    found = []
    low = data.lower()
    at = low.find(SECRET)
    if at >= 0:
        named = [label for marker, label in _FILE_MARKERS.items() if marker.lower().encode() in low]
        what = f"file marker of {', '.join(named)}" if named else "Secretco text"
        found.append(f"{what}: …{data[max(0, at - 40) : at + 60]!r}…")
    if depth < 2 and data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            return found
        for info in archive.infolist():
            inner = markers_in(info.filename.encode(), depth + 1) + markers_in(archive.read(info), depth + 1)
            found += [f"in ZIP member {info.filename}: {m}" for m in inner]
    return found


def leaks(response: HttpResponse) -> list[str]:
    found = [f"header {k}: {v}" for k, v in response.items() if SECRET in v.lower().encode()]
    return found + markers_in(body_of(response))


def redirect_target(response: HttpResponse) -> str | None:
    """The same-site URL a response sends the browser to (Location, or htmx's HX-Redirect), if any."""
    target = response.get("HX-Redirect") or (
        response.get("Location") if 300 <= response.status_code < 400 else None
    )
    if not target:
        return None
    parts = urlsplit(target)
    if parts.netloc and parts.netloc not in {"testserver", urlsplit(settings.SITE_URL).netloc}:
        return None  # e.g. a presigned S3 URL: its text is still checked, as a header
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_2xx(response: HttpResponse) -> bool:
    # An htmx redirect answers 204 with HX-Redirect: that is a redirect, not content.
    return 200 <= response.status_code < 300 and not response.has_header("HX-Redirect")


MAX_HOPS = 3


def fetch(
    http: HttpClient, method: str, url: str, *, data: dict | None = None, spec: GetRequest | None = None
) -> list[HttpResponse]:
    """The response and the same-site pages its redirects lead to, each checked for markers by the caller."""
    spec = spec or GetRequest()
    headers = {"HX-Request": "true"} if spec.htmx and method == "GET" else {}
    with TestCase.captureOnCommitCallbacks(execute=True):
        # Deferred work (mails, builds) runs too: a change it makes counts.
        if method == "GET":
            chain = [http.get(url, spec.query or {}, headers=headers)]
        else:
            chain = [http.post(url, data or {}, headers=headers)]
        while len(chain) <= MAX_HOPS and (target := redirect_target(chain[-1])):
            chain.append(http.get(target))
    return chain


def allowed_methods(http: HttpClient, url: str) -> set[str]:
    """The methods the view behind `url` takes: a class-based view's handlers, or a function view's
    method decorator, which answers OPTIONS with an Allow header (STYLE.md #9)."""
    view_class = getattr(resolve(url).func, "view_class", None)
    if view_class is not None:
        return {m.upper() for m in view_class.http_method_names if m != "options" and hasattr(view_class, m)}
    response = http.options(url)
    allow = response.get("Allow", "")
    assert allow, (
        f"OPTIONS {url} answered {response.status_code} without an Allow header: declare the view's "
        "methods with require_GET / require_POST / require_http_methods so the sweep knows them"
    )
    return {m.strip().upper() for m in allow.split(",")}
