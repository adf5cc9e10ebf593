"""Save an evaluation from the page's JSON, resolve its areas, and suggest comparison areas.

Areas come drawn (GeoJSON in WGS 84, as the plan editor sends them), as NYKO codes of the
municipality, or as fixed grid cells (``"col_row"`` keys of ``core.disclosure.cell_size_m()``, or
points [lon, lat] that fall in them). Everything is moved to SWEREF 99 TM and repaired with the plan
editor's own checks. The buffer is a ring of ``buffer_m`` metres around the target (or a drawn area
minus the target). The comparison area may overlap neither the target nor the buffer: a point in both
would count on both sides (decision 0702). Bad input raises ``EvaluationInvalid`` naming the field.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import shapely
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import connection, transaction
from django.utils.translation import gettext as _
from shapely.ops import unary_union

from core import disclosure
from followup import counting
from followup.models import (
    DEFAULT_BUFFER_M,
    DEFAULT_MONTHS,
    MAX_BUFFER_M,
    MAX_GAP_MONTHS,
    MAX_MONTHS,
    AreaKind,
    Evaluation,
)
from geo import effect
from geo.crs import STORAGE_SRID, WEB_SRID, transformer
from layers.geometry import to_shapely
from layers.importers.vector import stored_multipolygon
from layers.models import FocusArea, IncidentCategory, Municipality, StatisticalArea
from layers.plan_edit import PlanInvalid
from layers.plan_edit import _polygon as polygon_from_geojson
from layers.plan_size import MAX_PLAN_VERTICES, geojson_positions
from layers.queries import visible_incidents
from layers.roles import AnyUser
from surveys.models import Action

CELL_KEY = re.compile(r"^(-?\d{1,7})_(-?\d{1,8})$")
MAX_PICKED = 200
AREA_FIELDS = {"target": "target_area", "comparison": "comparison_area", "buffer": "buffer_area"}


class EvaluationInvalid(ValueError):
    """The evaluation cannot be saved; ``fields`` names what is wrong (safe to show)."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


def parse_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise EvaluationInvalid(_("Förfrågan är inte JSON")) from e
    if not isinstance(data, dict):
        raise EvaluationInvalid(_("Förfrågan ska vara ett JSON-objekt"))
    return data


# --- areas ----------------------------------------------------------------------------------------


def cell_polygon(col: int, row: int) -> Polygon:
    size = disclosure.cell_size_m()
    x, y = col * size, row * size
    return Polygon(
        ((x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y)), srid=STORAGE_SRID
    )


def _cells(value: Any, field: str) -> tuple[list[str], MultiPolygon]:
    if not isinstance(value, list) or not value or len(value) > MAX_PICKED:
        raise EvaluationInvalid(
            _("Välj mellan 1 och %(n)d rutor") % {"n": MAX_PICKED}, {field: _("inga rutor")}
        )
    size = disclosure.cell_size_m()
    to_sweref = transformer(WEB_SRID, STORAGE_SRID)
    keys: list[str] = []
    for item in value:
        if isinstance(item, str) and CELL_KEY.match(item):
            key = item
        elif (
            isinstance(item, list)
            and len(item) == 2
            and all(isinstance(v, int | float) for v in item)
            and -180 <= item[0] <= 180
            and -90 <= item[1] <= 90
        ):
            x, y = to_sweref.transform(float(item[0]), float(item[1]))
            key = f"{int(x // size)}_{int(y // size)}"
        else:
            raise EvaluationInvalid(
                _("En ruta anges som ”kolumn_rad” eller [longitud, latitud]"),
                {field: str(item)[:60]},
            )
        if key not in keys:
            keys.append(key)
    polygons = []
    for key in keys:
        match = CELL_KEY.match(key)
        assert match is not None
        polygons.append(cell_polygon(int(match[1]), int(match[2])))
    merged = unary_union([to_shapely(p) for p in polygons])
    return keys, stored_multipolygon(merged)


def _nyko(value: Any, field: str, municipality: Municipality) -> tuple[list[str], MultiPolygon]:
    if not isinstance(value, list) or not value or len(value) > MAX_PICKED:
        raise EvaluationInvalid(_("Välj minst ett NYKO-område"), {field: _("inga områden")})
    codes = [str(v) for v in value]
    found = {
        a.code: a for a in StatisticalArea.objects.filter(municipality=municipality, code__in=codes)
    }
    missing = [c for c in codes if c not in found]
    if missing:
        raise EvaluationInvalid(_("Okänt NYKO-område"), {field: ", ".join(missing)[:200]})
    merged = unary_union([to_shapely(found[c].area) for c in codes])
    return codes, stored_multipolygon(merged)


