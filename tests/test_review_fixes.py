"""Regressions from the security review: zip-bomb XLSX previews, a malformed workspace switch, and
plain-text mail that must not be HTML-escaped."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import Workbook

from accounts import services
from files import tables


def _xlsx(rows: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    for i in range(rows):
        ws.append([f"row {i}", "x" * 50])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_that_inflates_past_the_limit_is_not_parsed(monkeypatch):
    data = _xlsx(200)
    assert tables.xlsx_table(io.BytesIO(data)).rows  # fine under the normal limit
    monkeypatch.setattr(tables, "XLSX_MAX_INFLATED_BYTES", len(data))  # it inflates to more than it weighs
    with pytest.raises(ValueError, match="over the preview limit"):
        tables.xlsx_table(io.BytesIO(data))


@pytest.mark.django_db
def test_workspace_switch_with_garbage_is_404(world, owner_http):
    assert owner_http.post(reverse("accounts:workspace-switch"), {"workspace": "abc"}).status_code == 404
    assert (
        owner_http.post(reverse("accounts:workspace-switch"), {"workspace": str(world.ws_b.pk)}).status_code
        == 404
    )
    assert (
        owner_http.post(reverse("accounts:workspace-switch"), {"workspace": str(world.ws.pk)}).status_code
        == 302
    )


@pytest.mark.django_db(transaction=True)
def test_plain_text_mail_is_not_html_escaped(world):
    world.ws.name = "R&D <Assurance>"
    world.ws.save()
    services.invite_contact(client=world.client, email="amp@secretco.example", actor=world.owner)
    message = mail.outbox[0]
    assert "R&D <Assurance>" in message.subject and "R&D <Assurance>" in message.body
    assert "&amp;" not in message.body
    html = message.alternatives[0][0]
    assert "R&amp;D &lt;Assurance&gt;" in html  # the HTML part stays escaped
