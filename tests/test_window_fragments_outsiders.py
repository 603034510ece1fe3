"""The "Show more" fragments (`?rows=…&start=…` asked by htmx) are the list views themselves, behind the
same guards: no one outside the workspace, or signed out, gets a row of them (outsider-sweep style: 404 or
a sign-in redirect, and never a marker of the rows). The staff invoice fragment is covered in
tests/billing/test_invoice_list_window.py."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from assessments.models import AssessmentAccess, EvidenceRequest
from tests.conftest import portal_client, staff_client
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "show-more"}
MARKER = "Secretco fragment marker"
FRAGMENT = {"rows": "200", "start": "0"}


@pytest.fixture
def assessment(world):
    assessment = AssessmentFactory(client=world.client)
    AssessmentAccess.objects.create(assessment=assessment, contact=world.contact)
    EvidenceRequest.objects.bulk_create(
        [
            EvidenceRequest(
                assessment=assessment, requirement=f"1.{i}", requirement_key=f"{i:08d}", title=MARKER
            )
            for i in range(3)
        ]
    )
    return assessment


def _refused(response) -> bool:
    # 204: an htmx request signed out is told to go to the sign-in page (HX-Redirect), with no body.
    if response.status_code == 204:
        return "HX-Redirect" in response.headers and not response.content
    return response.status_code in (302, 401, 403, 404) and MARKER not in response.content.decode()


def test_staff_request_fragment_is_for_this_workspace_only(world, assessment):
    url = reverse("assessments:assessment-detail", kwargs={"assessment_id": assessment.pk})
    assert MARKER in staff_client(world.owner).get(url, FRAGMENT, **HTMX).content.decode()  # insider
    assert _refused(staff_client(world.outsider_staff).get(url, FRAGMENT, **HTMX))
    assert _refused(HttpClient().get(url, FRAGMENT, **HTMX))
    assert _refused(portal_client(world.contact).get(url, FRAGMENT, **HTMX))  # a contact is not staff


def test_portal_request_fragment_is_for_this_clients_contacts_only(world, assessment):
    url = reverse("portal:assessment-detail", kwargs={"slug": "alpha", "assessment_id": assessment.pk})
    assert MARKER in portal_client(world.contact).get(url, FRAGMENT, **HTMX).content.decode()  # insider
    assert _refused(portal_client(world.other_contact).get(url, FRAGMENT, **HTMX))
    assert _refused(HttpClient().get(url, FRAGMENT, **HTMX))
    assert _refused(staff_client(world.outsider_staff).get(url, FRAGMENT, **HTMX))
    # The same assessment id under another workspace's portal: not found there.
    other = reverse("portal:assessment-detail", kwargs={"slug": "bravo", "assessment_id": assessment.pk})
    assert _refused(portal_client(world.outsider_contact).get(other, FRAGMENT, **HTMX))
