"""The approval state machine (projects/approval.py): every edge, every refusal, decisions per version."""

from __future__ import annotations

import pytest
from django.core import mail

from activity.models import Event
from projects import approval, services
from projects.models import ApprovalDecision, ApprovalStatus, Decision
from tests.factories import ContactFactory
from tests.projects.conftest import pdf_upload

pytestmark = pytest.mark.django_db

S = ApprovalStatus


def _status(deliverable) -> str:
    deliverable.refresh_from_db()
    return deliverable.approval_status


def test_the_table_of_moves_is_the_documented_one():
    assert approval.TRANSITIONS == {
        (S.NOT_REQUIRED, S.PENDING): "staff",
        (S.PENDING, S.NOT_REQUIRED): "staff",
        (S.PENDING, S.APPROVED): "client",
        (S.PENDING, S.CHANGES_REQUESTED): "client",
        (S.APPROVED, S.PENDING): "staff",
        (S.CHANGES_REQUESTED, S.PENDING): "staff",
    }


def test_client_approves_the_current_version_and_staff_are_emailed(
    world, deliverable, django_capture_on_commit_callbacks
):
    version = deliverable.current_version
    with django_capture_on_commit_callbacks(execute=True):
        approval.transition(
            deliverable=deliverable,
            to=S.APPROVED,
            contact=world.contact,
            version_id=version.pk,
            ip="10.0.0.1",
        )
    assert _status(deliverable) == S.APPROVED
    decision = ApprovalDecision.objects.get(deliverable=deliverable)
    assert (decision.version, decision.decision, decision.contact, decision.ip) == (
        version,
        Decision.APPROVED,
        world.contact,
        "10.0.0.1",
    )
    event = Event.objects.filter(verb="deliverable.approved").get()
    assert event.actor_contact == world.contact and event.data["version"] == 1
    assert [m.to for m in mail.outbox] == [[world.owner.email]]
    assert "approved Wireframes" in mail.outbox[0].subject


def test_request_changes_needs_a_comment(world, deliverable):
    with pytest.raises(approval.TransitionError, match="comment is required"):
        approval.transition(
            deliverable=deliverable, to=S.CHANGES_REQUESTED, contact=world.contact, comment="  "
        )
    assert _status(deliverable) == S.PENDING
    assert not ApprovalDecision.objects.exists()
    approval.transition(
        deliverable=deliverable, to=S.CHANGES_REQUESTED, contact=world.contact, comment="Bigger logo"
    )
    assert _status(deliverable) == S.CHANGES_REQUESTED
    assert ApprovalDecision.objects.get().comment == "Bigger logo"


def test_a_new_version_resets_the_decision_and_earlier_ones_are_kept(world, deliverable):
    approval.transition(deliverable=deliverable, to=S.CHANGES_REQUESTED, contact=world.contact, comment="No")
    v2 = services.upload_version(deliverable=deliverable, upload=pdf_upload("v2.pdf", "v2"), user=world.owner)
    assert _status(deliverable) == S.PENDING
    assert (deliverable.current_version, deliverable.version_count, v2.number) == (v2, 2, 2)
    assert deliverable.versions.count() == 2
    # The old decision stays on record, on v1; v2 is decided afresh.
    approval.transition(deliverable=deliverable, to=S.APPROVED, contact=world.contact, version_id=v2.pk)
    assert list(ApprovalDecision.objects.order_by("id").values_list("version__number", "decision")) == [
        (1, Decision.CHANGES_REQUESTED),
        (2, Decision.APPROVED),
    ]
    # Approved, then another version: pending again.
    services.upload_version(deliverable=deliverable, upload=pdf_upload("v3.pdf", "v3"), user=world.owner)
    assert _status(deliverable) == S.PENDING


def test_a_decision_on_a_superseded_version_is_refused(world, deliverable):
    v1 = deliverable.current_version
    services.upload_version(deliverable=deliverable, upload=pdf_upload("v2.pdf", "v2"), user=world.owner)
    with pytest.raises(approval.TransitionError, match="newer version"):
        approval.transition(deliverable=deliverable, to=S.APPROVED, contact=world.contact, version_id=v1.pk)
    assert _status(deliverable) == S.PENDING


