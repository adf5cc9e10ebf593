"""Template filters for what the releases of sensitive incidents show (docs/decisions/0600)."""

from __future__ import annotations

import json

from django import template

register = template.Library()


@register.filter
def as_json(value: object) -> str:
    """A value as JSON text, for a data attribute (the template escapes it like any other text).

    >>> as_json({"2025": {"value": None, "state": "fewer"}})
    '{"2025": {"value": null, "state": "fewer"}}'
    """
    return json.dumps(value, ensure_ascii=False)
