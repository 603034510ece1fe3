"""The one way to talk to Stripe: `stripe_client()` returns a `StripeClient` built from settings.

Nothing else constructs a client and nothing sets the global `stripe.api_key`: a client carries its key,
API base address (tests and staging point `STRIPE_API_BASE` at a stand-in), timeout and retries, and the
connected account is given per request (`options={"stripe_account": …}`), never on the client.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import stripe
from django.conf import settings

from core.errors import ServiceError


class PaymentsNotSetUp(ServiceError):
    """No STRIPE_SECRET_KEY: online payment is not offered anywhere."""

    def __init__(self) -> None:
        super().__init__("Online payment is not set up.")


def payments_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def webhook_secrets() -> list[str]:
    return [secret for secret in settings.STRIPE_WEBHOOK_SECRETS if secret]


def expected_livemode() -> bool:
    return bool(settings.STRIPE_LIVEMODE)


def application_fee_percent() -> Decimal:
    return Decimal(str(settings.STRIPE_APPLICATION_FEE_PERCENT or "0"))


@lru_cache(maxsize=4)
def _build(api_key: str, api_base: str, timeout: int, retries: int) -> stripe.StripeClient:
    # One client (and one HTTP connection pool) per configuration; tests that change the settings get theirs.
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base, "connect": api_base, "files": api_base},
        http_client=stripe.RequestsClient(timeout=timeout),
        max_network_retries=retries,
    )


def stripe_client() -> stripe.StripeClient:
    """The configured client; raises PaymentsNotSetUp when there is no secret key."""
    if not payments_configured():
        raise PaymentsNotSetUp()
    return _build(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_TIMEOUT_SECONDS,
        settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def on_account(account_id: str, **extra) -> dict:
    """Request options for a call made on a connected account (a direct charge lives there).

    An empty or malformed id is refused: without the Stripe-Account header the call would be made on the
    platform's own account instead of the firm's."""
    if not (isinstance(account_id, str) and account_id.startswith("acct_") and len(account_id) > 5):
        raise ValueError(f"not a connected account id: {account_id!r}")
    return {"stripe_account": account_id, **extra}


def allow_stripe_redirects(response):
    """Let a page's forms end on Stripe (Checkout, onboarding): CSP form-action also governs the
    redirect that follows a form's POST, and ours is 'self' everywhere else."""
    origins = [origin for origin in settings.STRIPE_REDIRECT_ORIGINS if origin]
    if origins:
        response._csp_update = {"form-action": origins}
    return response