def test_decided_versions_cannot_be_decided_again(world, deliverable):
    approval.transition(deliverable=deliverable, to=S.APPROVED, contact=world.contact)
    for to in (S.APPROVED, S.CHANGES_REQUESTED):
        with pytest.raises(approval.TransitionError):
            approval.transition(deliverable=deliverable, to=to, contact=world.contact, comment="again")
    # Staff cannot reopen it without a new version either.
    with pytest.raises(approval.TransitionError, match="new version"):
        approval.transition(deliverable=deliverable, to=S.PENDING, user=world.owner)
    assert ApprovalDecision.objects.count() == 1


def test_staff_cannot_decide_for_the_client_and_clients_cannot_ask(world, deliverable):
    with pytest.raises(approval.TransitionError, match="Only the client"):
        approval.transition(deliverable=deliverable, to=S.APPROVED, user=world.owner)
    with pytest.raises(approval.TransitionError, match="Only the studio"):
        approval.transition(deliverable=deliverable, to=S.NOT_REQUIRED, contact=world.contact)
    with pytest.raises(approval.TransitionError, match="Exactly one"):
        approval.transition(deliverable=deliverable, to=S.APPROVED)
    with pytest.raises(approval.TransitionError, match="Exactly one"):
        approval.transition(deliverable=deliverable, to=S.APPROVED, user=world.owner, contact=world.contact)
    assert _status(deliverable) == S.PENDING


def test_outsiders_are_refused(world, deliverable):
    with pytest.raises(approval.TransitionError, match="another client"):
        approval.transition(deliverable=deliverable, to=S.APPROVED, contact=world.other_contact)
    with pytest.raises(approval.TransitionError, match="another client"):
        approval.transition(deliverable=deliverable, to=S.APPROVED, contact=world.outsider_contact)
    with pytest.raises(approval.TransitionError, match="staff of this workspace"):
        approval.transition(deliverable=deliverable, to=S.NOT_REQUIRED, user=world.outsider_staff)
    assert _status(deliverable) == S.PENDING and not ApprovalDecision.objects.exists()


def test_staff_ask_for_approval_and_withdraw(world, project, django_capture_on_commit_callbacks):
    d = services.create_deliverable(project=project, upload=pdf_upload(), user=world.owner, title="Logo")
    assert _status(d) == S.NOT_REQUIRED
    with pytest.raises(approval.TransitionError):
        approval.transition(deliverable=d, to=S.APPROVED, contact=world.contact)
    with django_capture_on_commit_callbacks(execute=True):
        approval.transition(deliverable=d, to=S.PENDING, user=world.owner)
    assert _status(d) == S.PENDING
    assert [m.to for m in mail.outbox] == [[world.contact.email]]
    assert "Please review Logo" in mail.outbox[0].subject
    approval.transition(deliverable=d, to=S.NOT_REQUIRED, user=world.owner)
    assert _status(d) == S.NOT_REQUIRED
    assert [
        e.verb
        for e in Event.objects.filter(target_type="projects.deliverable", target_id=str(d.pk)).order_by("id")
    ] == [
        "deliverable.uploaded",
        "deliverable.approval_requested",
        "deliverable.approval_withdrawn",
    ]


def test_unknown_status_and_no_version_are_refused(world, project, deliverable):
    with pytest.raises(approval.TransitionError, match="Unknown"):
        approval.transition(deliverable=deliverable, to="shipped", user=world.owner)
    from projects.models import Deliverable

    empty = Deliverable.objects.create(project=project, title="Nothing yet")
    with pytest.raises(approval.TransitionError, match="Upload a file first"):
        approval.transition(deliverable=empty, to=S.PENDING, user=world.owner)


def test_revoked_contact_scope_is_empty(world, deliverable):
    from projects.models import Deliverable

    revoked = ContactFactory(client=world.client, email="gone@secretco.example")
    from accounts.services import revoke_contact

    revoke_contact(contact=revoked, actor=world.owner)
    revoked.refresh_from_db()
    assert not Deliverable.objects.for_contact(revoked).exists()
    assert Deliverable.objects.for_contact(world.contact).get() == deliverable
