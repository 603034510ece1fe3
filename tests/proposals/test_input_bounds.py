"""Input bounds of proposals (the MAX_* constants of proposals.models): the compose form says each one
where it was crossed and keeps what was typed; the service and the model layer refuse the same; and a
proposal at the bounds can always be invoiced (billing's caps), so a deposit invoice is never refused for
its size. A deposit billing does refuse is told to staff, on the page and by mail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from billing.models import MAX_AMOUNT as BILLING_MAX_AMOUNT
from billing.models import MAX_QUANTITY as BILLING_MAX_QUANTITY
from billing.models import MAX_UNIT_PRICE as BILLING_MAX_UNIT_PRICE
from billing.models import InvoiceStatus
from billing.services import MAX_LINES as BILLING_MAX_LINES
from core.errors import ServiceError
from proposals import compose, signing, workflow
from proposals.compose import ItemData
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
    ProposalLimitError,
    ProposalVersion,
)
from tests.proposals.helpers import compose_data, draft_data, signer

pytestmark = pytest.mark.django_db

CREATE = "proposals:proposal-create"


def test_the_bounds_fit_billings_caps():
    assert MAX_QUANTITY <= BILLING_MAX_QUANTITY
    assert MAX_UNIT_PRICE <= BILLING_MAX_UNIT_PRICE
    assert MAX_SUBTOTAL <= BILLING_MAX_UNIT_PRICE  # a part deposit's line is at most the subtotal
    assert 2 * MAX_SUBTOTAL <= BILLING_MAX_AMOUNT  # with tax at 100%
    assert MAX_ITEMS <= BILLING_MAX_LINES  # a 100% deposit invoices the items themselves


def test_the_form_names_each_bound_and_keeps_what_was_typed(world, owner_http):
    typed = {
        "title": "T" * (MAX_TITLE_LENGTH + 1),
        "content_markdown": "c" * (MAX_CONTENT_LENGTH + 1),
        "terms_markdown": "t" * (MAX_TERMS_LENGTH + 1),
        "tax_rate": "101",
        "discount_percent": "-1",
        "deposit_percent": "100.01",
        "items-0-description": "d" * (MAX_ITEM_DESCRIPTION_LENGTH + 1),
        "items-0-quantity": str(MAX_QUANTITY + 1),
        "items-1-quantity": "0",
        "items-1-unit_price": str(MAX_UNIT_PRICE + 1),
    }
    response = owner_http.post(reverse(CREATE), compose_data(world.client, **typed))
    assert response.status_code == 200 and not Proposal.objects.exists()
    form, items = response.context["form"], response.context["items"]
    assert form.errors["title"] == [
        f"At most {MAX_TITLE_LENGTH:,} characters (this has {MAX_TITLE_LENGTH + 1})."
    ]
    assert form.errors["content_markdown"] == [
        f"At most {MAX_CONTENT_LENGTH:,} characters (this has {MAX_CONTENT_LENGTH + 1})."
    ]
    assert "terms_markdown" in form.errors
    for name in ("tax_rate", "discount_percent", "deposit_percent"):
        assert form.errors[name] == ["A percentage from 0 to 100."], name
    assert items.forms[0].errors["quantity"] == ["At most 99,999,999."]
    assert "description" in items.forms[0].errors
    assert items.forms[1].errors["quantity"] == ["More than 0."]
    assert items.forms[1].errors["unit_price"] == ["At most 9,999,999,999."]
    # Nothing typed is lost: every field comes back with its value.
    assert (
        form["title"].value() == typed["title"]
        and form["content_markdown"].value() == typed["content_markdown"]
    )
    assert items.forms[0]["description"].value() == typed["items-0-description"]
    assert items.forms[0]["quantity"].value() == typed["items-0-quantity"]
    body = response.content.decode()
    assert typed["content_markdown"] in body and typed["items-1-unit_price"] in body


def test_the_form_refuses_too_many_items_and_too_large_a_sum(world, owner_http):
    many = {"items-TOTAL_FORMS": str(MAX_ITEMS + 1)}
    for i in range(MAX_ITEMS + 1):
        many |= {
            f"items-{i}-description": f"Line {i}",
            f"items-{i}-quantity": "1",
            f"items-{i}-unit_price": "1",
        }
    response = owner_http.post(reverse(CREATE), compose_data(world.client, **many))
    assert response.status_code == 200 and not Proposal.objects.exists()
    assert response.context["items"].non_form_errors() == [f"A proposal has at most {MAX_ITEMS} items."]
    # Adding a row at the limit says so instead of adding it.
    at_limit = {**many, "items-TOTAL_FORMS": str(MAX_ITEMS), "action": "add_item"}
    added = owner_http.post(
        reverse(CREATE), compose_data(world.client, **at_limit), headers={"HX-Request": "true"}
    )
    assert len(added.context["items"].forms) == MAX_ITEMS
    assert f"A proposal has at most {MAX_ITEMS} items." in added.content.decode()
    big = {"items-0-quantity": str(MAX_QUANTITY), "items-0-unit_price": "1000"}
    response = owner_http.post(reverse(CREATE), compose_data(world.client, **big))
    assert not Proposal.objects.exists()
    [error] = response.context["items"].non_form_errors()
    assert "add up to more than 9,999,999,999 EUR" in error


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": "T" * (MAX_TITLE_LENGTH + 1)}, "The title is at most 200"),
        ({"content_markdown": "c" * (MAX_CONTENT_LENGTH + 1)}, "The content is at most 50,000"),
        ({"terms_markdown": "t" * (MAX_TERMS_LENGTH + 1)}, "The terms is at most 20,000"),
        ({"tax_rate": Decimal("100.5")}, "Tax is a percentage"),
        ({"deposit_percent": Decimal(0)}, "The deposit is a percentage"),
        (
            {"items": [ItemData("x" * (MAX_ITEM_DESCRIPTION_LENGTH + 1), Decimal(1), Decimal(1))]},
            "description",
        ),
        ({"items": [ItemData("Big", MAX_QUANTITY + 1, Decimal(1))]}, "quantity is at most 99,999,999"),
        ({"items": [ItemData("Fine", Decimal("1.0001"), Decimal(1))]}, "3 decimal places"),
        ({"items": [ItemData("Dear", Decimal(1), MAX_UNIT_PRICE + 1)]}, "unit price is at most"),
        ({"items": [ItemData("NaN", Decimal("NaN"), Decimal(1))]}, "must be numbers"),
        ({"items": [ItemData("Many", MAX_QUANTITY, Decimal(101))]}, "add up to more than"),
        (
            {"items": [ItemData(f"L{i}", Decimal(1), Decimal(1)) for i in range(MAX_ITEMS + 1)]},
            "at most 100 items",
        ),
    ],
)
def test_the_service_refuses_past_the_bounds(world, change, message):
    with pytest.raises(ServiceError, match=message):
        compose.create_proposal(
            workspace=world.ws, client=world.client, actor=world.owner, draft=draft_data(**change)
        )
    assert not Proposal.objects.exists()


def test_the_model_layer_refuses_past_the_bounds(world, draft_proposal):
    version = compose.editable_version(draft_proposal)
    for bad in (
        {"quantity": MAX_QUANTITY + 1},
        {"quantity": Decimal(0)},
        {"unit_price": MAX_UNIT_PRICE + 1},
        {"description": "x" * (MAX_ITEM_DESCRIPTION_LENGTH + 1)},
        {"tax_rate": Decimal(101)},
    ):
        item = ProposalItem(version=version, **{**_item(), **bad})
        with pytest.raises(ProposalLimitError):
            item.save()
        with pytest.raises(ProposalLimitError):
            ProposalItem.objects.bulk_create([ProposalItem(version=version, **{**_item(), **bad})])
    # The count: a version holds at most MAX_ITEMS.
    room = MAX_ITEMS - version.items.count()
    ProposalItem.objects.bulk_create([ProposalItem(version=version, **_item()) for _ in range(room)])
    with pytest.raises(ProposalLimitError):
        ProposalItem(version=version, **_item()).save()
    with pytest.raises(ProposalLimitError):
        ProposalItem.objects.bulk_create([ProposalItem(version=version, **_item())])
    # The database checks the numbers on the update() path too.
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalItem.objects.filter(version=version).update(quantity=MAX_QUANTITY + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalVersion.objects.filter(pk=version.pk).update(tax_rate=Decimal("150"))
    version.content_markdown = "c" * (MAX_CONTENT_LENGTH + 1)
    with pytest.raises(ProposalLimitError):
        version.save()


def _item() -> dict:
    return {"description": "Extra", "quantity": Decimal(1), "unit_price": Decimal(1)}


def _accept_with_deposit(world, django_capture_on_commit_callbacks, **draft) -> Proposal:
    proposal = compose.create_proposal(
        workspace=world.ws, client=world.client, actor=world.owner, draft=draft_data(**draft)
    )
    with django_capture_on_commit_callbacks(execute=True):
        proposal = workflow.send_proposal(
            proposal=proposal, actor=world.owner, expires_on=None, create_invoice=True
        )
    with django_capture_on_commit_callbacks(execute=True):
        signing.accept_proposal(
            proposal=proposal,
            signer=signer(world.contact),
            version_id=proposal.current_version_id,
            selected_item_ids=[i.pk for i in proposal.current_version.ordered_items() if i.optional],
        )
    return Proposal.objects.select_related("invoice").get(pk=proposal.pk)


@pytest.mark.parametrize(
    "draft",
    [
        # The largest quantity, a 100% deposit with tax at 100%: the invoice has the item itself.
        {
            "deposit_percent": Decimal(100),
            "tax_rate": Decimal(100),
            "items": [ItemData("Bolts", MAX_QUANTITY, Decimal(100))],
        },
        # The largest price and subtotal, a part deposit: one line of (nearly) the whole subtotal.
        {
            "deposit_percent": Decimal("99.99"),
            "tax_rate": Decimal(100),
            "items": [ItemData("Tower", Decimal(1), MAX_UNIT_PRICE)],
        },
        # The most items, every one optional and ticked.
        {
            "deposit_percent": Decimal(100),
            "items": [ItemData(f"Part {i}", Decimal(1), Decimal(1), optional=True) for i in range(MAX_ITEMS)],
        },
    ],
    ids=["max-quantity", "max-price", "max-items"],
)
def test_a_proposal_at_the_bounds_gets_its_deposit_invoice(world, django_capture_on_commit_callbacks, draft):
    proposal = _accept_with_deposit(world, django_capture_on_commit_callbacks, **draft)
    invoice = proposal.invoice
    assert invoice is not None and invoice.status == InvoiceStatus.SENT and invoice.number


def test_a_deposit_billing_refuses_is_shown_and_mailed_to_staff(
    world, django_capture_on_commit_callbacks, owner_http, mailoutbox
):
    # Everything free: the deposit invoice is made, but billing will not finalise a zero total.
    proposal = _accept_with_deposit(
        world,
        django_capture_on_commit_callbacks,
        deposit_percent=Decimal(100),
        items=[ItemData("Pro bono", Decimal(1), Decimal(0))],
    )
    assert proposal.invoice is not None and proposal.invoice.status == InvoiceStatus.DRAFT
    mail = [m for m in mailoutbox if "was not made" in m.subject]
    assert [m.to for m in mail] == [[world.owner.email]]
    assert "more than zero" in mail[0].body and "deposit invoice" in mail[0].subject
    page = owner_http.get(reverse("proposals:proposal-detail", args=[proposal.pk]))
    [problem] = page.context["follow_up_problems"]
    assert "deposit invoice" in problem["what"] and "more than zero" in problem["reason"]
    assert 'id="follow-up-failed-1"' in page.content.decode()
