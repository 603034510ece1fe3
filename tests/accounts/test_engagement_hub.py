from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import Client, Contact, Plan, PortalSession
from activity.models import Event
from tests.conftest import portal_client, use_link

pytestmark = pytest.mark.django_db(transaction=True)


def test_client_list_and_create(world, owner_http):
    response = owner_http.get(reverse("accounts:client-list"))
    assert b"Secretco Payments" in response.content and b"Bravo Client" not in response.content
    response = owner_http.post(reverse("accounts:client-list"), {"name": "Newco"})
    newco = Client.objects.get(name="Newco")
    assert response["Location"] == reverse("accounts:client-detail", kwargs={"client_id": newco.pk})
    assert newco.workspace == world.ws and not newco.portal_enabled
    dup = owner_http.post(reverse("accounts:client-list"), {"name": "newco"})
    assert dup.status_code == 200 and b"already a client called" in dup.content


def test_invite_dialog_fragment_has_locked_company(world, owner_http):
    url = reverse("accounts:contact-invite", kwargs={"client_id": world.client.pk})
    response = owner_http.get(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body  # a fragment for the dialog
    assert 'name="email"' in body and "Job title" in body
    assert re.search(
        r'name="company"[^>]*value="Secretco Payments"|value="Secretco Payments"[^>]*name="company"', body
    )
    assert "disabled" in body and "Send Invite" in body
    full = owner_http.get(url)
    assert b"<html" in full.content  # works without JavaScript too


def test_invite_sends_email_with_working_link_and_lists_contact(world, owner_http, client):
    url = reverse("accounts:contact-invite", kwargs={"client_id": world.client.pk})
    response = owner_http.post(
        url,
        {
            "email": "New.Person@Secretco.example",
            "name": "New Person",
            "job_title": "IT Lead",
            "company": "Evil Corp",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Trigger-After-Swap"] == "invite-sent"
    body = response.content.decode()
    assert "new.person@secretco.example" in body and "IT Lead" in body and 'hx-swap-oob="true"' in body
    contact = Contact.objects.get(email="new.person@secretco.example")
    assert contact.client == world.client and contact.company == "Secretco Payments"  # not "Evil Corp"
    assert Event.objects.filter(verb="contact.invited", target_id=str(contact.pk)).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@secretco.example"]
    assert "Alpha Assurance" in message.subject
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    link = re.search(r"/p/alpha/auth#t=[-\w]+", message.body).group(0)
    assert use_link(client, link).status_code == 302
    assert client.get("/p/alpha/").status_code == 200


def test_invite_errors_rerender_the_dialog_and_keep_input(world, owner_http):
    url = reverse("accounts:contact-invite", kwargs={"client_id": world.client.pk})
    response = owner_http.post(url, {"email": "not-an-email", "name": "Kept Name"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a valid email address" in body and 'value="Kept Name"' in body
    response = owner_http.post(url, {"email": world.other_contact.email}, HTTP_HX_REQUEST="true")
    assert b"already a contact of another client" in response.content
    assert mail.outbox == []


def test_invite_enables_the_portal_within_seats(world, owner_http):
    world.ws.plan = Plan.FREE
    world.ws.save()
    Client.objects.filter(workspace=world.ws).update(portal_enabled=False)
    fresh = Client.objects.create(workspace=world.ws, name="Fresh")
    url = reverse("accounts:contact-invite", kwargs={"client_id": fresh.pk})
    owner_http.post(url, {"email": "a@fresh.example"})
    fresh.refresh_from_db()
    assert fresh.portal_enabled
    url = reverse("accounts:contact-invite", kwargs={"client_id": world.client.pk})
    response = owner_http.post(url, {"email": "b@secretco.example"}, HTTP_HX_REQUEST="true")
    assert b"Free plan includes 1 client portal" in response.content
    assert not Contact.objects.filter(email="b@secretco.example").exists()


def test_revoke_ends_access_and_sessions_at_once(world, owner_http):
    http = portal_client(world.contact)
    url = reverse(
        "accounts:contact-revoke", kwargs={"client_id": world.client.pk, "contact_id": world.contact.pk}
    )
    response = owner_http.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Revoked" in response.content
    assert http.get("/p/alpha/").status_code == 302
    assert PortalSession.objects.get().ended_reason == "access_revoked"
    assert Contact.objects.get(pk=world.contact.pk).revoked_at is not None


def test_resend_sends_a_new_link_and_refuses_revoked(world, owner_http):
    url = reverse(
        "accounts:contact-resend", kwargs={"client_id": world.client.pk, "contact_id": world.contact.pk}
    )
    owner_http.post(url)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.contact.email]
    services.revoke_contact(contact=world.contact, actor=world.owner)
    response = owner_http.post(url, follow=True)
    assert b"access was revoked" in response.content
    assert len(mail.outbox) == 1


def test_reinvite_restores_a_revoked_contact(world, owner_http):
    services.revoke_contact(contact=world.contact, actor=world.owner)
    url = reverse("accounts:contact-invite", kwargs={"client_id": world.client.pk})
    owner_http.post(url, {"email": world.contact.email})
    assert Contact.objects.get(pk=world.contact.pk).revoked_at is None
    assert Contact.objects.filter(email=world.contact.email).count() == 1


def test_hub_lists_contacts_with_copy_url(world, owner_http):
    response = owner_http.get(reverse("accounts:client-detail", kwargs={"client_id": world.client.pk}))
    body = response.content.decode()
    assert "Invited Clients" in body and "pat@secretco.example" in body and "CISO" in body
    assert f'data-copy="{settings.SITE_URL}/p/alpha/login?email=pat%40secretco.example"' in body
    assert "sam@othercorp.example" not in body  # another client's contact


def test_seat_limit_on_free_plan(world, owner_http):
    world.ws.plan = Plan.FREE
    world.ws.save()
    assert world.ws.portal_seats_used() == 2  # fixtures start over the limit: a downgrade case
    services.disable_portal(client=world.other_client, actor=world.owner)
    third = Client.objects.create(workspace=world.ws, name="Third")
    response = owner_http.post(reverse("accounts:portal-enable", kwargs={"client_id": third.pk}), follow=True)
    assert b"Free plan includes 1 client portal" in response.content
    assert not Client.objects.get(pk=third.pk).portal_enabled
    world.ws.plan = Plan.SOLO
    world.ws.save()
    owner_http.post(reverse("accounts:portal-enable", kwargs={"client_id": third.pk}))
    assert Client.objects.get(pk=third.pk).portal_enabled


def test_enable_disable_and_revoke_sessions_buttons(world, owner_http):
    http = portal_client(world.contact)
    kw = {"client_id": world.client.pk}
    response = owner_http.post(reverse("accounts:portal-revoke-sessions", kwargs=kw), follow=True)
    assert b"Ended 1 session" in response.content
    assert http.get("/p/alpha/").status_code == 302
    http = portal_client(Contact.objects.get(pk=world.contact.pk))
    owner_http.post(reverse("accounts:portal-disable", kwargs=kw))
    assert http.get("/p/alpha/").status_code == 302
    assert not Client.objects.get(pk=world.client.pk).portal_enabled
    owner_http.post(reverse("accounts:portal-enable", kwargs=kw))
    assert Client.objects.get(pk=world.client.pk).portal_enabled
    verbs = list(Event.objects.filter(client=world.client).values_list("verb", flat=True))
    assert {"portal.sessions_revoked", "portal.disabled", "portal.enabled"} <= set(verbs)


def test_visibility_toggles_save(world, owner_http):
    url = reverse("accounts:portal-visibility", kwargs={"client_id": world.client.pk})
    # A key of a section that is not registered here (an app not installed) keeps its stored value.
    Client.objects.filter(pk=world.client.pk).update(hidden_sections=",invoices,")
    owner_http.post(url, {})  # every registered section unticked
    c = Client.objects.get(pk=world.client.pk)
    assert not c.shows("assessments") and not c.shows("invoices")
    owner_http.post(url, {"show_assessments": "on"})
    c = Client.objects.get(pk=world.client.pk)
    assert c.shows("assessments") and not c.shows("invoices")
    page = owner_http.get(reverse("accounts:client-detail", kwargs={"client_id": world.client.pk}))
    assert page.context["visibility_form"].fields["show_assessments"].initial is True


def test_state_changes_need_post(world, owner_http):
    for name in ["portal-enable", "portal-disable", "portal-revoke-sessions"]:
        assert (
            owner_http.get(reverse(f"accounts:{name}", kwargs={"client_id": world.client.pk})).status_code
            == 405
        )


def test_csrf_is_enforced_on_posts(world):
    from django.test import Client as HttpClient

    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(world.owner)
    response = http.post(reverse("accounts:portal-disable", kwargs={"client_id": world.client.pk}))
    assert response.status_code == 403
    assert Client.objects.get(pk=world.client.pk).portal_enabled
