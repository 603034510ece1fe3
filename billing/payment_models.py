"""Online payment: the firm's connected Stripe account, each Checkout attempt, the payments and refunds
Stripe reports, the webhook events already handled, and the mismatches staff must look at.

Imported by billing/models.py (Django finds models there); invoices are referenced by string. Amounts are
integer minor units as Stripe states them (`amount_minor` + `currency`); `amount` gives the Decimal.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from core.money import from_minor


class WorkspaceScoped(models.QuerySet):
    def for_workspace(self, workspace) -> models.QuerySet:
        return self.filter(workspace=workspace)


# --- the connected account -----------------------------------------------------------------------------


class AccountState(models.TextChoices):
    NOT_CONNECTED = "not_connected", "Not connected"
    ONBOARDING = "onboarding", "Onboarding incomplete"
    RESTRICTED = "restricted", "Charges not enabled"
    ENABLED = "enabled", "Charges enabled"
    DISCONNECTED = "disconnected", "Disconnected"


class StripeAccountQuerySet(WorkspaceScoped):
    def connected(self) -> StripeAccountQuerySet:
        return self.filter(disconnected_at__isnull=True)


class StripeAccount(models.Model):
    """A workspace's connected Stripe account (a Standard-like account: Stripe collects requirements, the
    firm pays Stripe's fees and owns disputes). One connected at a time; a deauthorised one is kept (with
    `disconnected_at`) so its late events still match its workspace."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="stripe_accounts"
    )
    account_id = models.CharField(max_length=255, unique=True)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    livemode = models.BooleanField(default=False)
    connected_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField()
    synced_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    objects = StripeAccountQuerySet.as_manager()

    class Meta:
        ordering = ["-connected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"],
                condition=Q(disconnected_at__isnull=True),
                name="billing_one_connected_stripe_account",
            )
        ]

    def __str__(self) -> str:
        return self.account_id

    @property
    def state(self) -> str:
        if self.disconnected_at:
            return AccountState.DISCONNECTED
        if not self.details_submitted:
            return AccountState.ONBOARDING
        if not self.charges_enabled:
            return AccountState.RESTRICTED
        return AccountState.ENABLED

    @property
    def can_take_payments(self) -> bool:
        return self.state == AccountState.ENABLED


# --- webhook events ------------------------------------------------------------------------------------


class EventOutcome(models.TextChoices):
    APPLIED = "applied", "Applied"
    NO_CHANGE = "no_change", "Nothing to change"
    IGNORED = "ignored", "Ignored"
    REJECTED = "rejected", "Rejected"
    MISMATCH = "mismatch", "Mismatch recorded"


