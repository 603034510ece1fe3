from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.template import Context, Template

from core.money import (
    MoneyError,
    PricedLine,
    compute_totals,
    format_money,
    format_number,
    format_percent,
    from_minor,
    parse_decimal,
    quantize,
    to_minor,
)


def test_half_up_rounding_per_currency():
    assert quantize(D("0.125"), "EUR") == D("0.13")
    assert quantize(D("0.124"), "EUR") == D("0.12")
    assert quantize(D("2.5"), "JPY") == D("3")
    assert quantize(D("1.0005"), "KWD") == D("1.001")


def test_minor_units_round_trip():
    assert to_minor(D("12.345"), "EUR") == 1235
    assert to_minor(D("1500"), "JPY") == 1500
    assert to_minor(D("1.2345"), "KWD") == 1235
    assert from_minor(1235, "EUR") == D("12.35")
    assert from_minor(1500, "JPY") == D("1500")


def test_totals_with_discount_and_mixed_tax():
    lines = [
        PricedLine("Design", D("3"), D("333.333")),  # 999.999 -> 1000.00
        PricedLine("Hosting", D("1"), D("100"), tax_rate=D("0")),
    ]
    totals = compute_totals(lines, "EUR", tax_rate=D("20"), discount_percent=D("10"))
    assert totals.line_amounts == (D("1000.00"), D("100.00"))
    assert totals.subtotal == D("1100.00")
    assert totals.discount == D("110.00")
    # 20% on the design line less its 10% discount: 900.00 x 20% = 180.00; hosting untaxed.
    assert totals.tax_breakdown == ((D("20"), D("900.00"), D("180.00")),)
    assert totals.total == D("1170.00")
    assert totals.total_minor == 117000


def test_totals_refuse_bad_discount_and_rate():
    with pytest.raises(MoneyError):
        compute_totals([PricedLine("x", D(1), D(1))], "EUR", discount_percent=D("101"))
    with pytest.raises(MoneyError):
        compute_totals([PricedLine("x", D(1), D(1), tax_rate=D("-1"))], "EUR")


def test_parse_decimal_never_float():
    assert parse_decimal("1,234.50") == D("1234.50")
    for bad in ("abc", "NaN", "Infinity", "-1", "1.123456"):
        with pytest.raises(MoneyError):
            parse_decimal(bad)


def test_format_and_filter():
    assert format_money(D("1234.5"), "EUR") == "€1,234.50"
    assert format_money(D("-10"), "GBP") == "-£10.00"
    assert format_money(D("1234.5"), "JPY") == "¥1,235"
    assert format_money(D("7"), "ISK") == "7.00 ISK"
    rendered = Template("{% load core_tags %}{{ amount|money:'CHF' }}").render(Context({"amount": D("5")}))
    assert rendered == "CHF 5.00"


@pytest.mark.parametrize(
    ("rate", "shown"),
    [
        (D("30"), "30%"),
        (D("30.00"), "30%"),
        (D("30.00").normalize(), "30%"),  # 3E+1: what a deposit line printed before
        (D("12.5"), "12.5%"),
        (D("12.50"), "12.5%"),
        (D("7.25"), "7.25%"),
        (D("100"), "100%"),
        (D("100.00"), "100%"),
        (D("0"), "0%"),
        (D("0.00"), "0%"),
        (D("0.125"), "0.125%"),
        (D("1E+2"), "100%"),
        (20, "20%"),
        ("8.10", "8.1%"),
    ],
)
def test_format_percent_never_scientific(rate, shown):
    assert format_percent(rate) == shown


def test_format_percent_empty_and_filter():
    assert format_percent(None) == ""
    rendered = Template("{% load core_tags %}{{ a|percent }} {{ b|percent }}").render(
        Context({"a": D("30.00").normalize(), "b": D("12.50")})
    )
    assert rendered == "30% 12.5%"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("10.00"), "10"),
        (D("10.00").normalize(), "10"),
        (D("2.50"), "2.5"),
        (D("0.0010"), "0.001"),
        (D("0"), "0"),
    ],
)
def test_format_number_plain_digits(value, shown):
    assert format_number(value) == shown
