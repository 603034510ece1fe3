"""Ids typed into query strings and form actions are ASCII digits only (core.http.is_id): "١٢" passes
str.isdigit() and int() reads it as 12, and 20 digits overflow a bigint. Junk is a 400, never a 500 and
never another row."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.http import is_id

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1", True),
        ("12", True),
        ("9" * 18, True),
        ("9" * 19, False),
        ("", False),
        ("١٢", False),  # Arabic-Indic digits
        ("１２", False),  # fullwidth digits
        ("²", False),  # a superscript: isdigit() says True
        ("-1", False),
        (" 1", False),
        ("1.0", False),
        (None, False),
        (12, False),
    ],
)
def test_is_id(value, ok):
    assert is_id(value) is ok


def test_a_junk_client_id_on_the_new_invoice_page_is_a_400(world, owner_http):
    url = reverse("billing:invoice-create")
    for junk in ("١٢", "9" * 20, "12abc"):
        assert owner_http.get(url, {"client": junk}).status_code == 400
    page = owner_http.get(url, {"client": str(world.client.pk)})
    assert page.status_code == 200 and page.context["form"].initial["client"] == world.client.pk
    assert owner_http.get(url, {"client": ""}).status_code == 200


def test_a_junk_line_number_in_remove_is_a_400(world, owner_http):
    data = {
        "client": world.client.pk,
        "currency": "EUR",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "One",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "10",
        "lines-1-description": "Two",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "20",
    }
    url = reverse("billing:invoice-create")
    for junk in ("remove-١", "remove-" + "9" * 20, "remove-"):
        assert owner_http.post(url, {**data, "action": junk}).status_code == 400
    kept = owner_http.post(url, {**data, "action": "remove-0"})
    assert kept.status_code == 200
    assert [f["description"].value() for f in kept.context["formset"].forms] == ["Two"]
