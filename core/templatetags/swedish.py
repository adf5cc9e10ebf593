"""Template filters that write numbers the Swedish way (``core.numbers``): ``{% load swedish %}``."""

from __future__ import annotations

from django import template

from core import numbers

register = template.Library()


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]  # a template value of any type; what float() refuses is caught below
    except (TypeError, ValueError):
        return None


@register.filter
def sv_number(value: object, decimals: object = 0) -> str:
    """``{{ 1234.5|sv_number:1 }}`` → "1 234,5"; anything not a number is shown as it is."""
    x = _float(value)
    if x is None:
        return "–" if value is None else str(value)
    return numbers.number(x, int(str(decimals)))


@register.filter
def sv_percent(value: object, decimals: object = 0) -> str:
    """A share 0–1 as a percentage: ``{{ 0.456|sv_percent }}`` → "46 %"."""
    x = _float(value)
    if x is None:
        return "–"
    return numbers.percent(x, int(str(decimals)))
