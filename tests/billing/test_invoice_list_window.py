"""The staff invoice list comes in windows of 100 (newest first) with a "Show more" link that keeps the
filters; the outstanding totals still cover every invoice; what staff typed (client names) is escaped
in the page and in the htmx fragment; the query count does not grow with the invoices."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, InvoiceStatus
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "show-more"}
URL = "/app/invoices/"


def _invoices(world, n: int, *, client=None, start: int = 0) -> None:
    """`n` sent invoices of 100.00 EUR, half of them overdue, inserted in bulk (numbering is tested
    elsewhere)."""
    today = timezone.localdate()
    Invoice.objects.bulk_create(
        [
            Invoice(
                workspace=world.ws,
                client=client or world.client,
                number=f"INV-T-{start + i:05d}",
                status=InvoiceStatus.SENT,
                issue_date=today - timedelta(days=30),
                due_date=today + timedelta(days=10 if i % 2 else -3),
                subtotal=Decimal("100.00"),
                discount=Decimal(0),
                tax=Decimal(0),
                total=Decimal("100.00"),
                amount_paid=Decimal(0),
                amount_refunded=Decimal(0),
                amount_credited=Decimal(0),
            )
            for i in range(n)
        ]
    )


def test_url_is_the_staff_invoice_list():
    assert reverse("billing:invoice-list") == URL


def test_first_window_totals_cover_every_invoice_and_the_rest_follows_in_order(world, owner_http):
    _invoices(world, 250)
    order = list(Invoice.objects.filter(workspace=world.ws).values_list("pk", flat=True))
    page = owner_http.get(URL)
    assert page.status_code == 200
    assert [i.pk for i in page.context["invoices"]] == order[:100]
    assert page.content.decode().count("data-invoice=") == 100
    assert page.context["outstanding"] == [("EUR", Decimal("25000.00"))]  # all 250, not the window
    assert page.context["overdue"] == [("EUR", Decimal("12500.00"))]
    window = page.context["window"]
    second = owner_http.get(f"{URL}?{window.fragment_query}", **HTMX)
    assert second.templates[0].name == "billing/_invoice_rows.html"
    assert [i.pk for i in second.context["invoices"]] == order[100:200]
    third = owner_http.get(f"{URL}?{second.context['window'].fragment_query}", **HTMX)
    assert [i.pk for i in third.context["invoices"]] == order[200:]
    for row in page.context["invoices"]:
        fresh = Invoice.objects.get(pk=row.pk)
        assert (row.overdue, row.status_label, row.tone) == (
            fresh.is_overdue,
            fresh.display_status,
            fresh.status_tone,
        )


def test_filters_are_kept_and_junk_rows_do_not_fail(world, owner_http):
    _invoices(world, 150)
    _invoices(world, 20, client=world.other_client, start=1000)
    page = owner_http.get(URL, {"client": world.client.pk, "status": "overdue"})
    window = page.context["window"]
    assert window.total == 75
    query = parse_qs(urlsplit("?" + window.next_query).query)
    assert query["client"] == [str(world.client.pk)] and query["status"] == ["overdue"]
    assert {i.client_id for i in page.context["invoices"]} == {world.client.pk}
    for junk in ("x", "-1", "0", "10000000000"):
        assert owner_http.get(URL, {"rows": junk, "start": junk}).status_code == 200
        assert owner_http.get(URL, {"rows": junk, "start": junk}, **HTMX).status_code == 200


def test_client_names_are_escaped_in_page_and_fragment(world, owner_http):
    client = ClientFactory(workspace=world.ws, name=XSS)
    _invoices(world, 130, client=client)
    for response in (owner_http.get(URL), owner_http.get(URL, {"rows": "200", "start": "100"}, **HTMX)):
        body = response.content.decode()
        assert response.status_code == 200
        assert XSS not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_query_count_is_flat_at_30_and_300_invoices(world, owner_http, django_assert_max_num_queries):
    _invoices(world, 30)
    owner_http.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        owner_http.get(URL, {"rows": "5000"})
    _invoices(world, 270, start=30)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        response = owner_http.get(URL, {"rows": "5000"})
    assert len(response.context["invoices"]) == 300


def test_another_workspace_never_sees_these_invoices(world):
    from tests.conftest import staff_client

    _invoices(world, 3)
    outsider = staff_client(world.outsider_staff)
    response = outsider.get(URL, {"rows": "5000"})
    assert response.status_code == 200 and not response.context["invoices"]
    assert outsider.get(URL, {"rows": "200", "start": "0"}, **HTMX).context["invoices"] == []
