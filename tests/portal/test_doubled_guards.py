"""Guards that come in pairs, each tested alone: every test here fails if only its own guard is removed,
because the state it builds is exactly the one the twin guard would otherwise have caught."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Client as ClientModel
from accounts.models import LinkPurpose, MagicLink, PortalSession
from assessments.models import Assessment
from tests.conftest import open_link, portal_client, use_link
from tests.factories import AssessmentAccessFactory, AssessmentFactory, EvidenceRequestFactory


@pytest.mark.django_db
def test_an_access_row_to_another_clients_assessment_shows_nothing(world):
    """`Assessment.objects.for_contact` filters on the contact's client, beside the access row."""
    foreign = AssessmentFactory(client=world.other_client, name="Othercorp ROC")
    evidence_request = EvidenceRequestFactory(assessment=foreign)
    # A stray access row (a bug elsewhere, a hand edit) pointing Pat at Othercorp's assessment.
    AssessmentAccessFactory(assessment=foreign, contact=world.contact)
    assert list(Assessment.objects.for_contact(world.contact)) == []
    http = portal_client(world.contact)
    listing = http.get(reverse("portal:assessment-list", kwargs={"slug": "alpha"}))
    assert listing.status_code == 200 and b"Othercorp ROC" not in listing.content
    detail = reverse("portal:assessment-detail", kwargs={"slug": "alpha", "assessment_id": foreign.pk})
    assert http.get(detail).status_code == 404
    request_url = reverse(
        "portal:request-detail", kwargs={"slug": "alpha", "request_id": evidence_request.pk}
    )
    assert http.get(request_url).status_code == 404


@pytest.mark.django_db
def test_a_used_links_confirmation_page_says_already_used(world, client):
    """`_check_link` refuses a used link before anything else: the page never offers to sign in again.
    (Only its check stands here: the page spends nothing, so the conditional UPDATE never runs.)"""
    link = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    assert use_link(Client(), link).status_code == 302
    response = open_link(client, link)
    assert response.status_code == 400
    assert b"already been used" in response.content
    assert b'value="sign-in"' not in response.content


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_of_one_link_make_one_session(world):
    """The conditional UPDATE in `consume_magic_link`: both requests pass `_check_link` (the link is
    unused when each looks), then race to spend it. A row lock held here makes the race certain: both
    requests are parked on the UPDATE before either may go on."""
    link = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    row = MagicLink.objects.get()
    results: list[int] = []

    def press_sign_in() -> None:
        try:
            results.append(use_link(Client(), link).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press_sign_in) for _ in range(2)]
    with transaction.atomic():
        MagicLink.objects.select_for_update().get(pk=row.pk)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                # Statistics views are a snapshot per transaction: drop it to see the waiters arrive.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                waiting = cursor.fetchone()[0]
                if waiting >= 2:
                    break
            time.sleep(0.02)
        else:
            pytest.fail("the two sign-ins never both reached the UPDATE")
    for thread in threads:
        thread.join(15)
    assert sorted(results) == [302, 400]
    assert PortalSession.objects.count() == 1


@pytest.mark.django_db
def test_a_session_of_a_disabled_portal_is_refused_even_if_not_ended(world):
    """`resolve_portal_session` checks the client's portal, beside `disable_portal` ending sessions."""
    http = portal_client(world.contact)
    dashboard = reverse("portal:dashboard", kwargs={"slug": "alpha"})
    assert http.get(dashboard).status_code == 200
    # Switched off without ending sessions (a data fix, an admin edit, a future code path).
    ClientModel.objects.filter(pk=world.client.pk).update(portal_enabled=False)
    assert PortalSession.objects.live().count() == 1
    response = http.get(dashboard)
    assert response.status_code == 302 and response["Location"].startswith("/p/alpha/login")
