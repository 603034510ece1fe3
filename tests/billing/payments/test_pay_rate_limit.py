"""Pay calls Stripe on every press (it reads or creates a Checkout Session on the firm's account): a
contact who hammers it is slowed down before Stripe's rate limit, which every firm shares, is spent."""

from __future__ import annotations

import pytest

from accounts.models import Contact
from billing.payment_models import CheckoutAttempt
from portal.payment_views import PAY_RATE
from tests.billing.payments.conftest import pay_url
from tests.conftest import portal_client
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

LIMIT = int(PAY_RATE.split("/")[0])


def test_a_contact_hammering_pay_is_slowed_down(world, invoice, contact_http, stripe_api):
    codes = [contact_http.post(pay_url(world, invoice)).status_code for _ in range(LIMIT + 5)]
    assert codes[:LIMIT] == [302] * LIMIT
    assert codes[LIMIT:] == [429] * 5
    # Only the presses that were let through reached Stripe (one creation, then one read per press).
    assert len(stripe_api.calls(path="/v1/checkout/sessions")) == LIMIT


def test_two_contacts_taking_turns_cannot_mint_sessions_without_end(world, invoice, contact_http, stripe_api):
    colleague: Contact = ContactFactory(client=world.client, email="kim@secretco.example", name="Kim")
    colleague_http = portal_client(colleague)
    for _ in range(LIMIT + 5):
        contact_http.post(pay_url(world, invoice))
        colleague_http.post(pay_url(world, invoice))
    # Each press by one expires the other's open session, so every let-through press makes a new one.
    assert CheckoutAttempt.objects.filter(invoice=invoice).count() <= 2 * LIMIT
    created = [c for c in stripe_api.calls("POST", "/v1/checkout/sessions") if not c.path.endswith("/expire")]
    assert len(created) <= 2 * LIMIT


def test_the_limit_is_per_contact(world, invoice, contact_http, stripe_api):
    for _ in range(LIMIT + 1):
        contact_http.post(pay_url(world, invoice))
    colleague = ContactFactory(client=world.client, email="kim@secretco.example", name="Kim")
    assert portal_client(colleague).post(pay_url(world, invoice)).status_code == 302
