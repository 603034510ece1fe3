"""Inviting from the client page: staff choose what to share (open assessments ticked), the contacts table
says what each contact can see, and a portal switched on by the invite shows as on at once."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import Client, Contact
from assessments.models import AssessmentAccess, AssessmentStatus
from tests.factories import AssessmentFactory


def _invite_url(world):
    return reverse("accounts:contact-invite", kwargs={"client_id": world.client.pk})


def test_the_dialog_offers_the_clients_assessments_open_ones_ticked(world, owner_http):
    open_one = AssessmentFactory(client=world.client, name="ROC 2026", status=AssessmentStatus.IN_PROGRESS)
    done = AssessmentFactory(client=world.client, name="ROC 2025", status=AssessmentStatus.COMPLETED)
    AssessmentFactory(client=world.other_client, name="Othercorp ROC")  # another client's: never offered
    form = owner_http.get(_invite_url(world), headers={"hx-request": "true"}).context["form"]
    field = form.fields["share_assessments"]
    assert dict(field.choices) == {str(done.pk): "ROC 2025", str(open_one.pk): "ROC 2026"}
    assert field.initial == [str(open_one.pk)]
    # From an assessment's page the dialog shares that assessment only: no choice offered.
    url = reverse("assessments:assessment-invite", kwargs={"assessment_id": open_one.pk})
    assert (
        "share_assessments" not in owner_http.get(url, headers={"hx-request": "true"}).context["form"].fields
    )


def test_inviting_shares_the_chosen_assessments_and_the_table_says_so(world, owner_http):
    chosen = AssessmentFactory(client=world.client, name="ROC 2026")
    AssessmentFactory(client=world.client, name="Gap 2026")
    foreign = AssessmentFactory(client=world.outsider_client, name="Bravo ROC")
    response = owner_http.post(
        _invite_url(world),
        {"email": "new@secretco.example", "name": "New Person", "share_assessments": [str(chosen.pk)]},
        headers={"hx-request": "true"},
    )
    assert response.status_code == 200
    contact = Contact.objects.get(email="new@secretco.example")
    assert list(
        AssessmentAccess.objects.filter(contact=contact).values_list("assessment__name", flat=True)
    ) == ["ROC 2026"]
    # A forged id of another workspace's assessment is not a valid choice: nothing is granted for it.
    owner_http.post(
        _invite_url(world),
        {"email": "forger@secretco.example", "share_assessments": [str(foreign.pk)]},
        headers={"hx-request": "true"},
    )
    assert not AssessmentAccess.objects.filter(assessment=foreign, contact__workspace=world.ws).exists()
    page = owner_http.get(reverse("accounts:client-detail", kwargs={"client_id": world.client.pk}))
    shared = {c.email: c.shared for c in page.context["contacts"]}
    assert shared["new@secretco.example"] == ["ROC 2026"]
    assert shared["pat@secretco.example"] == []
    assert "Nothing shared yet" in page.content.decode()


def test_a_portal_switched_on_by_the_invite_shows_on_without_a_reload(world, owner_http):
    Client.objects.filter(pk=world.client.pk).update(portal_enabled=False)
    response = owner_http.post(
        _invite_url(world), {"email": "first@secretco.example"}, headers={"hx-request": "true"}
    )
    body = response.content.decode()
    assert Client.objects.get(pk=world.client.pk).portal_enabled
    status = body[body.index('id="portal-status"') :][:200]
    assert 'hx-swap-oob="true"' in status and "Enabled" in status
    access = body[body.index('id="portal-access"') :][:400]
    assert 'hx-swap-oob="true"' in access and "Disable portal" in body
