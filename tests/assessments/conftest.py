from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import AssessmentAccessFactory, AssessmentFactory, EvidenceRequestFactory


@dataclass
class Evidence:
    assessment: object
    access: object
    request: object
    other_assessment: object  # of other_client, where other_contact is invited
    other_request: object
    outsider_assessment: object  # workspace B
    outsider_request: object


@pytest.fixture
def ev(world) -> Evidence:
    return make_evidence(world)


def make_evidence(world) -> Evidence:
    """A's client with one invited assessment and request; the other client's and workspace B's likewise."""
    assessment = AssessmentFactory(client=world.client, name="PCI DSS ROC 2026", lead=world.owner)
    access = AssessmentAccessFactory(assessment=assessment, contact=world.contact)
    request = EvidenceRequestFactory(assessment=assessment, requirement="1.2.1", title="Network diagram")
    other = AssessmentFactory(client=world.other_client, name="Othercorp SAQ D", type="saq_d")
    AssessmentAccessFactory(assessment=other, contact=world.other_contact)
    other_request = EvidenceRequestFactory(assessment=other, requirement="3.1", title="Retention policy")
    outsider = AssessmentFactory(client=world.outsider_client, name="Bravo ROC")
    AssessmentAccessFactory(assessment=outsider, contact=world.outsider_contact)
    outsider_request = EvidenceRequestFactory(assessment=outsider, requirement="8.2", title="Bravo MFA")
    return Evidence(assessment, access, request, other, other_request, outsider, outsider_request)
