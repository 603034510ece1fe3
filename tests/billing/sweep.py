"""Invoices' part of the outsider sweep (tests/test_outsider_sweep.py): Secretco's draft, its finalised
invoice (with a credit note) and their stored PDFs; the kwarg sources of the staff and portal invoice URLs
and their POST data.

Rendered PDFs compress their text, so a client name in them is invisible to a byte search: the fixture
appends a `file_marker` (a PDF comment after %%EOF, still a valid PDF) to each stored PDF, as the other
apps' fixture files carry one."""

from __future__ import annotations

from decimal import Decimal

from billing import services
from core.money import PricedLine
from tests.sweep_registry import file_marker, kwarg_source, post_data, sweep_fixture


def _mark(record, label: str) -> None:
    with open(record.file.path, "ab") as fh:
        fh.write(f"\n% {file_marker(label)}\n".encode())


def _lines() -> list[PricedLine]:
    return [PricedLine(description="Secretco audit support", quantity=Decimal(2), unit_price=Decimal("450"))]


@sweep_fixture
def invoice_objects(world) -> None:
    o = world.objs
    o.invoice_draft = services.create_invoice(
        workspace=world.ws, client=world.client, actor=world.owner, currency="EUR", lines=_lines()
    )
    o.invoice = services.finalise_invoice(
        invoice=services.create_invoice(
            workspace=world.ws,
            client=world.client,
            actor=world.owner,
            currency="EUR",
            lines=_lines(),
            tax_rate=Decimal(20),
            notes="Secretco purchase order 77",
        ),
        actor=world.owner,
    )
    _mark(o.invoice.pdf, "invoice PDF")
    o.credit_note = services.issue_credit_note(
        invoice=o.invoice, actor=world.owner, amount=Decimal("100"), reason="Secretco goodwill"
    )
    _mark(o.credit_note.pdf, "credit note PDF")


kwarg_source("invoice_id", lambda w: w.objs.invoice)
# The draft editor and the draft-only actions take the draft.
for name in ("billing:invoice-edit", "billing:invoice-delete", "billing:invoice-finalise"):
    kwarg_source("invoice_id", lambda w: w.objs.invoice_draft, url=name)
kwarg_source("credit_note_id", lambda w: w.objs.credit_note)
# A payment mismatch is resolved under its own invoice: the paid one of tests/billing/payments/sweep.py.
kwarg_source("invoice_id", lambda w: w.objs.paid_invoice, url="billing:invoice-mismatch-resolve")


def _draft_form(w) -> dict:
    return {
        "client": w.client.pk,
        "project": "",
        "currency": "EUR",
        "tax_rate": "20",
        "discount_percent": "0",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Sweep work",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "100",
        "lines-0-tax_rate": "",
        "action": "save",
    }


post_data("billing:invoice-create", _draft_form)
post_data("billing:invoice-edit", _draft_form)
post_data("billing:invoice-delete", lambda w: {})
post_data("billing:invoice-finalise", lambda w: {"send": "1"})
post_data("billing:invoice-send", lambda w: {})
post_data("billing:invoice-void", lambda w: {"reason": "Sweep void"})
post_data("billing:invoice-credit", lambda w: {"amount": "5", "reason": "Sweep credit"})
post_data("billing:invoice-payment", lambda w: {"amount": "10", "reference": "Sweep"})
post_data(
    "billing:settings",
    lambda w: {
        "invoice_prefix": "SW-",
        "credit_note_prefix": "SWC-",
        "number_digits": 4,
        "default_currency": "EUR",
        "payment_terms_days": 10,
        "default_tax_rate": "0",
        "reminder_interval_days": 3,
    },
)
