"""Presentation helpers for activity feeds (no queries, no business rules)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template

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
