"""Workspaces and their staff: sign-up, email confirmation, staff invites and seats, branding."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.text import slugify

from accounts.models import (
    Membership,
    Role,
    StaffInvite,
    User,
    Workspace,
)
from accounts.ratelimits import address_bucket, parse_rate, take_attempt
from accounts.tokens import email_confirmation_token, hash_token, new_token
from activity import outbox
from activity.services import record_event
from core.errors import ServiceError


class SeatLimitError(ServiceError):
    pass


RESERVED_SLUGS = {"app", "admin", "static", "media", "p", "stripe", "api", "login", "signup"}


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
