"""Proposals: a proposal per client, its versions (the content, pricing items and totals the client sees)
and the first view of each version by each contact.

A version is a draft until it is sent; from then on it is frozen: its content, items and totals never
change (the model layer refuses, see `FrozenVersionError`), so an acceptance always points at exactly what
the client read. Editing a sent proposal makes a new draft version; sending it makes it the current one.
State changes go through `proposals.workflow` and `proposals.compose`, never a bare `save()` from a view.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import portal_open, section_hidden
from core.http import is_id
from core.money import (
    CURRENCY_CHOICES,
    HUNDRED,
    ZERO,
    PricedLine,
    Totals,
    compute_totals,
    format_percent,
    quantize,
)
from proposals.models.contracts import PROPOSALS_SECTION

# Input bounds: forms say them field by field, `proposals.compose.validate_draft` refuses past them and the
# models refuse to store past them (the database checks the number ranges). They fit billing's caps
# (billing.models: quantity 99,999,999, unit price 9,999,999,999, 200 lines), so the deposit invoice of any
# acceptance can be created: 100% invoices the accepted items themselves, a part invoices one line per tax
# rate whose price is at most the subtotal, which MAX_SUBTOTAL keeps under billing's unit-price cap.
MAX_TITLE_LENGTH = 200
MAX_CONTENT_LENGTH = 50_000  # Markdown
MAX_TERMS_LENGTH = 20_000  # Markdown
MAX_ITEM_DESCRIPTION_LENGTH = 300
MAX_ITEMS = 100  # per version
MAX_QUANTITY = Decimal("99999999")
MAX_UNIT_PRICE = Decimal("9999999999")
# The subtotal with every optional item ticked (the most a client can choose), before discount and tax.
MAX_SUBTOTAL = Decimal("9999999999")
MAX_PERCENT = Decimal(100)  # tax, discount and deposit percentages: 0 to 100 (a deposit more than 0)
# Optional-item ids read from one request: a version has at most MAX_ITEMS, the rest is junk.
MAX_SELECTION_IDS = 2 * MAX_ITEMS


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    VIEWED = "viewed", "Viewed"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The client may accept or decline (while the expiry date has not passed).
OPEN_STATUSES = (ProposalStatus.SENT, ProposalStatus.VIEWED)


class FrozenVersionError(RuntimeError):
    """A sent version (or one of its items) was about to change. Sent versions are a record."""


class ProposalLimitError(ValueError):
    """A value past the proposals' input bounds (MAX_*) was about to be stored."""


def check_item_bounds(item: ProposalItem) -> None:
    """The model layer's copy of the item bounds (forms and services say them first, with their own
    messages): nothing that could not be invoiced is stored."""
    if len(item.description or "") > MAX_ITEM_DESCRIPTION_LENGTH:
        raise ProposalLimitError(
            f"An item's description is at most {MAX_ITEM_DESCRIPTION_LENGTH} characters."
        )
    if item.quantity is not None and not (ZERO < Decimal(item.quantity) <= MAX_QUANTITY):
        raise ProposalLimitError(f"An item's quantity is more than 0 and at most {MAX_QUANTITY:,}.")
    if item.unit_price is not None and not (ZERO <= Decimal(item.unit_price) <= MAX_UNIT_PRICE):
        raise ProposalLimitError(f"An item's unit price is from 0 to {MAX_UNIT_PRICE:,}.")
    if item.tax_rate is not None and not (ZERO <= Decimal(item.tax_rate) <= MAX_PERCENT):
        raise ProposalLimitError("An item's tax rate is a percentage from 0 to 100.")


class ProposalQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> ProposalQuerySet:
        return self.filter(workspace=workspace)

    def for_contact(self, contact) -> ProposalQuerySet:
        """Proposals of the contact's client that were sent at least once (drafts stay in the back-office),
        while its portal is on and it shows Proposals."""
        if contact.revoked_at is not None:
            return self.none()
        return (
            self.exclude(section_hidden(PROPOSALS_SECTION, prefix="client__"))
            .filter(
                portal_open(contact),
                workspace_id=contact.workspace_id,
                client_id=contact.client_id,
                current_version__isnull=False,
            )
            .exclude(status=ProposalStatus.DRAFT)
        )


