"""Portal pages kept whole, served before the middleware chain while nothing they show has changed.

A page whose view is decorated with `kept_whole` (the dashboard, a request list, the deliverables, a
proposal, the sign-in page) is, as first shown (a GET with no query string, not an htmx request), kept in
the shared cache per viewer: per portal session for a signed-in contact, per workspace for the sign-in
page. `KeptPagesMiddleware`, early in the chain, serves it again with one cache round trip, without
resolving the session, the workspace or the URL, while all of these hold:

- the generation tokens of core/fragments.py it was rendered under are still the current ones (global,
  the workspace's and, for a contact, their client's): any save or delete of the client's data, of the
  contact, of their sessions (`accounts.services._end_sessions` retires them: sign-out, revocation, the
  portal turned off) or of the workspace retires it, as does any POST the contact makes;
- the portal session has not expired, and its "last seen" is not due to be written again (at most a
  minute: past that the request takes the full path, which records it and keeps the page anew);
- the code (`code_version`), the day, the host and the path are the same (they are in the key).

Each response gets its own CSRF token (from the browser's CSRF cookie, renewed as Django's middleware
would) and CSP nonce (in the page and the header): the page is rendered with placeholders for both
(core.fragments), and one whose render asked for the real ones is never kept. A browser that also holds a
staff session, or has a message waiting (the messages cookie), always takes the full path; staff
previews are never kept. The first request a process sees for a viewer takes the full path and learns
which tokens the viewer's pages depend on: only a request that read those tokens before anything else
(so before the session and the data) stores what it rendered, so a write landing mid-request leaves
nothing stale.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone

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
from portal.middleware import PORTAL_PATH

log = logging.getLogger(__name__)

# Made per response (or by the outer middleware), never kept.
DROPPED_HEADERS = {"content-length", "content-security-policy", "content-security-policy-report-only"}
# viewer ("contact:<session hash>" or "anonymous:<slug>") -> the token keys their pages depend on, per
# process, learned from the full path. A session belongs to one contact for its life, a slug to one
# workspace until the workspace changes (which replaces its token): a stale memo only costs a full path.
_VIEWERS: dict[str, tuple[str, ...]] = {}
_VIEWERS_MAX = 10_000


def forget_viewers() -> None:
    _VIEWERS.clear()


def _viewer_and_key(request) -> tuple[str, str] | None:
    """(viewer, cache key) of a request a kept page may answer, or None when it must take the full path."""
    if (
        request.method != "GET"
        or request.META.get("QUERY_STRING")
        or "HTTP_HX_REQUEST" in request.META
        or settings.FRAGMENT_CACHE_SECONDS <= 0
    ):
        return None
    match = PORTAL_PATH.match(request.path_info)
    if match is None:
        return None
    cookies = request.COOKIES
    if CookieStorage.cookie_name in cookies or settings.SESSION_COOKIE_NAME in cookies:
        return None  # a message to show, or a staff session (previews, session-stored messages)
    raw = cookies.get(settings.PORTAL_SESSION_COOKIE)
    viewer = f"contact:{hash_token(raw)}" if raw else f"anonymous:{match['slug']}"
    parts = [
        code_version(),
        CSRF_PLACEHOLDER,
        NONCE_PLACEHOLDER,
        request.get_host(),  # validated against ALLOWED_HOSTS, as the full path would
        request.path,
        viewer,
        timezone.localdate().isoformat(),
    ]
    return viewer, "page:whole:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class KeptPagesMiddleware:
    """Answers a request for a kept page from the cache (see the module's docstring), else lets it through
    and keeps what a `kept_whole` view rendered for it."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Their request and response halves, for a kept page: the CSRF cookie read and renewed, the nonce.
        self.csrf = CsrfViewMiddleware(get_response)
        self.csp = CSPMiddleware(get_response)

    def __call__(self, request):
        probe = _viewer_and_key(request)
        if probe is None:
            return self.get_response(request)
        viewer, key = probe
        token_keys = _VIEWERS.get(viewer)
        tokens = None
        if token_keys is not None:
            try:
                found = cache.get_many([key, *token_keys])
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
                ):
                    return self._serve(request, entry)
        request._page_keeping = True
        response = self.get_response(request)
        kept = getattr(request, "_page_kept", None)
        if kept is not None:
            self._keep(request, response, viewer, key, token_keys, tokens, kept)
        return response

    def _serve(self, request, entry: dict) -> HttpResponse:
        self.csrf.process_request(request)
        self.csp.process_request(request)
        response = HttpResponse(fill_placeholders(request, entry["html"]), headers=dict(entry["headers"]))
        response["Content-Length"] = str(len(response.content))
        response = self.csp.process_response(request, response)
        return self.csrf.process_response(request, response)

    @staticmethod
    def _keep(request, response, viewer, key, token_keys, tokens, kept) -> None:
        rendered_keys, html, until = kept
        if len(_VIEWERS) >= _VIEWERS_MAX:
            _VIEWERS.clear()
        _VIEWERS[viewer] = rendered_keys
        seconds = min(settings.FRAGMENT_CACHE_SECONDS, int(until - time.time()))
        if (
            tokens is None  # the tokens were not read before the request: what it read may be older
            or rendered_keys != token_keys
            or seconds <= 0
            or set(response.cookies) - {settings.CSRF_COOKIE_NAME}  # a session or a message set
        ):
            return
        headers = [(k, v) for k, v in response.items() if k.lower() not in DROPPED_HEADERS]
        entry = {"token_keys": token_keys, "tokens": tokens, "until": until, "headers": headers, "html": html}
        try:
            cache.set(key, entry, seconds)
        except Exception:
            log.warning("kept pages: write failed", exc_info=True)


def kept_whole(view):
    """Let `KeptPagesMiddleware` keep this portal page as first shown (see the module's docstring). Goes
    outside `contact_required`: a page for a contact is kept only for a signed-in one, and the sign-in
    page only for nobody signed in."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not getattr(request, "_page_keeping", False) or request.portal_preview:
            return view(request, *args, **kwargs)
        workspace, session = request.portal_workspace, request.portal_session
        if session is not None:
            token_keys = viewer_token_keys(workspace.pk, request.contact.client_id)
            until = min(
                session.expires_at.timestamp(),
                session.last_seen_at.timestamp() + settings.PORTAL_LAST_SEEN_INTERVAL_SECONDS,
            )
        elif request.contact is None and settings.PORTAL_SESSION_COOKIE not in request.COOKIES:
            token_keys = anonymous_token_keys(workspace.pk)
            until = time.time() + settings.FRAGMENT_CACHE_SECONDS
        else:
            return view(request, *args, **kwargs)  # a dead session cookie (cleared by this response)
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
