"""The state machine: every allowed edge, every refused one, for staff and for contacts."""

from __future__ import annotations

import itertools

import pytest
from django.core import mail

from activity.models import Event
from assessments.models import EvidenceRequest, Status
from assessments.workflow import EDGES, STAFF, TransitionError, allowed_targets, transition
from tests.factories import EvidenceFileFactory

ALLOWED = {
    (Status.OPEN, Status.SUBMITTED): "client",
    (Status.CHANGES_REQUESTED, Status.SUBMITTED): "client",
    (Status.SUBMITTED, Status.UNDER_REVIEW): "staff",
    (Status.UNDER_REVIEW, Status.ACCEPTED): "staff",
    (Status.UNDER_REVIEW, Status.CHANGES_REQUESTED): "staff",
    (Status.OPEN, Status.WAIVED): "staff",
    (Status.SUBMITTED, Status.WAIVED): "staff",
    (Status.UNDER_REVIEW, Status.WAIVED): "staff",
    (Status.CHANGES_REQUESTED, Status.WAIVED): "staff",
}
ALL_PAIRS = list(itertools.product(Status.values, Status.values))


def _at(evidence: EvidenceRequest, status: str, with_file: bool = True) -> EvidenceRequest:
    EvidenceRequest.objects.filter(pk=evidence.pk).update(status=status)
    evidence.refresh_from_db()
    if with_file:
        EvidenceFileFactory(request=evidence)
    return evidence


def _act(world, evidence, target, who):
    kwargs = {"user": world.owner} if who == "staff" else {"contact": world.contact}
    return transition(evidence=evidence, to=target, note="A note", **kwargs)


def test_edges_table_is_the_design():
    assert {(e.source, e.target): e.actor for e in EDGES} == ALLOWED


@pytest.mark.parametrize(("source", "target"), list(ALLOWED))
def test_allowed_edge_by_its_actor(world, ev, source, target):
    evidence = _at(ev.request, source)
    events_before = Event.objects.count()
    result = _act(world, evidence, target, ALLOWED[(source, target)])
    evidence.refresh_from_db()
    assert result.status == target == evidence.status
    event = Event.objects.get(verb=f"evidence.{target}", target_id=str(evidence.pk))
    assert event.data["from"] == source and event.client_id == world.client.pk
    assert Event.objects.count() == events_before + 1


@pytest.mark.parametrize(("source", "target"), list(ALLOWED))
def test_allowed_edge_refused_for_the_other_side(world, ev, source, target):
    evidence = _at(ev.request, source)
    wrong = "client" if ALLOWED[(source, target)] == "staff" else "staff"
    with pytest.raises(TransitionError, match="Only the"):
        _act(world, evidence, target, wrong)
    evidence.refresh_from_db()
    assert evidence.status == source


@pytest.mark.parametrize(("source", "target"), [p for p in ALL_PAIRS if p not in ALLOWED])
@pytest.mark.parametrize("who", ["staff", "client"])
def test_every_other_edge_is_refused(world, ev, source, target, who):
    evidence = _at(ev.request, source)
    with pytest.raises(TransitionError, match="cannot be moved"):
        _act(world, evidence, target, who)
    evidence.refresh_from_db()
    assert evidence.status == source
    assert not Event.objects.filter(verb__startswith="evidence.", target_id=str(evidence.pk)).exists()


def test_submit_needs_a_file(world, ev):
    with pytest.raises(TransitionError, match="at least one file"):
        transition(evidence=ev.request, to=Status.SUBMITTED, contact=world.contact)
    ev.request.refresh_from_db()
    assert ev.request.status == Status.OPEN


@pytest.mark.parametrize("target", [Status.CHANGES_REQUESTED, Status.WAIVED])
def test_changes_and_waive_need_a_note(world, ev, target):
    evidence = _at(ev.request, Status.UNDER_REVIEW)
    with pytest.raises(TransitionError):
        transition(evidence=evidence, to=target, user=world.owner, note="   ")
    evidence.refresh_from_db()
    assert evidence.status == Status.UNDER_REVIEW


def test_staff_of_another_workspace_and_uninvited_contacts_are_refused(world, ev):
    submitted = _at(ev.request, Status.SUBMITTED)
    with pytest.raises(TransitionError, match="not on this workspace"):
        transition(evidence=submitted, to=Status.UNDER_REVIEW, user=world.outsider_staff)
    opened = _at(ev.other_request, Status.OPEN)
    with pytest.raises(TransitionError, match="access"):
        transition(evidence=opened, to=Status.SUBMITTED, contact=world.contact)
    with pytest.raises(TransitionError, match="access"):  # a contact of the right client, not invited
        from tests.factories import ContactFactory

        colleague = ContactFactory(client=world.client)
        transition(evidence=_at(ev.request, Status.OPEN), to=Status.SUBMITTED, contact=colleague)


def test_full_round_trip_counts_rounds_and_notifies_each_side(world, ev, django_capture_on_commit_callbacks):
    EvidenceFileFactory(request=ev.request)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        evidence = transition(evidence=ev.request, to=Status.SUBMITTED, contact=world.contact)
    assert evidence.submission_round == 1
    assert [m.to for m in mail.outbox] == [[world.owner.email]]  # the assessment lead
    assert "Evidence submitted" in mail.outbox[0].subject

    with django_capture_on_commit_callbacks(execute=True):
        transition(evidence=evidence, to=Status.UNDER_REVIEW, user=world.owner)
        evidence = transition(
            evidence=evidence, to=Status.CHANGES_REQUESTED, user=world.owner, note="Add the 2026 one"
        )
    assert evidence.reviewer_notes == "Add the 2026 one"
    assert mail.outbox[-1].to == [world.contact.email]
    assert "Add the 2026 one" in mail.outbox[-1].body

    EvidenceFileFactory(request=evidence)
    evidence = transition(evidence=evidence, to=Status.SUBMITTED, contact=world.contact)
    assert evidence.submission_round == 2
    transition(evidence=evidence, to=Status.UNDER_REVIEW, user=world.member)
    evidence = transition(evidence=evidence, to=Status.ACCEPTED, user=world.member)
    assert evidence.status == Status.ACCEPTED and evidence.reviewed_at is not None


def test_allowed_targets_for_buttons():
    assert [e.target for e in allowed_targets(Status.UNDER_REVIEW, STAFF)] == [
        Status.ACCEPTED,
        Status.CHANGES_REQUESTED,
        Status.WAIVED,
    ]
    assert allowed_targets(Status.ACCEPTED, STAFF) == []
