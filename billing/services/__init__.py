"""State changes for invoices and credit notes, one module per stage (drafts, issuing, credit_notes,
ledger). Keyword-only, atomic, audited in the same transaction.

The one state machine for an invoice's money lives here (`apply_payment`, `apply_refund`,
`issue_credit_note`, `void_invoice`); the Stripe side calls the first two and never writes an invoice's
status itself:

    draft ──finalise──▶ sent ──payments cover total − credited──▶ paid ──refunds cover payments──▶ refunded
                          │  ──credit notes cover the total, nothing paid──▶ credited
                          └──void (nothing paid)──▶ void

Transitions only move forward. A payment on a paid invoice (a second checkout paid twice) is still
recorded: the money arrived, and refusing it would lose that fact.
"""

from billing.services.credit_notes import issue_credit_note
from billing.services.drafts import DRAFT_FIELDS, MAX_LINES, create_invoice, delete_draft, update_draft
from billing.services.issuing import NumberClash, _clash_kind, finalise_invoice, send_invoice, void_invoice
from billing.services.ledger import PaymentRefused, apply_payment, apply_refund
from core.errors import ServiceError  # what the callers catch

__all__ = [
    "ServiceError",
    "DRAFT_FIELDS",
    "MAX_LINES",
    "NumberClash",
    "PaymentRefused",
    "_clash_kind",
    "apply_payment",
    "apply_refund",
    "create_invoice",
    "delete_draft",
    "finalise_invoice",
    "issue_credit_note",
    "send_invoice",
    "update_draft",
    "void_invoice",
]
