"""Presentation helpers for activity feeds (no queries, no business rules)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template
from django.utils.html import format_html

register = template.Library()


@dataclass
class FeedGroup:
    """A run of consecutive events by one actor with one verb, shown as one line in a feed."""

    events: list = field(default_factory=list)

    @property
    def first(self):
        return self.events[0]

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def targets(self) -> list[str]:
        seen: dict[str, None] = {}
        for e in self.events:
            seen.setdefault(e.target_label, None)
        return list(seen)


@register.filter
def group_feed(events) -> list[FeedGroup]:
    """Fold runs like "uploaded a file to …" ×35 into one line, so a feed reads as a story, not a wall.

    Only *consecutive* events fold, so the order of what happened is kept.
    """
    groups: list[FeedGroup] = []
    for event in events:
        last = groups[-1] if groups else None
        if last and last.first.verb == event.verb and last.first.actor_label == event.actor_label:
            last.events.append(event)
        else:
            groups.append(FeedGroup(events=[event]))
    return groups


# --- wording: every event is worded through the verb registry; no template lists verbs ------------------


def _verb(code: str):
    from activity.verbs import lookup

    return lookup(code)


def _audience(value: str) -> str:
    from activity.verbs import CLIENT, STAFF

    return CLIENT if value == CLIENT else STAFF


@register.filter
def verb_label(event, audience: str = "staff") -> str:
    """ "uploaded a file to" — the verb alone, in the audience's wording."""
    return _verb(event.verb).label(_audience(audience))


@register.simple_tag
def event_text(event, audience: str = "staff"):
    """Verb and target: "uploaded a file to <span class=muted>1.2.1 Network diagram</span>"."""
    verb = _verb(event.verb)
    if verb.shows_target and event.target_label and event.target_label != event.actor_label:
        return format_html(
            '{} <span class="muted">{}</span>', verb.label(_audience(audience)), event.target_label
        )
    return verb.label(_audience(audience))


@register.simple_tag
def feed_text(group: FeedGroup, audience: str = "staff"):
    """One line for a folded run: "uploaded 3 files to <X>", "signed in 4 times", "accepted <X> and 2 more"."""
    event, n, targets = group.first, group.count, group.targets
    verb = _verb(event.verb)
    audience = _audience(audience)
    if n == 1:
        return event_text(event, audience)
    words = verb.plural.format(n=n) if verb.plural else verb.label(audience)
    if not verb.shows_target or not event.target_label or event.target_label == event.actor_label:
        return words if verb.plural else format_html('{} <span class="muted">({}×)</span>', words, n)
    if len(targets) == 1:
        if verb.plural:
            return format_html('{} <span class="muted">{}</span>', words, event.target_label)
        return format_html(
            '{} <span class="muted">{}</span> <span class="muted">({}×)</span>', words, event.target_label, n
        )
    return format_html(
        '{} <span class="muted">{}</span> and {} more', words, event.target_label, len(targets) - 1
    )


@register.filter
def verb_on_target(code: str, audience: str = "staff") -> str:
    """The verb as read on the target's own page ("uploaded", "requested changes")."""
    verb = _verb(code)
    return verb.on_target or verb.label(_audience(audience))
