"""The invoice state machine (billing.services): drafts, finalising, payments, refunds, credit notes and
voids — every transition and every refusal, each with its activity event."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from activity.models import Event
from billing import services
from billing.models import CreditNote, InvoiceStatus
from billing.services import PaymentRefused
from core.errors import ServiceError
from tests.billing.conftest import lines, make_draft
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
D = Decimal


def verbs(invoice) -> list[str]:
    return list(
        Event.objects.filter(target_type="billing.invoice", target_id=str(invoice.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )


# --- drafts ----------------------------------------------------------------------------------------------


def test_draft_has_no_number_and_stored_totals(world, draft):
    assert draft.number == "" and draft.status == InvoiceStatus.DRAFT
    assert (draft.subtotal, draft.tax, draft.total) == (D("3049.99"), D("610.00"), D("3659.99"))
    assert [line.amount for line in draft.lines.all()] == [D("3000.00"), D("49.99")]
    assert draft.amount_due == 0  # nothing is owed on a draft
    assert verbs(draft) == ["invoice.created"]


def test_update_draft_recomputes_totals_and_logs_what_changed(world, draft):
    services.update_draft(
        invoice=draft,
        actor=world.owner,
        lines=[*lines(("Audit", "3", "100"))],
        discount_percent=D(10),
        tax_rate=D(0),
    )
    draft.refresh_from_db()
    assert (draft.subtotal, draft.discount, draft.tax, draft.total) == (D(300), D(30), D(0), D(270))
    event = Event.objects.get(verb="invoice.updated")
    assert set(event.data["fields"]) == {"discount_percent", "tax_rate", "lines"}


def test_draft_refusals(world, draft):
    with pytest.raises(ServiceError, match="another client"):
        other_project = _project(world, world.other_client)
        services.update_draft(invoice=draft, actor=world.owner, project=other_project)
    with pytest.raises(ServiceError, match="not in this workspace"):
        services.create_invoice(
            workspace=world.ws, client=world.outsider_client, actor=world.owner, currency="EUR", lines=[]
        )
    with pytest.raises(ServiceError, match="not a currency"):
        make_draft(world, currency="XXX")
    with pytest.raises(ServiceError, match="between 0 and 100"):
        make_draft(world, tax_rate="120")
    with pytest.raises(ServiceError, match="quantity"):
        make_draft(world, lines=lines(("Nothing", "0", "10")))
    with pytest.raises(ServiceError, match="description"):
        make_draft(world, lines=lines(("  ", "1", "10")))
    today = timezone.localdate()
    with pytest.raises(ServiceError, match="before the issue date"):
        make_draft(world, issue_date=today, due_date=today - timedelta(days=1))


def _project(world, client):
    from django.apps import apps

    return apps.get_model("projects", "Project").objects.create(workspace=world.ws, client=client, name="P")


def test_delete_draft_only(world, draft, sent):
    fresh = make_draft(world)
    services.delete_draft(invoice=fresh, actor=world.owner)
    assert not type(fresh).objects.filter(pk=fresh.pk).exists()
    with pytest.raises(ServiceError, match="void it"):
        services.delete_draft(invoice=sent, actor=world.owner)


# --- finalise --------------------------------------------------------------------------------------------


def test_finalise_numbers_snapshots_and_stores_the_pdf(world, sent):
    year = timezone.localdate().year
    assert sent.status == InvoiceStatus.SENT and sent.number == f"INV-{year}-0001"
    assert sent.issue_date == timezone.localdate()
    assert sent.due_date == sent.issue_date + timedelta(days=30)  # default payment terms
    assert (sent.bill_from_name, sent.bill_to_name) == (world.ws.name, world.client.name)
    assert sent.bill_to_address == "1 Market Street\nSpringfield"
    assert sent.pdf is not None and len(sent.pdf.sha256) == 64 and sent.pdf.content_type == "application/pdf"
    assert sent.amount_due == D("3659.99")
    assert verbs(sent) == ["invoice.created", "invoice.finalised"]


def test_finalise_refusals(world, sent):
    with pytest.raises(ServiceError, match="already finalised"):
        services.finalise_invoice(invoice=sent, actor=world.owner)
    empty = make_draft(world)
    empty.lines.all().delete()
    with pytest.raises(ServiceError, match="at least one line"):
        services.finalise_invoice(invoice=empty, actor=world.owner)
    free = make_draft(world, lines=lines(("Goodwill", "1", "0")))
    with pytest.raises(ServiceError, match="more than zero"):
        services.finalise_invoice(invoice=free, actor=world.owner)
    free.refresh_from_db()
    assert free.number == "" and free.status == InvoiceStatus.DRAFT


def test_a_refused_finalise_gives_its_number_back(world, sent):
    """The sequence is taken inside the transaction: a rollback leaves no gap."""
    free = make_draft(world, lines=lines(("Goodwill", "1", "0")))
    with pytest.raises(ServiceError):
        services.finalise_invoice(invoice=free, actor=world.owner)
    nxt = services.finalise_invoice(invoice=make_draft(world), actor=world.owner)
    assert nxt.number.endswith("-0002")


def test_numbers_are_per_workspace_with_the_configured_prefix(world, sent):
    from billing.selectors import billing_settings

    conf = billing_settings(world.ws_b)
    conf.invoice_prefix, conf.number_digits = "B{year}/", 6
    conf.save()
    theirs = services.create_invoice(
        workspace=world.ws_b,
        client=world.outsider_client,
        actor=world.outsider_staff,
        currency="USD",
        lines=lines(("Work", "1", "10")),
    )
    services.finalise_invoice(invoice=theirs, actor=world.outsider_staff)
    assert theirs.number == f"B{timezone.localdate().year}/000001"
    assert sent.number.endswith("-0001")


def test_send_queues_mail_and_refuses_without_recipients(world, draft, sent):
    services.send_invoice(invoice=sent, actor=world.owner)
    assert sent.sent_at is not None
    services.send_invoice(invoice=sent, actor=world.owner)
    assert [e.data["resend"] for e in Event.objects.filter(verb="invoice.sent").order_by("id")] == [
        False,
        True,
    ]
    lonely = ClientFactory(workspace=world.ws, name="No Contacts Ltd")
    invoice = services.finalise_invoice(invoice=make_draft(world, client=lonely), actor=world.owner)
    with pytest.raises(ServiceError, match="Nobody at No Contacts Ltd"):
        services.send_invoice(invoice=invoice, actor=world.owner)
    with pytest.raises(ServiceError, match="Finalise"):
        services.send_invoice(invoice=make_draft(world), actor=world.owner)


# --- payments --------------------------------------------------------------------------------------------


def test_partial_then_full_payment(world, sent):
    services.apply_payment(invoice=sent, amount=D("1000"), currency="EUR", reference="TR-1")
    assert sent.status == InvoiceStatus.SENT and sent.amount_due == D("2659.99")
    services.apply_payment(invoice=sent, amount=D("2659.99"), currency="eur", reference="TR-2")
    assert sent.status == InvoiceStatus.PAID and sent.amount_due == 0 and sent.paid_at is not None
    assert verbs(sent)[-2:] == ["invoice.payment_recorded", "invoice.paid"]
    paid = Event.objects.get(verb="invoice.paid")
    assert paid.data["amount"] == "2659.99" and paid.data["reference"] == "TR-2"


def test_a_second_payment_on_a_paid_invoice_is_recorded_not_refused(world, sent):
    services.apply_payment(invoice=sent, amount=sent.total, currency="EUR")
    services.apply_payment(invoice=sent, amount=D("5"), currency="EUR")
    assert sent.status == InvoiceStatus.PAID and sent.amount_paid == sent.total + 5
    assert verbs(sent)[-1] == "invoice.payment_recorded"


def test_payment_refusals_change_nothing(world, sent):
    for amount, currency, match in (
        (D("10"), "USD", "USD amount cannot be applied"),
        (D("0"), "EUR", "more than zero"),
        (D("-5"), "EUR", "more than zero"),
    ):
        with pytest.raises(PaymentRefused, match=match):
            services.apply_payment(invoice=sent, amount=amount, currency=currency)
    with pytest.raises(PaymentRefused, match="draft"):
        services.apply_payment(invoice=make_draft(world), amount=D("10"), currency="EUR")
    sent.refresh_from_db()
    assert sent.amount_paid == 0 and sent.status == InvoiceStatus.SENT


def test_void_invoice_takes_no_payment(world, sent):
    services.void_invoice(invoice=sent, actor=world.owner, reason="Wrong client")
    assert sent.status == InvoiceStatus.VOID and sent.amount_due == 0 and sent.voided_at
    with pytest.raises(PaymentRefused, match="void"):
        services.apply_payment(invoice=sent, amount=D("10"), currency="EUR")


def test_payment_is_rounded_to_the_currency(world, sent):
    services.apply_payment(invoice=sent, amount=D("100.005"), currency="EUR")
    assert sent.amount_paid == D("100.01")


# --- refunds ---------------------------------------------------------------------------------------------


def test_partial_then_full_refund(world, sent):
    services.apply_payment(invoice=sent, amount=sent.total, currency="EUR")
    services.apply_refund(invoice=sent, amount=D("659.99"), currency="EUR", reference="re_1")
    assert sent.status == InvoiceStatus.PAID and sent.amount_refunded == D("659.99")
    services.apply_refund(invoice=sent, amount=D("3000"), currency="EUR", reference="re_2")
    assert sent.status == InvoiceStatus.REFUNDED and sent.refunded_at is not None
    assert [e.data["full"] for e in Event.objects.filter(verb="invoice.refunded").order_by("id")] == [
        False,
        True,
    ]
    # Forward only: a refunded invoice takes neither payment nor refund.
    with pytest.raises(PaymentRefused):
        services.apply_payment(invoice=sent, amount=D("1"), currency="EUR")
    with pytest.raises(PaymentRefused):
        services.apply_refund(invoice=sent, amount=D("1"), currency="EUR")


def test_refund_refusals(world, sent):
    with pytest.raises(PaymentRefused, match="only €0.00 was paid"):
        services.apply_refund(invoice=sent, amount=D("1"), currency="EUR")
    services.apply_payment(invoice=sent, amount=D("100"), currency="EUR")
    with pytest.raises(PaymentRefused, match="only €100.00 was paid"):
        services.apply_refund(invoice=sent, amount=D("100.01"), currency="EUR")
    with pytest.raises(PaymentRefused, match="GBP"):
        services.apply_refund(invoice=sent, amount=D("1"), currency="GBP")
    # A refund of a partial payment puts the money back into "due".
    services.apply_refund(invoice=sent, amount=D("40"), currency="EUR")
    assert sent.status == InvoiceStatus.SENT and sent.amount_due == sent.total - 60


# --- credit notes ----------------------------------------------------------------------------------------


def test_credit_note_by_amount_has_its_own_series_and_pdf(world, sent):
    note = services.issue_credit_note(
        invoice=sent, actor=world.owner, amount=D("1220"), reason="Hosting waived"
    )
    year = timezone.localdate().year
    assert note.number == f"CN-{year}-0001" and note.total == D("1220.00")
    # Tax in the invoice's proportion: 610.00 / 3659.99 of 1220.
    assert note.tax == D("203.33") and note.subtotal == D("1016.67")
    assert note.pdf is not None and len(note.pdf.sha256) == 64
    sent.refresh_from_db()
    assert sent.amount_credited == D("1220") and sent.amount_due == D("2439.99")
    assert verbs(sent)[-1] == "invoice.credited"


def test_credit_note_by_lines(world, sent):
    note = services.issue_credit_note(
        invoice=sent, actor=world.owner, lines=lines(("Hosting", "1", "49.99")), reason="Hosting waived"
    )
    assert (note.subtotal, note.tax, note.total) == (D("49.99"), D("10.00"), D("59.99"))
    assert [line.description for line in note.lines.all()] == ["Hosting"]


def test_full_credit_with_nothing_paid_is_credited_and_credit_plus_payment_is_paid(world, sent):
    services.issue_credit_note(invoice=sent, actor=world.owner, amount=sent.total, reason="Cancelled")
    assert sent.__class__.objects.get(pk=sent.pk).status == InvoiceStatus.CREDITED
    other = services.finalise_invoice(invoice=make_draft(world), actor=world.owner)
    services.apply_payment(invoice=other, amount=D("3000"), currency="EUR")
    services.issue_credit_note(invoice=other, actor=world.owner, amount=D("659.99"), reason="Discount")
    other.refresh_from_db()
    assert other.status == InvoiceStatus.PAID and other.amount_due == 0


def test_credit_note_refusals(world, draft, sent):
    with pytest.raises(ServiceError, match="reason"):
        services.issue_credit_note(invoice=sent, actor=world.owner, amount=D("1"), reason=" ")
    with pytest.raises(ServiceError, match="either an amount or lines"):
        services.issue_credit_note(invoice=sent, actor=world.owner, reason="x")
    with pytest.raises(ServiceError, match="at most €3,659.99"):
        services.issue_credit_note(invoice=sent, actor=world.owner, amount=D("3660"), reason="x")
    with pytest.raises(ServiceError, match="draft"):
        services.issue_credit_note(invoice=make_draft(world), actor=world.owner, amount=D("1"), reason="x")
    services.void_invoice(invoice=sent, actor=world.owner, reason="Wrong")
    with pytest.raises(ServiceError, match="void"):
        services.issue_credit_note(invoice=sent, actor=world.owner, amount=D("1"), reason="x")
    assert not CreditNote.objects.exists()


# --- void ------------------------------------------------------------------------------------------------


def test_void_refusals(world, sent):
    with pytest.raises(ServiceError, match="Say why"):
        services.void_invoice(invoice=sent, actor=world.owner, reason="")
    with pytest.raises(ServiceError, match="delete it"):
        services.void_invoice(invoice=make_draft(world), actor=world.owner, reason="x")
    services.apply_payment(invoice=sent, amount=D("10"), currency="EUR")
    with pytest.raises(ServiceError, match="payment was recorded"):
        services.void_invoice(invoice=sent, actor=world.owner, reason="x")
    services.apply_payment(invoice=sent, amount=sent.amount_due, currency="EUR")
    with pytest.raises(ServiceError, match="paid: it cannot be voided"):
        services.void_invoice(invoice=sent, actor=world.owner, reason="x")


def test_overdue_is_derived(world, sent):
    type(sent).objects.filter(pk=sent.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    sent.refresh_from_db()
    assert sent.is_overdue and sent.display_status == "Overdue" and sent.days_overdue == 3
    assert list(type(sent).objects.overdue()) == [sent]
    services.apply_payment(invoice=sent, amount=sent.total, currency="EUR")
    assert not sent.is_overdue and sent.display_status == "Paid"
