"""The outsider sweep: the contract every URL under /app/ and /p/ must meet.

The world (tests/conftest.py): workspace A ("alpha") and its client Secretco, and four outsiders:
workspace B's staff (b_staff), B's contact (b_contact), a contact of A's *other* client
(a_other_client_contact) and an anonymous visitor. Every Secretco object carries "Secretco" in a
visible field and every stored Secretco file carries a `file_marker()` in its bytes, so searching a
response for "secretco" finds any leak.

The URLs come from the URLconf: a new URL is swept the day it is added, each filled with A's
(Secretco's) object ids from the kwarg sources below. Which methods a view takes is read from the view:
a class-based view's handlers, or the Allow header a function view's `require_GET` / `require_POST` /
`require_http_methods` answers an OPTIONS request with (STYLE.md #9; a view without one fails). For each
URL:

Outsiders GET it (when the view takes GET) and POST its registered data (when it takes POST); for a
portal URL B's contact also tries A's ids under B's own portal. Then:
  1. No response shows a Secretco marker: not its body (streamed downloads, raw and preview
     endpoints, and the members of a ZIP included), not a header (Location, HX-Redirect,
     Content-Disposition), and not the same-site page a redirect leads to (followed).
  2. A URL naming one of A's objects never answers an outsider 2xx (a 404 or a redirect to sign in).
  3. Nothing changes. Every row of every table is compared before and after, sessions included
     (ending A's contact's portal session is a change), except the outsiders' own sessions and the
     fields that tick on every read (TICKING_FIELDS). A URL naming no object acts on the caller's
     own workspace or session, so there an outsider may change only their own things: rows of
     workspace B, the bookkeeping that follows them (BOOKKEEPING), and, for a POST that signs the
     caller in or out, rows that point at the outsider (their own sign-out event).
  PUBLIC doors (sign-up, sign-in, password reset, join, magic link) are exempt from 2 and 3, never 1.

The insider (A's owner under /app/, Secretco's contact under /p/, or the actor `get_request` names):
  4. GETs every URL whose view takes GET and gets 200; INSIDER_GET_STATUS lists the few exceptions,
     each with its status and why. A 200 for a URL naming A's objects must itself show a Secretco
     marker: that proves the page is the fixture object's and that check 1 would see it there.
  5. POSTs the same data to every URL whose view takes POST, each POST in a savepoint rolled back
     after it, and is accepted: 200 or 302, and something changed (so the data is well-formed and
     only authorisation refuses the outsiders). INSIDER_POST_STATUS lists the few exceptions.

How a new app joins: a module tests/<app>/sweep.py (found automatically) that, importing the registering
functions from tests/sweep_registry.py (tests/sweep_responses.py and tests/sweep_snapshot.py hold the
response checks and the database snapshot),
  - builds its Secretco objects in a `@sweep_fixture` function of the world, storing them on
    `world.objs`: "Secretco" in a visible field, `file_marker("...")` in the bytes of every file;
  - registers a source per URL kwarg, either for every URL:
        kwarg_source("project_id", lambda w: w.objs.project)
    or scoped to a namespace, a URL-name prefix or one URL name (the most specific source wins):
        kwarg_source("file_id", lambda w: w.objs.deliverable_version, url="projects:deliverable-")
    A source returns a model instance (its pk is used), a value, or a list (swept once per item). A
    kwarg with no matching source fails naming the URL and the kwarg. Generic names (`file_id`,
    `token`, `version_id`) are always scoped, and a kwarg registered for every URL may not be
    registered by a second module (test_kwarg_sources_are_unambiguous): so an evidence file id can
    never fill a deliverable's `file_id`;
  - registers POST data for each URL whose view takes POST (a URL without it fails the sweep):
        post_data("projects:deliverable-approve", lambda w: {"decision": "approve"})
    well-formed for the view's form, built fresh per request (uploads can be read once);
    `own_session=True` when the POST signs the caller in or out (outsiders then post from a session
    of their own), `setup=fn(world, http)` for state the insider's POST needs first;
  - `get_request(name, htmx=True, query={...}, actor="anonymous")` when the insider's GET needs more
    than the bare URL to answer 200; `sweep_actor(name, make)` adds an insider such as a user
    without a workspace.
Never put the marker in POST data or a query string: a page echoing it back would look like a leak.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import models, transaction
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.tokens import hash_token
from tests.sweep_registry import (
    _EXTRA_ACTORS,
    _FIXTURES,
    _GET_REQUESTS,
    _POST_DATA,
    _SOURCES,
    BUILTIN_ACTORS,
    GetRequest,
    KwargSource,
    World,
    load_registrations,
)
from tests.sweep_responses import (
    SECRET,
    allowed_methods,
    body_of,
    fetch,
    is_2xx,
    leaks,
    markers_in,
)
from tests.sweep_snapshot import Change, Snapshot

# --- the exceptions: explicit and few ------------------------------------------------------------------

# Public doors: anyone may open them, and a POST may create rows for anyone (a session, a workspace, a
# reset mail, a sign-in link). Exempt from "no 2xx for outsiders" and "outsiders change nothing", never
# from the leak check.
PUBLIC = {
    "accounts:signup": "creates a workspace and a user for whoever signs up",
    "accounts:login": "signs in whoever knows the password (the sweep uses the workspace-less user's)",
    "accounts:password-reset": "queues a reset mail for any address typed in, saying the same either way",
    "accounts:password-reset-confirm": "a reset-mail link; a bogus one answers anyone 'invalid link'",
    "accounts:join": "a staff-invitation link: the token is the capability (the sweep's is bogus)",
    "portal:login": "queues a sign-in link for any address typed in, saying the same either way",
    "portal:magic-link": "a sign-in link: the token is the capability (the sweep's is bogus)",
    "accounts:confirm-email": "an owner's confirmation link: the token is the capability (the sweep's is bogus)",
    "accounts:signup-sent": "the 'check your email' page after signing up, the same for everyone",
}

# URLs whose view takes GET but whose insider GET is not a 200: (status, why).
INSIDER_GET_STATUS = {
    "accounts:home": (302, "the back-office root only redirects to the client list"),
    "accounts:join": (
        404,
        "bogus token (a real one is a capability an outsider could use); real invitations are "
        "tested in tests/accounts/test_team_and_branding.py",
    ),
    "accounts:confirm-email": (
        400,
        "bogus token (a real one is a capability); the real flow is tested in tests/accounts/test_signup.py",
    ),
    "billing:stripe-refresh": (
        302,
        "Stripe's refresh URL for onboarding: it mints a new Account Link and redirects the owner to Stripe "
        "(tests/billing/payments/test_connect.py)",
    ),
}

# URLs whose view takes POST but whose insider POST cannot be accepted: (status, why).
INSIDER_POST_STATUS = {
    "accounts:join": INSIDER_GET_STATUS["accounts:join"],
    "portal:magic-link": (
        400,
        "bogus token in the body (a real one is a capability an outsider could use); real links are "
        "tested in tests/portal/test_auth_magic_links.py and test_magic_link_fragment.py",
    ),
    "accounts:confirm-email": INSIDER_GET_STATUS["accounts:confirm-email"],
    "accounts:password-reset-confirm": (
        200,
        "bogus token: the page says the link is invalid and changes nothing; the real flow is tested "
        "in tests/accounts/test_team_and_branding.py",
    ),
}

# Rows that only follow others (a chain head follows its events, an outbox row the change that queued
# it): an outsider acting on their own things may touch them.
BOOKKEEPING = {"activity.EventChain", "activity.OutboxMessage", "activity.DigestLog"}


# --- the URLs ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str
    kwargs: tuple[str, ...]

    @property
    def portal(self) -> bool:
        return self.route.startswith("p/")

    @property
    def names_object(self) -> bool:
        """True when the URL points at one of A's things (the portal's slug alone does not)."""
        return any(k != "slug" for k in self.kwargs)

    @property
    def public(self) -> bool:
        return self.name in PUBLIC


def _walk(patterns, prefix="", ns="", kwargs=()) -> Iterator[Pattern]:
    for p in patterns:
        here = kwargs + tuple(p.pattern.converters)
        if isinstance(p, URLResolver):
            new_ns = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), new_ns, here)
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
            yield Pattern(prefix + str(p.pattern), name, here)


def swept_patterns() -> list[Pattern]:
    found = [p for p in _walk(get_resolver().url_patterns) if p.route.startswith(("app/", "p/"))]
    assert found, "no URL patterns under /app/ or /p/"
    return found


def source_for(url_name: str, kwarg: str) -> KwargSource:
    """The most specific source registered for `kwarg` whose scope covers `url_name`."""
    matches = [s for (k, scope), s in _SOURCES.items() if k == kwarg and url_name.startswith(scope)]
    if not matches:
        raise LookupError(
            f"outsider sweep: no source for URL kwarg {kwarg!r} of {url_name}. Register one in "
            f"tests/<app>/sweep.py: kwarg_source({kwarg!r}, lambda w: ..., url={url_name!r})"
        )
    return max(matches, key=lambda s: len(s.url))


def fills(world: World, pattern: Pattern) -> list[dict]:
    """Every way to fill the URL's kwargs from A's objects (one per value when a source gives several)."""
    choices = []
    for kwarg in pattern.kwargs:
        value = source_for(pattern.name, kwarg).get(world)
        values = value if isinstance(value, list | tuple) else [value]
        choices.append([v.pk if isinstance(v, models.Model) else v for v in values])
    return [dict(zip(pattern.kwargs, combo, strict=True)) for combo in itertools.product(*choices)]


# --- the people -------------------------------------------------------------------------------------------

OUTSIDERS = ("anonymous", "b_staff", "b_contact", "a_other_client_contact")
PORTAL_ACTORS = {"a_contact", "b_contact", "a_other_client_contact"}
IDENTITY_COOKIES = (settings.SESSION_COOKIE_NAME, settings.PORTAL_SESSION_COOKIE)


class Actor:
    """A person with a signed-in test client.

    Django's test client ignores cookie paths, so when a portal clears a dead cookie on its own path the
    client forgets that cookie everywhere; the identity cookies are put back before every request.
    """

    def __init__(self, label: str, make: Callable[[World], HttpClient], world: World) -> None:
        self.label = label
        self._make = make
        self._world = world
        self.http = make(world)
        self.identity = {k: m.value for k, m in self.http.cookies.items() if k in IDENTITY_COOKIES}

    def client(self) -> HttpClient:
        for name, value in self.identity.items():
            self.http.cookies[name] = value
        return self.http

    def fresh(self) -> HttpClient:
        """A new signed-in client of the same person (a session of its own)."""
        return self._make(self._world)

    def throwaway(self, pattern: Pattern) -> HttpClient:
        """A client for a POST that signs its caller in or out, so this actor stays as it is: a session
        of its own where the POST can end it (same area), a copy of the cookies elsewhere."""
        same_area = (self.label in PORTAL_ACTORS) == pattern.portal
        if same_area:
            return self.fresh()
        copy = HttpClient()
        for name, value in self.identity.items():
            copy.cookies[name] = value
        return copy


def session_ids(http: HttpClient) -> set[str]:
    ids = set()
    if (s := http.cookies.get(settings.SESSION_COOKIE_NAME)) and s.value:
        ids.add(s.value)
    if (p := http.cookies.get(settings.PORTAL_SESSION_COOKIE)) and p.value:
        ids.add(hash_token(p.value))
    return ids


# --- the sweep ------------------------------------------------------------------------------------------


@dataclass
class Sweep:
    world: World
    actors: dict[str, Actor] = field(default_factory=dict)
    own_sessions: set[str] = field(default_factory=set)  # the actors' own sessions, never compared

    def __post_init__(self) -> None:
        load_registrations()
        self.world.objs = SimpleNamespace()
        for build in _FIXTURES:
            build(self.world)
        for label, make in {**BUILTIN_ACTORS, **_EXTRA_ACTORS}.items():
            self.actors[label] = Actor(label, make, self.world)
        for label in OUTSIDERS:
            self.own_sessions |= session_ids(self.actors[label].http)
        # The insiders' staff sessions stamp their own last use (the idle timeout): their own business.
        # Their portal sessions stay compared: an outsider ending A's contact's session is a change.
        for label, actor in self.actors.items():
            if (
                label not in OUTSIDERS
                and (c := actor.http.cookies.get(settings.SESSION_COOKIE_NAME))
                and c.value
            ):
                self.own_sessions.add(c.value)
        w = self.world
        self.outsider_people = {
            ("user", w.outsider_staff.pk),
            ("contact", w.outsider_contact.pk),
            ("contact", w.other_contact.pk),
        }
        self.snapshot = Snapshot()

    def insider(self, pattern: Pattern) -> Actor:
        spec = _GET_REQUESTS.get(pattern.name, GetRequest())
        label = spec.actor or ("a_contact" if pattern.portal else "owner")
        assert label in self.actors, f"{pattern.name}: get_request names an unknown actor {label!r}"
        return self.actors[label]

    def urls(self) -> Iterator[tuple[Pattern, str]]:
        for pattern in swept_patterns():
            for kwargs in fills(self.world, pattern):
                yield pattern, reverse(pattern.name, kwargs=kwargs)

    def post_data_for(self, pattern: Pattern) -> dict:
        data = _POST_DATA[pattern.name].data(self.world)
        for key, value in data.items():
            assert SECRET not in str(value).lower().encode(), (
                f"POST data for {pattern.name} ({key}={value!r}) contains the marker: a form that echoes "
                "it back would look like a leak. Use a neutral value."
            )
        return data

    def own_doing(self, change: Change, *, own_session: bool) -> bool:
        """A change an outsider may make through a URL naming no object: to their own things. Rows
        pointing at the outsider count only for a POST that signs them in or out (their sign-out event,
        in their own client's feed): anywhere else such a row in A (say, an invitation into A that B's
        staff made) is exactly what the sweep is for."""
        if change.table in BOOKKEEPING:
            return True
        rows = [r for r in (change.before, change.after) if r is not None]
        if all(r.workspaces and r.workspaces <= {self.world.ws_b.pk} for r in rows):
            return True
        return own_session and all(r.people & self.outsider_people for r in rows)


def _sweep_url(sweep: Sweep, pattern: Pattern, url: str, before: dict) -> tuple[list[str], dict]:
    """Outsiders, then the insider's GET, for one filled URL. Returns the problems and a fresh snapshot."""
    problems: list[str] = []
    world = sweep.world
    insider = sweep.insider(pattern)
    methods = allowed_methods(insider.client(), url)
    post = _POST_DATA.get(pattern.name)
    if "POST" in methods and post is None:
        problems.append(
            f"{pattern.name} takes POST but has no POST data: register it in tests/<app>/sweep.py with "
            f"post_data({pattern.name!r}, lambda w: {{...}})"
        )
    spec = _GET_REQUESTS.get(pattern.name, GetRequest())

    requests = [(label, url) for label in OUTSIDERS]
    if pattern.portal:  # A's ids under B's own portal, where B's contact is signed in
        requests.append(("b_contact", url.replace(f"/p/{world.ws.slug}/", f"/p/{world.ws_b.slug}/", 1)))
    own_session = post is not None and post.own_session and "POST" in methods
    throwaways = {}
    if own_session:  # made before the snapshot: signing them in is not what is being checked
        throwaways = {i: sweep.actors[label].throwaway(pattern) for i, (label, _) in enumerate(requests)}
        for http in throwaways.values():
            sweep.own_sessions |= session_ids(http)
        before = sweep.snapshot.take()

    for i, (label, target) in enumerate(requests):
        actor = sweep.actors[label]
        calls = []
        if "GET" in methods:
            calls.append(("GET", actor.client(), None))
        if "POST" in methods and post is not None:
            calls.append(("POST", throwaways.get(i) or actor.client(), sweep.post_data_for(pattern)))
        for method, http, data in calls:
            try:
                chain = fetch(http, method, target, data=data, spec=spec)
            except Exception as exc:
                raise AssertionError(f"{method} {target} as {label} raised {exc!r}") from exc
            sweep.own_sessions |= session_ids(http)
            first = chain[0]
            for hop, response in enumerate(chain):
                where = target if hop == 0 else f"{target} → (redirect {hop}) {response.request['PATH_INFO']}"
                for leak in leaks(response):
                    problems.append(f"{method} {where} as {label}: {response.status_code} shows {leak}")
            if pattern.names_object and not pattern.public and is_2xx(first):
                problems.append(f"{method} {target} as {label}: {first.status_code} for one of A's objects")
            if first.status_code >= 500:
                problems.append(f"{method} {target} as {label}: {first.status_code}")

    after = sweep.snapshot.take()
    if not pattern.public:
        changes = sweep.snapshot.diff(before, after, ignore_sessions=sweep.own_sessions)
        if not pattern.names_object:
            changes = [c for c in changes if not sweep.own_doing(c, own_session=own_session)]
        problems += [f"{url}: outsiders' requests changed {c}" for c in changes]

    if "GET" in methods:
        expected, _why = INSIDER_GET_STATUS.get(pattern.name, (200, ""))
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = insider.client().get(
                url, spec.query or {}, headers={"HX-Request": "true"} if spec.htmx else {}
            )
        if response.status_code != expected:
            problems.append(
                f"GET {url} as the insider ({insider.label}): {response.status_code}, expected {expected}"
                + (f" ({response['Location']})" if response.has_header("Location") else "")
            )
        elif (
            expected == 200
            and pattern.names_object
            and not pattern.public
            and not markers_in(body_of(response))
        ):
            problems.append(
                f"GET {url} as the insider ({insider.label}) shows no Secretco marker: is the page about "
                "the fixture object, and does the fixture carry the marker?"
            )
        after = sweep.snapshot.take()  # whatever the insider's read changed is theirs to change
    return problems, after


