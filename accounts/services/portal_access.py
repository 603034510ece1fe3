"""Contacts and their way in: invites, magic links, portal sessions, sign-out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import (
    Client,
    Contact,
    LinkPurpose,
    MagicLink,
    PortalSession,
    User,
    Workspace,
)
from accounts.services.clients import _end_sessions, _expire_links, enable_portal
from accounts.services.staff import _take_invite_allowance, require_confirmed_owner
from accounts.tokens import hash_token, new_token
from activity import outbox
from activity.services import record_event
from core.errors import ServiceError
from core.http import absolute_url


class PortalAccessError(ServiceError):
    pass


class InvalidLink(ServiceError):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass
class InviteResult:
    contact: Contact
    created: bool
    portal_enabled_now: bool


@transaction.atomic
def invite_contact(
    *, client: Client, email: str, actor: User, name: str = "", job_title: str = ""
) -> InviteResult:
    """Invite (or re-invite) a contact and email them a sign-in link.

    Inviting is the staff member saying "this client should use the portal", so a client whose portal
    is off is switched on here, within the plan's seats.
    """
    email = email.strip().lower()
    require_confirmed_owner(client.workspace)
    existing = Contact.objects.for_workspace(client.workspace).filter(email__iexact=email).first()
    if existing and existing.client_id != client.pk:
        raise ServiceError(f"{email} is already a contact of another client in this workspace.")
    _take_invite_allowance(workspace=client.workspace, email=email)
    enabled_now = False
    if not client.portal_enabled:
        enable_portal(client=client, actor=actor)
        client.refresh_from_db()
        enabled_now = True
    if existing:
        contact = existing
        contact.revoked_at = None
        contact.invited_at = timezone.now()
        contact.invited_by = actor
        if name:
            contact.name = name.strip()
        if job_title:
            contact.job_title = job_title.strip()
        contact.save()
    else:
        try:
            with transaction.atomic():
                contact = Contact.objects.create(
                    client=client,
                    workspace=client.workspace,
                    email=email,
                    name=name.strip(),
                    job_title=job_title.strip(),
                    invited_by=actor,
                )
        except IntegrityError as exc:  # a concurrent invite of the same address won the race
            raise ServiceError(f"{email} was just invited by someone else.") from exc
    record_event(
        workspace=client.workspace,
        client=client,
        verb="contact.invited",
        actor_user=actor,
        target=contact,
        data={"email": email, "reinvited": existing is not None},
    )
    outbox.enqueue("accounts.contact_invite_email", contact_id=contact.pk, invited_by_id=actor.pk)
    return InviteResult(contact=contact, created=existing is None, portal_enabled_now=enabled_now)


@transaction.atomic
def resend_invite(*, contact: Contact, actor: User) -> None:
    if not contact.is_active:
        raise PortalAccessError("This contact's access was revoked. Invite them again to restore it.")
    if not contact.client.portal_enabled:
        raise PortalAccessError("The portal is disabled for this client. Enable it first.")
    require_confirmed_owner(contact.workspace)
    _take_invite_allowance(workspace=contact.workspace, email=contact.email)
    record_event(
        workspace=contact.workspace,
        client=contact.client,
        verb="contact.invite_resent",
        actor_user=actor,
        target=contact,
    )
    outbox.enqueue("accounts.contact_invite_email", contact_id=contact.pk, invited_by_id=actor.pk)


@transaction.atomic
def revoke_contact(*, contact: Contact, actor: User) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    contact.revoked_at = timezone.now()
    contact.save(update_fields=["revoked_at"])
    ended = _end_sessions(contact.portal_sessions.all(), "access_revoked")
    _expire_links(contact.magic_links.all())
    record_event(
        workspace=contact.workspace,
        client=contact.client,
        verb="contact.revoked",
        actor_user=actor,
        target=contact,
        data={"sessions_ended": ended},
    )
    return contact


def check_portal_access(contact: Contact) -> None:
    if not contact.is_active:
        raise PortalAccessError(f"{contact.email}'s portal access was revoked.")
    if not contact.client.portal_enabled:
        raise PortalAccessError(f"The portal is disabled for {contact.client.name}.")


def portal_url(workspace: Workspace, path: str = "") -> str:
    return absolute_url("portal:dashboard", slug=workspace.slug) + path


def login_url(workspace: Workspace) -> str:
    return absolute_url("portal:login", slug=workspace.slug)


def magic_link_url(workspace: Workspace, raw_token: str) -> str:
    """The emailed URL. The token rides in the fragment, which browsers never send: it cannot end up in
    access logs (ours, a proxy's, a CDN's) or a Referer. The page's script posts it (portal.views)."""
    return absolute_url("portal:magic-link", slug=workspace.slug, fragment=f"t={raw_token}")


def issue_magic_link(*, contact: Contact, purpose: str) -> str:
    """Create a link and return its absolute URL. The raw token exists only in that return value."""
    raw, _ = new_token()
    url = deliver_magic_link(contact=contact, purpose=purpose, raw_token=raw)
    assert url is not None  # a fresh random token always makes a new link
    return url


