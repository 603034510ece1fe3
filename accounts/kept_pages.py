"""Busy pages kept whole, served before the middleware chain while nothing they show has changed.

A view decorated with `kept_whole` (the portal's dashboard, request list, deliverables, proposal and
sign-in page; the staff assessment page and invoice list) is, as first shown (a GET with no query string,
not an htmx request), kept in the shared cache per viewer: per portal session for a signed-in contact, per
staff session for a staff member, per workspace for the sign-in page. `KeptPagesMiddleware`, early in the
chain, serves it again with one cache round trip, without resolving the session, the workspace or the
URL, while all of these hold:

- the generation tokens of core/fragments.py it was rendered under are still the current ones (global,
  the workspace's and, for a contact, their client's, for staff the workspace's staff token): any save or
  delete of what the page shows, of the contact, of a member, of the workspace, or of a portal session
  that ends (`accounts.services._end_sessions`: sign-out, revocation, the portal turned off) retires it,
  as does any POST the viewer makes;
- the session has not expired, and its "last seen" (a portal session's, or a staff session's idle
  timer) is not due to be written again (at most a minute: past that the request takes the full path,
  which records it, applies the idle time-out, and keeps the page anew);
- for staff, the session itself (read in the same round trip from the session cache) is the one the page
  was rendered for: signed out, switched workspace, a message waiting in it, anything changed in it, and
  the request takes the full path;
- the code (`code_version`), the day and the path are the same (they are in the key), and the request
  is for the site's own host (`SITE_URL`'s, spelled exactly so).

Each response gets its own CSRF token (from the browser's CSRF cookie, renewed as Django's middleware
would) and CSP nonce (in the page and the header): the page is rendered with placeholders for both
(core.fragments), and one whose render asked for the real ones is never kept. A request with a message
waiting in the messages cookie takes the full path; a portal page asked for by a browser that also holds
a staff session (a preview) is never kept. The first request a process sees for a viewer, or for a path,
takes the full path and learns which tokens the viewer's pages depend on and that the path is kept (other
paths then cost no Redis round trip): only a request that read those tokens before
anything else (so before the session and the data) stores what it rendered, so a write landing
mid-request leaves nothing stale.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import os
import re
import time
from importlib import import_module
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone

from accounts.middleware import StaffIdleTimeoutMiddleware
from accounts.tokens import hash_token
from core.fragments import (
    CSRF_PLACEHOLDER,
    NONCE_PLACEHOLDER,
    anonymous_token_keys,
    code_version,
    fill_placeholders,
    holds_real_values,
    read_tokens,
    rendering_for_cache,
    viewer_token_keys,
)

log = logging.getLogger(__name__)

PORTAL_PATH = re.compile(r"^/p/(?P<slug>[-a-zA-Z0-9_]+)/")
# Staff pages are kept only where the session can be read from the cache in the same round trip.
CACHED_SESSION_ENGINES = {
    "django.contrib.sessions.backends.cached_db",
    "django.contrib.sessions.backends.cache",
}
CSP_HEADERS = {"content-security-policy", "content-security-policy-report-only"}
# viewer ("contact:<session hash>", "staff:<session hash>" or "anonymous:<slug>") -> the token keys their
# pages depend on, per process, learned from the full path. A session belongs to one person for its life,
# a slug to one workspace until the workspace changes (which replaces its token): a stale memo only costs
# a full path.
_VIEWERS: dict[str, tuple[str, ...]] = {}
_VIEWERS_MAX = 10_000
# Paths a `kept_whole` view answered in this process: any other page (most staff pages) goes straight to
# the full path, without the Redis round trip. Learned like viewers; bounded like them.
_KEPT_PATHS: set[str] = set()


def forget_viewers() -> None:
    _VIEWERS.clear()
    _KEPT_PATHS.clear()


def _site_host() -> str:
    return _netloc(settings.SITE_URL)


@functools.lru_cache(maxsize=4)
def _netloc(url: str) -> str:
    return urlsplit(url).netloc


def _session_cache_key(raw: str) -> str | None:
    """Where the session cache holds a staff session (None: the session engine has no cache)."""
    if settings.SESSION_ENGINE not in CACHED_SESSION_ENGINES or settings.SESSION_CACHE_ALIAS != "default":
        return None
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=raw).cache_key


def _session_digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _probe(request) -> tuple[str, str, str | None] | None:
    """(viewer, cache key, the staff session's cache key or None) of a request a kept page may answer, or
    None when it must take the full path."""
    if (
        request.method != "GET"
        or request.META.get("QUERY_STRING")
        or "HTTP_HX_REQUEST" in request.META
        or settings.FRAGMENT_CACHE_SECONDS <= 0
    ):
        return None
    if request.get_host() != _site_host():
        # Validated against ALLOWED_HOSTS as the full path would; any other spelling of the host (a port,
        # a capital, a trailing dot) takes the full path, so it cannot be used to fill the cache.
        return None
    cookies = request.COOKIES
    if CookieStorage.cookie_name in cookies:
        return None  # a message to show
    staff_raw = cookies.get(settings.SESSION_COOKIE_NAME)
    session_key = None
    match = PORTAL_PATH.match(request.path_info)
    if match is not None:
        if staff_raw:
            return None  # a staff session in the browser: a preview, session-stored messages
        raw = cookies.get(settings.PORTAL_SESSION_COOKIE)
        viewer = f"contact:{hash_token(raw)}" if raw else f"anonymous:{match['slug']}"
    else:
        if not staff_raw:
            return None
        session_key = _session_cache_key(staff_raw)
        if session_key is None:
            return None
        viewer = f"staff:{hash_token(staff_raw)}"
    parts = [
        code_version(),
        CSRF_PLACEHOLDER,
        NONCE_PLACEHOLDER,
        request.path,
        viewer,
        timezone.localdate().isoformat(),
    ]
    return viewer, "page:whole:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest(), session_key


class KeptPagesMiddleware:
    """Answers a request for a kept page from the cache (see the module's docstring), else lets it through
    and keeps what a `kept_whole` view rendered for it."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Its request and response halves, for a kept page: the CSRF cookie read, and renewed.
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        probe = _probe(request)
        if probe is None:
            return self.get_response(request)
        viewer, key, session_key = probe
        token_keys = _VIEWERS.get(viewer)
        tokens = None
        if token_keys is not None and request.path in _KEPT_PATHS:
            extra = [session_key] if session_key else []
            try:
                found = cache.get_many([key, *extra, *token_keys])
                tokens = read_tokens(list(token_keys), found)
            except Exception:
                log.warning("kept pages: read failed, rendering", exc_info=True)
            else:
                entry = found.get(key)
                if (
                    isinstance(entry, dict)
                    and entry.get("token_keys") == token_keys
                    and entry.get("tokens") == tokens
                    and time.time() < entry.get("until", 0)
                    and (
                        session_key is None
                        or (
                            isinstance(found.get(session_key), dict)
                            and _session_digest(found[session_key]) == entry.get("session")
                        )
                    )
                ):
                    return self._serve(request, entry)
        request._page_keeping = True
        response = self.get_response(request)
        kept = getattr(request, "_page_kept", None)
        if kept is not None:
            self._keep(
                request, response, viewer, key, token_keys, tokens, kept, staff=session_key is not None
            )
        return response

    def _serve(self, request, entry: dict) -> HttpResponse:
        self.csrf.process_request(request)
        # A nonce made as django-csp makes them, in the page and in the CSP header kept with it.
        nonce = base64.b64encode(os.urandom(16)).decode("ascii")
        request.csp_nonce = request._csp_nonce = nonce
        headers = {
            name: value.replace(NONCE_PLACEHOLDER, nonce) if name.lower() in CSP_HEADERS else value
            for name, value in entry["headers"]
        }
        response = HttpResponse(fill_placeholders(request, entry["html"]), headers=headers)
        response["Content-Length"] = str(len(response.content))
        return self.csrf.process_response(request, response)

    @staticmethod
    def _keep(request, response, viewer, key, token_keys, tokens, kept, *, staff: bool) -> None:
        rendered_keys, html, until = kept
        if len(_VIEWERS) >= _VIEWERS_MAX:
            _VIEWERS.clear()
        _VIEWERS[viewer] = rendered_keys
        if request.path not in _KEPT_PATHS:
            if len(_KEPT_PATHS) >= _VIEWERS_MAX:
                _KEPT_PATHS.clear()
            _KEPT_PATHS.add(request.path)
        seconds = min(settings.FRAGMENT_CACHE_SECONDS, int(until - time.time()))
        if (
            tokens is None  # the tokens were not read before the request: what it read may be older
            or rendered_keys != token_keys
            or seconds <= 0
            or set(response.cookies) - {settings.CSRF_COOKIE_NAME}  # a session or a message set
        ):
            return
        # The CSP header names this response's nonce: kept with the placeholder, as the page is.
        nonce = getattr(request, "_csp_nonce", None)
        headers = [
            (
                name,
                value.replace(nonce, NONCE_PLACEHOLDER) if nonce and name.lower() in CSP_HEADERS else value,
            )
            for name, value in response.items()
            if name.lower() != "content-length"
        ]
        if not viewer.startswith("anonymous:") and "Cache-Control" not in response.headers:
            # What SecurityHeadersMiddleware (outside this one) adds to a signed-in page on the way out;
            # on the kept path it cannot tell that somebody is signed in.
            headers.append(("Cache-Control", "no-store"))
        entry = {"token_keys": token_keys, "tokens": tokens, "until": until, "headers": headers, "html": html}
        if staff:
            # As saved by the session middleware on the way out: the next request must find it unchanged.
            entry["session"] = _session_digest(dict(request.session.items()))
        try:
            cache.set(key, entry, seconds)
        except Exception:
            log.warning("kept pages: write failed", exc_info=True)


def _keeping(request) -> tuple[list[str], float] | None:
    """(token keys, until when) a page rendered for this request may be kept under, or None."""
    if not getattr(request, "_page_keeping", False) or getattr(request, "portal_preview", False):
        return None
    now = time.time()
    if getattr(request, "portal_workspace", None) is not None:
        workspace, session = request.portal_workspace, request.portal_session
        if session is not None:
            return viewer_token_keys(workspace.pk, request.contact.client_id), min(
                session.expires_at.timestamp(),
                session.last_seen_at.timestamp() + settings.PORTAL_LAST_SEEN_INTERVAL_SECONDS,
            )
        if request.contact is None and settings.PORTAL_SESSION_COOKIE not in request.COOKIES:
            return anonymous_token_keys(workspace.pk), now + settings.FRAGMENT_CACHE_SECONDS
        return None  # a dead session cookie (this response clears it)
    workspace, user = getattr(request, "workspace", None), getattr(request, "user", None)
    if workspace is None or user is None or not user.is_authenticated:
        return None
    last_seen = request.session.get(StaffIdleTimeoutMiddleware.SESSION_KEY)
    if not isinstance(last_seen, int | float):
        return None
    return viewer_token_keys(workspace.pk, None), min(
        request.session.get_expiry_date().timestamp(),
        last_seen + StaffIdleTimeoutMiddleware.WRITE_INTERVAL_SECONDS,
    )


def kept_whole(view):
    """Let `KeptPagesMiddleware` keep this page as first shown (see the module's docstring). Goes outside
    `contact_required` / `staff_required`: a page is kept only for a signed-in contact or staff member, and
    the portal's sign-in page only for nobody signed in."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        keeping = _keeping(request)
        if keeping is None:
            return view(request, *args, **kwargs)
        token_keys, until = keeping
        with rendering_for_cache(request, whole_page=True) as watch:
            response = view(request, *args, **kwargs)
        if response.streaming:
            return response
        html = response.content.decode(response.charset)
        if response.status_code == 200 and not watch["asked"] and not holds_real_values(html):
            request._page_kept = (tuple(token_keys), html, until)
        response.content = fill_placeholders(request, html)
        return response

    return wrapper