class StripeEvent(models.Model):
    """A webhook event handled once: its id is unique and the row is written in the transaction of its
    effect, so a replay (Stripe retries, `stripe events resend`, an attacker's copy) changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    account = models.CharField(max_length=255, blank=True)
    livemode = models.BooleanField(default=False)
    created = models.DateTimeField(help_text="When Stripe created the event.")
    received_at = models.DateTimeField(auto_now_add=True)
    workspace = models.ForeignKey(
        "accounts.Workspace", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=EventOutcome.choices)
    note = models.CharField(max_length=300, blank=True)

    objects = WorkspaceScoped.as_manager()

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


# --- checkout attempts, payments, refunds ----------------------------------------------------------


class Money:
    """`amount` as a Decimal from `amount_minor` and `currency`."""

    amount_minor: int
    currency: str

    @property
    def amount(self) -> Decimal:
        return from_minor(self.amount_minor, self.currency)


class AttemptStatus(models.TextChoices):
    CREATING = "creating", "Creating"
    OPEN = "open", "Open"
    PROCESSING = "processing", "Processing"
    EXPIRED = "expired", "Expired"
    FAILED = "failed", "Failed"
    PAID = "paid", "Paid"
    MISMATCH = "mismatch", "Needs review"


# Attempts only move forward: an event that arrives late never takes one back.
ATTEMPT_RANK = {
    AttemptStatus.CREATING: 0,
    AttemptStatus.OPEN: 1,
    AttemptStatus.PROCESSING: 2,
    AttemptStatus.EXPIRED: 3,
    AttemptStatus.FAILED: 3,
    AttemptStatus.PAID: 4,
    AttemptStatus.MISMATCH: 4,
}
UNSETTLED = (AttemptStatus.CREATING, AttemptStatus.OPEN, AttemptStatus.PROCESSING)


class CheckoutAttemptQuerySet(WorkspaceScoped):
    def unsettled(self) -> CheckoutAttemptQuerySet:
        return self.filter(status__in=UNSETTLED)


class CheckoutAttempt(Money, models.Model):
    """One press of Pay: a Checkout Session on the connected account, made with this row's idempotency key
    (a retry of the same attempt gets the same session from Stripe, never a second one)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.CASCADE, related_name="checkout_attempts")
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stripe_account = models.CharField(max_length=255)
    idempotency_key = models.CharField(max_length=64, unique=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    application_fee_minor = models.BigIntegerField(default=0)
    session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    session_url = models.URLField(max_length=2000, blank=True)
    session_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.CREATING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CheckoutAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Checkout attempt {self.pk} ({self.status})"


class PaymentQuerySet(WorkspaceScoped):
    def for_contact(self, contact) -> PaymentQuerySet:
        """Payments of the invoices the contact may see (billing.models.Invoice.objects.for_contact)."""
        from billing.models import Invoice  # billing.models imports this module

        return self.filter(invoice__in=Invoice.objects.for_contact(contact))


class Payment(Money, models.Model):
    """Money Stripe says was paid for an invoice (a Checkout Session whose payment_status is "paid")."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="payments")
    attempt = models.OneToOneField(
        CheckoutAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="payment"
    )
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    amount_refunded_minor = models.BigIntegerField(default=0)
    stripe_account = models.CharField(max_length=255)
    checkout_session_id = models.CharField(max_length=255, unique=True)
    payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    charge_id = models.CharField(max_length=255, blank=True)
    receipt_url = models.URLField(max_length=2000, blank=True)
    event_id = models.CharField(max_length=255, blank=True, help_text="The event that applied it, if any.")
    paid_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-paid_at"]

    def __str__(self) -> str:
        return f"Payment {self.pk} of {self.amount_minor} {self.currency}"

    @property
    def amount_refunded(self) -> Decimal:
        return from_minor(self.amount_refunded_minor, self.currency)

    @property
    def refunded_fully(self) -> bool:
        return self.amount_refunded_minor >= self.amount_minor


class Refund(Money, models.Model):
    """A refund of a payment, made in the firm's Stripe dashboard and reported by `charge.refunded`."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    stripe_refund_id = models.CharField(max_length=255, unique=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    refunded_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceScoped.as_manager()

    class Meta:
        ordering = ["-refunded_at"]

    def __str__(self) -> str:
        return f"Refund {self.stripe_refund_id}"


class MismatchReason(models.TextChoices):
    AMOUNT = "amount", "Amount differs from the invoice"
    CURRENCY = "currency", "Currency differs from the invoice"
    NOT_OWED = "not_owed", "The invoice no longer owes this amount"
    REFUSED = "refused", "The invoice refused the payment"
    # Refunds (kind "refund"): reported by Stripe, not applied to the invoice.
    REFUND_AMOUNT = "refund_amount", "The refund does not add up with the payment"
    REFUND_CURRENCY = "refund_currency", "The refund is in another currency than the payment"
    REFUND_REFUSED = "refund_refused", "The invoice refused the refund"
    REFUND_FAILED = "refund_failed", "Stripe says a recorded refund failed"
    UNKNOWN_PAYMENT = "unknown_payment", "A refund of a payment not recorded here"


class MismatchKind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    REFUND = "refund", "Refund"


class PaymentMismatchQuerySet(WorkspaceScoped):
    def unresolved(self) -> PaymentMismatchQuerySet:
        return self.filter(resolved_at__isnull=True)


class PaymentMismatch(models.Model):
    """Money Stripe reports that was not applied to its invoice, for staff to decide: a paid Checkout
    Session (one per session: refund it in Stripe, or settle the invoice by hand), or a refund (one per
    Stripe refund: it does not add up, the invoice refused it, it failed after being recorded, or its
    payment is not ours on record). Staff mark one reviewed with a note (`resolved_at`)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.CASCADE, related_name="payment_mismatches"
    )
    kind = models.CharField(max_length=10, choices=MismatchKind.choices, default=MismatchKind.PAYMENT)
    attempt = models.ForeignKey(CheckoutAttempt, null=True, blank=True, on_delete=models.SET_NULL)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="mismatches"
    )
    # A payment mismatch names its session, a refund mismatch its refund (each unique: recorded once).
    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    payment_intent_id = models.CharField(max_length=255, blank=True)
    stripe_account = models.CharField(max_length=255)
    event_id = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=20, choices=MismatchReason.choices)
    expected_minor = models.BigIntegerField()
    expected_currency = models.CharField(max_length=3)
    paid_minor = models.BigIntegerField()
    paid_currency = models.CharField(max_length=3)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.TextField(blank=True, max_length=1000)

    objects = PaymentMismatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "payment mismatches"
        constraints = [
            models.CheckConstraint(
                condition=Q(checkout_session_id__isnull=False) | Q(stripe_refund_id__isnull=False),
                name="billing_mismatch_names_session_or_refund",
            )
        ]

    def __str__(self) -> str:
        return f"Mismatch on {self.checkout_session_id or self.stripe_refund_id} ({self.reason})"

    @property
    def is_refund(self) -> bool:
        return self.kind == MismatchKind.REFUND

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def expected(self) -> Decimal:
        return from_minor(self.expected_minor, self.expected_currency)

    @property
    def paid(self) -> Decimal:
        return from_minor(self.paid_minor, self.paid_currency)