def resolve_area(
    spec: Any, field: str, municipality: Municipality
) -> tuple[str, list[str], MultiPolygon]:
    """``(kind, refs, area)`` from ``{"kind": "ritat", "geometry": …}``, ``{"kind": "nyko", "codes": […]}``
    or ``{"kind": "rutor", "cells": […]}``."""
    if not isinstance(spec, dict):
        raise EvaluationInvalid(_("Området saknas"), {field: _("rita eller välj ett område")})
    kind = spec.get("kind", AreaKind.DRAWN)
    if kind == AreaKind.DRAWN:
        geometry = spec.get("geometry")
        if geojson_positions(geometry) > MAX_PLAN_VERTICES:
            raise EvaluationInvalid(
                _("Området har för många hörn"), {field: str(MAX_PLAN_VERTICES)}
            )
        try:
            drawn = polygon_from_geojson(geometry, field)
        except PlanInvalid as e:
            raise EvaluationInvalid(str(e), e.fields) from e
        return AreaKind.DRAWN, [], stored_multipolygon(drawn)
    if kind == AreaKind.NYKO:
        codes, area = _nyko(spec.get("codes"), field, municipality)
        return AreaKind.NYKO, codes, area
    if kind == AreaKind.GRID:
        keys, area = _cells(spec.get("cells"), field)
        return AreaKind.GRID, keys, area
    raise EvaluationInvalid(_("Okänt slags område"), {field: str(kind)[:40]})


def buffer_ring(target: GEOSGeometry, width_m: float) -> MultiPolygon | None:
    """The ring of ``width_m`` metres around ``target`` (None for width 0)."""
    if width_m <= 0:
        return None
    shape = to_shapely(target)
    ring = shape.buffer(width_m, quad_segs=8).difference(shape)
    if ring.is_empty:
        return None
    return stored_multipolygon(shapely.make_valid(ring))


def interiors_overlap(a: GEOSGeometry, b: GEOSGeometry) -> bool:
    """True when the two areas share more than a border."""
    return bool(to_shapely(a).relate_pattern(to_shapely(b), "T********"))


# --- saving ---------------------------------------------------------------------------------------


def _int(data: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = data.get(name, default)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError) as e:
        raise EvaluationInvalid(_("Ange ett heltal"), {name: str(value)[:40]}) from e
    if isinstance(value, float) and value != number:
        raise EvaluationInvalid(_("Ange ett heltal"), {name: str(value)[:40]})
    if not low <= number <= high:
        raise EvaluationInvalid(
            _("Värdet ska ligga mellan %(low)d och %(high)d") % {"low": low, "high": high},
            {name: str(number)},
        )
    return number


def _ids(data: dict[str, Any], name: str, model: Any) -> list[Any]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EvaluationInvalid(_("Ange en lista av koder"), {name: str(value)[:60]})
    rows: list[Any]
    if model is IncidentCategory:
        categories = list(IncidentCategory.objects.filter(code__in=value))
        known = {r.code for r in categories}
        rows = categories
    else:
        numbers = [int(v) for v in value if v.isdigit()]
        focus_areas = list(FocusArea.objects.filter(number__in=numbers))
        known = {str(r.number) for r in focus_areas}
        rows = focus_areas
    unknown = [v for v in value if v not in known]
    if unknown:
        raise EvaluationInvalid(_("Okänd kod"), {name: ", ".join(unknown)[:200]})
    return rows


def _dispersion(data: dict[str, Any]) -> float:
    """The overdispersion given on the page, a number from 1 to 100."""
    try:
        dispersion = float(data.get("dispersion"))  # type: ignore[arg-type]  # any JSON value; what float() refuses is caught
    except (TypeError, ValueError) as e:
        raise EvaluationInvalid(
            _("Ange överspridningen som ett tal ≥ 1"),
            {"dispersion": str(data.get("dispersion"))[:20]},
        ) from e
    if not dispersion >= 1.0 or dispersion > 100:
        raise EvaluationInvalid(
            _("Ange överspridningen som ett tal ≥ 1"), {"dispersion": str(dispersion)}
        )
    return dispersion


