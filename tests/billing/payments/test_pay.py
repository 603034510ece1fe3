"""Pay: a Checkout Session on the firm's connected account for what the invoice owes as stored, with an
idempotency key per attempt; coming back from Checkout marks nothing paid."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing import connect, reconcile, services
from billing.models import InvoiceStatus
from billing.payment_models import AttemptStatus, CheckoutAttempt, Payment
from tests.billing.conftest import make_draft
from tests.billing.payments.conftest import connect_workspace, detail_url, pay_url, press_pay
from tests.conftest import portal_client

pytestmark = pytest.mark.django_db


def pay_state(http, world, invoice, query: str = "") -> str:
    response = http.get(detail_url(world, invoice) + query)
    assert response.status_code == 200
    return response.context["state"].kind if "state" in response.context else "none"


def test_pay_creates_a_checkout_session_on_the_connected_account(
    world, invoice, connected, contact_http, stripe_api
):
    attempt = press_pay(contact_http, world, invoice)
    [call] = stripe_api.calls("POST", "/v1/checkout/sessions")
    assert call.stripe_account == connected.account_id  # a direct charge on the firm's account
    assert call.idempotency_key == attempt.idempotency_key
    form = call.form
    assert form["mode"] == "payment"
    item = form["line_items"][0]
    assert item["price_data"]["unit_amount"] == "365999" and item["price_data"]["currency"] == "eur"
    assert form["client_reference_id"] == f"invoice-{invoice.pk}"
    assert form["metadata"]["invoice_id"] == str(invoice.pk)
    assert form["metadata"]["workspace_id"] == str(world.ws.pk)
    assert form["metadata"]["invoice_number"] == invoice.number
    assert "application_fee_amount" not in form["payment_intent_data"]  # the default fee is 0
    assert form["success_url"].endswith(detail_url(world, invoice) + "?payment=returned")
    assert form["cancel_url"].endswith(detail_url(world, invoice) + "?payment=cancelled")
    assert form["customer_email"] == world.contact.email
    assert attempt.status == AttemptStatus.OPEN and attempt.amount_minor == 365999
    assert attempt.contact == world.contact and attempt.stripe_account == connected.account_id


def test_the_amount_comes_from_the_invoice_never_the_browser(world, invoice, contact_http, stripe_api):
    press_pay(contact_http, world, invoice, amount="1", currency="yen", unit_amount="1")
    [call] = stripe_api.calls("POST", "/v1/checkout/sessions")
    assert call.form["line_items"][0]["price_data"]["unit_amount"] == "365999"
    assert call.form["line_items"][0]["price_data"]["currency"] == "eur"


def test_a_partly_paid_invoice_asks_for_what_is_due(world, invoice, contact_http, stripe_api):
    services.apply_payment(invoice=invoice, amount=Decimal("1000"), currency="EUR", reference="bank")
    press_pay(contact_http, world, invoice)
    [call] = stripe_api.calls("POST", "/v1/checkout/sessions")
    assert call.form["line_items"][0]["price_data"]["unit_amount"] == "265999"


def test_platform_fee_when_configured(world, invoice, contact_http, stripe_api, settings):
    settings.STRIPE_APPLICATION_FEE_PERCENT = "2.5"
    attempt = press_pay(contact_http, world, invoice)
    [call] = stripe_api.calls("POST", "/v1/checkout/sessions")
    # 2.5% of 3,659.99 = 91.49975, rounded half-up to the cent.
    assert call.form["payment_intent_data"]["application_fee_amount"] == "9150"
    assert attempt.application_fee_minor == 9150


def test_pressing_pay_twice_reuses_the_open_session(world, invoice, contact_http, stripe_api):
    first = press_pay(contact_http, world, invoice)
    second = press_pay(contact_http, world, invoice)
    assert first.pk == second.pk
    assert len(stripe_api.calls("POST", "/v1/checkout/sessions")) == 1
    assert CheckoutAttempt.objects.count() == 1


def test_a_retried_attempt_gets_the_same_session_from_stripe(world, invoice, contact_http, stripe_api):
    """A request that died after Stripe created the session: the retry sends the same key and the same
    parameters, and Stripe answers with the first session instead of making a second."""
    attempt = press_pay(contact_http, world, invoice)
    session_id = attempt.session_id
    CheckoutAttempt.objects.filter(pk=attempt.pk).update(
        session_id=None, session_url="", status=AttemptStatus.CREATING
    )
    again = press_pay(contact_http, world, invoice)
    assert again.pk == attempt.pk and again.session_id == session_id
    calls = stripe_api.calls("POST", "/v1/checkout/sessions")
    assert len(calls) == 2 and calls[0].idempotency_key == calls[1].idempotency_key
    assert len([o for o in stripe_api.objects.values() if o["object"] == "checkout.session"]) == 1


def test_an_error_stripe_answered_is_not_replayed_on_the_next_press(world, invoice, contact_http, stripe_api):
    """Stripe keeps its answer to a keyed request for 24 hours, a 500 included: pressing Pay again must
    not resend that attempt's key (it would get the same 500 back until the key expires)."""
    stripe_api.fail_next("/v1/checkout/sessions", status=500, replayed=True)
    failed = contact_http.post(pay_url(world, invoice))
    assert failed.status_code == 302 and failed["Location"] == detail_url(world, invoice)
    attempt = press_pay(contact_http, world, invoice)
    assert attempt.status == AttemptStatus.OPEN
    keys = [c.idempotency_key for c in stripe_api.calls("POST", "/v1/checkout/sessions")]
    assert len(keys) == 2 and keys[0] != keys[1] == attempt.idempotency_key


