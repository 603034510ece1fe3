"""Ids typed into query strings and forms across the apps go through `core.http.is_id`: junk (Arabic-Indic
or superscript digits, numbers past a bigint, letters) is ignored or answered with a 404, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import AssessmentAccess
from assessments.services import grant_assessment_access
from tests.conftest import portal_client
from tests.factories import AssessmentFactory
from tests.proposals.helpers import compose_data

pytestmark = pytest.mark.django_db

JUNK = ["١٢", "²", "12345678901234567890", "abc", "1e3", ""]


@pytest.mark.parametrize("junk", JUNK)
@pytest.mark.parametrize(
    "name",
    [
        "projects:project-create",
        "assessments:assessment-create",
        "proposals:proposal-create",
        "proposals:contract-create",
    ],
)
def test_staff_create_pages_ignore_a_junk_client(world, owner_http, name, junk):
    response = owner_http.get(reverse(name), {"client": junk})
    assert response.status_code == 200
    assert not response.context["form"].initial.get("client")


@pytest.mark.parametrize("junk", JUNK)
def test_portal_deliverables_ignore_a_junk_project(world, junk):
    response = portal_client(world.contact).get(
        reverse("portal:deliverable-list", kwargs={"slug": "alpha"}), {"project": junk}
    )
    assert response.status_code == 200 and response.context["selected"] is None


@pytest.mark.parametrize("junk", JUNK)
def test_switching_to_a_junk_workspace_is_a_404(world, owner_http, junk):
    assert owner_http.post(reverse("accounts:workspace-switch"), {"workspace": junk}).status_code == 404


@pytest.mark.parametrize("junk", JUNK)
def test_removing_a_junk_row_of_the_pricing_table_removes_nothing(world, owner_http, junk):
    response = owner_http.post(
        reverse("proposals:proposal-create"), compose_data(world.client, action="remove_item", remove=junk)
    )
    assert response.status_code == 200 and len(response.context["items"].forms) == 2


def test_sharing_assessments_ignores_junk_ids(world):
    assessment = AssessmentFactory(workspace=world.ws, client=world.client)
    granted = grant_assessment_access(
        contact=world.contact, assessment_ids=[*JUNK, str(assessment.pk), assessment.pk], actor=world.owner
    )
    assert [a.assessment_id for a in granted] == [assessment.pk]
    assert AssessmentAccess.objects.filter(contact=world.contact).count() == 1
