"""Every rate limit answers 429 with the "slow down" page of the front door that was asked."""

from __future__ import annotations

import pytest

from tests.conftest import open_link

pytestmark = pytest.mark.django_db


def test_a_blocking_portal_limit_is_a_429_portal_page(world, client):
    # portal-magic: 30 POSTs per 5 minutes per IP (garbage tokens are fine: the limit counts POSTs).
    codes = [open_link(client, f"/p/alpha/auth#t=guess{i}").status_code for i in range(31)]
    assert codes[:30] == [400] * 30
    assert codes[30] == 429
    response = open_link(client, "/p/alpha/auth#t=more")
    assert response.status_code == 429
    assert response.templates[0].name == "portal/rate_limited.html"
    assert b"Slow down" in response.content