@transaction.atomic
def save_evaluation(
    municipality: Municipality,
    evaluation: Evaluation | None,
    data: dict[str, Any],
    *,
    user: User | AnonymousUser,
) -> Evaluation:
    """Create or change an evaluation from the page's JSON (every field named on error)."""
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 200:
        raise EvaluationInvalid(
            _("Ge uppföljningen ett namn (högst 200 tecken)"), {"title": title[:40]}
        )
    try:
        start = date.fromisoformat(str(data.get("start_date") or ""))
    except ValueError as e:
        raise EvaluationInvalid(
            _("Ange startdatum som ÅÅÅÅ-MM-DD"), {"start_date": str(data.get("start_date"))[:20]}
        ) from e
    months = _int(data, "months", DEFAULT_MONTHS, 1, MAX_MONTHS)
    gap = _int(data, "gap_months", 0, 0, MAX_GAP_MONTHS)
    buffer_m = _int(data, "buffer_m", DEFAULT_BUFFER_M, 0, MAX_BUFFER_M)
    variance = str(data.get("variance") or Evaluation.Variance.ESTIMATED)
    if variance not in Evaluation.Variance.values:
        raise EvaluationInvalid(_("Okänd varians"), {"variance": variance[:20]})
    dispersion = _dispersion(data) if variance == Evaluation.Variance.GIVEN else None
    action = None
    if data.get("action") not in (None, ""):
        try:
            action = Action.objects.get(pk=int(data["action"]), municipality=municipality)
        except (TypeError, ValueError, Action.DoesNotExist) as e:
            raise EvaluationInvalid(
                _("Okänd åtgärd"), {"action": str(data.get("action"))[:20]}
            ) from e
    categories = _ids(data, "categories", IncidentCategory)
    focus_areas = _ids(data, "focus_areas", FocusArea)

    target_kind, target_refs, target = resolve_area(data.get("target"), "target", municipality)
    buffer_spec = data.get("buffer")
    buffer_drawn = isinstance(buffer_spec, dict) and buffer_spec.get("kind") == AreaKind.DRAWN
    buffer: MultiPolygon | None
    if buffer_drawn:
        _kind, _refs, drawn = resolve_area(buffer_spec, "buffer", municipality)
        rest = to_shapely(drawn).difference(to_shapely(target))
        if rest.is_empty or rest.area < 1.0:
            raise EvaluationInvalid(
                _("Bufferten ligger helt i åtgärdsområdet"),
                {"buffer": _("rita runt åtgärdsområdet")},
            )
        buffer = stored_multipolygon(shapely.make_valid(rest))
    else:
        buffer = buffer_ring(target, buffer_m)
    comparison_kind, comparison_refs, comparison = resolve_area(
        data.get("comparison"), "comparison", municipality
    )
    if interiors_overlap(comparison, target):
        raise EvaluationInvalid(
            _("Jämförelseområdet får inte överlappa åtgärdsområdet"),
            {"comparison": _("överlappar åtgärdsområdet")},
        )
    if buffer is not None and interiors_overlap(comparison, buffer):
        raise EvaluationInvalid(
            _(
                "Jämförelseområdet får inte överlappa bufferten: händelser som flyttar dit skulle räknas två gånger"
            ),
            {"comparison": _("överlappar bufferten")},
        )
    boundary = municipality.boundary
    for name, area in (("target", target), ("comparison", comparison)):
        if not boundary.intersects(area):
            raise EvaluationInvalid(
                _("Området ligger utanför kommunen"), {name: _("utanför kommunen")}
            )

    if evaluation is None:
        evaluation = Evaluation(
            municipality=municipality, created_by=user if user.is_authenticated else None
        )
    evaluation.title = title
    evaluation.action = action
    evaluation.target_kind, evaluation.target_refs, evaluation.target_area = (
        target_kind,
        target_refs,
        target,
    )
    evaluation.buffer_m = buffer_m
    evaluation.buffer_drawn = buffer_drawn
    evaluation.buffer_area = buffer
    evaluation.comparison_kind = comparison_kind
    evaluation.comparison_refs = comparison_refs
    evaluation.comparison_area = comparison
    evaluation.comparison_suggested = bool(data.get("comparison_suggested"))
    evaluation.start_date = start
    evaluation.months = months
    evaluation.gap_months = gap
    evaluation.variance = variance
    evaluation.dispersion = dispersion
    evaluation.note = str(data.get("note") or "")[:5000]
    evaluation.save()
    evaluation.categories.set(categories)
    evaluation.focus_areas.set(focus_areas)
    return evaluation


