"""Template filters of the import pages."""

from __future__ import annotations

from django import template

from core import numbers

register = template.Library()


@register.filter
def thousands(value: object) -> str:
    """13472 → "13 472": a whole number the Swedish way (``core.numbers``, a no-break space)."""
    try:
        return numbers.number(int(value))  # type: ignore[call-overload]  # a template value of any type; what int() refuses is caught below
    except (TypeError, ValueError):
        return str(value)