class Proposal(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="proposals")
    client = models.ForeignKey("accounts.Client", on_delete=models.CASCADE, related_name="proposals")
    # Title, currency and deposit follow the latest version (each version keeps its own copy, which is
    # what the client sees and signs); here they serve lists and filters.
    title = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="EUR")
    expires_on = models.DateField(null=True, blank=True, help_text="The last day the client can accept.")
    deposit_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # Chosen when sending: what happens once the client accepts.
    create_project_on_accept = models.BooleanField(default=False)
    create_invoice_on_accept = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT, db_index=True
    )
    # The version the client sees (the latest sent one); null until the first send.
    current_version = models.ForeignKey(
        "ProposalVersion", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    # The current version's total with its default selection, for lists (the accepted total is on the
    # signature).
    total = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # the first send
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.ForeignKey(
        "accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decline_reason = models.TextField(blank=True, max_length=2000)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Made after acceptance when asked for (string references: the layers stay one-way in imports).
    project = models.ForeignKey(
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit_percent__isnull=True)
                | (Q(deposit_percent__gt=0) & Q(deposit_percent__lte=100)),
                name="proposal_deposit_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(current_version__isnull=False),
                name="proposal_sent_has_version",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.workspace_id = self.client.workspace_id
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and ProposalVersion.objects.filter(proposal_id=self.pk, sent_at__isnull=False).exists():
            raise FrozenVersionError("A proposal that was sent is a record: withdraw it instead.")
        return super().delete(*args, **kwargs)

    @property
    def audit_chain_key(self) -> str:
        """Each proposal's events form their own chain: its signature evidence, verifiable alone."""
        return f"proposal:{self.pk}"

    @property
    def past_expiry(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    @property
    def is_expired(self) -> bool:
        return self.status == ProposalStatus.EXPIRED or (self.status in OPEN_STATUSES and self.past_expiry)

    @property
    def is_open(self) -> bool:
        """The client may accept or decline now (the services check this again, under a lock)."""
        return self.status in OPEN_STATUSES and not self.past_expiry

    @property
    def display_status(self) -> str:
        """The status as it stands today: an open proposal past its date reads "expired" before the
        nightly job records it."""
        return ProposalStatus.EXPIRED if self.is_expired else self.status

    def get_display_status_display(self) -> str:
        return ProposalStatus(self.display_status).label


class ProposalVersionQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> ProposalVersionQuerySet:
        return self.filter(proposal__workspace=workspace)

    def sent(self) -> ProposalVersionQuerySet:
        return self.filter(sent_at__isnull=False)

    def update(self, **kwargs):
        if self.filter(sent_at__isnull=False).exists():
            raise FrozenVersionError("Sent proposal versions cannot change.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(sent_at__isnull=False).exists():
            raise FrozenVersionError("Sent proposal versions cannot be deleted.")
        return super().delete()


class ProposalVersion(models.Model):
    """What the client reads and accepts: frozen from the moment it is sent."""

    tenant_via = ("proposal", "")  # its workspace and client, for core.fragments

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="EUR")
    content_markdown = models.TextField(blank=True, max_length=50_000)
    content_html = models.TextField(blank=True)  # rendered and sanitised once, when saved (core.markup)
    terms_markdown = models.TextField(blank=True, max_length=20_000)
    terms_html = models.TextField(blank=True)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))  # percent
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    deposit_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # The expiry date staff chose while composing this version. The proposal's `expires_on` is the live one
    # (what the client sees); a draft's own date takes over only when the draft is sent.
    expires_on = models.DateField(null=True, blank=True)
    # Totals with the default selection of optional items (core.money).
    subtotal = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal(0))
    discount = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal(0))
    tax = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal(0))
    total = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal(0))
    # Set when sent: the SHA-256 of the canonical content (proposals.canonical), and who sent it from where.
    content_sha256 = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_ip = models.GenericIPAddressField(null=True, blank=True)
    sent_user_agent = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ProposalVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="uniq_proposal_version_number"),
            # At most one draft (unsent) version per proposal: the one staff are editing.
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(sent_at__isnull=True), name="uniq_proposal_draft_version"
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=MAX_PERCENT), name="proposal_version_tax_range"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=MAX_PERCENT),
                name="proposal_version_discount_range",
            ),
            models.CheckConstraint(
                condition=Q(deposit_percent__isnull=True)
                | Q(deposit_percent__gt=0, deposit_percent__lte=MAX_PERCENT),
                name="proposal_version_deposit_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        # The stored row decides, not this instance: a version loaded before it was sent cannot be saved
        # over the frozen record either. Sending itself saves while the stored row is still a draft.
        if self._stored_frozen():
            raise FrozenVersionError(
                f"Version {self.number} was sent: it cannot change. Edit the proposal to make a new version."
            )
        for value, limit, what in (
            (self.title, MAX_TITLE_LENGTH, "title"),
            (self.content_markdown, MAX_CONTENT_LENGTH, "content"),
            (self.terms_markdown, MAX_TERMS_LENGTH, "terms"),
        ):
            if len(value or "") > limit:
                raise ProposalLimitError(f"A proposal's {what} is at most {limit:,} characters.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.sent_at is not None or self._stored_frozen():
            raise FrozenVersionError("A sent version is a record: it cannot be deleted.")
        return super().delete(*args, **kwargs)

    def _stored_frozen(self) -> bool:
        return bool(self.pk) and ProposalVersion.objects.filter(pk=self.pk, sent_at__isnull=False).exists()

    @property
    def label(self) -> str:
        return f"v{self.number}"

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None

    # --- pricing ----------------------------------------------------------------------------------------

    def ordered_items(self) -> list[ProposalItem]:
        cached = getattr(self, "_prefetched_objects_cache", {}).get("items")
        items = list(cached) if cached is not None else list(self.items.all())
        return sorted(items, key=lambda i: (i.position, i.pk or 0))

    def optional_selection(self, raw_ids) -> set[int]:
        """The optional items of this version among `raw_ids` as posted (strings from a form): ids of
        required items, of other versions or proposals, duplicates and junk ("abc", "١٢", "1e3", a
        20-digit number) are ignored. Only the first MAX_SELECTION_IDS values are read."""
        optional = {i.pk for i in self.ordered_items() if i.optional}
        chosen = set()
        for raw in islice(raw_ids or (), MAX_SELECTION_IDS):
            if isinstance(raw, int) and not isinstance(raw, bool):
                raw = str(raw)
            if is_id(raw) and int(raw) in optional:
                chosen.add(int(raw))
        return chosen

    def default_selection(self) -> set[int]:
        return {i.pk for i in self.ordered_items() if i.optional and i.selected_by_default}

    def chosen_items(self, selected_optional_ids) -> list[ProposalItem]:
        """Every required item plus the optional ones in `selected_optional_ids` (ids of other versions'
        items, or of required items, change nothing)."""
        chosen = {int(i) for i in selected_optional_ids}
        return [i for i in self.ordered_items() if not i.optional or i.pk in chosen]

    def totals_for(self, selected_optional_ids) -> Totals:
        lines = [i.priced_line() for i in self.chosen_items(selected_optional_ids)]
        return compute_totals(
            lines, self.currency, tax_rate=self.tax_rate, discount_percent=self.discount_percent
        )

    def deposit_plan(self, selected_optional_ids) -> DepositPlan | None:
        """The deposit on the total of a selection: the lines of its invoice and their totals (None when
        the proposal asks for no deposit). Pages, PDFs and the deposit invoice all come from this.

        100% invoices the accepted lines themselves, so the invoice equals the accepted total. A part
        invoices that share of each tax rate's base (after the discount) at that rate, so the tax on the
        deposit is the same tax the work carries; each line is rounded to the currency."""
        percent = self.deposit_percent
        if percent is None:
            return None
        totals = self.totals_for(selected_optional_ids)
        if percent == HUNDRED:
            lines = [i.priced_line() for i in self.chosen_items(selected_optional_ids)]
            return DepositPlan(
                percent,
                lines,
                self.tax_rate,
                self.discount_percent,
                compute_totals(
                    lines, self.currency, tax_rate=self.tax_rate, discount_percent=self.discount_percent
                ),
            )
        share = percent / HUNDRED
        label = f"Deposit {format_percent(percent)} of “{self.title}”"
        lines = []
        taxed = ZERO
        for rate, base, _tax in totals.tax_breakdown:
            taxed += base
            lines.append(PricedLine(label, Decimal(1), quantize(base * share, self.currency), rate))
        untaxed = totals.subtotal - totals.discount - taxed
        if untaxed > ZERO:
            lines.append(PricedLine(label, Decimal(1), quantize(untaxed * share, self.currency), ZERO))
        if len(lines) > 1:  # say which part is which
            lines = [
                PricedLine(
                    f"{line.description}, work taxed at {format_percent(line.tax_rate)}",
                    line.quantity,
                    line.unit_price,
                    line.tax_rate,
                )
                for line in lines
            ]
        return DepositPlan(percent, lines, ZERO, ZERO, compute_totals(lines, self.currency))

    def deposit_for(self, selected_optional_ids) -> Decimal | None:
        plan = self.deposit_plan(selected_optional_ids)
        return plan.totals.total if plan is not None else None


@dataclass(frozen=True)
class DepositPlan:
    percent: Decimal
    lines: list[PricedLine]
    tax_rate: Decimal
    discount_percent: Decimal
    totals: Totals


class ProposalItemQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if {"version", "version_id"} & set(kwargs):
            raise FrozenVersionError("An item stays in its version: it cannot be moved to another one.")
        if self.filter(version__sent_at__isnull=False).exists():
            raise FrozenVersionError("Items of a sent proposal version cannot change.")
        if "description" in kwargs and isinstance(kwargs["description"], str):
            if len(kwargs["description"]) > MAX_ITEM_DESCRIPTION_LENGTH:
                raise ProposalLimitError(
                    f"An item's description is at most {MAX_ITEM_DESCRIPTION_LENGTH} characters."
                )
        return super().update(**kwargs)

    def delete(self):
        if self.filter(version__sent_at__isnull=False).exists():
            raise FrozenVersionError("Items of a sent proposal version cannot be deleted.")
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        versions = {o.version_id for o in objs}
        if ProposalVersion.objects.filter(pk__in=versions, sent_at__isnull=False).exists():
            raise FrozenVersionError("A sent proposal version cannot gain items.")
        for obj in objs:
            check_item_bounds(obj)
        for version_id in versions:
            adding = sum(1 for o in objs if o.version_id == version_id)
            if ProposalItem.objects.filter(version_id=version_id).count() + adding > MAX_ITEMS:
                raise ProposalLimitError(f"A proposal version has at most {MAX_ITEMS} items.")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if {"version", "version_id"} & set(fields):
            raise FrozenVersionError("An item stays in its version: it cannot be moved to another one.")
        for obj in objs:
            check_item_bounds(obj)
        return super().bulk_update(objs, fields, *args, **kwargs)


class ProposalItem(models.Model):
    """One line of a version's pricing table. Optional lines are the client's to tick."""

    tenant_via = ("version", "proposal__")  # its workspace and client, for core.fragments

    version = models.ForeignKey(ProposalVersion, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal(1))
    unit_price = models.DecimalField(max_digits=14, decimal_places=3)
    # Percent; None = the version's overall tax rate.
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    optional = models.BooleanField(default=False)
    selected_by_default = models.BooleanField(default=False)  # for optional items: ticked when opened
    amount = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal(0))  # qty x price, rounded

    objects = ProposalItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="proposal_item_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="proposal_item_price_not_negative"),
            models.CheckConstraint(
                condition=Q(quantity__lte=MAX_QUANTITY), name="proposal_item_quantity_max"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__lte=MAX_UNIT_PRICE), name="proposal_item_price_max"
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def save(self, *args, **kwargs) -> None:
        stored_version = (
            ProposalItem.objects.filter(pk=self.pk).values_list("version_id", flat=True).first()
            if self.pk
            else None
        )
        if stored_version is not None and stored_version != self.version_id:
            # Moving an item would change a sent version's table (out of it or into it), or carry a line
            # from one proposal into another: items are made in their version and stay there.
            raise FrozenVersionError("An item stays in its version: it cannot be moved to another one.")
        if self._version_frozen():
            raise FrozenVersionError("Items of a sent proposal version cannot change.")
        check_item_bounds(self)
        if stored_version is None and (
            ProposalItem.objects.filter(version_id=self.version_id).count() >= MAX_ITEMS
        ):
            raise ProposalLimitError(f"A proposal version has at most {MAX_ITEMS} items.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._version_frozen():
            raise FrozenVersionError("Items of a sent proposal version cannot be deleted.")
        return super().delete(*args, **kwargs)

    def _version_frozen(self) -> bool:
        return ProposalVersion.objects.filter(pk=self.version_id, sent_at__isnull=False).exists()

    def priced_line(self) -> PricedLine:
        return PricedLine(
            description=self.description,
            quantity=self.quantity,
            unit_price=self.unit_price,
            tax_rate=self.tax_rate,
        )


class ProposalViewQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> ProposalViewQuerySet:
        return self.filter(proposal__workspace=workspace)


class ProposalView(models.Model):
    """The first time a contact opened a version in the portal (later views are not recorded)."""

    tenant_via = ("proposal", "")  # its workspace and client, for core.fragments

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="views")
    version = models.ForeignKey(ProposalVersion, on_delete=models.CASCADE, related_name="views")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    objects = ProposalViewQuerySet.as_manager()

    class Meta:
        ordering = ["viewed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "contact"], name="uniq_proposal_view_per_contact")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} viewed v{self.version_id}"
