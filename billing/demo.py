"""Demo seed step of `billing` (core/demo.py): invoices of the `studio` workspace in every state — draft,
sent, overdue, paid (a bank transfer recorded with `apply_payment`), void and credited — after the
projects step created its clients and projects (ctx.objects). Idempotent: an invoice is known by its
first line's description."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from billing import services
from billing.models import Invoice
from billing.selectors import billing_settings
from core.demo import DemoContext
from core.money import PricedLine

D = Decimal

# (client key, project name or "", state, issue offset days or None, lines [(description, qty, price)])
INVOICES = [
    (
        "brightleaf",
        "Brand guidelines",
        "paid",
        -120,
        [("Brand guidelines: logo refresh", "1", "4200"), ("Guidelines PDF", "1", "2300")],
    ),
    ("brightleaf", "Website redesign", "credited", -38, [("Website redesign: deposit (30%)", "1", "5400")]),
    (
        "harbour",
        "Mobile ordering app",
        "overdue",
        -45,
        [("Discovery workshop", "2", "1450"), ("User research interviews", "6", "320")],
    ),
    ("harbour", "Menu photography", "void", -58, [("Menu photography: half-day shoot", "1", "1250")]),
    (
        "brightleaf",
        "Website redesign",
        "sent",
        -6,
        [("Website redesign: wireframes milestone", "1", "5400"), ("Stock imagery licences", "12", "29.50")],
    ),
    (
        "brightleaf",
        "Annual report 2026",
        "draft",
        None,
        [("Annual report 2026: layout deposit", "1", "2700")],
    ),
]


def _lines(items) -> list[PricedLine]:
    return [PricedLine(description=d, quantity=D(q), unit_price=D(p)) for d, q, p in items]


def seed_step(ctx: DemoContext) -> None:
    ws = ctx.objects.get("studio_workspace")
    if ws is None:
        return
    staff, clients, projects = (
        ctx.objects["studio_staff"],
        ctx.objects["studio_clients"],
        ctx.objects["studio_projects"],
    )
    conf = billing_settings(ws)
    if not conf.from_address:
        conf.from_name = "Pixel & Ink Studio Ltd"
        conf.from_address = "14 Canal Wharf\nLeeds LS11 5PS\nUnited Kingdom"
        conf.from_email = "accounts@pixelink.example"
        conf.tax_id = "GB 123 4567 89"
        conf.default_currency = "EUR"
        conf.default_tax_rate = D(20)
        conf.payment_terms_days = 30
        conf.default_terms = (
            "Payment by bank transfer to IBAN GB29 NWBK 6016 1331 9268 19, quoting the invoice number."
        )
        conf.save()
    today = timezone.localdate()
    for key, project_name, state, offset, items in INVOICES:
        first = items[0][0]
        if Invoice.objects.filter(workspace=ws, lines__description=first).exists():
            continue
        issue = today + timedelta(days=offset) if offset is not None else None
        invoice = services.create_invoice(
            workspace=ws,
            client=clients[key],
            actor=staff,
            currency="EUR",
            lines=_lines(items),
            project=projects.get(project_name),
            issue_date=issue,
            due_date=issue + timedelta(days=30) if issue else None,
            tax_rate=D(20),
            notes=conf.default_terms,
            bill_to_address={
                "brightleaf": "2 Orchard Lane\nBristol BS1 4DJ",
                "harbour": "Pier 3, Harbour Road\nBrighton BN2 1TW",
            }[key],
        )
        if state == "draft":
            continue
        services.finalise_invoice(invoice=invoice, actor=staff)
        if state == "paid":
            services.apply_payment(
                invoice=invoice,
                amount=invoice.total,
                currency=invoice.currency,
                actor=staff,
                reference="Bank transfer BL-2291",
                method="manual",
            )
        elif state == "void":
            services.void_invoice(
                invoice=invoice, actor=staff, reason="The shoot was cancelled with the project."
            )
        elif state == "credited":
            services.issue_credit_note(
                invoice=invoice,
                actor=staff,
                amount=invoice.total,
                reason="Deposit waived: the redesign is now billed by milestone.",
            )
