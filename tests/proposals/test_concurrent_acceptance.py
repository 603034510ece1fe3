"""Two browsers, or one double-clicking, accepting at the same moment on real PostgreSQL: exactly one
acceptance, one event, a chain that verifies; an accept racing a decline leaves one consistent outcome."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.urls import reverse

from activity.models import Event
from activity.services import verify_chain
from proposals.models import ProposalStatus, Signature
from tests.conftest import portal_client
from tests.factories import ContactFactory
from tests.proposals.helpers import accept_form, sent_proposal

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls) -> list:
    """Run the calls at once (a barrier releases them together); returns their responses."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int, call) -> None:
        try:
            start.wait()
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def test_concurrent_acceptances_make_exactly_one(world):
    proposal = sent_proposal(world)
    colleague = ContactFactory(client=world.client, email="kim@secretco.example", name="Kim Secret")
    path = reverse("portal:proposal-accept", kwargs={"slug": "alpha", "proposal_id": proposal.pk})
    first, double, other = (
        portal_client(world.contact),
        portal_client(world.contact),
        portal_client(colleague),
    )
    data = accept_form(proposal)
    responses = _race(
        [
            lambda: first.post(path, data),
            lambda: double.post(path, data),  # the same person's second click, on another connection
            lambda: other.post(path, {**data, "signer_name": "Kim Secret"}),
        ]
    )
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert Signature.objects.filter(proposal=proposal).count() == 1
    assert Event.objects.filter(verb="proposal.accepted", chain_key=proposal.audit_chain_key).count() == 1
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert verify_chain(proposal.audit_chain_key).ok


def test_accept_racing_a_decline_leaves_one_outcome(world):
    proposal = sent_proposal(world)
    colleague = ContactFactory(client=world.client, email="kim@secretco.example", name="Kim Secret")
    kw = {"slug": "alpha", "proposal_id": proposal.pk}
    accepter, decliner = portal_client(world.contact), portal_client(colleague)
    _race(
        [
            lambda: accepter.post(reverse("portal:proposal-accept", kwargs=kw), accept_form(proposal)),
            lambda: decliner.post(
                reverse("portal:proposal-decline", kwargs=kw),
                {"version": proposal.current_version_id, "reason": "No"},
            ),
        ]
    )
    proposal.refresh_from_db()
    signatures = Signature.objects.filter(proposal=proposal).count()
    verbs = set(
        Event.objects.filter(
            chain_key=proposal.audit_chain_key, verb__in=["proposal.accepted", "proposal.declined"]
        ).values_list("verb", flat=True)
    )
    if proposal.status == ProposalStatus.ACCEPTED:
        assert signatures == 1 and verbs == {"proposal.accepted"}
    else:
        assert (
            proposal.status == ProposalStatus.DECLINED and signatures == 0 and verbs == {"proposal.declined"}
        )
