"""Proposal and contract mails are sent once per recipient per outbox row, like invoice mails: when the SMTP
server fails on the second contact and the row runs again, the first is not mailed twice."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from activity.models import OutboxMessage
from proposals import workflow
from proposals.handlers import contact_recipients
from proposals.models import PROPOSALS_SECTION
from tests.billing.test_email_recipients import (  # noqa: F401 (flaky_smtp: a fixture)
    flaky_smtp,
    run_failing_on_the_second_then_retried,
)
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_a_retried_proposal_mail_reaches_each_contact_once(world, draft_proposal, flaky_smtp):  # noqa: F811
    ContactFactory(client=world.client, email="kim@secretco.example", name="Kim Secret")
    first, second = contact_recipients(world.client, PROPOSALS_SECTION)  # the order they are mailed in
    flaky_smtp.add(second.email)
    workflow.send_proposal(
        proposal=draft_proposal,
        actor=world.owner,
        expires_on=draft_proposal.expires_on,
        ip="198.51.100.7",
        user_agent="StaffBrowser/1.0",
    )
    run_failing_on_the_second_then_retried(
        OutboxMessage.objects.get(handler="proposals.sent_email"), first, second
    )
    link = reverse("portal:proposal-detail", kwargs={"slug": "alpha", "proposal_id": draft_proposal.pk})
    assert all(link in m.body for m in mail.outbox)  # each one the real proposal mail