def test_no_answer_from_stripe_keeps_the_key_for_the_retry(
    world, invoice, contact_http, stripe_api, settings
):
    """No answer at all (the session may exist): the next press retries the same attempt and key."""
    api_base = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    failed = contact_http.post(pay_url(world, invoice))
    assert failed.status_code == 302 and failed["Location"] == detail_url(world, invoice)
    [pending] = CheckoutAttempt.objects.all()
    assert pending.status == AttemptStatus.CREATING
    settings.STRIPE_API_BASE = api_base
    attempt = press_pay(contact_http, world, invoice)
    assert attempt.pk == pending.pk and attempt.status == AttemptStatus.OPEN


def test_a_new_amount_opens_a_new_session_and_expires_the_old(world, invoice, contact_http, stripe_api):
    first = press_pay(contact_http, world, invoice)
    services.apply_payment(invoice=invoice, amount=Decimal("100"), currency="EUR", reference="bank")
    second = press_pay(contact_http, world, invoice)
    assert second.pk != first.pk and second.idempotency_key != first.idempotency_key
    first.refresh_from_db()
    assert first.status == AttemptStatus.EXPIRED
    assert stripe_api.find_session(first.session_id)[1]["status"] == "expired"


def test_an_expired_session_is_not_reused(world, invoice, contact_http, stripe_api):
    first = press_pay(contact_http, world, invoice)
    stripe_api.expire_session(first.session_id)
    second = press_pay(contact_http, world, invoice)
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.status == AttemptStatus.EXPIRED


def test_the_success_redirect_marks_nothing_paid(world, invoice, contact_http, stripe_api):
    attempt = press_pay(contact_http, world, invoice)
    stripe_api.pay_session(attempt.session_id)  # paid on Stripe; no webhook has arrived yet
    assert pay_state(contact_http, world, invoice, "?payment=returned") == "processing"
    response = contact_http.get(detail_url(world, invoice) + "?payment=returned")
    assert b"Payment processing" in response.content and b"pay-button" not in response.content
    invoice.refresh_from_db()
    attempt.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT and invoice.amount_paid == 0
    assert attempt.status == AttemptStatus.OPEN and not Payment.objects.exists()


def test_cancelled_checkout_offers_pay_again(world, invoice, contact_http):
    response = contact_http.get(detail_url(world, invoice) + "?payment=cancelled")
    assert response.context["state"].kind == "payable"
    assert b"nothing was charged" in response.content and b'id="pay-button"' in response.content


def test_pay_is_offered_only_when_charges_are_enabled(world, sent, contact_http, stripe_api):
    assert pay_state(contact_http, world, sent) == "not_set_up"  # not connected
    response = contact_http.get(detail_url(world, sent))
    assert b"Online payment is not set up" in response.content and b"pay-button" not in response.content
    response = contact_http.post(pay_url(world, sent))
    assert response.status_code == 302 and not CheckoutAttempt.objects.exists()
    record = connect_workspace(world.ws, world.owner, stripe_api, enable=False)
    assert pay_state(contact_http, world, sent) == "not_set_up"  # onboarding incomplete
    stripe_api.enable_charges(record.account_id)
    connect.sync(record)
    assert pay_state(contact_http, world, sent) == "payable"


def test_without_stripe_settings_payment_is_not_set_up(world, invoice, contact_http, settings, stripe_api):
    settings.STRIPE_SECRET_KEY = ""
    assert pay_state(contact_http, world, invoice) == "not_set_up"
    contact_http.post(pay_url(world, invoice))
    assert not CheckoutAttempt.objects.exists() and not stripe_api.calls("POST", "/v1/checkout")


def test_nothing_to_pay_on_a_void_or_paid_invoice(world, invoice, contact_http, stripe_api):
    services.void_invoice(invoice=invoice, actor=world.owner, reason="Sent twice")
    assert pay_state(contact_http, world, invoice) == "settled"
    response = contact_http.post(pay_url(world, invoice), follow=True)
    assert b"nothing left to pay" in response.content
    assert not stripe_api.calls("POST", "/v1/checkout/sessions")


