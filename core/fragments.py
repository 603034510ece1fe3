"""Rendered HTML fragments kept per viewer until anything they show changes.

The costly part of a busy page (the dashboard's widgets and feed, the rows of a long list) is rendered
once and kept in the shared cache (Redis in production) under a key made of:

- the viewer: a contact (their client, the sections it hides) or a staff member (role, workspace): nobody
  is ever served a fragment rendered for somebody else;
- what the fragment shows (a name and its validated parameters, e.g. an assessment id, filter and sort);
- today's date in the active time zone (overdue flags and "due in 3 days" change at midnight);
- a digest of the code (`code_version`): a deploy never serves HTML made by the previous release.

Each entry also holds the generation tokens it was rendered under, and is served only while they are
still the current ones (read in the same Redis round trip as the entry): a global token, the
workspace's, and the contact's client's (for a contact) or the workspace's "staff" token (for staff,
whose lists span every client).

Every save or delete of a model instance (post_save / post_delete / m2m_changed) replaces tokens at once
and again when it commits: a row of a client (its own `client` column, or through the parent its model
declares as `tenant_via`) replaces that client's token and the workspace's staff token, so one client's
activity leaves the other clients' portals cached; a row of the workspace with no client (settings, a
member) replaces the workspace's token; a row whose workspace cannot be found, the global one. Every
unsafe request (POST, …) of a signed-in viewer does the same for what it may have changed (covering bulk
writes that send no signal). Audited changes made with `QuerySet.update()` are covered by their activity
event's save. `FRAGMENT_CACHE_SECONDS` (default 60) bounds what could still slip through (a write with
neither a signal nor a request); 0 turns this off.

The tokens are read *before* the data: a request that renders from data older than a write stores its
HTML with the old tokens, which no later request accepts. Fragments hold no per-request secret: a form
inside one is rendered with a placeholder for the CSRF token (`csrf_placeholder`, the last context
processor), which each response replaces with its own token; a render that asks for the real token or
for the CSP nonce is not kept. Staff previewing a contact's portal are never served nor do they store
cached fragments. A cache that refuses connections only costs speed (pages render afresh); one that
drops a single write can leave a fragment stale until it expires (`FRAGMENT_CACHE_SECONDS`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

log = logging.getLogger(__name__)

GLOBAL = "global"
# Writes that never change what a fragment shows: sign-in bookkeeping, counters, the mail outbox.
IGNORED_MODELS = {
    "sessions.Session",
    "accounts.MagicLink",
    "sequences.Sequence",
    "activity.EventChain",
    "activity.OutboxMessage",
    "activity.DigestLog",
    "otp_totp.TOTPDevice",
    "admin.LogEntry",
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# What the code version digests (core.fragments.code_version).
CODE_FOLDERS = (
    "config",
    "core",
    "accounts",
    "activity",
    "files",
    "assessments",
    "projects",
    "proposals",
    "billing",
    "portal",
    "templates",
)
# Forms inside a fragment: rendered with this stand-in for the CSRF token (`csrf_placeholder`, the last
# context processor), which each response replaces with its own token. Derived from SECRET_KEY, so nobody
# can type it into content that a fragment shows.
CSRF_PLACEHOLDER = "csrf-" + salted_hmac("core.fragments", "csrf placeholder").hexdigest()[:32]
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')
NONCE_ATTR = re.compile(r""" nonce=["']?([^"'\s>]*)""")
# The CSP nonce of a page kept whole (accounts/kept_pages.py), filled in per response.
NONCE_PLACEHOLDER = "nonce-" + salted_hmac("core.fragments", "nonce placeholder").hexdigest()[:32]


def _generation_key(scope: object) -> str:
    return f"frag:gen:{scope}"


def viewer_token_keys(workspace_id: int, client_id: int | None) -> list[str]:
    """A contact's fragments depend on their workspace and their client; a staff member's on the whole
    workspace (their lists span every client), whose client writes all touch the "staff" token."""
    last = f"client:{client_id}" if client_id is not None else f"staff:{workspace_id}"
    return [_generation_key(GLOBAL), _generation_key(f"ws:{workspace_id}"), _generation_key(last)]


def anonymous_token_keys(workspace_id: int) -> list[str]:
    """What a page for nobody signed in (a portal's sign-in page) depends on: the workspace, and the
    global token."""
    return [_generation_key(GLOBAL), _generation_key(f"ws:{workspace_id}")]


def generations(workspace_id: int, client_id: int | None = None) -> tuple[str, ...]:
    """The tokens a viewer's fragments are keyed on now (a contact's with `client_id`, staff's without);
    a missing one is created, never read as a default."""
    return read_tokens(viewer_token_keys(workspace_id, client_id))


def bump(workspace_id: int | None, client_id: int | None = None) -> None:
    """Retire, now, the fragments a write can change: one client's (theirs and the workspace's staff
    lists) when it belongs to a client, else the whole workspace's, else (unknown) every workspace's."""
    if workspace_id is None:
        keys = [_generation_key(GLOBAL)]
    elif client_id is None:
        keys = [_generation_key(f"ws:{workspace_id}")]
    else:
        keys = [_generation_key(f"client:{client_id}"), _generation_key(f"staff:{workspace_id}")]
    try:
        cache.set_many({key: secrets.token_hex(8) for key in keys}, None)
    except Exception:  # a cache that is down holds nothing to retire
        log.warning("fragment cache: could not bump %s/%s", workspace_id, client_id, exc_info=True)


def bump_now_and_on_commit(workspace_id: int | None, client_id: int | None = None) -> None:
    """A write in progress: retire now (so no reader keeps serving what was there before) and again once
    it commits (a reader between the two rendered the old data under the token set now)."""
    bump(workspace_id, client_id)
    transaction.on_commit(lambda: bump(workspace_id, client_id))


def _viewer(request) -> tuple[str, int, int | None] | None:
    """(who, workspace id, client id for a contact) of a request whose fragments may be cached, or None."""
    contact = getattr(request, "contact", None)
    if contact is not None:
        if getattr(request, "portal_preview", False):
            return None
        # The client (which sections it hides) was loaded by the middleware before the tokens are read:
        # like a staff member's role, it is in the key, so a render from a client older than the token
        # (a section hidden meanwhile) is never what the next request reads.
        client = contact.client
        return (
            f"contact:{contact.pk}:{client.pk}:{contact.workspace_id}:{client.hidden_sections}",
            contact.workspace_id,
            client.pk,
        )
    workspace, user = getattr(request, "workspace", None), getattr(request, "user", None)
    if workspace is not None and user is not None and user.is_authenticated:
        return f"staff:{user.pk}:{request.membership.role}:{workspace.pk}", workspace.pk, None
    return None


@functools.cache
def code_version() -> str:
    """A digest of the project's Python and templates, the same in every process of one release: after a
    deploy, no fragment rendered by the previous code is served."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    for folder in CODE_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in {".py", ".html", ".txt"} and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def csrf_placeholder(request) -> dict:
    """Context processor (the last one): inside a fragment being rendered for the cache, `csrf_token` (and
    so `{% csrf_token %}`) is the placeholder that each response fills in."""
    return {"csrf_token": CSRF_PLACEHOLDER} if getattr(request, "_fragment_rendering", False) else {}


@contextlib.contextmanager
def rendering_for_cache(request, *, whole_page: bool = False):
    """While a render meant for the cache runs: `csrf_token` is the placeholder (and, for a whole page,
    `request.csp_nonce` too). Yields a dict whose "asked" says afterwards whether the render asked for the
    real CSRF token (Django marks the request when it does) or made the real nonce."""
    meta = request.META
    nested = getattr(request, "_fragment_rendering", False)
    csrf_before = meta.get("CSRF_COOKIE_NEEDS_UPDATE", False)
    nonce, nonce_before = getattr(request, "csp_nonce", None), getattr(request, "_csp_nonce", None)
    meta["CSRF_COOKIE_NEEDS_UPDATE"] = False
    request._fragment_rendering = True
    if whole_page:
        request.csp_nonce = NONCE_PLACEHOLDER
    watch = {"asked": False}
    try:
        yield watch
    finally:
        request._fragment_rendering = nested
        if whole_page:
            request.csp_nonce = nonce
        asked_csrf = bool(meta.get("CSRF_COOKIE_NEEDS_UPDATE"))
        meta["CSRF_COOKIE_NEEDS_UPDATE"] = csrf_before or asked_csrf
        made_nonce = nonce_before is None and getattr(request, "_csp_nonce", None) is not None
        watch["asked"] = asked_csrf or made_nonce


def holds_real_values(html: str) -> bool:
    """A CSRF token or a nonce other than the placeholders: it belongs to one response only."""
    return any(v != CSRF_PLACEHOLDER for v in CSRF_FIELD.findall(html)) or any(
        v != NONCE_PLACEHOLDER for v in NONCE_ATTR.findall(html)
    )


def _keep(key: str, tokens: tuple[str, ...], html: str) -> None:
    try:
        cache.set(key, (tokens, html), settings.FRAGMENT_CACHE_SECONDS)
    except Exception:
        log.warning("fragment cache: write failed", exc_info=True)


def fill_placeholders(request, html: str, *, nested: bool = False) -> str:
    """The HTML for this response: the CSRF placeholders become this request's token and the nonce
    placeholders its nonce (which CSP then sends); left as they are inside another fragment being
    rendered, which is filled when it is served."""
    if not nested and CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    if not nested and NONCE_PLACEHOLDER in html:
        html = html.replace(NONCE_PLACEHOLDER, str(request.csp_nonce))
    return html


def cached_html(request, name: str, parts: Iterable[object], render: Callable[[], str]) -> SafeString:
    """`render()`'s HTML for this viewer and these parts, from the cache when nothing has changed since.
    `render()` reads what it shows itself: an object the view loaded before this call may predate the
    tokens read here, and would be kept under them."""
    seconds = settings.FRAGMENT_CACHE_SECONDS
    viewer = _viewer(request) if seconds > 0 else None
    if viewer is None:
        return mark_safe(render())  # noqa: S308 - render() returns a rendered template
    who, workspace_id, client_id = viewer
    try:
        day = timezone.localdate().isoformat()
        # The placeholder too: HTML kept by a process with another SECRET_KEY (a rotation, a rolling
        # deploy) holds a placeholder this one would not fill in, and would serve as it is.
        raw = "\x1f".join([code_version(), CSRF_PLACEHOLDER, name, who, *map(str, parts), day])
        key = "frag:html:" + hashlib.sha256(raw.encode()).hexdigest()
        html, tokens = _lookup(key, viewer_token_keys(workspace_id, client_id))
    except Exception:
        log.warning("fragment cache: read failed, rendering", exc_info=True)
        return mark_safe(render())  # noqa: S308 - as above
    nested = getattr(request, "_fragment_rendering", False)
    if html is None:
        with rendering_for_cache(request) as watch:
            html = str(render())
        if watch["asked"] or holds_real_values(html):
            # A real CSRF token or a script's nonce belongs to this response only: never kept.
            log.warning("fragment cache: %s holds a per-request value, not cached", name)
        else:
            _keep(key, tokens, html)
    return mark_safe(fill_placeholders(request, html, nested=nested))  # noqa: S308 - our own autoescaped templates


def read_tokens(keys: list[str], found: dict | None = None) -> tuple[str, ...]:
    """The generation tokens under `keys` now (from `found` when already read); a missing one is created,
    never read as a default."""
    found = cache.get_many(keys) if found is None else found
    for key in keys:
        if key not in found:
            cache.add(key, secrets.token_hex(8), None)
            found[key] = cache.get(key)
    return tuple(found[key] for key in keys)


def _lookup(key: str, token_keys: list[str]) -> tuple[str | None, tuple[str, ...]]:
    """(the HTML kept under `key` if it was kept under the tokens of now, else None; those tokens), in one
    Redis round trip. Entries hold the tokens they were rendered under: one entry per viewer and
    parameters, replaced when it no longer matches."""
    found = cache.get_many([key, *token_keys])
    tokens = read_tokens(token_keys, found)
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and tuple(entry[0]) == tokens:
        return entry[1], tokens
    return None, tokens


# --- what retires fragments --------------------------------------------------------------------------


# (parent model, pk) -> (workspace id, client id), per process: a row never moves to another tenant.
_TENANT_OF: dict[tuple[str, object], tuple[int, int | None]] = {}
_TENANT_OF_MAX = 10_000


def tenant_of(sender, instance) -> tuple[int | None, int | None]:
    """(workspace id, client id) a saved or deleted row belongs to. From its own `workspace` and `client`
    columns, or for a model without them (a request's file, an invoice's line) through the parent it
    declares as `tenant_via = (fk, prefix)`, e.g. `("request", "assessment__")` reads the request's
    assessment's workspace and client. A client id of None: the row is the workspace's (its settings,
    a member, an event about no client). A workspace id of None: unknown (a parent deleted in the same
    cascade), and the caller retires every workspace's fragments."""
    label = sender._meta.label
    if label == "accounts.Workspace":
        return instance.pk, None
    if label == "accounts.Client":
        return instance.workspace_id, instance.pk
    workspace_id = getattr(instance, "workspace_id", None)
    if workspace_id is not None:
        return workspace_id, getattr(instance, "client_id", None)
    via = getattr(sender, "tenant_via", None)
    if via is None:
        return None, None
    field_name, prefix = via
    field = sender._meta.get_field(field_name)
    parent_id = getattr(instance, field.attname, None)
    if parent_id is None:
        return None, None
    memo = (field.related_model._meta.label, parent_id)
    # One lookup, not `in` then `[]`: another thread may clear the memo between the two.
    known = _TENANT_OF.get(memo)
    if known is not None:
        return known
    found = (
        field.related_model._base_manager.filter(pk=parent_id)
        .values_list(f"{prefix}workspace_id", f"{prefix}client_id")
        .first()
    )
    if found is None:
        return None, None
    if len(_TENANT_OF) >= _TENANT_OF_MAX:
        _TENANT_OF.clear()
    _TENANT_OF[memo] = found
    return found


def _changed(sender, instance, update_fields=None, **kwargs) -> None:
    label = sender._meta.label
    if label in IGNORED_MODELS:
        return
    if label == "accounts.PortalSession" and instance.ended_at is None and kwargs.get("signal") is post_save:
        return  # a sign-in, or its bookkeeping; a session ended or deleted retires the pages kept for it
    if label == "accounts.User" and (
        kwargs.get("created") or (update_fields is not None and set(update_fields) <= {"last_login"})
    ):
        # A sign-in: nothing any fragment shows. A new account (an anonymous sign-up) is on no page until
        # its membership, which retires its own workspace: it must not retire every workspace's.
        return
    bump_now_and_on_commit(*tenant_of(sender, instance))


def _m2m_changed(sender, instance, action, **kwargs) -> None:
    if action.startswith("post_"):
        _changed(type(instance), instance)


def connect_signals() -> None:
    post_save.connect(_changed, dispatch_uid="core.fragments.saved")
    post_delete.connect(_changed, dispatch_uid="core.fragments.deleted")
    m2m_changed.connect(_m2m_changed, dispatch_uid="core.fragments.m2m")


def _written_scope(request) -> tuple[int, int | None] | None:
    """(workspace, client) a signed-in viewer's request acted on: the portal's workspace and the contact's
    client (whatever staff session the same browser holds); else the staff member's current workspace, any
    of whose clients they may have changed; None for nobody signed in."""
    if getattr(request, "portal_workspace", None) is not None:
        contact = getattr(request, "contact", None)
        return (request.portal_workspace.pk, contact.client_id) if contact is not None else None
    workspace = getattr(request, "workspace", None)
    return (workspace.pk, None) if workspace is not None else None


class RetireFragmentsMiddleware:
    """An unsafe request of a signed-in viewer retires what it may have changed once it has answered (bulk
    writes such as an imported request list send no per-row signal): a contact's, their client's
    fragments; a staff member's, their workspace's. Anonymous ones (a sign-in, a webhook, a junk POST)
    retire nothing here: what they write sends signals, and anybody could otherwise empty every
    workspace's cache with one POST a second."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            scope = _written_scope(request)
            if scope is not None:
                bump(*scope)
        return response


def cached_list(request, name: str, params: dict[str, str], render: Callable[[], str]) -> SafeString:
    """`cached_html` for a list as first shown. Cached only when the query string is exactly the validated
    `params` (absent or as validated): a "Show more" window, `rows=`, a junk or repeated parameter renders
    afresh, so a viewer's cache holds at most one entry per filter and sort the page offers."""
    for key in request.GET:
        if request.GET.getlist(key) != [params.get(key)]:
            return mark_safe(render())  # noqa: S308 - render() returns a rendered template
    return cached_html(request, name, sorted(params.items()), render)
