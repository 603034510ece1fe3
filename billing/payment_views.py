"""Staff views of online payment, under /app/settings/payments: the workspace's Stripe account (Connect
onboarding through Account Links), and its payments, refunds and the mismatches that need a person.

Everyone on the staff sees the page; only the owner connects Stripe (the account is the firm's legal
entity). The refresh URL re-checks the staff session and mints a new link; the return URL reads the
account again: coming back from Stripe is not "done", the account's flags are.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from billing import connect, payments
from billing.payment_models import AccountState, Payment, PaymentMismatch
from billing.stripe_client import allow_stripe_redirects, application_fee_percent, payments_configured
from core.errors import ServiceError
from core.types import StaffRequest

STATE_MESSAGES = {
    AccountState.ENABLED: "Stripe is connected: your clients can pay invoices by card.",
    AccountState.RESTRICTED: "Stripe has your details but has not enabled charges yet. Check again later.",
    AccountState.ONBOARDING: "Onboarding is not finished yet: continue in Stripe to take payments.",
    AccountState.DISCONNECTED: "This Stripe account was disconnected.",
}


def owner_only(view):
    """The workspace owner (after staff_required). Others are told so, never sent to Stripe."""

    @wraps(view)
    @staff_required
    def wrapper(request: StaffRequest, *args, **kwargs):
        if not connect.is_owner(request.user, request.workspace):
            messages.error(request, "Only the workspace owner can connect Stripe.")
            return redirect("billing:payments")
        return view(request, *args, **kwargs)

    return wrapper


def _page(request: StaffRequest) -> HttpResponse:
    ws = request.workspace
    account = connect.latest_account(ws)
    response = render(
        request,
        "billing/payments.html",
        {
            "configured": payments_configured(),
            "account": account,
            "state": account.state if account else AccountState.NOT_CONNECTED,
            "is_owner": connect.is_owner(request.user, ws),
            "mismatches": PaymentMismatch.objects.for_workspace(ws)
            .unresolved()
            .select_related("invoice__client")[:50],
            "payments": Payment.objects.for_workspace(ws).select_related("invoice__client", "contact")[:50],
            "fee_percent": application_fee_percent(),
        },
    )
    return allow_stripe_redirects(response)  # the Connect form's POST ends on Stripe's onboarding


@require_GET
@staff_required
def payment_settings(request: StaffRequest) -> HttpResponse:
    return _page(request)


@require_POST
@owner_only
def stripe_connect(request: StaffRequest) -> HttpResponse:
    """Create (first time) or reuse the connected account, then off to a fresh Account Link."""
    try:
        record = connect.connect(workspace=request.workspace, user=request.user)
        return redirect(connect.onboarding_link(record))
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("billing:payments")


@require_POST
@staff_required
def stripe_check(request: StaffRequest) -> HttpResponse:
    """Read the account again (after finishing in Stripe, or while Stripe reviews it)."""
    record = connect.connected_account(request.workspace)
    if record is None:
        messages.error(request, "No Stripe account is connected.")
        return redirect("billing:payments")
    try:
        record = connect.sync(record)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, STATE_MESSAGES.get(record.state, ""))
    return redirect("billing:payments")


@require_GET
@owner_only
def stripe_refresh(request: StaffRequest) -> HttpResponse:
    """Stripe sends the owner here when a link expired or was used: a new link, after our own sign-in."""
    try:
        return redirect(connect.refresh(workspace=request.workspace, user=request.user))
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("billing:payments")


@require_GET
@staff_required
def stripe_return(request: StaffRequest) -> HttpResponse:
    """Back from onboarding: the account is read again and the page says where it stands."""
    record = connect.connected_account(request.workspace)
    if record is not None:
        try:
            record = connect.sync(record)
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            message = STATE_MESSAGES.get(record.state, "")
            (messages.success if record.can_take_payments else messages.warning)(request, message)
    return _page(request)


@require_POST
@staff_required
def mismatch_resolve(request: StaffRequest, invoice_id: int, mismatch_id: int) -> HttpResponse:
    """Mark a payment mismatch of the invoice reviewed, with a note (any staff member, as the invoice's
    other actions). The mismatch is looked up within the invoice of this workspace: 404 otherwise."""
    mismatch = get_object_or_404(
        PaymentMismatch.objects.for_workspace(request.workspace), pk=mismatch_id, invoice_id=invoice_id
    )
    try:
        payments.resolve_mismatch(mismatch=mismatch, actor=request.user, note=request.POST.get("note", ""))
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Marked reviewed.")
    return redirect(reverse("billing:invoice-detail", args=[invoice_id]) + "#card-payments")
