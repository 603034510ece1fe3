from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sort_links_keep_the_filters_and_work_on_phones(world, ev, owner_http):
    url = reverse("assessments:assessment-detail", kwargs={"assessment_id": ev.assessment.pk})
    body = owner_http.get(url, {"status": "open", "priority": "high", "sort": "req"}).content.decode()
    # The header link and the phone button.
    assert body.count('href="?status=open&amp;priority=high&amp;sort=-req"') == 2
    assert "Sort by requirement ↑" in body
