"""The outsider sweep's registry (tests/test_outsider_sweep.py says what the sweep checks): what each
tests/<app>/sweep.py registers, its Secretco objects, URL kwarg sources, POST data, GET requests and extra
actors, and the built-in actors. A module of its own, so every sweep.py fills the one registry the sweep
reads however pytest names the test module."""

from __future__ import annotations

import importlib
import pkgutil
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.test import Client as HttpClient

from tests.conftest import portal_client, staff_client

World = Any  # tests.conftest.World, plus `objs` (a namespace the sweep fixtures fill)


@dataclass(frozen=True)
class KwargSource:
    kwarg: str
    url: str  # "" (every URL), a namespace ("assessments:"), a URL-name prefix or a URL name
    get: Callable[[World], Any]
    module: str


@dataclass(frozen=True)
class PostData:
    data: Callable[[World], dict]
    own_session: bool = False
    setup: Callable[[World, HttpClient], None] | None = None


@dataclass(frozen=True)
class GetRequest:
    actor: str | None = None
    query: dict | None = None
    htmx: bool = False


_SOURCES: dict[tuple[str, str], KwargSource] = {}
_POST_DATA: dict[str, PostData] = {}
_GET_REQUESTS: dict[str, GetRequest] = {}
_FIXTURES: list[Callable[[World], None]] = []
_EXTRA_ACTORS: dict[str, Callable[[World], HttpClient]] = {}
_FILE_MARKERS: dict[str, str] = {}  # marker -> what it is


def sweep_fixture(build: Callable[[World], None]) -> Callable[[World], None]:
    """Register a function that creates a domain's Secretco objects and stores them on `world.objs`."""
    _FIXTURES.append(build)
    return build


def kwarg_source(kwarg: str, get: Callable[[World], Any], *, url: str = "") -> None:
    """Where the sweep finds A's object for URL kwarg `kwarg`; `url` scopes it (see the module docstring)."""
    key = (kwarg, url)
    if key in _SOURCES:
        raise ValueError(f"outsider sweep: {kwarg!r} for {url or 'every URL'!r} is registered twice")
    _SOURCES[key] = KwargSource(kwarg, url, get, getattr(get, "__module__", "?"))


def post_data(
    url_name: str,
    data: Callable[[World], dict],
    *,
    own_session: bool = False,
    setup: Callable[[World, HttpClient], None] | None = None,
) -> None:
    """Well-formed POST data for the view behind `url_name` (a callable of the world, called per request)."""
    if url_name in _POST_DATA:
        raise ValueError(f"outsider sweep: POST data for {url_name} is registered twice")
    _POST_DATA[url_name] = PostData(data, own_session, setup)


def get_request(
    url_name: str, *, actor: str | None = None, query: dict | None = None, htmx: bool = False
) -> None:
    """How to GET `url_name` so that its insider (`actor`, by default A's owner or contact) gets a 200."""
    if url_name in _GET_REQUESTS:
        raise ValueError(f"outsider sweep: the GET of {url_name} is registered twice")
    _GET_REQUESTS[url_name] = GetRequest(actor, query, htmx)


def sweep_actor(name: str, make: Callable[[World], HttpClient]) -> None:
    """An extra insider, e.g. a signed-in user without a workspace for the page that says so."""
    if name in _EXTRA_ACTORS or name in BUILTIN_ACTORS:
        raise ValueError(f"outsider sweep: actor {name} is registered twice")
    _EXTRA_ACTORS[name] = make


def file_marker(label: str) -> str:
    """A marker to put inside a Secretco file's bytes; it names the file when a leak report shows it."""
    marker = f"SECRETCO-FILE-{label}-{secrets.token_hex(4)}"
    _FILE_MARKERS[marker] = label
    return marker


_loaded = False


def load_registrations() -> None:
    """Import every tests/**/sweep.py: each registers its domain's fixtures, sources and POST data."""
    global _loaded
    if _loaded:
        return
    import tests

    for info in pkgutil.walk_packages(tests.__path__, "tests."):
        if info.name.rsplit(".", 1)[-1] == "sweep":
            importlib.import_module(info.name)
    assert _SOURCES and _POST_DATA, "the sweep modules registered nothing"
    _loaded = True


BUILTIN_ACTORS: dict[str, Callable[[World], HttpClient]] = {
    "owner": lambda w: staff_client(w.owner),
    "a_contact": lambda w: portal_client(w.contact),
    "anonymous": lambda w: HttpClient(),
    "b_staff": lambda w: staff_client(w.outsider_staff),
    "b_contact": lambda w: portal_client(w.outsider_contact),
    "a_other_client_contact": lambda w: portal_client(w.other_contact),
}
