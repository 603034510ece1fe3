from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import Status
from tests.assessments.conftest import make_evidence
from tests.conftest import portal_client
from tests.factories import EvidenceRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ev(world):
    return make_evidence(world)


def test_dashboard_lists_what_needs_the_clients_attention(world, ev):
    today = timezone.localdate()
    ev.request.status = Status.CHANGES_REQUESTED
    ev.request.submission_round = 1
    ev.request.save()
    EvidenceRequestFactory(
        assessment=ev.assessment, requirement="8.2.1", title="Overdue MFA", due_date=today - timedelta(days=1)
    )
    EvidenceRequestFactory(
        assessment=ev.assessment, requirement="9.1", title="Far future", due_date=today + timedelta(days=60)
    )
    EvidenceRequestFactory(
        assessment=ev.assessment,
        requirement="10.1",
        title="Waiting on assessor",
        status=Status.SUBMITTED,
        due_date=today,
    )
    EvidenceRequestFactory(
        assessment=ev.other_assessment,
        requirement="3.3",
        title="Othercorp thing",
        status=Status.CHANGES_REQUESTED,
    )
    body = portal_client(world.contact).get("/p/alpha/").content.decode()
    section = body[
        body.index('id="needs-attention"') : body.index("</section>", body.index('id="needs-attention"'))
    ]
    assert section.index("Network diagram") < section.index("Overdue MFA")  # changes requested first
    assert "Overdue ·" in section
    for absent in ("Far future", "Waiting on assessor", "Othercorp thing"):
        assert absent not in section


def test_changes_requested_page_explains_that_a_resubmission_replaces_files(world, ev):
    ev.request.status = Status.CHANGES_REQUESTED
    ev.request.submission_round = 1
    ev.request.save()
    body = portal_client(world.contact).get(f"/p/alpha/requests/{ev.request.pk}/").content.decode()
    assert 'id="resubmit-hint"' in body and "replaces the files you submitted before" in body
