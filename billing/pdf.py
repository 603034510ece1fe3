"""Invoice and credit-note PDFs, rendered once (at finalise / issue) through core.pdf.render_pdf and
stored with their SHA-256 (billing.services); downloads serve the stored bytes, never a re-rendering."""

from __future__ import annotations

import base64
import logging

from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone

from billing.models import CreditNote, Invoice
from core.http import absolute_url

logger = logging.getLogger(__name__)
LOGO_MAX_BYTES = 1024 * 1024


def _logo_data_uri(workspace) -> str:
    """The workspace logo inline (render_pdf fetches nothing else). A missing file prints no logo."""
    if not workspace.logo or not workspace.logo_content_type.startswith("image/"):
        return ""
    try:
        with default_storage.open(workspace.logo.name, "rb") as fh:
            data = fh.read(LOGO_MAX_BYTES + 1)
    except OSError:
        logger.warning("logo of workspace %s unreadable; PDF without it", workspace.pk)
        return ""
    if len(data) > LOGO_MAX_BYTES:
        return ""
    return f"data:{workspace.logo_content_type};base64,{base64.b64encode(data).decode()}"


def _common(workspace) -> dict:
    return {
        "workspace": workspace,
        "logo": _logo_data_uri(workspace),
        "accent": workspace.accent_color,
        "generated_at": timezone.now(),
    }


def render_invoice_pdf(invoice: Invoice) -> bytes:
    from core.pdf import render_pdf  # WeasyPrint is slow to import: only when rendering

    html = render_to_string(
        "billing/pdf/invoice.html",
        {
            **_common(invoice.workspace),
            "invoice": invoice,
            "lines": list(invoice.lines.all()),
            "totals": invoice.totals(),
            "pay_url": absolute_url(
                "portal:invoice-detail", slug=invoice.workspace.slug, invoice_id=invoice.pk
            ),
        },
    )
    return render_pdf(html)


def render_credit_note_pdf(note: CreditNote) -> bytes:
    from core.pdf import render_pdf

    invoice = note.invoice
    html = render_to_string(
        "billing/pdf/credit_note.html",
        {
            **_common(invoice.workspace),
            "note": note,
            "invoice": invoice,
            "lines": list(note.lines.all()),
            "invoice_url": absolute_url(
                "portal:invoice-detail", slug=invoice.workspace.slug, invoice_id=invoice.pk
            ),
        },
    )
    return render_pdf(html)
