"""Outbox handlers for invoice mail (send, resend, overdue reminders). They take ids, reload, skip rows
that vanished or changed meanwhile, and attach the stored PDF (the bytes rendered at finalise)."""

from __future__ import annotations

from accounts.models import Contact
from activity import outbox
from activity.mail import mail_each_once
from billing.models import INVOICES_SECTION, Invoice, InvoiceStatus
from core.http import absolute_url


def contact_recipients(invoice: Invoice) -> list[Contact]:
    """Contacts who can open the invoice in the portal right now."""
    client = invoice.client
    if not (client.portal_enabled and client.shows(INVOICES_SECTION)):
        return []
    return list(Contact.objects.for_client(client).active())


def portal_url(invoice: Invoice) -> str:
    return absolute_url("portal:invoice-detail", slug=invoice.workspace.slug, invoice_id=invoice.pk)


def _pdf_attachment(invoice: Invoice) -> list[tuple[str, bytes, str]]:
    record = invoice.pdf
    if record is None:
        return []
    with record.file.open("rb") as fh:
        return [(f"{invoice.number}.pdf", fh.read(), "application/pdf")]


def _load(invoice_id: int) -> Invoice | None:
    return (
        Invoice.objects.select_related("workspace", "client", "pdf", "project").filter(pk=invoice_id).first()
    )


def _send(invoice: Invoice, template: str, delivery_key: str = "", **extra) -> int:
    """One mail per contact, once per outbox row each (a retry skips those already mailed)."""
    return mail_each_once(
        delivery_key,
        contact_recipients(invoice),
        template=template,
        context={"workspace": invoice.workspace, "invoice": invoice, "link": portal_url(invoice), **extra},
        attachments=_pdf_attachment(invoice),
    )


@outbox.handler("billing.invoice_email", keyed=True)
def invoice_email(*, invoice_id: int, resend: bool = False, delivery_key: str = "") -> None:
    invoice = _load(invoice_id)
    if invoice is None or invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID):
        return
    _send(invoice, "invoice_sent", delivery_key, resend=resend)


@outbox.handler("billing.overdue_reminder", keyed=True)
def overdue_reminder(*, invoice_id: int, day: str, delivery_key: str = "") -> None:
    invoice = _load(invoice_id)
    # Paid (or voided) between queueing and sending: no reminder.
    if invoice is None or not invoice.is_overdue:
        return
    _send(invoice, "invoice_overdue", delivery_key, day=day)