@pytest.mark.django_db
def test_outsiders_never_see_or_change_workspace_a(world):
    sweep = Sweep(world)
    problems: list[str] = []
    swept = 0
    before = sweep.snapshot.take()
    for pattern, url in sweep.urls():
        found, before = _sweep_url(sweep, pattern, url, before)
        problems += found
        swept += 1
    # The outsiders must still be who they were, or the later URLs were swept by someone else.
    checks = {
        "b_staff": reverse("accounts:client-list"),
        "b_contact": reverse("portal:dashboard", kwargs={"slug": world.ws_b.slug}),
        "a_other_client_contact": reverse("portal:dashboard", kwargs={"slug": world.ws.slug}),
    }
    for label, url in checks.items():
        status = sweep.actors[label].client().get(url).status_code
        if status != 200:
            problems.append(f"{label} was signed out during the sweep (GET {url}: {status})")
    assert not problems, f"{len(problems)} problems over {swept} URLs:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_insider_posts_are_accepted(world):
    """The registered POST data is well-formed: the insider's POST of it is accepted and changes something.

    Each POST runs in a savepoint rolled back after it (and its on-commit work is dropped with it), so
    every POST starts from the same world and a fresh session of the insider.
    """
    sweep = Sweep(world)
    problems: list[str] = []
    posted = 0
    for pattern, url in sweep.urls():
        insider = sweep.insider(pattern)
        if "POST" not in allowed_methods(insider.client(), url) or pattern.name not in _POST_DATA:
            continue  # the outsider test reports missing POST data
        spec = _POST_DATA[pattern.name]
        with transaction.atomic():
            http = insider.fresh()
            if spec.setup:
                spec.setup(world, http)
            before = sweep.snapshot.take()
            try:
                response = http.post(url, sweep.post_data_for(pattern))
            except Exception as exc:
                raise AssertionError(f"POST {url} as the insider ({insider.label}) raised {exc!r}") from exc
            changes = sweep.snapshot.diff(before, sweep.snapshot.take())
            transaction.set_rollback(True)
        posted += 1
        where = f"POST {url} as the insider ({insider.label})"
        if pattern.name in INSIDER_POST_STATUS:
            expected, _why = INSIDER_POST_STATUS[pattern.name]
            if response.status_code != expected:
                problems.append(f"{where}: {response.status_code}, expected {expected}")
        elif response.status_code not in (200, 302):
            problems.append(f"{where}: {response.status_code}, expected 200 or 302")
        elif not changes:
            problems.append(
                f"{where}: {response.status_code} but nothing changed: is the data well-formed for the form? "
                f"{_messages_or_errors(response)}"
            )
    assert posted, "no URL takes POST?"
    assert not problems, "\n".join(problems)


