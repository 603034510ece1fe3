"""Settings → Payments: the owner connects the workspace's Stripe account through Account Links; the
return URL reads the account again (returning is not "done"); account.updated keeps the flags and
account.application.deauthorized disconnects."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from activity.models import Event
from billing.payment_models import AccountState, StripeAccount, StripeEvent
from tests.billing.payments.conftest import connect_workspace, deliver, detail_url
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db

PAGE = "/app/settings/payments"


def state(http) -> str:
    response = http.get(PAGE)
    assert response.status_code == 200
    return response.context["state"]


def test_connect_creates_the_account_and_sends_the_owner_to_an_account_link(world, owner_http, stripe_api):
    assert state(owner_http) == AccountState.NOT_CONNECTED
    response = owner_http.post("/app/settings/payments/connect")
    assert response.status_code == 302
    record = StripeAccount.objects.get(workspace=world.ws)
    [create] = stripe_api.calls("POST", "/v1/accounts")
    assert create.form["controller"]["stripe_dashboard"]["type"] == "full"
    assert create.form["metadata"]["workspace_id"] == str(world.ws.pk)
    assert create.idempotency_key.startswith("portal-connect-")
    [link] = stripe_api.calls("POST", "/v1/account_links")
    assert link.form["account"] == record.account_id and link.form["type"] == "account_onboarding"
    assert link.form["refresh_url"].endswith("/app/settings/payments/refresh")
    assert link.form["return_url"].endswith("/app/settings/payments/return")
    assert response["Location"].startswith(stripe_api.base_url + "/connect/onboarding/")
    assert record.connected_by == world.owner and not record.charges_enabled
    assert Event.objects.filter(verb="stripe.connected", workspace=world.ws).count() == 1
    assert state(owner_http) == AccountState.ONBOARDING


def test_connecting_again_reuses_the_account(world, owner_http, stripe_api):
    owner_http.post("/app/settings/payments/connect")
    owner_http.post("/app/settings/payments/connect")
    assert StripeAccount.objects.filter(workspace=world.ws).count() == 1
    assert len(stripe_api.calls("POST", "/v1/accounts")) == 1
    assert len(stripe_api.calls("POST", "/v1/account_links")) == 2  # a fresh link each time


def test_only_the_owner_connects(world, stripe_api):
    member = staff_client(world.member)
    response = member.post("/app/settings/payments/connect", follow=True)
    assert b"Only the workspace owner" in response.content
    assert not StripeAccount.objects.exists() and not stripe_api.calls("POST")
    assert member.get("/app/settings/payments/refresh").status_code == 302
    assert not stripe_api.calls("POST")
    page = member.get(PAGE)
    assert page.status_code == 200 and b'id="stripe-connect"' not in page.content


def test_the_page_lets_the_connect_form_reach_stripe(owner_http, stripe_api):
    csp = owner_http.get(PAGE)["Content-Security-Policy"]
    assert stripe_api.base_url in next(p for p in csp.split(";") if "form-action" in p)


def test_refresh_mints_a_new_link_after_checking_the_staff_session(world, owner_http, stripe_api):
    owner_http.post("/app/settings/payments/connect")
    # Signed out (the staff session expired while in Stripe): sign in first, then the link.
    anonymous = HttpClient().get("/app/settings/payments/refresh")
    assert anonymous.status_code == 302 and "/app/login" in anonymous["Location"]
    assert len(stripe_api.calls("POST", "/v1/account_links")) == 1
    response = owner_http.get("/app/settings/payments/refresh")
    assert response.status_code == 302
    links = stripe_api.calls("POST", "/v1/account_links")
    assert len(links) == 2 and response["Location"].startswith(stripe_api.base_url + "/connect/onboarding/")


def test_refresh_without_an_account_says_connect_first(owner_http, stripe_api):
    response = owner_http.get("/app/settings/payments/refresh", follow=True)
    assert b"Connect Stripe first" in response.content and not stripe_api.calls("POST")


def test_return_reads_the_account_again(world, owner_http, stripe_api):
    owner_http.post("/app/settings/payments/connect")
    record = StripeAccount.objects.get()
    # Back without finishing: still incomplete, whatever the return URL suggests.
    response = owner_http.get("/app/settings/payments/return")
    assert response.status_code == 200 and response.context["state"] == AccountState.ONBOARDING
    assert b"not finished" in response.content
    assert stripe_api.calls("GET", f"/v1/accounts/{record.account_id}")
    # Details in, charges not yet enabled (Stripe is verifying).
    stripe_api.update_account(record.account_id, details_submitted=True)
    assert owner_http.get("/app/settings/payments/return").context["state"] == AccountState.RESTRICTED
    stripe_api.enable_charges(record.account_id)
    response = owner_http.get("/app/settings/payments/return")
    assert response.context["state"] == AccountState.ENABLED and b"Charges enabled" in response.content
    record.refresh_from_db()
    assert record.charges_enabled and record.payouts_enabled and record.details_submitted


def test_check_again(world, owner_http, stripe_api):
    owner_http.post("/app/settings/payments/connect")
    record = StripeAccount.objects.get()
    stripe_api.enable_charges(record.account_id)
    response = owner_http.post("/app/settings/payments/check", follow=True)
    assert response.context["state"] == AccountState.ENABLED


def test_account_updated_keeps_the_flags(world, stripe_api, django_capture_on_commit_callbacks):
    record = connect_workspace(world.ws, world.owner, stripe_api, enable=False)
    account = stripe_api.enable_charges(record.account_id)
    event = stripe_api.event("account.updated", account, account=record.account_id)
    assert deliver(event).status_code == 200
    record.refresh_from_db()
    assert record.charges_enabled and record.payouts_enabled
    # The event's copy is not trusted: Stripe now says charges are off again, whatever a payload claims.
    stripe_api.update_account(record.account_id, charges_enabled=False)
    forged = stripe_api.event(
        "account.updated", {**account, "charges_enabled": True}, account=record.account_id
    )
    deliver(forged)
    record.refresh_from_db()
    assert not record.charges_enabled


def test_deauthorize_disconnects_and_pay_disappears(
    world, invoice, connected, contact_http, stripe_api, owner_http
):
    assert contact_http.get(detail_url(world, invoice)).context["state"].kind == "payable"
    event = stripe_api.event(
        "account.application.deauthorized",
        {"id": "ca_test_platform", "object": "application", "name": "Portal"},
        account=connected.account_id,
    )
    assert deliver(event).status_code == 200
    assert deliver(event).status_code == 200  # a replay changes nothing
    connected.refresh_from_db()
    assert connected.disconnected_at is not None and not connected.charges_enabled
    assert Event.objects.filter(verb="stripe.disconnected").count() == 1
    assert contact_http.get(detail_url(world, invoice)).context["state"].kind == "not_set_up"
    assert state(owner_http) == AccountState.DISCONNECTED
    # A late account.updated for the disconnected account does not switch it back on.
    late = stripe_api.event(
        "account.updated", {"id": connected.account_id, "object": "account"}, account=connected.account_id
    )
    deliver(late)
    connected.refresh_from_db()
    assert not connected.charges_enabled and StripeEvent.objects.get(event_id=late["id"]).outcome == "ignored"
    # The owner can connect a new account afterwards; the old one stays on record.
    owner_http.post("/app/settings/payments/connect")
    assert StripeAccount.objects.filter(workspace=world.ws).count() == 2
    assert StripeAccount.objects.for_workspace(world.ws).connected().count() == 1


def test_an_account_we_do_not_know_is_ignored(stripe_api):
    event = stripe_api.event(
        "account.updated", {"id": "acct_unknown", "object": "account"}, account="acct_unknown"
    )
    assert deliver(event).status_code == 200
    assert StripeEvent.objects.get().outcome == "ignored"


def test_payments_page_without_stripe_settings(owner_http, settings):
    settings.STRIPE_SECRET_KEY = ""
    response = owner_http.get(PAGE)
    assert b"payments-not-configured" in response.content and b'id="stripe-connect"' not in response.content


def test_settings_links_to_payments(owner_http):
    assert b'href="/app/settings/payments"' in owner_http.get("/app/settings").content
