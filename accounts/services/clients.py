"""Clients and their portal settings: portal on and off (seats), sessions revoked, sections shown."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import (
    Client,
    MagicLink,
    PortalSession,
    User,
    Workspace,
)
from accounts.services.staff import SeatLimitError
from activity.services import record_event
from core import fragments
from core.errors import ServiceError
from core.sections import sections


@transaction.atomic
def create_client(*, workspace: Workspace, name: str, actor: User) -> Client:
    name = name.strip()
    if Client.objects.for_workspace(workspace).filter(name__iexact=name).exists():
        raise ServiceError(f"There is already a client called {name}.")
    client = Client.objects.create(workspace=workspace, name=name)
    record_event(workspace=workspace, client=client, verb="client.created", actor_user=actor, target=client)
    return client


def _end_sessions(sessions, reason: str) -> int:
    live = sessions.filter(ended_at__isnull=True)
    # Pages kept for these sessions (accounts/kept_pages.py) go with them: the update sends no signal.
    for workspace_id, client_id in set(live.values_list("workspace_id", "contact__client_id")):
        fragments.bump_now_and_on_commit(workspace_id, client_id)
    return live.update(ended_at=timezone.now(), ended_reason=reason)


def _expire_links(links) -> int:
    # Spend outstanding links too, so an email sitting in an inbox cannot open a door we just closed.
    return links.filter(used_at__isnull=True).update(used_at=timezone.now())


@transaction.atomic
def enable_portal(*, client: Client, actor: User) -> Client:
    # Lock the workspace row so two concurrent enables cannot both take the last seat.
    workspace = Workspace.objects.select_for_update().get(pk=client.workspace_id)
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.portal_enabled:
        return client
    limit = workspace.portal_seat_limit
    if limit is not None and workspace.portal_seats_used() >= limit:
        raise SeatLimitError(
            f"Your {workspace.get_plan_display()} plan includes {limit} client portal and it is in use. "
            "Disable the portal for another client or upgrade to Solo or Team."
        )
    client.portal_enabled = True
    client.portal_enabled_at = timezone.now()
    client.save(update_fields=["portal_enabled", "portal_enabled_at"])
    record_event(workspace=workspace, client=client, verb="portal.enabled", actor_user=actor, target=client)
    return client


@transaction.atomic
def disable_portal(*, client: Client, actor: User) -> Client:
    client = Client.objects.select_for_update().get(pk=client.pk)
    client.portal_enabled = False
    client.save(update_fields=["portal_enabled"])
    ended = _end_sessions(PortalSession.objects.filter(contact__client=client), "portal_disabled")
    _expire_links(MagicLink.objects.filter(contact__client=client))
    record_event(
        workspace=client.workspace,
        client=client,
        verb="portal.disabled",
        actor_user=actor,
        target=client,
        data={"sessions_ended": ended},
    )
    return client


@transaction.atomic
def revoke_client_sessions(*, client: Client, actor: User) -> int:
    ended = _end_sessions(PortalSession.objects.filter(contact__client=client), "sessions_revoked")
    record_event(
        workspace=client.workspace,
        client=client,
        verb="portal.sessions_revoked",
        actor_user=actor,
        target=client,
        data={"sessions_ended": ended},
    )
    return ended


@transaction.atomic
def set_visibility(*, client: Client, actor: User, hidden) -> Client:
    """Hide exactly `hidden` among the registered sections; keys of sections not registered (an app not
    installed here) keep their stored value."""
    registered = {s.key for s in sections()}
    locked = Client.objects.select_for_update().get(pk=client.pk)
    before = locked.hidden_section_keys
    after = (before - registered) | ({k for k in hidden if k in registered})
    if after != before:
        locked.hidden_sections = Client.encode_hidden(after)
        locked.save(update_fields=["hidden_sections"])
        client.hidden_sections = locked.hidden_sections
        record_event(
            workspace=client.workspace,
            client=client,
            verb="portal.visibility_changed",
            actor_user=actor,
            target=client,
            data={"hidden": sorted(after - before), "shown": sorted(before - after)},
        )
    return client
