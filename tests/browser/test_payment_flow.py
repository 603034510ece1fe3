"""End to end in Chromium, with the real StripeClient talking to the test session's Stripe stand-in: a
contact opens an invoice, presses Pay and lands on the (stand-in) Checkout page; pays there and comes back
to "Payment processing" (the redirect marks nothing paid); after the signed webhook reaches the live
server the invoice shows Paid with a receipt. Desktop light, 390px dark, and the other pay states
under axe."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from accounts import services as account_services
from accounts.models import LinkPurpose
from billing import services
from billing.models import InvoiceStatus
from billing.payment_models import CheckoutAttempt, Payment
from tests.billing.conftest import make_draft
from tests.billing.payments.conftest import connect_workspace
from tests.conftest import STRIPE_WEBHOOK_SECRET_CONNECT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(browser, live_server, world, width: int, scheme: str):
    phone = width < 640
    context = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
        color_scheme=scheme,
    )
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if (m.type == "error" or "Content Security Policy" in m.text)
            and not (m.location or {}).get("url", "").endswith("/favicon.ico")
            and live_server.url in ((m.location or {}).get("url") or live_server.url)
            else None
        ),
    )
    url = account_services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    page.goto(live_server.url + re.sub(r"^https?://[^/]+", "", url))
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/p/alpha/")
    return context, page, problems


def _post_webhook(live_server, event: dict) -> int:
    """What Stripe does: a signed POST of the raw JSON to the running server."""
    from tests.stripe_standin import StripeStandIn

    payload = json.dumps(event)
    request = urllib.request.Request(  # noqa: S310 - the live server on 127.0.0.1
        f"{live_server.url}/stripe/webhook/",
        data=payload.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": StripeStandIn.sign(payload, STRIPE_WEBHOOK_SECRET_CONNECT),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (390, "dark")], ids=["desktop-light", "phone-dark"]
)
def test_contact_pays_an_invoice_by_card(
    world, live_server, browser, shot, axe, stripe_api, settings, width, scheme
):
    settings.SITE_URL = live_server.url  # Checkout's success and cancel URLs come back to this server
    tag = f"{width}-{scheme}"
    connect_workspace(world.ws, world.owner, stripe_api)
    invoice = services.finalise_invoice(invoice=make_draft(world), actor=world.owner)
    context, page, problems = _signed_in(browser, live_server, world, width, scheme)

    page.goto(f"{live_server.url}/p/alpha/invoices/{invoice.pk}/")
    pay = page.locator("#pay-button")
    expect(pay).to_have_text("Pay €3,659.99 by card")
    expect(page.locator("#invoice-status")).to_have_text("Sent")
    if width < 640:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe(page, f"invoice payable ({tag})")
    shot(page, f"pay-payable-{tag}")

    # Pay: the form's POST ends on Stripe's Checkout (the stand-in's page), allowed by the page's CSP.
    pay.click()
    page.wait_for_url(re.compile("^" + re.escape(stripe_api.base_url) + r"/checkout/cs_"))
    attempt = CheckoutAttempt.objects.get(invoice=invoice)
    assert page.url == attempt.session_url
    expect(page.locator("#amount")).to_have_text("3659.99 EUR")

    # Paying on Checkout brings the browser back: "processing", nothing marked paid.
    page.click("button:has-text('Pay')")
    page.wait_for_url(f"{live_server.url}/p/alpha/invoices/{invoice.pk}/?payment=returned")
    expect(page.locator("#pay-processing")).to_contain_text("Payment processing")
    expect(page.locator("#pay-button")).to_have_count(0)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT and not Payment.objects.exists()
    axe(page, f"invoice processing ({tag})")
    shot(page, f"pay-processing-{tag}")

    # Stripe's signed webhook reaches the server: now it is paid.
    event = stripe_api.session_event("checkout.session.completed", attempt.session_id)
    assert _post_webhook(live_server, event) == 200
    # No reload: the processing page re-reads itself (htmx, every 5 s) and shows "Paid" by itself.
    expect(page.locator("#invoice-status")).to_have_text("Paid", timeout=15_000)
    expect(page.locator("#pay-poll")).to_have_count(0)
    expect(page.locator("#pay-payments")).to_contain_text("€3,659.99")
    expect(page.locator("#pay-button")).to_have_count(0)
    axe(page, f"invoice paid ({tag})")
    shot(page, f"pay-paid-{tag}")

    page.click("#pay-payments a:has-text('Receipt')")
    page.wait_for_url(re.compile(r".*/p/alpha/payments/\d+/receipt$"))
    expect(page.locator("#receipt-amount")).to_have_text("€3,659.99")
    axe(page, f"receipt ({tag})")
    shot(page, f"pay-receipt-{tag}")
    assert problems == []
    context.close()


def test_other_pay_states_have_no_wcag_violations(
    world, live_server, browser, shot, axe, stripe_api, settings
):
    settings.SITE_URL = live_server.url
    invoice = services.finalise_invoice(invoice=make_draft(world), actor=world.owner)
    context, page, problems = _signed_in(browser, live_server, world, 1280, "light")
    url = f"{live_server.url}/p/alpha/invoices/{invoice.pk}/"

    page.goto(url)  # the firm has not connected Stripe
    expect(page.locator("#pay-not-set-up")).to_contain_text("Online payment is not set up")
    axe(page, "invoice, payment not set up")
    shot(page, "pay-not-set-up")

    connect_workspace(world.ws, world.owner, stripe_api)
    page.goto(url + "?payment=cancelled")
    expect(page.locator("#pay-cancelled")).to_be_visible()
    axe(page, "invoice, checkout cancelled")
    shot(page, "pay-cancelled")
    context.close()

    staff = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark").new_page()
    staff.goto(f"{live_server.url}/app/login")
    staff.fill("input[name=username]", world.owner.email)
    staff.fill("input[name=password]", "correct horse battery")
    staff.click("button[type=submit]")
    staff.wait_for_url(re.compile(r".*/app/clients/$"))
    staff.goto(f"{live_server.url}/app/settings/payments")
    expect(staff.locator("#stripe-state")).to_have_text("Charges enabled")
    axe(staff, "staff payments page")
    shot(staff, "payments-settings-dark")
    assert problems == []


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (390, "dark")], ids=["desktop-light", "phone-dark"]
)
def test_staff_mark_a_refund_mismatch_reviewed(
    world, live_server, browser, shot, axe, stripe_api, width, scheme
):
    """A refund Stripe reported that does not add up is shown on the staff invoice page; staff mark it
    reviewed with a note (a POST form with its CSRF token), and the page says who did and what."""
    from django.db import transaction

    from billing import checkout, payments
    from billing.payment_models import PaymentMismatch

    connect_workspace(world.ws, world.owner, stripe_api)
    invoice = services.finalise_invoice(invoice=make_draft(world), actor=world.owner)
    checkout.start_checkout(invoice=invoice, contact=world.contact)
    attempt = CheckoutAttempt.objects.get(invoice=invoice)
    stripe_api.pay_session(attempt.session_id)
    with transaction.atomic():
        payments.sync_session(attempt=attempt, facts=payments.fetch_session(attempt))
    payment = Payment.objects.get(invoice=invoice)
    stripe_api.refund(payment.stripe_account, payment.charge_id, payment.amount_minor + 5000)
    with transaction.atomic():
        payments.sync_refunds(payment=payment, refunds=payments.fetch_refunds(payment))
    mismatch = PaymentMismatch.objects.get()

    phone = width < 640
    staff = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
        color_scheme=scheme,
    ).new_page()
    staff.goto(f"{live_server.url}/app/login")
    staff.fill("input[name=username]", world.owner.email)
    staff.fill("input[name=password]", "correct horse battery")
    staff.click("button[type=submit]")
    staff.wait_for_url(re.compile(r".*/app/clients/$"))
    staff.goto(f"{live_server.url}/app/invoices/{invoice.pk}/")
    box = staff.locator(f"#mismatch-{mismatch.pk}")
    expect(box).to_contain_text("Needs review")
    axe(staff, f"staff invoice, refund mismatch ({scheme})")
    shot(staff, f"mismatch-open-{scheme}-{width}")
    box.get_by_label("What was done about it").fill("Refunded the extra 50.00 in Stripe")
    box.get_by_role("button", name="Mark reviewed").click()
    expect(staff.locator(f"#mismatch-{mismatch.pk}")).to_contain_text("Marked reviewed by")
    expect(staff.locator(f"#mismatch-{mismatch.pk}")).to_contain_text("Refunded the extra 50.00 in Stripe")
    axe(staff, f"staff invoice, mismatch reviewed ({scheme})")
    shot(staff, f"mismatch-reviewed-{scheme}-{width}")
    mismatch.refresh_from_db()
    assert mismatch.resolved_by == world.owner
    staff.context.close()