def areas_of(evaluation: Evaluation) -> counting.Areas:
    return counting.Areas(
        target=evaluation.target_area,
        comparison=evaluation.comparison_area,
        buffer=evaluation.buffer_area,
    )


def selection_of(evaluation: Evaluation) -> counting.Selection:
    return counting.Selection(
        category_ids=tuple(evaluation.categories.values_list("pk", flat=True)),
        focus_area_ids=tuple(evaluation.focus_areas.values_list("pk", flat=True)),
    )


def result_of(
    evaluation: Evaluation, user: AnyUser, *, today: date | None = None
) -> counting.Result:
    return counting.compute(
        user,
        evaluation.municipality,
        areas_of(evaluation),
        start=evaluation.start_date,
        months=evaluation.months,
        gap_months=evaluation.gap_months,
        selection=selection_of(evaluation),
        variance=evaluation.variance,
        dispersion=evaluation.dispersion,
        today=today,
    )


# --- suggesting a comparison area -----------------------------------------------------------------


def suggest_comparison(
    municipality: Municipality,
    target: GEOSGeometry,
    buffer: GEOSGeometry | None,
    *,
    start: date,
    months: int,
    gap_months: int,
    selection: counting.Selection = counting.Selection(),  # noqa: B008
    limit: int = 5,
) -> list[dict[str, Any]]:
    """NYKO areas ranked by likeness to the target in level and trend over the before period
    (``geo.effect.rank_comparison_candidates``), leaving out those that touch the target or buffer.

    The ranking counts non-sensitive incidents only, for everyone (decision 0703): it is the same
    list whoever asks, and it reads nothing that would need an audit entry.
    """
    user = AnonymousUser()
    periods = effect.aligned_periods(start, months=months, gap_months=gap_months)
    before = periods.before
    monthly = counting.count_incidents(
        user,
        municipality,
        counting.Areas(target=target, comparison=target, buffer=None),
        before.start,
        before.end,
        selection,
    )
    target_months = monthly.counts["target"]
    near = target if buffer is None else target.union(buffer)
    areas = list(
        StatisticalArea.objects.filter(municipality=municipality).only("code", "name", "area")
    )
    touching = {a.code for a in areas if a.area.intersects(near)}
    inner = (
        selection.apply(
            visible_incidents(user).filter(
                municipality=municipality,
                occurred_from__gte=counting.local_midnight(before.start),
                occurred_from__lt=counting.local_midnight(before.end),
            )
        )
        .order_by()
        .values("location", "occurred_from")
    )
    sql, params = inner.query.sql_with_params()
    # Incidents of the before period per NYKO area and month: the visible incidents (the one rule
    # for sensitive incidents, as an ORM subquery) joined to the areas they fall in.
    # The inner SQL is the ORM's own compiled query; every value goes as a parameter.
    query = (
        "SELECT s.code, (date_trunc('month', i.occurred_from AT TIME ZONE %s))::date, count(*) "  # noqa: S608
        f"FROM ({sql}) AS i JOIN layers_statisticalarea s ON ST_Intersects(s.area, i.location) "
        "WHERE s.municipality_id = %s GROUP BY 1, 2"
    )
    month_index = {m: i for i, m in enumerate(monthly.months)}
    series = {a.code: [0] * len(monthly.months) for a in areas}
    with counting.without_jit(), connection.cursor() as cursor:
        cursor.execute(query, [counting.local_zone().key, *params, municipality.pk])
        for code, month, n in cursor.fetchall():
            i = month_index.get(month)
            if i is not None and code in series:
                series[code][i] = int(n)
    ranked = effect.rank_comparison_candidates(target_months, series, touching_buffer=touching)
    names = {a.code: a.name for a in areas}
    return [
        {
            "code": c.key,
            "name": names[c.key],
            "before_count": c.before_count,
            "level_ratio": c.level_ratio,
            "trend_difference": c.trend_difference,
            "distance": c.distance,
        }
        for c in ranked[:limit]
    ]
