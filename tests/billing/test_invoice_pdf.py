"""The invoice PDF: rendered once at finalise (through core.pdf.render_pdf), stored with its SHA-256;
every download serves those bytes, byte for byte, however the invoice or settings change later."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from billing import services
from billing.selectors import billing_settings

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_pdf_shows_the_invoice(world, draft):
    conf = billing_settings(world.ws)
    conf.from_name, conf.from_address = "Alpha Assurance Ltd", "9 Quay Street\nDublin"
    conf.save()
    invoice = services.finalise_invoice(invoice=draft, actor=world.owner)
    with invoice.pdf.file.open("rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for expected in (
        invoice.number,
        "Alpha Assurance Ltd",
        "9 Quay Street",
        "Secretco Payments",
        "1 Market Street",
        "Design sprint",
        "Hosting",
        "€3,000.00",
        "Tax 20% on €3,049.99",
        "€610.00",
        "€3,659.99",
        invoice.due_date.strftime("%-d %b %Y"),
        f"/p/alpha/invoices/{invoice.pk}/",
    ):
        assert expected in text, expected
    assert hashlib.sha256(data).hexdigest() == invoice.pdf.sha256
    assert invoice.pdf.size == len(data)


def test_redownload_is_byte_identical_and_matches_the_stored_hash(world, sent, owner_http, contact_http):
    staff_url = reverse("billing:invoice-download", args=[sent.pk])
    portal_url = reverse("portal:invoice-download", args=["alpha", sent.pk])
    first = body(owner_http.get(staff_url))
    # Later changes to the settings or a payment never touch the stored document.
    conf = billing_settings(world.ws)
    conf.from_name = "Renamed Ltd"
    conf.save()
    services.apply_payment(invoice=sent, amount=Decimal("100"), currency="EUR")
    second = body(owner_http.get(staff_url))
    third = body(contact_http.get(portal_url))
    assert first == second == third
    assert hashlib.sha256(first).hexdigest() == sent.pdf.sha256
    response = contact_http.get(portal_url)
    assert response["Content-Type"] == "application/pdf"
    assert f"{sent.number}.pdf" in response["Content-Disposition"]


def test_credit_note_pdf(world, sent, owner_http, contact_http):
    note = services.issue_credit_note(
        invoice=sent, actor=world.owner, amount=Decimal("100"), reason="Goodwill"
    )
    data = body(contact_http.get(reverse("portal:invoice-credit-note-download", args=["alpha", note.pk])))
    assert hashlib.sha256(data).hexdigest() == note.pdf.sha256
    assert data == body(owner_http.get(reverse("billing:credit-note-download", args=[note.pk])))
    text = pdf_text(data)
    for expected in ("Credit note", note.number, sent.number, "Goodwill", "€100.00", "Secretco Payments"):
        assert expected in text, expected