def deliver_magic_link(*, contact: Contact, purpose: str, raw_token: str) -> str | None:
    """The link for `raw_token`, created on first use. Outbox handlers pass a token keyed by their
    outbox row (accounts.tokens.delivery_token), so a redelivered email carries the same link as the
    first one instead of a new one; once that link is used or expired, None (send nothing)."""
    check_portal_access(contact)
    now = timezone.now()
    link, created = MagicLink.objects.get_or_create(
        token_hash=hash_token(raw_token),
        defaults={
            "workspace_id": contact.workspace_id,
            "contact": contact,
            "purpose": purpose,
            "created_at": now,
            "expires_at": now + timedelta(seconds=settings.MAGIC_LINK_TTL_SECONDS),
        },
    )
    if not created and (link.contact_id != contact.pk or link.used_at or link.expires_at <= now):
        return None
    return magic_link_url(contact.workspace, raw_token)


def request_login_link(*, workspace: Workspace, email: str) -> None:
    """Self-service login. Does the same work whether or not the address has access.

    The lookup happens in the task, so the response time tells an attacker nothing about which
    addresses exist.
    """
    with transaction.atomic():
        outbox.enqueue("accounts.login_link_email", workspace_id=workspace.pk, email=email.strip().lower())


@dataclass
class SignIn:
    session: PortalSession
    raw_token: str


def peek_magic_link(*, workspace: Workspace, raw_token: str) -> MagicLink:
    """Validate a link without spending it (the GET confirmation page)."""
    link = (
        MagicLink.objects.select_related("contact__client")
        .filter(workspace=workspace, token_hash=hash_token(raw_token))
        .first()
    )
    _check_link(link)
    return link


def _check_link(link: MagicLink | None) -> None:
    if link is None:
        raise InvalidLink("invalid")
    if link.used_at is not None:
        raise InvalidLink("used")
    if link.expires_at <= timezone.now():
        raise InvalidLink("expired")
    try:
        check_portal_access(link.contact)
    except PortalAccessError as exc:
        raise InvalidLink("no_access") from exc


@transaction.atomic
def consume_magic_link(
    *,
    workspace: Workspace,
    raw_token: str,
    ip: str | None,
    user_agent: str,
    previous_session_token: str | None,
) -> SignIn:
    link = peek_magic_link(workspace=workspace, raw_token=raw_token)
    # Conditional update: of two simultaneous POSTs exactly one sees a row to spend.
    spent = MagicLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
    if spent != 1:
        raise InvalidLink("used")
    contact = link.contact
    if previous_session_token:  # rotate: a login never reuses a session that existed before it
        _end_sessions(PortalSession.objects.filter(token_hash=hash_token(previous_session_token)), "rotated")
    raw, digest = new_token()
    now = timezone.now()
    session = PortalSession.objects.create(
        workspace=workspace,
        contact=contact,
        token_hash=digest,
        expires_at=now + timedelta(days=settings.PORTAL_SESSION_DAYS),
        last_seen_at=now,
        ip=ip,
        user_agent=user_agent[:300],
    )
    Contact.objects.filter(pk=contact.pk).update(last_access_at=now)
    record_event(
        workspace=workspace,
        client=contact.client,
        verb="portal.login",
        actor_contact=contact,
        target=contact,
        data={"purpose": link.purpose},
    )
    return SignIn(session=session, raw_token=raw)


def resolve_portal_session(*, workspace: Workspace, raw_token: str) -> PortalSession | None:
    session = (
        PortalSession.objects.live()
        .select_related("contact__client")
        .filter(workspace=workspace, token_hash=hash_token(raw_token))
        .first()
    )
    if session is None:
        return None
    contact = session.contact
    if not contact.is_active or not contact.client.portal_enabled:
        return None
    now = timezone.now()
    # At most one write a minute per session, not one per request.
    if (now - session.last_seen_at).total_seconds() >= settings.PORTAL_LAST_SEEN_INTERVAL_SECONDS:
        PortalSession.objects.filter(pk=session.pk).update(last_seen_at=now)
        Contact.objects.filter(pk=contact.pk).update(last_access_at=now)
        session.last_seen_at = now
    return session


@transaction.atomic
def logout_portal(*, session: PortalSession) -> None:
    _end_sessions(PortalSession.objects.filter(pk=session.pk), "logout")
    record_event(
        workspace=session.workspace,
        client=session.contact.client,
        verb="portal.logout",
        actor_contact=session.contact,
        target=session.contact,
    )


# Staff-side helper reused by the management command.
def support_link(*, workspace: Workspace, email: str) -> str:
    contact = (
        Contact.objects.for_workspace(workspace)
        .select_related("client", "workspace")
        .filter(email__iexact=email.strip())
        .first()
    )
    if contact is None:
        raise PortalAccessError(f"No contact {email} in workspace {workspace.slug}.")
    return issue_magic_link(contact=contact, purpose=LinkPurpose.SUPPORT)
