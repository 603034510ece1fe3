from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership, Plan, Role, Workspace
from activity.models import Event


@pytest.mark.django_db
def test_signup_creates_free_workspace_with_owner_and_signs_in(client):
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
