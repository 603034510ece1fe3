"""Accounts' part of the outsider sweep (tests/test_outsider_sweep.py): clients, contacts, team, auth doors."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

from accounts.models import Membership, Role, StaffInvite
from tests.conftest import staff_client
from tests.factories import ClientFactory, UserFactory
from tests.sweep_registry import get_request, kwarg_source, post_data, sweep_actor, sweep_fixture

BOGUS_TOKEN = "x" * 43
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's


@sweep_fixture
def accounts_objects(world) -> None:
    o = world.objs
    o.member_membership = Membership.objects.get(user=world.member, workspace=world.ws)
    # A pending teammate invitation (its address says Secretco, so a leak shows).
    o.pending_invite = StaffInvite.objects.create(
        workspace=world.ws,
        email="secretco-hire@alpha.example",
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    )
    # A second client of A's, portal off: "enable the portal" has something to enable.
    o.dormant_client = ClientFactory(
        workspace=world.ws, name="Secretco Dormant Ltd", portal_enabled=False, portal_enabled_at=None
    )
    # Signs in through the public login form in the sweep (never A's owner: that would be a real login).
    o.no_workspace_user = UserFactory(email="nobody@sweep.example", full_name="No Workspace")
    # A's logo: public branding of its sign-in page, served to anyone, so it carries no secret marker.
    png = io.BytesIO()
    Image.new("RGB", (2, 2), "#4f46e5").save(png, "PNG")
    world.ws.logo.save("logo.png", ContentFile(png.getvalue()), save=False)
    world.ws.logo_content_type = "image/png"
    world.ws.save(update_fields=["logo", "logo_content_type"])


sweep_actor("staff_without_workspace", lambda w: staff_client(w.objs.no_workspace_user))

kwarg_source("client_id", lambda w: w.client)
kwarg_source("client_id", lambda w: w.objs.dormant_client, url="accounts:portal-enable")
kwarg_source("contact_id", lambda w: w.contact)
kwarg_source("membership_id", lambda w: w.objs.member_membership)
kwarg_source("invite_id", lambda w: w.objs.pending_invite)
kwarg_source("token", lambda w: BOGUS_TOKEN, url="accounts:join")
kwarg_source("token", lambda w: BOGUS_TOKEN, url="accounts:password-reset-confirm")
kwarg_source("token", lambda w: BOGUS_TOKEN, url="accounts:confirm-email")
kwarg_source("uidb64", lambda w: urlsafe_base64_encode(force_bytes(w.owner.pk)), url="accounts:confirm-email")
kwarg_source(
    "uidb64", lambda w: urlsafe_base64_encode(force_bytes(w.owner.pk)), url="accounts:password-reset-confirm"
)

# Pages for people who are not signed in (or not in a workspace): a signed-in owner is redirected.
get_request("accounts:signup", actor="anonymous")
get_request("accounts:login", actor="anonymous")
get_request("accounts:no-workspace", actor="staff_without_workspace")

post_data(
    "accounts:signup",
    lambda w: {
        "workspace_name": "Sweep Signup Firm",
        "full_name": "Sweep Signup",
        "email": "signup@sweep.example",
        "password": "a long sweep password 42",
    },
    own_session=True,
)
post_data(
    "accounts:login",
    lambda w: {"username": w.objs.no_workspace_user.email, "password": PASSWORD},
    own_session=True,
)
post_data("accounts:logout", lambda w: {}, own_session=True)
post_data("accounts:confirm-email", lambda w: {}, own_session=True)
post_data("accounts:confirm-email-resend", lambda w: {})
post_data("accounts:password-reset", lambda w: {"email": w.owner.email})
post_data(
    "accounts:password-reset-confirm",
    lambda w: {"new_password1": "a new sweep password 42", "new_password2": "a new sweep password 42"},
)
post_data(
    "accounts:join",
    lambda w: {"full_name": "Sweep Joiner", "password": "a long sweep password 42"},
    own_session=True,
)
post_data("accounts:workspace-switch", lambda w: {"workspace": w.ws.pk})
post_data("accounts:client-list", lambda w: {"name": "Sweep New Client"})
post_data(
    "accounts:contact-invite",
    lambda w: {"email": "new-contact@sweep.example", "name": "Sweep Invitee", "job_title": "CFO"},
)
post_data("accounts:contact-revoke", lambda w: {})
post_data("accounts:contact-resend", lambda w: {})
post_data("accounts:portal-enable", lambda w: {})
post_data("accounts:portal-disable", lambda w: {})
post_data("accounts:portal-revoke-sessions", lambda w: {})
# Every registered section unticked (hidden): a real change for the insider, whose sections all show.
post_data("accounts:portal-visibility", lambda w: {})
post_data("accounts:portal-preview", lambda w: {})


def _start_preview(world, http) -> None:
    """The insider can only leave a preview it is in."""
    url = reverse("accounts:portal-preview", args=[world.client.pk, world.contact.pk])
    assert http.post(url).status_code == 302


post_data("accounts:portal-preview-exit", lambda w: {}, setup=_start_preview)
post_data("accounts:settings", lambda w: {"accent_color": "#0f766e"})
post_data("accounts:staff-invite", lambda w: {"email": "new-hire@sweep.example", "role": Role.MEMBER})
post_data("accounts:member-remove", lambda w: {})
post_data("accounts:staff-invite-cancel", lambda w: {})
