"""Refunds that cannot be applied are recorded for staff as a PaymentMismatch (once per Stripe refund),
never applied and never a 500: an amount past what is left of the payment, another currency, an invoice
that refuses it, a refund Stripe later reports failed, a refund of a payment not recorded here. Staff
mark one reviewed with a note from the invoice page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse

from activity.models import Event
from billing import services
from billing.models import InvoiceStatus
from billing.payment_models import MismatchKind, MismatchReason, Payment, PaymentMismatch, Refund, StripeEvent
from billing.payment_tasks import reconcile_payments as reconcile_task
from tests.billing.payments.conftest import deliver, press_pay
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def paid(world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks) -> Payment:
    attempt = press_pay(contact_http, world, invoice)
    stripe_api.pay_session(attempt.session_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(stripe_api.session_event("checkout.session.completed", attempt.session_id))
    mail.outbox.clear()
    return Payment.objects.get()


def refunded_event(stripe_api, payment):
    charge = stripe_api.get(payment.stripe_account, payment.charge_id)
    return stripe_api.event("charge.refunded", dict(charge), account=payment.stripe_account)


def staff_mails() -> list:
    return [m for m in mail.outbox if "needs review" in m.subject]


def test_a_refund_past_what_was_paid_is_a_mismatch_not_applied(
    world, invoice, paid, stripe_api, django_capture_on_commit_callbacks
):
    refund = stripe_api.refund(paid.stripe_account, paid.charge_id, 400000)  # the payment was 365999
    event = refunded_event(stripe_api, paid)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):  # replays: one mismatch, one mail
            assert deliver(event).status_code == 200
    mismatch = PaymentMismatch.objects.get()
    assert mismatch.kind == MismatchKind.REFUND and mismatch.reason == MismatchReason.REFUND_AMOUNT
    assert mismatch.stripe_refund_id == refund["id"] and mismatch.checkout_session_id is None
    assert mismatch.payment == paid and mismatch.invoice == invoice
    assert (mismatch.paid_minor, mismatch.expected_minor) == (400000, 365999)
    assert StripeEvent.objects.get(event_id=event["id"]).outcome == "mismatch"
    assert not Refund.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.amount_refunded == 0
    [note] = staff_mails()
    assert note.to == [world.owner.email] and "refund" in note.subject
    # The reconcile sees the same refund: still one mismatch.
    reconcile_task()
    assert PaymentMismatch.objects.count() == 1 and not Refund.objects.exists()


def test_a_refund_in_another_currency_is_a_mismatch(world, invoice, paid, stripe_api):
    refund = stripe_api.refund(paid.stripe_account, paid.charge_id, 1000)
    stripe_api.get(paid.stripe_account, refund["id"])["currency"] = "usd"
    deliver(refunded_event(stripe_api, paid))
    assert PaymentMismatch.objects.get().reason == MismatchReason.REFUND_CURRENCY
    assert not Refund.objects.exists()


def test_a_refund_the_invoice_refuses_is_kept_and_reported(world, invoice, paid, stripe_api):
    services.apply_refund(invoice=invoice, amount=D("3659.99"), currency="EUR", reference="by hand")
    stripe_api.refund(paid.stripe_account, paid.charge_id)
    assert deliver(refunded_event(stripe_api, paid)).status_code == 200
    mismatch = PaymentMismatch.objects.get()
    assert mismatch.reason == MismatchReason.REFUND_REFUSED and "nothing to refund" in mismatch.detail
    assert Refund.objects.get().amount_minor == 365999  # Stripe's fact stays on record
    invoice.refresh_from_db()
    assert invoice.amount_refunded == D("3659.99")  # not twice


def test_a_recorded_refund_stripe_then_reports_failed(world, invoice, paid, stripe_api):
    refund = stripe_api.refund(paid.stripe_account, paid.charge_id, 1000)
    deliver(refunded_event(stripe_api, paid))
    assert Refund.objects.get().stripe_refund_id == refund["id"]
    stored = stripe_api.get(paid.stripe_account, refund["id"])
    stored["status"] = "failed"
    event = stripe_api.event("charge.refund.updated", dict(stored), account=paid.stripe_account)
    assert deliver(event).status_code == 200
    mismatch = PaymentMismatch.objects.get()
    assert mismatch.reason == MismatchReason.REFUND_FAILED and mismatch.stripe_refund_id == refund["id"]
    assert StripeEvent.objects.get(event_id=event["id"]).outcome == "mismatch"


def test_a_refund_of_a_payment_we_never_recorded_is_reported_for_its_invoice(
    world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks
):
    attempt = press_pay(contact_http, world, invoice)
    session = stripe_api.pay_session(attempt.session_id)  # paid; the webhook never came
    intent = stripe_api.get(attempt.stripe_account, session["payment_intent"])
    refund = stripe_api.refund(attempt.stripe_account, intent["latest_charge"])
    charge = stripe_api.get(attempt.stripe_account, intent["latest_charge"])
    event = stripe_api.event("charge.refunded", dict(charge), account=attempt.stripe_account)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(event).status_code == 200
        assert deliver(event).status_code == 200
    mismatch = PaymentMismatch.objects.get()
    assert mismatch.reason == MismatchReason.UNKNOWN_PAYMENT and mismatch.invoice == invoice
    assert mismatch.stripe_refund_id == refund["id"] and mismatch.payment is None
    assert mismatch.paid_minor == 365999 and mismatch.stripe_account == attempt.stripe_account
    assert StripeEvent.objects.get(event_id=event["id"]).workspace_id == world.ws.pk
    assert len(staff_mails()) == 1 and not Refund.objects.exists()


def test_a_refund_on_another_workspaces_account_names_no_invoice_of_ours(
    world, invoice, contact_http, stripe_api
):
    from tests.billing.payments.conftest import connect_workspace

    attempt = press_pay(contact_http, world, invoice)
    session = stripe_api.pay_session(attempt.session_id)
    intent = stripe_api.get(attempt.stripe_account, session["payment_intent"])
    stripe_api.refund(attempt.stripe_account, intent["latest_charge"])
    charge = stripe_api.get(attempt.stripe_account, intent["latest_charge"])
    other = connect_workspace(world.ws_b, world.outsider_staff, stripe_api)
    # B's account says it refunded A's charge: B's account has no such payment intent, nothing recorded.
    event = stripe_api.event("charge.refunded", dict(charge), account=other.account_id)
    assert deliver(event).status_code == 200
    assert StripeEvent.objects.get(event_id=event["id"]).outcome == "ignored"
    assert not PaymentMismatch.objects.exists()


# --- staff mark a mismatch reviewed ---------------------------------------------------------------------


@pytest.fixture
def mismatch(world, invoice, paid, stripe_api) -> PaymentMismatch:
    stripe_api.refund(paid.stripe_account, paid.charge_id, 400000)
    deliver(refunded_event(stripe_api, paid))
    return PaymentMismatch.objects.get()


def resolve_url(mismatch) -> str:
    return reverse(
        "billing:invoice-mismatch-resolve",
        kwargs={"invoice_id": mismatch.invoice_id, "mismatch_id": mismatch.pk},
    )


def test_the_invoice_page_offers_to_mark_it_reviewed(world, owner_http, mismatch):
    page = owner_http.get(reverse("billing:invoice-detail", args=[mismatch.invoice_id]))
    assert page.status_code == 200
    assert resolve_url(mismatch).encode() in page.content and b"Mark reviewed" in page.content


def test_staff_mark_a_mismatch_reviewed_with_a_note(world, owner_http, mismatch):
    response = owner_http.post(resolve_url(mismatch), {"note": "Refunded the extra in Stripe"}, follow=True)
    assert response.status_code == 200
    mismatch.refresh_from_db()
    assert mismatch.resolved_at is not None and mismatch.resolved_by == world.owner
    assert mismatch.resolution_note == "Refunded the extra in Stripe"
    event = Event.objects.get(verb="payment.mismatch_resolved")
    assert event.data["mismatch_id"] == mismatch.pk and event.data["note"] == "Refunded the extra in Stripe"
    assert b"Marked reviewed by" in response.content and b"Refunded the extra in Stripe" in response.content
    # The payments page lists only what still needs review.
    assert list(owner_http.get(reverse("billing:payments")).context["mismatches"]) == []
    # Once only.
    again = owner_http.post(resolve_url(mismatch), {"note": "again"}, follow=True)
    assert b"already marked reviewed" in again.content
    assert Event.objects.filter(verb="payment.mismatch_resolved").count() == 1


def test_a_note_is_required_and_bounded(world, owner_http, mismatch):
    for note in ("", "   ", "x" * 1001):
        owner_http.post(resolve_url(mismatch), {"note": note})
        mismatch.refresh_from_db()
        assert mismatch.resolved_at is None


def test_a_member_may_resolve_too(world, mismatch):
    response = staff_client(world.member).post(resolve_url(mismatch), {"note": "Checked with the client"})
    assert response.status_code == 302
    mismatch.refresh_from_db()
    assert mismatch.resolved_by == world.member


def test_outsiders_and_other_invoices_get_a_404(world, mismatch, sent):
    outsider = staff_client(world.outsider_staff).post(resolve_url(mismatch), {"note": "mine now"})
    assert outsider.status_code == 404
    wrong_invoice = reverse(
        "billing:invoice-mismatch-resolve",
        kwargs={
            "invoice_id": services.finalise_invoice(invoice=_draft(world), actor=world.owner).pk,
            "mismatch_id": mismatch.pk,
        },
    )
    assert staff_client(world.owner).post(wrong_invoice, {"note": "wrong"}).status_code == 404
    assert staff_client(world.owner).get(resolve_url(mismatch)).status_code == 405
    mismatch.refresh_from_db()
    assert mismatch.resolved_at is None


def test_resolving_needs_the_csrf_token(world, mismatch):
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(world.owner)
    assert http.post(resolve_url(mismatch), {"note": "no token"}).status_code == 403
    mismatch.refresh_from_db()
    assert mismatch.resolved_at is None


def _draft(world):
    from tests.billing.conftest import make_draft

    return make_draft(world)


def test_once_the_reconcile_records_the_payment_its_unknown_refund_mismatch_settles(
    world, invoice, contact_http, stripe_api, django_capture_on_commit_callbacks
):
    """The refund of a payment whose webhook never came is reported; the nightly reconcile then records the
    payment and applies the refund, and the report is marked reviewed by itself (nothing left to decide)."""
    attempt = press_pay(contact_http, world, invoice)
    session = stripe_api.pay_session(attempt.session_id)
    intent = stripe_api.get(attempt.stripe_account, session["payment_intent"])
    refund = stripe_api.refund(attempt.stripe_account, intent["latest_charge"], 1000)
    charge = stripe_api.get(attempt.stripe_account, intent["latest_charge"])
    with django_capture_on_commit_callbacks(execute=True):
        deliver(stripe_api.event("charge.refunded", dict(charge), account=attempt.stripe_account))
    assert PaymentMismatch.objects.unresolved().get().reason == MismatchReason.UNKNOWN_PAYMENT
    with django_capture_on_commit_callbacks(execute=True):
        reconcile_task()
    payment = Payment.objects.get()
    assert Refund.objects.get().stripe_refund_id == refund["id"]
    mismatch = PaymentMismatch.objects.get()
    assert mismatch.resolved_at is not None and mismatch.payment == payment
    assert "Settled automatically" in mismatch.resolution_note
    assert not PaymentMismatch.objects.unresolved().exists()
