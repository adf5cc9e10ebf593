"""Count an evaluation's incidents and walk observations, then compute its figures with ``geo.effect``.

Incidents are counted in **one SQL pass**: a ``GROUP BY`` month over the incidents the reader may see
as points (``layers.queries.visible_incidents``, the one place that leaves sensitive incidents out),
with one ``COUNT(*) FILTER (WHERE ST_Intersects(area, location))`` per area. The periods' counts are
sums of those months; the before period's months also give the overdispersion estimate, the ranking of
comparison areas and the monthly series. Walk observations are counted the same way (all, and those
felt *otryggt* or *mycket otryggt*).

A point on the border between the target and its buffer counts in the target only. The comparison
area never overlaps the target or the buffer (``followup.services`` refuses it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from geo import effect
from layers.models import SENSITIVE_INCIDENT, Incident, Municipality
from layers.queries import visible_incidents
from layers.roles import AnyUser, can_view_sensitive
from surveys.models import Observation

AREA_NAMES = ("target", "buffer", "comparison")
# The monthly series is shown when both periods have at least this many months (decision 0703).
MIN_SERIES_MONTHS = 6
UNSAFE_FEELINGS = (Observation.Feeling.VERY_UNSAFE, Observation.Feeling.UNSAFE)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


@dataclass(frozen=True)
class Areas:
    """The three areas in SWEREF 99 TM; ``buffer`` is None when there is none (width 0)."""

    target: GEOSGeometry
    comparison: GEOSGeometry
    buffer: GEOSGeometry | None = None


@dataclass(frozen=True)
class Selection:
    """What is counted: incidents of these categories or of these focus areas (both empty: all)."""

    category_ids: tuple[int, ...] = ()
    focus_area_ids: tuple[int, ...] = ()

    def apply(self, qs: QuerySet[Incident]) -> QuerySet[Incident]:
        if not self.category_ids and not self.focus_area_ids:
            return qs
        return qs.filter(
            Q(category_id__in=self.category_ids)
            | Q(category__focus_area_id__in=self.focus_area_ids)
        )


@dataclass
class Monthly:
    """Counts per month (first day, local time) per area."""

    months: list[date]
    counts: dict[str, list[int]]
    sensitive: int = 0  # sensitive incidents counted in any area (0 unless the reader may see them)

    def total(self, area: str, period: effect.Period) -> int:
        return sum(
            n
            for m, n in zip(self.months, self.counts[area], strict=True)
            if period.start <= m < period.end
        )

    def within(self, area: str, period: effect.Period) -> list[int]:
        return [
            n
            for m, n in zip(self.months, self.counts[area], strict=True)
            if period.start <= m < period.end
        ]


@contextmanager
def without_jit() -> Iterator[None]:
    """Run the queries inside without PostgreSQL's JIT compilation (decision 0704).

    PostGIS gives ``ST_Intersects`` a high cost, so the planner's estimate for a few FILTER aggregates
    crosses ``jit_above_cost`` and PostgreSQL spends 1–3 s compiling a query that runs in 0.3 s.
    ``SET LOCAL`` ends with the transaction, so no other query is affected.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def _months(first: date, end: date) -> list[date]:
    return effect.Period(first, end).month_starts()


def _area_filters(areas: Areas, field: str) -> dict[str, Q]:
    target = Q(**{f"{field}__intersects": areas.target})
    filters = {"target": target, "comparison": Q(**{f"{field}__intersects": areas.comparison})}
    if areas.buffer is not None:
        filters["buffer"] = Q(**{f"{field}__intersects": areas.buffer}) & ~target
    return filters


def incident_queryset(
    user: AnyUser,
    municipality: Municipality,
    areas: Areas,
    first: date,
    end: date,
    selection: Selection,
) -> QuerySet[Any, dict[str, Any]]:
    """The incidents one evaluation may count, per month with one FILTER aggregate per area."""
    filters = _area_filters(areas, "location")
    anywhere = Q()
    for q in filters.values():
        anywhere |= q
    qs = selection.apply(
        visible_incidents(user).filter(
            municipality=municipality,
            occurred_from__gte=local_midnight(first),
            occurred_from__lt=local_midnight(end),
        )
    ).filter(anywhere)
    aggregates: dict[str, Any] = {name: Count("pk", filter=q) for name, q in filters.items()}
    if can_view_sensitive(user):
        aggregates["sensitive"] = Count("pk", filter=SENSITIVE_INCIDENT)
    return (
        qs.annotate(month=TruncMonth("occurred_from", tzinfo=local_zone()))
        .values("month")
        .annotate(**aggregates)
        .order_by("month")
    )


def count_incidents(
    user: AnyUser,
    municipality: Municipality,
    areas: Areas,
    first: date,
    end: date,
    selection: Selection = Selection(),
) -> Monthly:
    """Incidents per month from ``first`` (a 1st) to ``end`` (a 1st, exclusive) in each area."""
    months = _months(first, end)
    index = {m: i for i, m in enumerate(months)}
    names = [n for n in AREA_NAMES if n != "buffer" or areas.buffer is not None]
    counts = {name: [0] * len(months) for name in names}
    sensitive = 0
    with without_jit():
        rows: list[dict[str, Any]] = list(
            incident_queryset(user, municipality, areas, first, end, selection)
        )
    for row in rows:
        month = timezone.localtime(row["month"], local_zone()).date().replace(day=1)
        i = index.get(month)
        if i is None:
            continue
        for name in names:
            counts[name][i] = int(row[name])
        sensitive += int(row.get("sensitive", 0))
    return Monthly(months, counts, sensitive)


