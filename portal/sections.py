"""How the portal reads the section registry (core/sections.py): nav, dashboard widgets, the client's
feed, and the one place a hidden section's URLs become 404s (`PortalAuthMiddleware.process_view`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from activity.models import Event
from activity.verbs import client_verbs
from core.sections import Section, sections

FEED_LENGTH = 20


def visible_sections(contact) -> list[Section]:
    client = contact.client
    return [s for s in sections() if client.shows(s.key)]


def section_for(url_name: str | None) -> Section | None:
    return next((s for s in sections() if s.owns(url_name)), None)


def is_hidden_for(contact, url_name: str | None) -> bool:
    section = section_for(url_name)
    return section is not None and not contact.client.shows(section.key)


@dataclass
class NavItem:
    label: str
    url: str
    current: bool
    key: str


def nav_items(request) -> list[NavItem]:
    contact, slug = request.contact, request.portal_workspace.slug
    name = request.resolver_match.url_name if request.resolver_match else None
    items = [NavItem("Dashboard", reverse("portal:dashboard", args=[slug]), name == "dashboard", "dashboard")]
    for s in visible_sections(contact):
        items.append(NavItem(s.label, reverse(s.list_url, args=[slug]), s.owns(name), s.key))
    return items


@dataclass
class Widget:
    section: Section
    html: SafeString


def dashboard_widgets(request) -> list[Widget]:
    """The visible sections' widgets, in registry order; a section whose context is empty shows nothing."""
    widgets = []
    for s in visible_sections(request.contact):
        if not s.widget_template:
            continue
        context = s.widget_context(request.contact) if s.widget_context else {}
        if not context:
            continue
        html = render_to_string(s.widget_template, {**context, "section": s}, request=request)
        widgets.append(Widget(section=s, html=html))
    return widgets


def client_feed(contact, limit: int = FEED_LENGTH):
    """The client's events: only client-audience verbs of sections they can see, each section narrowing
    further where it must (e.g. assessments this contact was not invited to)."""
    visible = visible_sections(contact)
    events = Event.objects.for_client(contact.client).filter(verb__in=client_verbs({s.key for s in visible}))
    for s in visible:
        if s.feed_filter is not None:
            events = s.feed_filter(contact, events)
    return events.select_related("actor_user", "actor_contact")[:limit]
