"""Stripe Connect: each workspace is paid into its own connected account.

*Connect Stripe* creates the workspace's account once (or reuses the connected one) and sends the owner
through an Account Link. Coming back to the return URL does not mean onboarding is done: the account is
read again and its flags decide. `account.updated` keeps the flags; `account.application.deauthorized`
disconnects the account (it stays on record, so its late events still match the workspace).
"""

from __future__ import annotations

import uuid

import stripe
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Role, User, Workspace
from activity.services import record_event
from billing.payment_models import StripeAccount
from billing.stripe_client import expected_livemode, stripe_client
from core.errors import ServiceError
from core.http import absolute_url

# A Standard-like connected account: Stripe collects the requirements and the firm has the full
# dashboard, pays Stripe's fees and carries its own losses. Direct charges (Checkout on the account)
# fit exactly this kind of account.
ACCOUNT_CONTROLLER = {
    "stripe_dashboard": {"type": "full"},
    "fees": {"payer": "account"},
    "losses": {"payments": "stripe"},
    "requirement_collection": "stripe",
}


class StripeUnavailable(ServiceError):
    """Stripe could not be reached or refused the request; nothing changed on our side."""

    def __init__(self) -> None:
        super().__init__("Stripe could not be reached just now. Nothing was changed; try again in a minute.")


def is_owner(user: User, workspace: Workspace) -> bool:
    return Membership.objects.filter(user=user, workspace=workspace, role=Role.OWNER).exists()


def connected_account(workspace: Workspace) -> StripeAccount | None:
    return StripeAccount.objects.for_workspace(workspace).connected().first()


def latest_account(workspace: Workspace) -> StripeAccount | None:
    """The connected account, or the last one that was disconnected (for the settings page)."""
    return StripeAccount.objects.for_workspace(workspace).order_by("disconnected_at", "-connected_at").first()


def _flags(account: dict) -> dict:
    return {
        "charges_enabled": bool(account.get("charges_enabled")),
        "payouts_enabled": bool(account.get("payouts_enabled")),
        "details_submitted": bool(account.get("details_submitted")),
    }


def apply_account(record: StripeAccount, account: dict) -> list[str]:
    """Store the flags of a freshly read account object; returns the fields that changed."""
    changed = [name for name, value in _flags(account).items() if getattr(record, name) != value]
    for name in changed:
        setattr(record, name, _flags(account)[name])
    record.synced_at = timezone.now()
    record.save(update_fields=[*changed, "synced_at"])
    return changed


def fetch_account(account_id: str) -> dict:
    try:
        return stripe_client().v1.accounts.retrieve(account_id).to_dict()
    except stripe.StripeError as exc:
        raise StripeUnavailable() from exc


def connect(*, workspace: Workspace, user: User) -> StripeAccount:
    """The workspace's connected account, created on Stripe the first time (owner only)."""
    if not is_owner(user, workspace):
        raise ServiceError("Only the workspace owner can connect Stripe.")
    client = stripe_client()
    with transaction.atomic():
        # The workspace row is the lock: a double click waits here and then finds the first click's account.
        Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
        existing = connected_account(workspace)
        if existing is not None:
            return existing
        try:
            account = client.v1.accounts.create(
                {
                    "controller": ACCOUNT_CONTROLLER,
                    "email": user.email,
                    "metadata": {"workspace_id": str(workspace.pk), "workspace_slug": workspace.slug},
                },
                options={"idempotency_key": f"portal-connect-{uuid.uuid4()}"},
            ).to_dict()
        except stripe.StripeError as exc:
            raise StripeUnavailable() from exc
        record = StripeAccount.objects.create(
            workspace=workspace,
            account_id=account["id"],
            livemode=expected_livemode(),
            connected_by=user,
            connected_at=timezone.now(),
            synced_at=timezone.now(),
            **_flags(account),
        )
        record_event(workspace=workspace, verb="stripe.connected", actor_user=user, target=record)
    return record


def onboarding_link(record: StripeAccount) -> str:
    """A fresh Account Link (they are single use and short-lived) that brings the owner back to us."""
    try:
        link = stripe_client().v1.account_links.create(
            {
                "account": record.account_id,
                "refresh_url": absolute_url("billing:stripe-refresh"),
                "return_url": absolute_url("billing:stripe-return"),
                "type": "account_onboarding",
            }
        )
    except stripe.StripeError as exc:
        raise StripeUnavailable() from exc
    return link.url


def refresh(*, workspace: Workspace, user: User) -> str:
    """The refresh URL's answer: a new link for the connected account (the old one expired or was used)."""
    if not is_owner(user, workspace):
        raise ServiceError("Only the workspace owner can connect Stripe.")
    record = connected_account(workspace)
    if record is None:
        raise ServiceError("Connect Stripe first.")
    return onboarding_link(record)


def sync(record: StripeAccount) -> StripeAccount:
    """Read the account again (the return URL, the settings page's "Check again")."""
    account = fetch_account(record.account_id)
    with transaction.atomic():
        locked = StripeAccount.objects.select_for_update().get(pk=record.pk)
        if locked.disconnected_at is None:
            apply_account(locked, account)
    return locked


@transaction.atomic
def disconnect(*, record: StripeAccount, event_id: str = "") -> bool:
    """The firm revoked our access (`account.application.deauthorized`). Returns False if it already was."""
    locked = StripeAccount.objects.select_for_update().get(pk=record.pk)
    if locked.disconnected_at is not None:
        return False
    locked.disconnected_at = timezone.now()
    locked.charges_enabled = locked.payouts_enabled = False
    locked.save(update_fields=["disconnected_at", "charges_enabled", "payouts_enabled"])
    record_event(
        workspace=locked.workspace, verb="stripe.disconnected", target=locked, data={"event": event_id}
    )
    return True
