from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, Plan, Role, Workspace
from activity.models import Event


def _confirmation_path(message) -> str:
    return re.search(r"/app/confirm-email/[-\w]+/[-\w]+", message.body).group(0)


@pytest.mark.django_db
def test_signup_creates_free_workspace_with_owner_and_signs_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:signup"),
            {
                "workspace_name": "Kite & Co Assessors",
                "full_name": "Kim",
                "email": "Kim@Kite.example",
                "password": "a-long-unusual-pass-77",
            },
        )
    assert response.status_code == 302
    # Sign-up no longer signs in (it answers the same for a taken address): the confirmation link does.
    assert client.post(_confirmation_path(mail.outbox[0])).status_code == 302
    ws = Workspace.objects.get()
    assert ws.slug == "kite-co-assessors"
    assert ws.plan == Plan.FREE
    m = Membership.objects.get()
    assert m.role == Role.OWNER and m.user.email == "kim@kite.example"
    assert Event.objects.filter(workspace=ws, verb="workspace.created").exists()
    assert client.get(reverse("accounts:client-list")).status_code == 200


@pytest.mark.django_db
def test_signup_rejects_weak_password_and_keeps_input(client):
    response = client.post(
        reverse("accounts:signup"),
        {"workspace_name": "Kite", "email": "kim@kite.example", "password": "password"},
    )
    assert response.status_code == 200
    assert Workspace.objects.count() == 0
    body = response.content.decode()
    assert "too common" in body or "too short" in body
    assert 'value="Kite"' in body  # nothing typed is lost


@pytest.mark.django_db
def test_signup_reserved_slug_and_duplicates(client):
    from accounts.services import unique_slug

    assert unique_slug("Admin") == "admin-ws"
    Workspace.objects.create(name="X", slug="acme")
    assert unique_slug("Acme") == "acme-2"


SIGNUP = {"workspace_name": "Kite", "full_name": "Kim", "password": "a-long-unusual-pass-77"}


def _without_tokens(html: bytes) -> bytes:
    html = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)
    html = re.sub(rb'"X-CSRFToken": "[^"]+"', b"", html)
    return re.sub(rb'nonce="[^"]+"', b"", html)


@pytest.mark.django_db
def test_signup_answers_the_same_for_a_taken_address_and_mails_its_owner(
    world, client, django_capture_on_commit_callbacks
):
    url = reverse("accounts:signup")
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(url, {**SIGNUP, "email": "OWNER@alpha.example"}, follow=True)
        fresh = client.post(url, {**SIGNUP, "email": "new.person@kite.example"}, follow=True)
    assert taken.status_code == fresh.status_code == 200
    assert taken.redirect_chain == fresh.redirect_chain == [(reverse("accounts:signup-sent"), 302)]
    assert _without_tokens(taken.content) == _without_tokens(fresh.content)
    assert b"already exists" not in taken.content
    assert "_auth_user_id" not in client.session
    assert Workspace.objects.filter(name="Kite").count() == 1  # only the fresh address got one
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"owner@alpha.example", "new.person@kite.example"}
    assert "No new account was made" in by_recipient["owner@alpha.example"].body
    assert "/app/confirm-email/" in by_recipient["new.person@kite.example"].body


@pytest.mark.django_db
def test_a_new_workspace_confirms_its_owner_before_inviting(client, django_capture_on_commit_callbacks):
    from accounts.models import Client, Contact

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), {**SIGNUP, "email": "kim@kite.example"})
    confirmation = _confirmation_path(mail.outbox[0])
    client.login(username="kim@kite.example", password=SIGNUP["password"])  # the password works meanwhile
    acme = Client.objects.create(workspace=Workspace.objects.get(), name="Acme")
    invite = reverse("accounts:contact-invite", kwargs={"client_id": acme.pk})
    refused = client.post(invite, {"email": "victim@elsewhere.example"})
    assert refused.status_code == 200
    assert b"Confirm your email address before inviting anyone" in refused.content
    assert not Contact.objects.exists() and len(mail.outbox) == 1

    assert client.get(confirmation).status_code == 200  # GET (a mail scanner) confirms nothing
    assert client.post(invite, {"email": "victim@elsewhere.example"}).status_code == 200
    assert client.post(confirmation).status_code == 302
    assert client.post(confirmation).status_code == 400  # single use
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(invite, {"email": "cfo@acme.example"}).status_code == 302
    assert Contact.objects.get().email == "cfo@acme.example"


@pytest.mark.django_db
def test_staff_passwords_need_twelve_characters(client):
    response = client.post(
        reverse("accounts:signup"), {**SIGNUP, "email": "kim@kite.example", "password": "xq7!vb2#mp9"}
    )
    assert "at least 12 characters" in response.content.decode()
    assert Workspace.objects.count() == 0
