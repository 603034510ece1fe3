"""Small wording filters used across both front doors."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def possessive(name) -> str:
    """ "Jordan" → "Jordan's", "Acme Payments" → "Acme Payments'" (never "Payments's")."""
    name = str(name or "")
    return f"{name}'" if name.endswith(("s", "S")) else f"{name}'s"


@register.filter
def markdown(text: str):
    """Markdown rendered and sanitised (core.markup) — for texts not stored rendered."""
    from core.markup import render_markdown

    return render_markdown(text)


@register.filter
def money(amount, currency: str = "EUR") -> str:
    """`{{ invoice.total|money:invoice.currency }}` → "€1,234.50" (core.money, half-up, no floats)."""
    from core.money import format_money

    return format_money(amount, currency or "EUR")


@register.filter
def percent(rate) -> str:
    """`{{ version.deposit_percent|percent }}` → "30%" (core.money.format_percent: never "3E+1%")."""
    from core.money import format_percent

    return format_percent(rate)


@register.filter
def plain_number(value) -> str:
    """`{{ line.quantity|plain_number }}` → "10" for 10.00 (`.normalize` would print "1E+1")."""
    from core.money import format_number

    return "" if value is None else format_number(value)
