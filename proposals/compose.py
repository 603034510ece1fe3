"""Composing proposals: create one, save its draft version (content, pricing items, tax, discount), discard
a draft. Keyword-only, atomic, audited.

Staff always edit a *draft* version. A proposal never sent has one (v1); editing a sent proposal makes the
next version, a copy that staff change and then send (proposals.workflow.send_proposal). Sent versions are
frozen (proposals.models), so nothing here can touch what a client has seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Client, User, Workspace
from core.errors import ServiceError
from core.markup import render_markdown
from core.money import CURRENCIES, HUNDRED, ZERO, decimals, quantize
from proposals.audit import log_proposal_event
from proposals.models import (
    MAX_CONTENT_LENGTH,
    MAX_ITEM_DESCRIPTION_LENGTH,
    MAX_ITEMS,
    MAX_QUANTITY,
    MAX_SUBTOTAL,
    MAX_TERMS_LENGTH,
    MAX_TITLE_LENGTH,
    MAX_UNIT_PRICE,
    Proposal,
    ProposalItem,
    ProposalStatus,
    ProposalVersion,
)

__all__ = ["MAX_ITEMS", "DraftData", "ItemData"]  # MAX_ITEMS re-exported: forms size the formset with it
QUANTITY_PLACES = 3  # ProposalItem.quantity's decimal places
FINAL = (ProposalStatus.ACCEPTED, ProposalStatus.WITHDRAWN)


@dataclass
class ItemData:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal | None = None
    optional: bool = False
    selected_by_default: bool = False


@dataclass
class DraftData:
    title: str
    currency: str = "EUR"
    content_markdown: str = ""
    terms_markdown: str = ""
    tax_rate: Decimal = ZERO
    discount_percent: Decimal = ZERO
    deposit_percent: Decimal | None = None
    items: list[ItemData] = field(default_factory=list)


def _percent(value: Decimal | None, what: str, *, allow_zero: bool = True) -> None:
    if value is None:
        return
    if value < ZERO or value > HUNDRED or (not allow_zero and value == ZERO):
        low = "0" if allow_zero else "more than 0"
        raise ServiceError(f"{what} is a percentage from {low} to 100.")


def validate_draft(draft: DraftData) -> None:
    """Refuse what cannot be a proposal, with a message fit to show (forms check the same, field by field)."""
    if not draft.title.strip():
        raise ServiceError("Give the proposal a title.")
    for value, limit, what in (
        (draft.title.strip(), MAX_TITLE_LENGTH, "The title"),
        (draft.content_markdown, MAX_CONTENT_LENGTH, "The content"),
        (draft.terms_markdown, MAX_TERMS_LENGTH, "The terms"),
    ):
        if len(value) > limit:
            raise ServiceError(f"{what} is at most {limit:,} characters (it has {len(value):,}).")
    if draft.currency not in CURRENCIES:
        raise ServiceError("Choose a currency from the list.")
    _percent(draft.tax_rate, "Tax")
    _percent(draft.discount_percent, "The discount")
    _percent(draft.deposit_percent, "The deposit", allow_zero=False)
    if len(draft.items) > MAX_ITEMS:
        raise ServiceError(f"A proposal has at most {MAX_ITEMS} items.")
    places = decimals(draft.currency)
    for n, item in enumerate(draft.items, start=1):
        if not item.description.strip():
            raise ServiceError(f"Item {n} needs a description.")
        if len(item.description.strip()) > MAX_ITEM_DESCRIPTION_LENGTH:
            raise ServiceError(
                f"Item {n}: the description is at most {MAX_ITEM_DESCRIPTION_LENGTH} characters."
            )
        if not item.quantity.is_finite() or not item.unit_price.is_finite():
            raise ServiceError(f"Item {n}: the quantity and price must be numbers.")
        if item.quantity <= ZERO:
            raise ServiceError(f"Item {n}: the quantity must be more than 0.")
        if item.quantity > MAX_QUANTITY:
            raise ServiceError(f"Item {n}: the quantity is at most {MAX_QUANTITY:,}.")
        if -item.quantity.as_tuple().exponent > QUANTITY_PLACES:
            raise ServiceError(f"Item {n}: the quantity has at most {QUANTITY_PLACES} decimal places.")
        if item.unit_price < ZERO:
            raise ServiceError(f"Item {n}: the price cannot be negative.")
        if item.unit_price > MAX_UNIT_PRICE:
            raise ServiceError(f"Item {n}: the unit price is at most {MAX_UNIT_PRICE:,}.")
        if quantize(item.unit_price, draft.currency) != item.unit_price:
            raise ServiceError(f"Item {n}: {draft.currency} prices have at most {places} decimal places.")
        _percent(item.tax_rate, f"Item {n}'s tax")
    # The most a client can choose (every optional item ticked) must still fit an invoice: see MAX_SUBTOTAL.
    subtotal = sum((quantize(i.quantity * i.unit_price, draft.currency) for i in draft.items), ZERO)
    if subtotal > MAX_SUBTOTAL:
        raise ServiceError(
            f"The items add up to more than {MAX_SUBTOTAL:,} {draft.currency} (optional ones included): "
            "split the work into several proposals."
        )


def _draft_of(proposal: Proposal) -> ProposalVersion | None:
    return ProposalVersion.objects.filter(proposal=proposal, sent_at__isnull=True).first()


def _fill(version: ProposalVersion, draft: DraftData) -> None:
    """Write the draft's fields and items into an unsent version, with its default-selection totals."""
    version.title = draft.title.strip()
    version.currency = draft.currency
    version.content_markdown = draft.content_markdown
    version.content_html = render_markdown(draft.content_markdown)
    version.terms_markdown = draft.terms_markdown
    version.terms_html = render_markdown(draft.terms_markdown) if draft.terms_markdown.strip() else ""
    version.tax_rate = draft.tax_rate
    version.discount_percent = draft.discount_percent
    version.deposit_percent = draft.deposit_percent
    version.save()
    ProposalItem.objects.filter(version=version).delete()
    items = ProposalItem.objects.bulk_create(
        [
            ProposalItem(
                version=version,
                position=n,
                description=item.description.strip(),
                quantity=item.quantity,
                unit_price=item.unit_price,
                tax_rate=item.tax_rate,
                optional=item.optional,
                selected_by_default=item.optional and item.selected_by_default,
                amount=quantize(item.quantity * item.unit_price, draft.currency),
            )
            for n, item in enumerate(draft.items)
        ]
    )
    version._prefetched_objects_cache = {"items": items}
    totals = version.totals_for(version.default_selection())
    version.subtotal, version.discount, version.tax, version.total = (
        totals.subtotal,
        totals.discount,
        totals.tax,
        totals.total,
    )
    version.save(update_fields=["subtotal", "discount", "tax", "total"])


