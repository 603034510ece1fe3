"""Outbox handlers for accounts mail. Each mints its token at send time: no raw token is stored.

Tokens are keyed by the outbox delivery (`keyed=True`, accounts.tokens.delivery_token): a job that runs
twice sends the same link twice (or nothing, once the link is spent), never a second link that
silently replaces the first.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Contact, LinkPurpose, StaffInvite, User, Workspace
from accounts.services import PortalAccessError, deliver_magic_link, login_url
from accounts.tokens import delivery_token, email_confirmation_token, hash_token
from activity import outbox
from activity.mail import send_templated_email
from core.http import absolute_url

logger = logging.getLogger(__name__)


def _branding(workspace: Workspace) -> dict:
    return {"workspace": workspace}


def _code(link: str) -> str:
    """The token on its own, for the no-JavaScript fallback ("enter this code")."""
    return link.rsplit("#t=", 1)[1]


@outbox.handler("accounts.contact_invite_email", keyed=True)
def contact_invite_email(*, contact_id: int, delivery_key: str, invited_by_id: int | None = None) -> None:
    contact = Contact.objects.select_related("client", "workspace").filter(pk=contact_id).first()
    if contact is None:
        return
    try:
        link = deliver_magic_link(
            contact=contact,
            purpose=LinkPurpose.INVITE,
            raw_token=delivery_token("contact-invite", delivery_key),
        )
    except PortalAccessError:
        logger.info("invite for contact %s skipped: access withdrawn before sending", contact_id)
        return
    if link is None:
        return  # a redelivery after the link was used or expired: nothing useful to send
    inviter = User.objects.filter(pk=invited_by_id).first()
    send_templated_email(
        to=contact.email,
        template="contact_invite",
        context={
            **_branding(contact.workspace),
            "contact": contact,
            "inviter": inviter,
            "link": link,
            "code": _code(link),
            "login_url": login_url(contact.workspace),
            "ttl_minutes": settings.MAGIC_LINK_TTL_SECONDS // 60,
        },
        reply_to=inviter.email if inviter else None,
    )


@outbox.handler("accounts.login_link_email", keyed=True)
def login_link_email(*, workspace_id: int, email: str, delivery_key: str) -> None:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return
    contact = (
        Contact.objects.for_workspace(workspace)
        .select_related("client", "workspace")
        .filter(email__iexact=email)
        .first()
    )
    if contact is None:
        return  # unknown address: nothing is sent, and the requester was told the same as everyone
    try:
        link = deliver_magic_link(
            contact=contact, purpose=LinkPurpose.LOGIN, raw_token=delivery_token("login-link", delivery_key)
        )
    except PortalAccessError:
        return
    if link is None:
        return
    send_templated_email(
        to=contact.email,
        template="login_link",
        context={
            **_branding(workspace),
            "contact": contact,
            "link": link,
            "code": _code(link),
            "ttl_minutes": settings.MAGIC_LINK_TTL_SECONDS // 60,
        },
    )


@outbox.handler("accounts.staff_invite_email", keyed=True)
def staff_invite_email(*, invite_id: int, delivery_key: str) -> None:
    invite = (
        StaffInvite.objects.pending().select_related("workspace", "invited_by").filter(pk=invite_id).first()
    )
    if invite is None:
        return
    raw = delivery_token("staff-invite", delivery_key)
    StaffInvite.objects.filter(pk=invite.pk).update(token_hash=hash_token(raw))
    send_templated_email(
        to=invite.email,
        template="staff_invite",
        context={
            **_branding(invite.workspace),
            "invite": invite,
            "link": absolute_url("accounts:join", token=raw),
        },
    )


@outbox.handler("accounts.password_reset_email")
def password_reset_email(*, user_id: int) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    link = absolute_url(
        "accounts:password-reset-confirm",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )
    send_templated_email(to=user.email, template="password_reset", context={"user": user, "link": link})


@outbox.handler("accounts.email_confirmation_email")
def email_confirmation_email(*, user_id: int) -> None:
    # Django's timestamped HMAC token: a redelivery mints an equally valid link, both work until one is used.
    user = User.objects.filter(pk=user_id, is_active=True, email_confirmed_at__isnull=True).first()
    if user is None:
        return
    link = absolute_url(
        "accounts:confirm-email",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=email_confirmation_token.make_token(user),
    )
    send_templated_email(to=user.email, template="email_confirmation", context={"user": user, "link": link})


@outbox.handler("accounts.signup_existing_email")
def signup_existing_email(*, user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    send_templated_email(
        to=user.email,
        template="signup_existing",
        context={
            "user": user,
            "link": absolute_url("accounts:login"),
            "reset_url": absolute_url("accounts:password-reset"),
        },
    )
