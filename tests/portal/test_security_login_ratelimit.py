"""The portal's per-address login limit holds whatever the spelling of the address."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "variant",
    [
        "PAT@SECRETCO.EXAMPLE",
        "  Pat@Secretco.Example ",
        "pat@\u017fecretco.example",  # long s: PostgreSQL's UPPER() makes it S, so the lookup finds Pat
    ],
)
def test_respelled_address_shares_the_limit(world, client, variant):
    url = reverse("portal:login", kwargs={"slug": "alpha"})
    for i in range(5):
        assert client.post(url, {"email": world.contact.email}, REMOTE_ADDR=f"10.3.0.{i}").status_code == 200
    assert len(mail.outbox) == 5
    response = client.post(url, {"email": variant}, REMOTE_ADDR="10.3.1.1")
    assert response.status_code == 429
    assert len(mail.outbox) == 5  # no sixth link reaches Pat's inbox
