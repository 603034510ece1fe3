"""Activity verbs of online payment (registered in BillingConfig.ready). Payments and refunds themselves
are logged by billing.services (`invoice.paid`, `invoice.payment_recorded`, `invoice.refunded`, which
clients see); these are the firm's own: its Stripe account and payments that need a person."""

from __future__ import annotations

from activity.verbs import STAFF, Verb, register
from billing.models import INVOICES_SECTION


def register_verbs() -> None:
    register(
        Verb("stripe.connected", "connected Stripe account", audience=STAFF),
        Verb("stripe.disconnected", "lost access to Stripe account", audience=STAFF),
        Verb(
            "payment.mismatch",
            "received a payment that needs review for invoice",
            audience=STAFF,
            section=INVOICES_SECTION,
            on_target="received a payment that needs review",
        ),
        Verb(
            "payment.mismatch_resolved",
            "reviewed a payment mismatch on invoice",
            audience=STAFF,
            section=INVOICES_SECTION,
            on_target="reviewed a payment mismatch",
        ),
    )
