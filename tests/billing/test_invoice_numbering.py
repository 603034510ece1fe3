"""Invoice numbers: given at finalise only, per workspace, gap-free and unique under concurrency (real
PostgreSQL, real threads), and given back when the finalising transaction rolls back."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from billing import services
from billing.models import Invoice, InvoiceStatus
from tests.billing.conftest import make_draft

N = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_finalisations_get_twenty_consecutive_numbers(world):
    drafts = [make_draft(world) for _ in range(N)]
    start = threading.Barrier(N)
    errors: list[BaseException] = []

    def finalise(invoice: Invoice) -> None:
        try:
            start.wait()
            services.finalise_invoice(invoice=Invoice.objects.get(pk=invoice.pk), actor=None)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=finalise, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    year = timezone.localdate().year
    numbers = sorted(Invoice.objects.filter(workspace=world.ws).values_list("number", flat=True))
    assert numbers == [f"INV-{year}-{n:04d}" for n in range(1, N + 1)]
    assert Invoice.objects.filter(status=InvoiceStatus.SENT, pdf__isnull=False).count() == N


@pytest.mark.django_db
def test_a_rolled_back_finalisation_leaves_no_gap(world):
    first = make_draft(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.finalise_invoice(invoice=first, actor=world.owner)
        raise RuntimeError("the caller's transaction fails after finalising")
    first.refresh_from_db()
    assert first.number == "" and first.status == InvoiceStatus.DRAFT
    assert services.finalise_invoice(invoice=first, actor=world.owner).number.endswith("-0001")


@pytest.mark.django_db
def test_the_database_refuses_a_duplicate_number(world, sent):
    clone = make_draft(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=clone.pk).update(number=sent.number, status=InvoiceStatus.SENT)


@pytest.mark.django_db
def test_the_database_refuses_a_finalised_invoice_without_a_number(world, draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=draft.pk).update(status=InvoiceStatus.SENT)
