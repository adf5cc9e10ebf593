"""Swedish numbers for the Django side: pages, PDFs, import reports and charts.

The rules live in ``geo.swedish`` (pure Python, at the bottom layer so the criteria's sentences use them
too); this module is the name the apps import, and ``core/templatetags/swedish.py`` gives templates the
same functions as filters (docs/decisions/0681).
"""

from __future__ import annotations

from geo.swedish import (
    NBSP,
    capitalise,
    compare,
    count,
    join,
    metres,
    number,
    percent,
    plural,
    shown_equal,
    unit,
)

__all__ = [
    "NBSP",
    "capitalise",
    "compare",
    "count",
    "join",
    "metres",
    "number",
    "percent",
    "plural",
    "shown_equal",
    "unit",
]
