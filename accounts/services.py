"""State changes for tenancy, staff and portal access. Keyword-only, atomic, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.text import slugify

from accounts.models import (
    Client,
    Contact,
    LinkPurpose,
    MagicLink,
    Membership,
    PortalSession,
    Role,
    StaffInvite,
    User,
    Workspace,
)
from accounts.ratelimits import address_bucket, parse_rate, take_attempt
from accounts.tokens import email_confirmation_token, hash_token, new_token
from activity import outbox
from activity.services import record_event
from core import fragments
from core.errors import ServiceError
from core.http import absolute_url
from core.sections import sections

RESERVED_SLUGS = {"app", "admin", "static", "media", "p", "stripe", "api", "login", "signup"}


class SeatLimitError(ServiceError):
    pass


class PortalAccessError(ServiceError):
    pass


class InvalidLink(ServiceError):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


# --- workspaces and staff -------------------------------------------------------------------------


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    if base in RESERVED_SLUGS:
        base = f"{base}-ws"
    slug, n = base, 2
    while Workspace.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def signup_workspace(
    *, workspace_name: str, email: str, password: str, full_name: str = ""
) -> Membership | None:
    """Create a workspace and its owner, or, when the address already has an account, tell its owner.

    The caller answers the same either way ("check your inbox"), so sign-up does not reveal which
    addresses have accounts; both paths hash a password and write one outbox row.
    """
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        make_password(password)  # the same work as creating the account
        outbox.enqueue("accounts.signup_existing_email", user_id=existing.pk)
        return None
    workspace = Workspace.objects.create(name=workspace_name.strip(), slug=unique_slug(workspace_name))
    user = User.objects.create_user(email=email, password=password, full_name=full_name.strip())
    membership = Membership.objects.create(user=user, workspace=workspace, role=Role.OWNER)
    record_event(workspace=workspace, verb="workspace.created", actor_user=user, target=workspace)
    outbox.enqueue("accounts.email_confirmation_email", user_id=user.pk)
    return membership


def send_email_confirmation(*, user: User) -> None:
    if user.email_confirmed:
        return
    with transaction.atomic():
        outbox.enqueue("accounts.email_confirmation_email", user_id=user.pk)


def find_unconfirmed_user(*, uidb64: str, token: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True, email_confirmed_at__isnull=True).first()
    if user is None or not email_confirmation_token.check_token(user, token):
        return None
    return user


@transaction.atomic
def confirm_email(*, user: User) -> User:
    User.objects.filter(pk=user.pk, email_confirmed_at__isnull=True).update(email_confirmed_at=timezone.now())
    user.refresh_from_db(fields=["email_confirmed_at"])
    return user


class UnconfirmedOwnerError(ServiceError):
    pass


def require_confirmed_owner(workspace: Workspace) -> None:
    """Nobody is invited from a workspace whose owner has not proven they own their address."""
    owner = (
        User.objects.filter(memberships__workspace=workspace, memberships__role=Role.OWNER)
        .order_by("pk")
        .first()
    )
    if owner is None or not owner.email_confirmed:
        raise UnconfirmedOwnerError(
            "Confirm your email address before inviting anyone: open the link we sent to "
            f"{owner.email if owner else 'the workspace owner'} (Settings → resend it)."
        )


def _take_invite_allowance(*, workspace: Workspace, email: str) -> None:
    """Invites and resends are mail to an address the inviter typed: limited per contact and per
    workspace, so a workspace cannot be used to flood someone's inbox."""
    limit, period = parse_rate(settings.INVITE_RATE_PER_WORKSPACE)
    if not take_attempt(f"rl:invite:ws:{workspace.pk}", limit=limit, period=period):
        raise ServiceError("Too many invitations from this workspace just now. Try again in an hour.")
    limit, period = parse_rate(settings.INVITE_RATE_PER_CONTACT)
    if not take_attempt(address_bucket(f"invite:{workspace.pk}", email), limit=limit, period=period):
        raise ServiceError(f"{email} was sent several invitations already. Try again in an hour.")


def _staff_seats_taken(workspace: Workspace) -> int:
    return workspace.memberships.count() + StaffInvite.objects.for_workspace(workspace).pending().count()


