"""The operativa mål of an åtgärdsplan: indicators computed from stored data (docs/method.md).

Two kinds, both over **non-sensitive** data only (the plan is read by BRÅ members and partners; a
sensitive category cannot be an indicator, docs/decisions/0801):

- ``handelser``: placed incidents of one category in the row's area per quarter. The baseline is the
  frozen lägesbild's count over its period scaled to a quarter (count × 91.3 / days of the period); the
  current value is the count of the last 91 days up to today, computed live through
  ``layers.analysis.filtered_incidents`` for a user without the sensitive permission.
- ``otryggt``: the share of walk observations felt as *otryggt* or *mycket otryggt* in the area. The
  baseline is the frozen period's share; the current value is the last 365 days'.

The area is a NYKO area, or else the lägesbild's own area (its district or the whole municipality).
Every value says how many observations or incidents it rests on; with none it says so (no confident 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.utils import timezone

from layers.analysis import filtered_incidents
from layers.filters import IncidentFilter
from layers.models import StatisticalArea
from statutory.figures import AUDIENCE
from statutory.models import PlanRow
from surveys.models import Observation

QUARTER_DAYS = 365.25 / 4
QUARTER_WINDOW_DAYS = 91  # the current value of ``handelser``: the last 91 days up to today
YEAR_WINDOW_DAYS = 365  # the current value of ``otryggt``: the last 365 days
FEW_OBSERVATIONS = 10  # a share resting on fewer observations is said to be uncertain


@dataclass(frozen=True)
class Value:
    value: float | None
    basis: int  # incidents or observations counted
    text: str
    certainty: str  # "", "låg": said next to the value

    def as_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "basis": self.basis,
            "text": self.text,
            "certainty": self.certainty,
        }


def _area_ids(row: PlanRow) -> list[str] | None:
    """The NYKO area ids the row counts in (as in the frozen JSON); None: the whole frozen area."""
    return [str(row.indicator_area_id)] if row.indicator_area_id else None


def _shape(row: PlanRow) -> GEOSGeometry | None:
    doc = row.plan.lagesbild
    if row.indicator_area is not None:
        geometry: GEOSGeometry = row.indicator_area.area
        return geometry
    if doc.district is not None:
        district_area: GEOSGeometry = doc.district.area
        return district_area
    return None


def _count_text(n: float, per_quarter: bool) -> str:
    from core.numbers import number

    shown = number(n, 1) if per_quarter and n != int(n) else number(n)
    return f"{shown} per kvartal"


def _share_text(unsafe: int, n: int) -> tuple[float | None, str, str]:
    from core.numbers import percent

    if n == 0:
        return None, "inga observationer", "ingen"
    share = unsafe / n
    certainty = "låg" if n < FEW_OBSERVATIONS else ""
    return round(100 * share, 1), f"{percent(share)} av {n} observationer", certainty


def baseline(row: PlanRow) -> Value:
    base = row.plan.lagesbild.figures.get("indicator_base", {})
    ids = _area_ids(row)
    if row.indicator == PlanRow.Indicator.INCIDENTS:
        code = row.indicator_category.code if row.indicator_category else ""
        incidents: dict[str, dict[str, int]] = base.get("incidents", {})
        n = sum(
            by_code.get(code, 0)
            for area, by_code in incidents.items()
            if ids is None or area in ids
        )
        days = int(base.get("days") or 0)
        if not days:
            return Value(None, 0, "ingen period", "ingen")
        per_quarter = round(n * QUARTER_DAYS / days, 1)
        certainty = "låg" if n < FEW_OBSERVATIONS else ""
        return Value(per_quarter, n, _count_text(per_quarter, True), certainty)
    walks: dict[str, list[int]] = base.get("walks", {})
    total = sum(v[0] for area, v in walks.items() if ids is None or area in ids)
    unsafe = sum(v[1] for area, v in walks.items() if ids is None or area in ids)
    value, text, certainty = _share_text(unsafe, total)
    return Value(value, total, text, certainty)


def current(row: PlanRow, *, today: date | None = None) -> Value:
    """The indicator now, from the stored data, as a user without the sensitive permission sees it."""
    today = today or timezone.localdate()
    doc = row.plan.lagesbild
    shape = _shape(row)
    if row.indicator == PlanRow.Indicator.INCIDENTS:
        category = row.indicator_category
        if category is None:
            return Value(None, 0, "ingen kategori vald", "ingen")
        if category.sensitive or (category.focus_area and category.focus_area.sensitive):
            return Value(None, 0, "redovisas inte: känslig kategori", "ingen")
        f = IncidentFilter(
            date_from=today - timedelta(days=QUARTER_WINDOW_DAYS - 1),
            date_to=today,
            categories=(category.code,),
            include_sensitive=False,
        )
        qs = filtered_incidents(AUDIENCE, f, doc.municipality)
        if shape is not None:
            qs = qs.filter(location__within=shape)
        n = qs.count()
        certainty = "låg" if n < FEW_OBSERVATIONS else ""
        return Value(float(n), n, _count_text(n, False), certainty)
    start = today - timedelta(days=YEAR_WINDOW_DAYS - 1)
    f = IncidentFilter(date_from=start, date_to=today)
    obs = Observation.objects.filter(
        municipality=doc.municipality, recorded_at__gte=f.start(), recorded_at__lt=f.end()
    )
    if shape is not None:
        obs = obs.filter(location__within=shape)
    n = obs.count()
    value, text, certainty = _share_text(obs.filter(feeling__lte=2).count(), n)
    return Value(value, n, text, certainty)


def describe(row: PlanRow) -> str:
    """What the indicator measures, in Swedish."""
    where = (
        f"{row.indicator_area.code} {row.indicator_area.name}"
        if isinstance(row.indicator_area, StatisticalArea)
        else (row.plan.lagesbild.district.name if row.plan.lagesbild.district else "hela kommunen")
    )
    if row.indicator == PlanRow.Indicator.INCIDENTS:
        what = row.indicator_category.label if row.indicator_category else "?"
        return f"{what} i {where}, händelser per kvartal"
    return f"andel otryggt i trygghetsvandringar i {where}"