def test_a_staff_preview_cannot_pay(world, invoice, owner_http, stripe_api):
    owner_http.post(
        f"/app/clients/{world.client.pk}/contacts/{world.contact.pk}/preview",
    )
    response = owner_http.get(detail_url(world, invoice))
    assert response.status_code == 200
    assert response.context["state"].kind == "payable" and b"pay-read-only" in response.content
    assert b'id="pay-button"' not in response.content
    assert owner_http.post(pay_url(world, invoice)).status_code == 403
    assert not CheckoutAttempt.objects.exists()


def test_pay_needs_the_csrf_token(world, invoice):
    http = portal_client(world.contact)
    http.handler.enforce_csrf_checks = True
    assert http.post(pay_url(world, invoice)).status_code == 403
    assert not CheckoutAttempt.objects.exists()


def test_another_client_cannot_pay_secretcos_invoice(world, invoice, stripe_api):
    other = portal_client(world.other_contact)
    assert other.post(pay_url(world, invoice)).status_code == 404
    assert not CheckoutAttempt.objects.exists()


def test_the_invoice_page_lets_the_pay_form_reach_stripe(world, invoice, contact_http, stripe_api):
    """CSP form-action also covers the redirect after a POST: the page allows Stripe's origin."""
    response = contact_http.get(detail_url(world, invoice))
    csp = response["Content-Security-Policy"]
    form_action = next(part for part in csp.split(";") if "form-action" in part)
    assert "'self'" in form_action and stripe_api.base_url in form_action


def test_a_zero_decimal_currency_is_sent_in_whole_units(world, connected, contact_http, stripe_api):
    draft = make_draft(world, currency="JPY", tax_rate="0")
    yen = services.finalise_invoice(invoice=draft, actor=world.owner)
    press_pay(contact_http, world, yen)
    [call] = stripe_api.calls("POST", "/v1/checkout/sessions")
    # JPY has no minor unit: 2 x 1,500 + 49.99 rounds half-up to ¥3,050.
    assert call.form["line_items"][0]["price_data"] == {
        "currency": "jpy",
        "unit_amount": "3050",
        "product_data": {"name": f"Invoice {yen.number}"},
    }


def test_pay_after_paying_on_stripe_shows_processing_not_a_new_session(
    world, invoice, contact_http, stripe_api
):
    attempt = press_pay(contact_http, world, invoice)
    stripe_api.pay_session(attempt.session_id)  # paid in another tab; the webhook is not here yet
    response = contact_http.post(pay_url(world, invoice), follow=True)
    assert b"already on its way" in response.content
    assert response.context["state"].kind == "processing"
    assert len(stripe_api.calls("POST", "/v1/checkout/sessions")) == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT  # still only Stripe's webhook marks it paid


def test_a_second_contact_gets_a_session_of_their_own_and_the_first_is_closed(
    world, invoice, contact_http, stripe_api
):
    from tests.factories import ContactFactory

    colleague = ContactFactory(client=world.client, email="cfo@secretco.example", name="Casey Secret")
    first = press_pay(contact_http, world, invoice)
    second = press_pay(portal_client(colleague), world, invoice)
    assert second.pk != first.pk and second.contact == colleague
    created = [c for c in stripe_api.calls("POST") if c.path == "/v1/checkout/sessions"]
    assert [c.form["customer_email"] for c in created] == [world.contact.email, "cfo@secretco.example"]
    assert stripe_api.calls("POST", f"/v1/checkout/sessions/{first.session_id}/expire")
    first.refresh_from_db()
    assert first.status == AttemptStatus.EXPIRED  # only one session can still be paid


def test_the_processing_page_polls_until_paid_and_then_stops(world, invoice, contact_http, stripe_api):
    attempt = press_pay(contact_http, world, invoice)
    stripe_api.pay_session(attempt.session_id)
    url = detail_url(world, invoice)
    response = contact_http.get(url + "?payment=returned")
    assert response.context["state"].kind == "processing"
    assert f'hx-get="{url}?poll=paid"' in response.content.decode()
    poll = contact_http.get(url + "?poll=paid", headers={"HX-Request": "true"})
    assert poll.status_code == 200 and poll.content == b"" and "HX-Refresh" not in poll  # not yet paid
    reconcile.reconcile_payments()  # applies what Stripe says (as the webhook would): the session is paid
    poll = contact_http.get(url + "?poll=paid", headers={"HX-Request": "true"})
    assert poll["HX-Refresh"] == "true"  # the page reloads itself
    response = contact_http.get(url + "?payment=returned")
    assert response.context["state"].kind != "processing" and 'id="pay-poll"' not in response.content.decode()
