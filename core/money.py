"""Money: `Decimal` amounts in a currency, rounded half-up to the currency's minor unit, never floats.

One home for the arithmetic invoices, credit notes and proposals share: a priced line, per-line or overall
tax rate, a percentage discount and the totals. Stripe and the database talk in integer minor units
(`to_minor` / `from_minor`); pages and PDFs show `format_money`.

Rounding (the same for every document, so a proposal's total is the deposit invoice's base):
- each line amount = quantity x unit price, rounded to the currency;
- discount = subtotal x discount %, rounded;
- tax = per tax rate: (that rate's lines, less their share of the discount) x rate, rounded per rate;
- total = subtotal - discount + tax.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 codes we offer, with the symbol used on pages. Others fall back to "1,234.50 XYZ".
CURRENCIES: dict[str, str] = {
    "EUR": "€",
    "USD": "$",
    "GBP": "£",
    "CHF": "CHF ",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "SEK": "SEK ",
    "NOK": "NOK ",
    "DKK": "DKK ",
    "PLN": "PLN ",
    "CZK": "CZK ",
    "JPY": "¥",
    "SGD": "S$",
    "HKD": "HK$",
    "INR": "₹",
    "BRL": "R$",
    "MXN": "MX$",
    "ZAR": "R ",
    "KWD": "KWD ",
}
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]

# Currencies whose minor unit is not 1/100 (Stripe's lists: zero-decimal and three-decimal currencies).
_ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
_THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())

HUNDRED = Decimal(100)
ZERO = Decimal(0)


class MoneyError(ValueError):
    """An amount or rate that cannot be money (not a number, negative, too many places)."""


def decimals(currency: str) -> int:
    code = currency.upper()
    if code in _ZERO_DECIMAL:
        return 0
    if code in _THREE_DECIMAL:
        return 3
    return 2


def quantize(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-up to the currency's minor unit."""
    exponent = Decimal(1).scaleb(-decimals(currency))
    return Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str) -> int:
    """Integer minor units (cents) of an amount, rounded half-up first: what Stripe is sent."""
    return int(quantize(amount, currency).scaleb(decimals(currency)))


def from_minor(minor: int, currency: str) -> Decimal:
    return quantize(Decimal(int(minor)).scaleb(-decimals(currency)), currency)


def format_money(amount: Decimal | None, currency: str) -> str:
    """€1,234.50 / CHF 1,234.50 / ¥1,235; negative as -€10.00."""
    if amount is None:
        return ""
    code = currency.upper()
    value = quantize(amount, code)
    places = decimals(code)
    digits = f"{abs(value):,.{places}f}"
    sign = "-" if value < 0 else ""
    symbol = CURRENCIES.get(code)
    if symbol is None:
        return f"{sign}{digits} {code}"
    return f"{sign}{symbol}{digits}"


def format_number(value: Decimal | int | str) -> str:
    """A decimal as people write it, trailing zeros dropped: 10.00 → "10", 12.50 → "12.5", 0.125 → "0.125".

    Never scientific notation, which `Decimal.normalize()` gives for round numbers ("1E+1"): neither a
    page nor an `<input type="number">` should see that. Digits are kept as stored (no rounding)."""
    text = f"{Decimal(str(value)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_percent(rate: Decimal | int | str | None) -> str:
    """A percentage for a page, a PDF or an invoice line: 30 → "30%", 12.5 → "12.5%", None → "".

    `f"{Decimal('30.00').normalize()}%"` printed "3E+1%" on deposit lines: use this instead."""
    if rate is None or rate == "":
        return ""
    return f"{format_number(rate)}%"


def parse_decimal(value, *, places: int = 4, minimum: Decimal | None = ZERO) -> Decimal:
    """A user-typed number as a Decimal (never float), refused when it is not a finite number, below
    `minimum` or has more than `places` decimals."""
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"“{value}” is not a number.") from exc
    if not number.is_finite():
        raise MoneyError(f"“{value}” is not a number.")
    if minimum is not None and number < minimum:
        raise MoneyError(f"{value} is below {minimum}.")
    if -number.as_tuple().exponent > places:
        raise MoneyError(f"{value} has more than {places} decimal places.")
    return number


@dataclass(frozen=True)
class PricedLine:
    """One priced line: quantity x unit price, with an optional tax rate (percent) of its own."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal | None = None


@dataclass(frozen=True)
class Totals:
    currency: str
    line_amounts: tuple[Decimal, ...]
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    # (rate, taxable base after discount, tax) per rate, for the tax breakdown on a document.
    tax_breakdown: tuple[tuple[Decimal, Decimal, Decimal], ...] = field(default=())

    @property
    def total_minor(self) -> int:
        return to_minor(self.total, self.currency)


def compute_totals(
    lines: list[PricedLine] | tuple[PricedLine, ...],
    currency: str,
    *,
    tax_rate: Decimal = ZERO,
    discount_percent: Decimal = ZERO,
) -> Totals:
    """Totals of priced lines. A line without its own rate uses the document's `tax_rate` (percent)."""
    if not ZERO <= discount_percent <= HUNDRED:
        raise MoneyError("A discount is a percentage between 0 and 100.")
    amounts = tuple(quantize(line.quantity * line.unit_price, currency) for line in lines)
    subtotal = sum(amounts, ZERO)
    discount = quantize(subtotal * discount_percent / HUNDRED, currency)
    keep = (HUNDRED - discount_percent) / HUNDRED
    by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line, amount in zip(lines, amounts, strict=True):
        rate = line.tax_rate if line.tax_rate is not None else tax_rate
        if rate < ZERO:
            raise MoneyError("A tax rate cannot be negative.")
        by_rate[Decimal(rate)] += amount
    breakdown = []
    for rate in sorted(by_rate):
        if not rate:
            continue
        base = quantize(by_rate[rate] * keep, currency)
        breakdown.append((rate, base, quantize(base * rate / HUNDRED, currency)))
    tax = sum((row[2] for row in breakdown), ZERO)
    total = quantize(subtotal - discount + tax, currency)
    return Totals(
        currency=currency.upper(),
        line_amounts=amounts,
        subtotal=quantize(subtotal, currency),
        discount=discount,
        tax=quantize(tax, currency),
        total=total,
        tax_breakdown=tuple(breakdown),
    )
