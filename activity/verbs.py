"""The verb registry: every activity verb, its wording for staff and for clients, and its audience.

Each app registers its verbs in `AppConfig.ready()` (see accounts/verbs.py, assessments/verbs.py).
`record_event` refuses a verb that is not registered, templates word events only through the
`activity_tags` filters, and a client's feed shows only `CLIENT` verbs of the sections visible to them.
So no raw code ("assessment.package_ready") is ever shown and nothing internal reaches a client.
"""

from __future__ import annotations

from dataclasses import dataclass

CLIENT = "client"  # may appear in a client's feed (uploads, submissions, decisions, invoices sent…)
STAFF = "staff"  # internal: access changes, portal switches, packages, integrity checks…
AUDIENCES = (CLIENT, STAFF)


@dataclass(frozen=True)
class Verb:
    code: str
    staff: str  # "uploaded a file to" — followed by the event's target label
    client: str = ""  # the client's wording, where it differs from staff's
    audience: str = STAFF
    section: str = ""  # the portal section it belongs to (portal/sections); "" = the workspace itself
    plural: str = ""  # a folded run of n alike events: "uploaded {n} files to"
    on_target: str = ""  # read on the target's own page, where the target is the subject: "uploaded"
    shows_target: bool = True  # False for verbs about the actor ("signed in")

    def __post_init__(self) -> None:
        if self.audience not in AUDIENCES:
            raise ValueError(f"verb {self.code}: audience must be one of {AUDIENCES}")

    def label(self, audience: str = STAFF) -> str:
        return (self.client or self.staff) if audience == CLIENT else self.staff


class UnknownVerb(LookupError):
    pass


_VERBS: dict[str, Verb] = {}


def register(*verbs: Verb) -> None:
    """Idempotent by code (apps may be readied more than once in tests)."""
    for verb in verbs:
        _VERBS[verb.code] = verb


def unregister(code: str) -> None:
    _VERBS.pop(code, None)


def get(code: str) -> Verb:
    try:
        return _VERBS[code]
    except KeyError as exc:
        raise UnknownVerb(f"activity verb {code!r} is not registered (activity/verbs.py)") from exc


def is_registered(code: str) -> bool:
    return code in _VERBS


def all_verbs() -> list[Verb]:
    return sorted(_VERBS.values(), key=lambda v: v.code)


def client_verbs(sections: set[str] | frozenset[str]) -> list[str]:
    """Codes a client may see, given the keys of the sections visible to them."""
    return [
        v.code for v in _VERBS.values() if v.audience == CLIENT and (not v.section or v.section in sections)
    ]


# Used when an old row carries a verb that is no longer registered: still no raw code on screen.
FALLBACK = Verb(code="", staff="did something to", client="updated")


def lookup(code: str) -> Verb:
    return _VERBS.get(code, FALLBACK)
