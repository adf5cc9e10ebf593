"""Template filters of the import pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def thousands(value: object) -> str:
    """13472 → "13 472" (a narrow no-break space between thousands, as Swedish writes numbers)."""
    try:
        return f"{int(value):,}".replace(",", "\u202f")  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(value)
