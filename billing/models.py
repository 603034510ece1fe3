"""Invoices, their lines, credit notes, their stored PDFs and each workspace's billing settings.

Money is `Decimal` throughout (core.money: rounded half-up to the currency's minor unit, never floats).
An invoice is a draft until it is finalised: then it gets its number (a gap-free per-workspace series,
billing.numbering), its address snapshots and its PDF, and its content is frozen — `Invoice.save()` and
`InvoiceLine.save()/delete()` refuse to change it (corrections are a void or a credit note). What still
moves after that is money and status, and only through billing.services (`apply_payment`,
`apply_refund`, `issue_credit_note`, `void_invoice`).

Every queryset a view uses starts from `for_workspace(ws)` (staff) or `for_contact(contact)` (portal:
never drafts, only while the client's portal is open and it shows Invoices).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import portal_open, section_hidden
from core import money
from core.errors import ServiceError
from core.money import CURRENCY_CHOICES, PricedLine
from files.models import StoredFile

INVOICES_SECTION = "invoices"

MONEY = {"max_digits": 14, "decimal_places": 3, "default": Decimal(0)}  # three places: KWD, BHD…
# The largest values the columns hold (integer digits = max_digits - decimal_places). Forms and services
# refuse anything larger with a message: past these PostgreSQL raises "numeric field overflow" (a 500).
MAX_AMOUNT = Decimal("99999999999")  # MONEY: 11 integer digits
MAX_QUANTITY = Decimal("99999999")  # InvoiceLine.quantity: 8 integer digits
MAX_UNIT_PRICE = Decimal("9999999999")  # InvoiceLine.unit_price: 10 integer digits
RATE = {
    "max_digits": 7,
    "decimal_places": 4,
    "default": Decimal(0),
    "validators": [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
}


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"  # finalised (numbered, PDF stored), whether or not the email went out yet
    PAID = "paid", "Paid"
    # Fully covered by credit notes with nothing paid: nothing is owed and nothing was received.
    CREDITED = "credited", "Credited"
    REFUNDED = "refunded", "Refunded"  # everything paid was paid back
    VOID = "void", "Void"


FINALISED = (
    InvoiceStatus.SENT,
    InvoiceStatus.PAID,
    InvoiceStatus.CREDITED,
    InvoiceStatus.REFUNDED,
    InvoiceStatus.VOID,
)
# Where money can still arrive (and a Pay button makes sense).
PAYABLE = (InvoiceStatus.SENT,)


class InvoiceImmutable(ServiceError):
    """A finalised invoice's content was about to change. Corrections are a void or a credit note."""


# --- settings ------------------------------------------------------------------------------------------


