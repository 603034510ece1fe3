"""Invites and resends cannot be used to flood an inbox: limits per contact and per workspace."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import Contact
from accounts.ratelimits import parse_rate

pytestmark = pytest.mark.django_db


def test_invites_and_resends_to_one_contact_are_limited(
    world, owner_http, settings, django_capture_on_commit_callbacks
):
    per_contact = parse_rate(settings.INVITE_RATE_PER_CONTACT)[0]
    invite = reverse("accounts:contact-invite", kwargs={"client_id": world.client.pk})
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_http.post(invite, {"email": "cfo@secretco.example"}).status_code == 302
        contact = Contact.objects.get(email="cfo@secretco.example")
        resend = reverse(
            "accounts:contact-resend", kwargs={"client_id": world.client.pk, "contact_id": contact.pk}
        )
        for _ in range(per_contact - 1):
            owner_http.post(resend)
        refused = owner_http.post(resend, follow=True)
        again = owner_http.post(invite, {"email": "CFO@secretco.example"})
    assert len(mail.outbox) == per_contact
    assert b"several invitations already" in refused.content
    assert again.status_code == 200 and b"several invitations already" in again.content
    # Another address is a different contact: not held by this one's limit.
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contact(client=world.client, email="ciso@secretco.example", actor=world.owner)
    assert len(mail.outbox) == per_contact + 1


def test_invites_from_one_workspace_are_limited(world, settings, django_capture_on_commit_callbacks):
    settings.INVITE_RATE_PER_WORKSPACE = "5/1h"
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            services.invite_contact(
                client=world.client, email=f"person{i}@secretco.example", actor=world.owner
            )
        with pytest.raises(services.ServiceError, match="Too many invitations from this workspace"):
            services.invite_contact(client=world.client, email="person5@secretco.example", actor=world.owner)
        with pytest.raises(services.ServiceError, match="Too many invitations from this workspace"):
            services.resend_invite(contact=world.contact, actor=world.owner)
    assert len(mail.outbox) == 5
    # Another workspace has its own allowance.
    services.invite_contact(
        client=world.outsider_client, email="x@bravoclient.example", actor=world.outsider_staff
    )