@transaction.atomic
def invite_staff(*, workspace: Workspace, email: str, role: str, actor: User) -> StaffInvite:
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    email = email.strip().lower()
    require_confirmed_owner(workspace)
    if workspace.memberships.filter(user__email__iexact=email).exists():
        raise ServiceError(f"{email} is already on this workspace.")
    if StaffInvite.objects.for_workspace(workspace).pending().filter(email__iexact=email).exists():
        raise ServiceError(f"{email} already has a pending invitation.")
    limit = workspace.staff_seat_limit
    if limit is not None and _staff_seats_taken(workspace) >= limit:
        raise SeatLimitError(
            f"The {workspace.get_plan_display()} plan includes {limit} staff member. "
            "Upgrade to the Team plan to invite teammates."
        )
    if role == Role.OWNER:
        raise ServiceError("Invite teammates as admin or member; ownership is not transferable by invite.")
    invite = StaffInvite.objects.create(
        workspace=workspace,
        email=email,
        role=role,
        # Placeholder nobody knows; the mail task sets the real hash when it mints the link, so a raw
        # token never sits in the outbox table.
        token_hash=new_token()[1],
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=7),
    )
    record_event(
        workspace=workspace, verb="staff.invited", actor_user=actor, target=invite, data={"email": email}
    )
    outbox.enqueue("accounts.staff_invite_email", invite_id=invite.pk)
    return invite


def find_staff_invite(raw_token: str) -> StaffInvite | None:
    return (
        StaffInvite.objects.pending()
        .select_related("workspace")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )


@transaction.atomic
def accept_staff_invite(*, invite: StaffInvite, user: User) -> Membership:
    invite = StaffInvite.objects.select_for_update().get(pk=invite.pk)
    if invite.accepted_at or invite.revoked_at or invite.expires_at <= timezone.now():
        raise ServiceError("This invitation is no longer valid. Ask for a new one.")
    if user.email.lower() != invite.email.lower():
        raise ServiceError("This invitation was sent to a different email address.")
    membership, _ = Membership.objects.get_or_create(
        user=user, workspace=invite.workspace, defaults={"role": invite.role}
    )
    invite.accepted_at = timezone.now()
    invite.save(update_fields=["accepted_at"])
    record_event(workspace=invite.workspace, verb="staff.joined", actor_user=user, target=invite)
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, actor: User) -> None:
    if membership.role == Role.OWNER:
        raise ServiceError("The workspace owner cannot be removed.")
    if membership.user_id == actor.pk:
        raise ServiceError("You cannot remove yourself; ask an owner.")
    workspace = membership.workspace
    email = membership.user.email
    membership.delete()
    record_event(workspace=workspace, verb="staff.removed", actor_user=actor, data={"email": email})


@transaction.atomic
def cancel_staff_invite(*, invite: StaffInvite, actor: User) -> None:
    StaffInvite.objects.filter(pk=invite.pk, accepted_at__isnull=True).update(revoked_at=timezone.now())
    record_event(
        workspace=invite.workspace,
        verb="staff.invite_cancelled",
        actor_user=actor,
        target=invite,
        data={"email": invite.email},
    )


@transaction.atomic
def update_branding(
    *,
    workspace: Workspace,
    actor: User,
    accent_color: str,
    logo=None,
    logo_type: str = "",
    remove_logo: bool = False,
) -> Workspace:
    workspace.accent_color = accent_color
    fields = ["accent_color"]
    if remove_logo and workspace.logo:
        workspace.logo.delete(save=False)
        workspace.logo_content_type = ""
        fields += ["logo", "logo_content_type"]
    if logo is not None:
        workspace.logo.save("logo", logo, save=False)
        workspace.logo_content_type = logo_type
        fields += ["logo", "logo_content_type"]
    workspace.save(update_fields=fields)
    record_event(workspace=workspace, verb="workspace.branding_changed", actor_user=actor, target=workspace)
    return workspace


# --- clients and portal settings ------------------------------------------------------------------


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


# --- contacts and magic links ---------------------------------------------------------------------


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