@transaction.atomic
def create_proposal(
    *,
    workspace: Workspace,
    client: Client,
    actor: User,
    draft: DraftData,
    expires_on: date | None = None,
) -> Proposal:
    if client.workspace_id != workspace.pk:
        raise ServiceError("That client is not in this workspace.")
    validate_draft(draft)
    proposal = Proposal.objects.create(
        workspace=workspace,
        client=client,
        title=draft.title.strip(),
        currency=draft.currency,
        deposit_percent=draft.deposit_percent,
        expires_on=expires_on,
        created_by=actor,
    )
    version = ProposalVersion(proposal=proposal, number=1, created_by=actor, expires_on=expires_on)
    _fill(version, draft)
    proposal.total = version.total
    proposal.save(update_fields=["total"])
    log_proposal_event(proposal, "proposal.created", user=actor, version=1)
    return proposal


@transaction.atomic
def save_draft(
    *,
    proposal: Proposal,
    actor: User,
    draft: DraftData,
    expires_on: date | None = None,
) -> ProposalVersion:
    """Save the draft version, making the next version first if the latest one was sent.

    `expires_on` is the draft's: while the proposal was never sent it is also the proposal's; once a
    version is out, the live expiry stays as sent until this draft is sent (proposals.workflow)."""
    locked = Proposal.objects.select_for_update().select_related("workspace", "client").get(pk=proposal.pk)
    if locked.status in FINAL:
        raise ServiceError(
            f"This proposal is {locked.get_status_display().lower()}: it can no longer change."
        )
    validate_draft(draft)
    version = _draft_of(locked)
    new = version is None
    if new:
        number = (ProposalVersion.objects.filter(proposal=locked).aggregate(n=Max("number"))["n"] or 0) + 1
        version = ProposalVersion(proposal=locked, number=number, created_by=actor)
    version.expires_on = expires_on
    _fill(version, draft)
    fields = ["updated_at"]
    locked.updated_at = timezone.now()
    if locked.current_version_id is None:  # never sent: the proposal reads as its draft
        locked.title, locked.currency, locked.deposit_percent = (
            version.title,
            version.currency,
            version.deposit_percent,
        )
        locked.total = version.total
        locked.expires_on = expires_on
        fields += ["title", "currency", "deposit_percent", "total", "expires_on"]
    locked.save(update_fields=fields)
    log_proposal_event(locked, "proposal.edited", user=actor, version=version.number, new_version=new)
    proposal.refresh_from_db()
    return version


