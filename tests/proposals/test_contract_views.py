"""The first time a contact opens a contract in the portal is recorded (once, with IP and browser, audited),
shown to staff on the contract and named in the signature's timeline; a staff preview records nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.middleware import PREVIEW_SESSION_KEY
from activity.models import Event
from proposals import canonical, services, signing
from proposals.models import ContractView, Signature
from tests.conftest import portal_client, staff_client
from tests.proposals.helpers import signer

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_contract(world):
    contract = services.create_contract(
        workspace=world.ws, client=world.client, actor=world.owner, title="Retainer", body_markdown="Terms."
    )
    return services.send_contract(contract=contract, actor=world.owner)


def page(contract) -> str:
    return reverse("portal:contract-detail", kwargs={"slug": "alpha", "contract_id": contract.pk})


def test_the_first_view_is_recorded_once_and_shown_to_staff(world, sent_contract):
    http = portal_client(world.contact)
    for _ in range(3):
        assert (
            http.get(page(sent_contract), REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Phone/1.0").status_code
            == 200
        )
    view = ContractView.objects.get()
    assert (view.contact, view.ip, view.user_agent) == (world.contact, "203.0.113.9", "Phone/1.0")
    assert Event.objects.filter(verb="contract.viewed", target_id=sent_contract.pk).count() == 1
    staff_page = staff_client(world.owner).get(reverse("proposals:contract-detail", args=[sent_contract.pk]))
    body = staff_page.content.decode()
    assert "First views" in body and world.contact.email in body and "203.0.113.9" in body
    # The client's own history does not list it (a staff-audience verb).
    assert "opened" not in http.get(page(sent_contract)).content.decode().split('id="history"')[1]


def test_a_staff_preview_records_nothing(world, sent_contract):
    staff = staff_client(world.owner)
    session = staff.session
    session[PREVIEW_SESSION_KEY] = world.contact.pk
    session.save()
    assert staff.get(page(sent_contract)).status_code == 200
    assert not ContractView.objects.exists()
    assert not Event.objects.filter(verb="contract.viewed").exists()


def test_the_signature_timeline_names_the_first_view(world, sent_contract):
    portal_client(world.contact).get(page(sent_contract), REMOTE_ADDR="203.0.113.9")
    signing.sign_contract(
        contract=sent_contract,
        signer=signer(world.contact),
        content_sha256_seen=canonical.contract_sha256(sent_contract),
    )
    timeline = Signature.objects.get(contract=sent_contract).timeline
    assert [s["step"] for s in timeline] == ["sent", "first_viewed", "consent", "signed"]
    viewed = timeline[1]
    assert viewed["ip"] == "203.0.113.9" and world.contact.email in viewed["by"]


def test_a_contract_nobody_opened_says_so(world, sent_contract):
    body = staff_client(world.owner).get(reverse("proposals:contract-detail", args=[sent_contract.pk]))
    assert "No contact has opened it in the portal yet." in body.content.decode()
