"""Activity verbs of invoices and credit notes (registered in BillingConfig.ready). A client hears of an
invoice once it is finalised: sent, paid, refunded, credited, voided. Drafts and reminders are internal."""

from __future__ import annotations

from activity.verbs import CLIENT, STAFF, Verb, register
from billing.models import INVOICES_SECTION


def register_verbs() -> None:
    register(
        Verb("invoice.created", "drafted invoice", audience=STAFF, section=INVOICES_SECTION),
        Verb("invoice.updated", "edited draft invoice", audience=STAFF, section=INVOICES_SECTION),
        Verb("invoice.deleted", "deleted draft invoice", audience=STAFF, section=INVOICES_SECTION),
        Verb(
            "invoice.finalised",
            "finalised invoice",
            client="issued invoice",
            audience=CLIENT,
            section=INVOICES_SECTION,
            on_target="finalised and numbered this invoice",
        ),
        Verb(
            "invoice.sent",
            "emailed invoice",
            client="sent invoice",
            audience=CLIENT,
            section=INVOICES_SECTION,
            plural="emailed {n} invoices:",
            on_target="emailed this invoice",
        ),
        Verb(
            "invoice.reminder_sent",
            "sent an overdue reminder for invoice",
            audience=STAFF,
            section=INVOICES_SECTION,
            on_target="sent an overdue reminder",
        ),
        Verb(
            "invoice.payment_recorded",
            "recorded a payment on invoice",
            client="paid part of invoice",
            audience=CLIENT,
            section=INVOICES_SECTION,
            on_target="recorded a payment",
        ),
        Verb(
            "invoice.paid",
            "received full payment of invoice",
            client="paid invoice",
            audience=CLIENT,
            section=INVOICES_SECTION,
            on_target="was paid in full",
        ),
        Verb(
            "invoice.refunded",
            "refunded a payment on invoice",
            client="refunded a payment on invoice",
            audience=CLIENT,
            section=INVOICES_SECTION,
            on_target="refunded a payment",
        ),
        Verb(
            "invoice.credited",
            "issued a credit note against invoice",
            audience=CLIENT,
            section=INVOICES_SECTION,
            on_target="issued a credit note",
        ),
        Verb(
            "invoice.voided",
            "voided invoice",
            audience=CLIENT,
            section=INVOICES_SECTION,
            on_target="voided this invoice",
        ),
    )
