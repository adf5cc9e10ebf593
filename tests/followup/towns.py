"""Generated incidents for the effect follow-up tests: a target, its buffer ring and a comparison area
around Väsby centrum, with monthly Poisson counts and a seeded random generator."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.contrib.gis.geos import MultiPolygon, Point

from geo.crs import STORAGE_SRID
from layers.models import Incident, IncidentCategory, Municipality
from tests.factories import VASBY_CENTRUM, square

LOCAL = ZoneInfo("Europe/Stockholm")
CX, CY = VASBY_CENTRUM
HALF = 200.0
TARGET = square(CX, CY, HALF)
COMPARISON = square(CX + 2000, CY, HALF)
# Where buffer incidents fall: a band east of the target, 50–250 m from its edge (inside the 300 m ring).
BUFFER_BAND = (CX + HALF + 50, CX + HALF + 250, CY - HALF, CY + HALF)


def _month_starts(first: date, months: int) -> list[date]:
    out = []
    y, m = first.year, first.month
    for _ in range(months):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _point_in(
    area: MultiPolygon | tuple[float, float, float, float], rng: np.random.Generator
) -> Point:
    if isinstance(area, tuple):
        x0, x1, y0, y1 = area
    else:
        x0, y0, x1, y1 = area.extent
    # Keep 1 m from the edges, so no point lies on a border.
    x = rng.uniform(x0 + 1, x1 - 1)
    y = rng.uniform(y0 + 1, y1 - 1)
    return Point(x, y, srid=STORAGE_SRID)


def plant(
    municipality: Municipality,
    category: IncidentCategory,
    *,
    rng: np.random.Generator,
    first_month: date,
    months: int,
    rates: dict[str, list[float]],
    prefix: str = "G",
) -> dict[str, list[int]]:
    """Poisson incidents per month in each area at the given monthly rates; returns the counts drawn."""
    places = {"target": TARGET, "buffer": BUFFER_BAND, "comparison": COMPARISON}
    rows = []
    drawn: dict[str, list[int]] = {}
    for area, rate in rates.items():
        assert len(rate) == months
        drawn[area] = []
        for month, lam in zip(_month_starts(first_month, months), rate, strict=True):
            n = int(rng.poisson(lam))
            drawn[area].append(n)
            for _ in range(n):
                day = int(rng.integers(0, 28))
                hour = int(rng.integers(0, 24))
                when = datetime(month.year, month.month, 1, hour, tzinfo=LOCAL) + timedelta(
                    days=day
                )
                rows.append(
                    Incident(
                        municipality=municipality,
                        category=category,
                        source="generated",
                        source_ref=f"{prefix}-{len(rows)}",
                        location=_point_in(places[area], rng),
                        occurred_from=when,
                        generated=True,
                    )
                )
    Incident.objects.bulk_create(rows, batch_size=5000)
    return drawn