class BillingSettings(models.Model):
    """A workspace's invoicing defaults. Created on first use (billing.selectors.billing_settings)."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="billing_settings"
    )
    # "{year}" is replaced by the issue year: "INV-{year}-" numbers INV-2026-0001, INV-2026-0002, … and
    # each rendered prefix is its own gap-free series (so a new year starts again at 0001).
    invoice_prefix = models.CharField(max_length=30, default="INV-{year}-")
    credit_note_prefix = models.CharField(max_length=30, default="CN-{year}-")
    number_digits = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    from_name = models.CharField("Bill from (name)", max_length=160, blank=True)
    from_address = models.TextField("Bill from (address)", blank=True, max_length=1000)
    from_email = models.EmailField("Billing email", blank=True)
    tax_id = models.CharField("Tax / VAT number", max_length=60, blank=True)
    default_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="EUR")
    payment_terms_days = models.PositiveSmallIntegerField(
        "Payment terms (days)", default=30, validators=[MaxValueValidator(365)]
    )
    default_tax_rate = models.DecimalField("Default tax rate (%)", **RATE)
    default_terms = models.TextField("Default notes / terms", blank=True, max_length=2000)
    # Overdue reminders: the first the day after the due date, then every this many days (0 = none).
    reminder_interval_days = models.PositiveSmallIntegerField(
        "Overdue reminder every (days)", default=7, validators=[MaxValueValidator(90)]
    )

    class Meta:
        verbose_name_plural = "billing settings"

    def __str__(self) -> str:
        return f"Billing settings of {self.workspace_id}"

    def bill_from_block(self) -> str:
        """What a finalised invoice keeps of the sender: address, billing email, tax number."""
        lines = [self.from_address.strip(), self.from_email.strip()]
        if self.tax_id.strip():
            lines.append(f"Tax ID: {self.tax_id.strip()}")
        return "\n".join(line for line in lines if line)

    def clean(self) -> None:
        for name in ("invoice_prefix", "credit_note_prefix"):
            value = getattr(self, name)
            try:
                value.format(year=2026)
            except (KeyError, IndexError, ValueError) as exc:
                raise ValidationError({name: "Only {year} may appear in braces."}) from exc
        if prefixes_overlap(self.invoice_prefix, self.credit_note_prefix):
            raise ValidationError(
                {
                    "credit_note_prefix": "Use a credit-note prefix that is not the invoice prefix, nor its start, nor starts with it "
                    "the invoice prefix (say INV- and CN-): otherwise an invoice and a credit note can "
                    "carry the same number."
                }
            )


def prefixes_overlap(invoice_prefix: str, credit_note_prefix: str) -> bool:
    """True when one prefix, as rendered for a year, is the start of the other (or they are equal): then
    a number of one series can also be a number of the other ("INV-" + 2026-0001 and "INV-2026-" + 0001).
    Rendered for two years, since "{year}" on one side only can line up with literal digits on the other."""
    for year in (2026, 2099):
        a = invoice_prefix.replace("{year}", str(year))
        b = credit_note_prefix.replace("{year}", str(year))
        if a.startswith(b) or b.startswith(a):
            return True
    return False


# --- invoices ------------------------------------------------------------------------------------------


class InvoiceQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> InvoiceQuerySet:
        return self.filter(workspace=workspace)

    def for_contact(self, contact) -> InvoiceQuerySet:
        """The client's finalised invoices (never drafts), while its portal is on and it shows Invoices."""
        if contact.revoked_at is not None:
            return self.none()
        return (
            self.exclude(section_hidden(INVOICES_SECTION, prefix="client__"))
            .filter(portal_open(contact), workspace_id=contact.workspace_id, client_id=contact.client_id)
            .exclude(status=InvoiceStatus.DRAFT)
        )

    def overdue(self, today: date | None = None) -> InvoiceQuerySet:
        return self.filter(status=InvoiceStatus.SENT, due_date__lt=today or timezone.localdate())

    def outstanding(self) -> InvoiceQuerySet:
        return self.filter(status=InvoiceStatus.SENT)


# Fields frozen once an invoice is finalised. Status, money received and the PDF still move.
CONTENT_FIELDS = (
    "workspace_id",
    "client_id",
    "project_id",
    "number",
    "currency",
    "issue_date",
    "due_date",
    "tax_rate",
    "discount_percent",
    "notes",
    "subtotal",
    "tax",
    "discount",
    "total",
    "bill_from_name",
    "bill_from_address",
    "bill_to_name",
    "bill_to_address",
)