@transaction.atomic
def discard_draft(*, proposal: Proposal, actor: User) -> None:
    """Drop the unsent next version of a sent proposal (the client keeps seeing the current one)."""
    locked = Proposal.objects.select_for_update().select_related("workspace", "client").get(pk=proposal.pk)
    version = _draft_of(locked)
    if version is None or locked.current_version_id is None:
        raise ServiceError("There is no new draft version to discard.")
    number = version.number
    version.items.all().delete()
    version.delete()
    log_proposal_event(locked, "proposal.draft_discarded", user=actor, version=number)


@transaction.atomic
def delete_proposal(*, proposal: Proposal, actor: User) -> None:
    """Delete a proposal that was never sent (a sent one is a record: withdraw it instead)."""
    locked = Proposal.objects.select_for_update().select_related("workspace", "client").get(pk=proposal.pk)
    if locked.current_version_id is not None or locked.status != ProposalStatus.DRAFT:
        raise ServiceError("This proposal was sent: it stays on record. Withdraw it instead.")
    log_proposal_event(locked, "proposal.deleted", user=actor, title=locked.title)
    ProposalItem.objects.filter(version__proposal=locked).delete()
    ProposalVersion.objects.filter(proposal=locked).delete()
    locked.delete()


def draft_from_version(version: ProposalVersion) -> DraftData:
    """A version's content as editable draft data (to start the next version from it)."""
    return DraftData(
        title=version.title,
        currency=version.currency,
        content_markdown=version.content_markdown,
        terms_markdown=version.terms_markdown,
        tax_rate=version.tax_rate,
        discount_percent=version.discount_percent,
        deposit_percent=version.deposit_percent,
        items=[
            ItemData(
                description=i.description,
                quantity=i.quantity,
                unit_price=i.unit_price,
                tax_rate=i.tax_rate,
                optional=i.optional,
                selected_by_default=i.selected_by_default,
            )
            for i in version.ordered_items()
        ],
    )


def editable_version(proposal: Proposal) -> ProposalVersion | None:
    """What the compose page starts from: the draft if there is one, else the current version."""
    return _draft_of(proposal) or proposal.current_version


def pending_expiry(proposal: Proposal) -> date | None:
    """The expiry date the compose and send forms start from: while a next version is drafted, its own
    date (the live proposal keeps its date until that version is sent); otherwise the live one."""
    draft = _draft_of(proposal)
    if draft is not None and proposal.current_version_id is not None:
        return draft.expires_on
    return proposal.expires_on