def count_observations(
    municipality: Municipality, areas: Areas, first: date, end: date
) -> dict[str, dict[str, int]]:
    """Walk observations in each area, per month: ``{area: {"all": [...], "unsafe": [...]}}``."""
    filters = _area_filters(areas, "location")
    aggregates: dict[str, Any] = {}
    for name, q in filters.items():
        aggregates[f"{name}_all"] = Count("pk", filter=q)
        aggregates[f"{name}_unsafe"] = Count("pk", filter=q & Q(feeling__in=UNSAFE_FEELINGS))
    anywhere = Q()
    for q in filters.values():
        anywhere |= q
    rows = (
        Observation.objects.filter(
            municipality=municipality,
            recorded_at__gte=local_midnight(first),
            recorded_at__lt=local_midnight(end),
        )
        .filter(anywhere)
        .annotate(month=TruncMonth("recorded_at", tzinfo=local_zone()))
        .values("month")
        .annotate(**aggregates)
        .order_by("month")
    )
    out: dict[str, Any] = {"months": [], **{n: {"all": [], "unsafe": []} for n in filters}}
    for row in rows:
        out["months"].append(timezone.localtime(row["month"], local_zone()).date())
        for name in filters:
            out[name]["all"].append(int(row[f"{name}_all"]))
            out[name]["unsafe"].append(int(row[f"{name}_unsafe"]))
    return out


def observations_per_period(
    monthly: Mapping[str, Any], periods: effect.Periods
) -> dict[str, dict[str, dict[str, int]]]:
    """``{area: {"before"|"after": {"all": n, "unsafe": n}}}`` from ``count_observations``."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    months: list[date] = monthly["months"]
    for name in AREA_NAMES:
        if name not in monthly:
            continue
        out[name] = {}
        for label, period in (("before", periods.before), ("after", periods.after)):
            inside = [i for i, m in enumerate(months) if period.start <= m < period.end]
            out[name][label] = {
                "all": sum(monthly[name]["all"][i] for i in inside),
                "unsafe": sum(monthly[name]["unsafe"][i] for i in inside),
            }
    return out


@dataclass
class Result:
    """An evaluation's figures as one reader may see them."""

    periods: effect.Periods
    complete: bool
    monthly: Monthly
    counts: effect.Counts
    evaluation: effect.Evaluation | None  # None until the after period has ended
    dispersion: float
    sensitive_included: bool
    today: date
    observations: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)

    @property
    def series_long_enough(self) -> bool:
        return self.periods.months >= MIN_SERIES_MONTHS


def dispersion_for(
    variance: str, given: float | None, monthly: Monthly, before: effect.Period
) -> float:
    """φ: 1 (Poisson), estimated from the before period's months of every area, or as given."""
    if variance == "skattad":
        rows = [monthly.within(name, before) for name in monthly.counts]
        return effect.dispersion_from_monthly(rows)
    if variance == "angiven" and given is not None:
        return max(1.0, float(given))
    return 1.0


def compute(
    user: AnyUser,
    municipality: Municipality,
    areas: Areas,
    *,
    start: date,
    months: int,
    gap_months: int,
    selection: Selection = Selection(),
    variance: str = "poisson",
    dispersion: float | None = None,
    today: date | None = None,
    with_observations: bool = True,
) -> Result:
    """Count and evaluate: the figures of one evaluation for ``user``."""
    today = today or timezone.localdate()
    periods = effect.aligned_periods(start, months=months, gap_months=gap_months)
    complete = periods.complete_on(today)
    monthly = count_incidents(
        user, municipality, areas, periods.before.start, periods.after.end, selection
    )
    counts = effect.Counts(
        target=effect.BeforeAfter(
            monthly.total("target", periods.before), monthly.total("target", periods.after)
        ),
        comparison=effect.BeforeAfter(
            monthly.total("comparison", periods.before),
            monthly.total("comparison", periods.after),
        ),
        buffer=None
        if areas.buffer is None
        else effect.BeforeAfter(
            monthly.total("buffer", periods.before), monthly.total("buffer", periods.after)
        ),
    )
    phi = dispersion_for(variance, dispersion, monthly, periods.before)
    evaluation = effect.evaluate(counts, dispersion=phi) if complete else None
    observations: dict[str, dict[str, dict[str, int]]] = {}
    if with_observations:
        observations = observations_per_period(
            count_observations(municipality, areas, periods.before.start, periods.after.end),
            periods,
        )
    return Result(
        periods=periods,
        complete=complete,
        monthly=monthly,
        counts=counts,
        evaluation=evaluation,
        dispersion=phi,
        sensitive_included=can_view_sensitive(user),
        today=today,
        observations=observations,
    )


def sql_of(qs: QuerySet[Any]) -> tuple[str, Sequence[Any]]:
    """The SQL and parameters a queryset runs (the benchmark times it bare)."""
    sql, params = qs.query.sql_with_params()
    return sql, params