class Invoice(models.Model):
    # Denormalised from client (as Contact and Project do) so the tenant filter never needs a join.
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="invoices")
    client = models.ForeignKey("accounts.Client", on_delete=models.PROTECT, related_name="invoices")
    # A string reference: billing never imports projects (import-linter), the database still links them.
    project = models.ForeignKey(
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    # Blank until finalised; then unique per workspace (the constraint below backs the sequence).
    number = models.CharField(max_length=60, blank=True, default="")
    status = models.CharField(
        max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT, db_index=True
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="EUR")
    issue_date = models.DateField(null=True, blank=True)  # set at finalise when left blank
    due_date = models.DateField(null=True, blank=True)  # issue date + payment terms when left blank
    tax_rate = models.DecimalField("Tax rate (%)", **RATE)  # for lines without a rate of their own
    discount_percent = models.DecimalField("Discount (%)", **RATE)
    notes = models.TextField("Notes / terms", blank=True, max_length=4000)

    # Stored totals, recomputed by billing.services from the lines with core.money.compute_totals.
    subtotal = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    # Money since finalising (billing.services.apply_payment / apply_refund / issue_credit_note).
    amount_paid = models.DecimalField(**MONEY)
    amount_refunded = models.DecimalField(**MONEY)
    amount_credited = models.DecimalField(**MONEY)

    # Snapshots taken at finalise: later edits to the client or the settings never change a sent invoice.
    bill_from_name = models.CharField(max_length=160, blank=True)
    bill_from_address = models.TextField(blank=True)
    bill_to_name = models.CharField(max_length=160, blank=True)
    bill_to_address = models.TextField("Bill to (address)", blank=True, max_length=1000)

    pdf = models.ForeignKey("InvoicePdf", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finalised_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # last emailed to the client
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True, max_length=1000)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status", "due_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "number"],
                condition=~models.Q(number=""),
                name="uniq_invoice_number_per_workspace",
            ),
            models.CheckConstraint(
                condition=models.Q(status=InvoiceStatus.DRAFT) | ~models.Q(number=""),
                name="invoice_finalised_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft invoice #{self.pk}"

    # --- immutability ------------------------------------------------------------------------------

    def save(self, *args, **kwargs) -> None:
        self.workspace_id = self.client.workspace_id
        if self.pk is not None:
            _refuse_content_change(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if (
            self.pk is not None
            and Invoice.objects.filter(pk=self.pk).exclude(status=InvoiceStatus.DRAFT).exists()
        ):
            raise InvoiceImmutable("A finalised invoice cannot be deleted: void it instead.")
        return super().delete(*args, **kwargs)

    @property
    def label(self) -> str:
        return self.number or "Draft"

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def is_finalised(self) -> bool:
        return self.status != InvoiceStatus.DRAFT

    @property
    def audit_chain_key(self) -> str:
        """Invoice events chain per invoice: a document with money attached keeps its own evidence trail."""
        return f"invoice:{self.pk}"

    # --- derived money -----------------------------------------------------------------------------

    @property
    def amount_paid_net(self) -> Decimal:
        return self.amount_paid - self.amount_refunded

    @property
    def amount_due(self) -> Decimal:
        """What the client still owes: nothing on a draft, a void, a paid, credited or refunded invoice."""
        if self.status != InvoiceStatus.SENT:
            return money.quantize(Decimal(0), self.currency)
        due = self.total - self.amount_credited - self.amount_paid_net
        return money.quantize(max(due, Decimal(0)), self.currency)

    @property
    def creditable(self) -> Decimal:
        """How much a credit note may still take off."""
        return money.quantize(max(self.total - self.amount_credited, Decimal(0)), self.currency)

    @property
    def refundable(self) -> Decimal:
        return money.quantize(max(self.amount_paid_net, Decimal(0)), self.currency)

    @property
    def is_payable(self) -> bool:
        return self.status in PAYABLE and self.amount_due > 0

    def is_overdue_on(self, today: date) -> bool:
        return self.is_payable and self.due_date is not None and self.due_date < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def days_overdue(self) -> int:
        if not self.is_overdue:
            return 0
        return (timezone.localdate() - self.due_date).days

    @property
    def display_status(self) -> str:
        """ "Overdue" is derived, never stored: a sent invoice past its due date with money owed."""
        return "Overdue" if self.is_overdue else self.get_status_display()

    @property
    def status_tone(self) -> str:
        """The badge modifier (static/css components) for the display status."""
        if self.is_overdue:
            return "danger"
        return {InvoiceStatus.SENT: "info", InvoiceStatus.PAID: "ok", InvoiceStatus.REFUNDED: "warn"}.get(
            self.status, ""
        )

    def priced_lines(self) -> list[PricedLine]:
        return [line.priced() for line in self.lines.all()]

    def totals(self) -> money.Totals:
        """Totals (with the tax breakdown) recomputed from the lines: what the stored fields hold."""
        return money.compute_totals(
            self.priced_lines(), self.currency, tax_rate=self.tax_rate, discount_percent=self.discount_percent
        )


def _refuse_content_change(invoice: Invoice) -> None:
    """Compare with the row as stored (not as loaded: another request may have finalised it since)."""
    stored = (
        Invoice.objects.filter(pk=invoice.pk)
        .exclude(status=InvoiceStatus.DRAFT)
        .values(*CONTENT_FIELDS)
        .first()
    )
    if stored is None:
        return  # still a draft in the database: anything goes (finalising itself happens here)
    if invoice.status == InvoiceStatus.DRAFT:
        raise InvoiceImmutable(
            f"Invoice {stored['number']} is finalised: it cannot become a draft again (that would reopen "
            "its content). Void it or issue a credit note."
        )
    changed = [name for name in CONTENT_FIELDS if stored[name] != getattr(invoice, name)]
    if changed:
        raise InvoiceImmutable(
            f"Invoice {stored['number']} is finalised and cannot be edited "
            f"({', '.join(n.removesuffix('_id') for n in changed)}): void it or issue a credit note."
        )


def _refuse_if_finalised(invoice_id: int | None) -> None:
    if invoice_id and Invoice.objects.filter(pk=invoice_id).exclude(status=InvoiceStatus.DRAFT).exists():
        raise InvoiceImmutable(
            "The lines of a finalised invoice cannot change: void it or issue a credit note."
        )


class InvoiceLineQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> InvoiceLineQuerySet:
        return self.filter(invoice__workspace=workspace)

    def for_contact(self, contact) -> InvoiceLineQuerySet:
        return self.filter(invoice__in=Invoice.objects.for_contact(contact))


class InvoiceLine(models.Model):
    tenant_via = ("invoice", "")  # its workspace and client, for core.fragments
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal(1))
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    # None: the invoice's rate applies.
    tax_rate = models.DecimalField(
        "Tax rate (%)",
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    amount = models.DecimalField(**MONEY)  # quantity x unit price, rounded to the currency

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    def save(self, *args, **kwargs) -> None:
        _refuse_if_finalised(self.invoice_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_finalised(self.invoice_id)
        return super().delete(*args, **kwargs)

    def priced(self) -> PricedLine:
        return PricedLine(
            description=self.description,
            quantity=self.quantity,
            unit_price=self.unit_price,
            tax_rate=self.tax_rate,
        )


def pdf_key(kind: str) -> str:
    token = uuid.uuid4().hex
    return f"billing/{kind}/{token[:2]}/{token}"


class InvoicePdfQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> InvoicePdfQuerySet:
        return self.filter(invoice__workspace=workspace)

    def for_contact(self, contact) -> InvoicePdfQuerySet:
        return self.filter(invoice__in=Invoice.objects.for_contact(contact))


class InvoicePdf(StoredFile):
    """The PDF rendered once at finalise. Downloads serve these bytes, never a fresh rendering."""

    tenant_via = ("invoice", "")  # its workspace and client, for core.fragments

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="pdfs")

    objects = InvoicePdfQuerySet.as_manager()

    class Meta(StoredFile.Meta):
        pass


# --- credit notes --------------------------------------------------------------------------------------


class CreditNoteQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> CreditNoteQuerySet:
        return self.filter(workspace=workspace)

    def for_contact(self, contact) -> CreditNoteQuerySet:
        return self.filter(invoice__in=Invoice.objects.for_contact(contact))


class CreditNote(models.Model):
    """Money taken off a finalised invoice, with its own number series (CN-…) and its own PDF. Issued
    final: there is no draft credit note, and nothing about one changes once issued."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="credit_notes")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(max_length=60)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    issue_date = models.DateField()
    reason = models.TextField(max_length=2000)
    subtotal = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    pdf = models.ForeignKey(
        "CreditNotePdf", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CreditNoteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "number"], name="uniq_credit_note_number_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def audit_chain_key(self) -> str:
        return f"invoice:{self.invoice_id}"


class CreditNoteLine(models.Model):
    tenant_via = ("credit_note", "invoice__")  # its workspace and client, for core.fragments
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal(1))
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


class CreditNotePdfQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> CreditNotePdfQuerySet:
        return self.filter(credit_note__workspace=workspace)

    def for_contact(self, contact) -> CreditNotePdfQuerySet:
        return self.filter(credit_note__in=CreditNote.objects.for_contact(contact))


class CreditNotePdf(StoredFile):
    tenant_via = ("credit_note", "invoice__")  # its workspace and client, for core.fragments
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="pdfs")

    objects = CreditNotePdfQuerySet.as_manager()

    class Meta(StoredFile.Meta):
        pass


# Online payment (Stripe Connect, Checkout, webhooks): its own module, found by Django through this import.
from billing.payment_models import (  # noqa: E402,F401
    CheckoutAttempt,
    Payment,
    PaymentMismatch,
    Refund,
    StripeAccount,
    StripeEvent,
)