def _messages_or_errors(response: HttpResponse) -> str:
    """What the view said (its flash messages, its form's errors), to tell a refused form from a no-op."""
    storage = getattr(response.wsgi_request, "_messages", None)
    said = [str(m) for m in getattr(storage, "_queued_messages", [])]
    form = (response.context or {}).get("form") if response.context else None
    if form is not None and getattr(form, "errors", None):
        said.append(f"form errors {dict(form.errors)}")
    return "; ".join(said)


def test_every_swept_pattern_is_named():
    for pattern in swept_patterns():
        assert pattern.name, f"unnamed URL pattern {pattern.route}: name it so the sweep can reverse it"


def test_every_url_kwarg_has_a_source():
    load_registrations()
    missing = []
    for pattern in swept_patterns():
        for kwarg in pattern.kwargs:
            try:
                source_for(pattern.name, kwarg)
            except LookupError as exc:
                missing.append(str(exc))
    assert not missing, "\n".join(missing)


def test_kwarg_sources_are_unambiguous():
    """A kwarg registered for every URL means one kind of object: no second module may register it, or
    (say) an evidence file id could fill a deliverable's `file_id`. Scope both instead."""
    load_registrations()
    modules: dict[str, set[str]] = {}
    for (kwarg, _scope), source in _SOURCES.items():
        modules.setdefault(kwarg, set()).add(source.module)
    clashes = [
        f"{kwarg!r} has a source for every URL, and is registered by {sorted(modules[kwarg])}: scope them"
        for (kwarg, scope) in _SOURCES
        if scope == "" and len(modules[kwarg]) > 1
    ]
    assert not clashes, "\n".join(clashes)


def test_registered_names_exist():
    """Registrations for URLs that are gone (renamed, removed) fail rather than rot."""
    load_registrations()
    names = {p.name for p in swept_patterns()}
    prefixes = {scope for (_k, scope) in _SOURCES if scope}
    stale = [f"post_data({n!r})" for n in _POST_DATA if n not in names]
    stale += [f"get_request({n!r})" for n in _GET_REQUESTS if n not in names]
    stale += [f"kwarg_source(url={s!r})" for s in prefixes if not any(n.startswith(s) for n in names)]
    stale += [f"{table}[{n!r}]" for table, d in _TABLES.items() for n in d if n not in names]
    assert not stale, "registered for no swept URL: " + ", ".join(stale)


_TABLES = {
    "PUBLIC": PUBLIC,
    "INSIDER_GET_STATUS": INSIDER_GET_STATUS,
    "INSIDER_POST_STATUS": INSIDER_POST_STATUS,
}
