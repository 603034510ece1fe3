"""Billing fixtures: a draft invoice of Secretco (world.client) and a finalised one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing import services
from core.money import PricedLine

D = Decimal


def lines(*items: tuple[str, str, str]) -> list[PricedLine]:
    return [PricedLine(description=d, quantity=D(q), unit_price=D(p)) for d, q, p in items]


def make_draft(world, *, client=None, currency="EUR", tax_rate="20", **extra):
    return services.create_invoice(
        workspace=world.ws,
        client=client or world.client,
        actor=world.owner,
        currency=currency,
        lines=extra.pop("lines", None) or lines(("Design sprint", "2", "1500.00"), ("Hosting", "1", "49.99")),
        tax_rate=D(tax_rate),
        bill_to_address="1 Market Street\nSpringfield",
        **extra,
    )


@pytest.fixture
def draft(world):
    return make_draft(world)


@pytest.fixture
def sent(world, draft):
    """Finalised (numbered, PDF stored): total 3049.99 + 20% = 3659.99 EUR."""
    return services.finalise_invoice(invoice=draft, actor=world.owner)
