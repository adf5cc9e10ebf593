"""Calibrate the criteria's risk factors to the municipality's own incidents (geo.calibration).

The factors are built from the context layers on a fixed 100 m grid; the incidents are the
non-sensitive, placed ones (situational crime in public space: domestic and honour-related violence are
not what a street layout explains, and they never leave the database as points). The last 12 months of
incidents are held out to measure the Predictive Accuracy Index. docs/method.md, "Kalibrerade vikter".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import shapely
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from shapely import wkb as shapely_wkb
from shapely.geometry.base import BaseGeometry

from geo import calibration, criteria
from geo.criteria import osm
from geo.criteria.context import is_walkable
from geo.criteria.physical import FRONTAGE_M, LAMP_REACH_M, VEGETATION_M
from geo.grids import Grid
from geo.kde import kde
from layers import audit
from layers.geometry import to_shapely
from layers.models import (
    AuditEvent,
    ContextLayer,
    ImportBatch,
    Incident,
    Municipality,
    RiskCalibration,
    ScoringWeights,
)
from layers.roles import AnyUser, Role

CELL_M = 100.0
MAPPED_WITHIN_M = 150.0  # a cell counts as mapped when a context path runs this close to its centre
TOP_SHARE = 0.05
SAMPLE_M = 5.0
# Below either of these the fit speaks for the mapped part only, and the page says so
# (docs/decisions/0357-calibration-coverage.md): the mapped cells should hold at least half of the
# municipality's placed incidents, and be enough for the top 5 % to be 20 cells (400 cells, 4 km²).
MIN_INCIDENT_SHARE = 0.5
MIN_CELLS = 400

# (key, Swedish label, the criterion the factor speaks to; "" = a control, not a criterion)
FACTORS: tuple[tuple[str, str, str], ...] = (
    ("bus_stop_150m", "Inom 150 m från en busshållplats", "transport"),
    ("station_400m", "Inom 400 m från en station", "transport"),
    ("night_venues_200m", "Barer, pubar och nattöppet inom 200 m (antal)", "life_at_all_hours"),
    ("shops_200m", "Butiker och service inom 200 m (antal)", "mix_of_functions"),
    ("dark_path_m", "Obelyst gångväg i rutan (m)", "lighting"),
    ("unwatched_path_m", "Gångväg utan byggnader inom 20 m (m)", "natural_surveillance"),
    ("vegetation_path_m", "Gångväg intill tät vegetation (m)", "hidden_spots"),
    ("residents", "Boende i rutan (uppskattat)", ""),
)
LABELS = {k: label for k, label, _c in FACTORS}
FACTOR_CRITERIA = {k: c for k, _l, c in FACTORS if c}

# The naive forecasts the model must beat on the held-out year (docs/method.md, step 5): last
# period's counts (the 12 months before the held-out year), and their kernel density at three
# bandwidths (computed on 25 m cells, at least three cells per bandwidth, averaged over each cell).
KDE_BANDWIDTHS_M = (100.0, 200.0, 400.0)
KDE_FINE_CELL_M = 25.0
FORECAST_LABELS = {
    "model": _("Modellen (riskfaktorerna)"),
    "counts": _("Förra periodens händelser per ruta"),
    **{
        f"kde_{bw:.0f}": _("Förra periodens täthet, bandbredd %(bw)s m") % {"bw": f"{bw:.0f}"}
        for bw in KDE_BANDWIDTHS_M
    },
}
OVERRIDE_ROLES = (Role.ANALYST, Role.ADMIN)


class CalibrationError(ValueError):
    """The data cannot support a calibration (no context mapped, too few incidents); safe to show."""


@dataclass
class FactorData:
    grid: Grid
    layers: dict[str, np.ndarray]
    mask: np.ndarray


def _context(municipality: Municipality) -> dict[str, list[tuple[BaseGeometry, dict[str, Any]]]]:
    out: dict[str, list[tuple[BaseGeometry, dict[str, Any]]]] = {}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT kind, ST_AsBinary(geom), properties FROM layers_contextfeature "
            "WHERE municipality_id = %s",
            [municipality.pk],
        )
        for kind, wkb, props in cur.fetchall():
            p = props if isinstance(props, dict) else json.loads(props or "{}")
            out.setdefault(kind, []).append((shapely_wkb.loads(bytes(wkb)), p))
    return out


def factor_layers(municipality: Municipality, *, cell_m: float = CELL_M) -> FactorData:
    """The risk-factor layers on a fixed grid over the mapped part of the municipality."""
    ctx = _context(municipality)
    paths = [(g, p) for g, p in ctx.get("street", []) + ctx.get("path", []) if is_walkable(p)]
    if not paths:
        raise CalibrationError(
            "Det finns inga gator eller gångvägar i kontextlagren att kalibrera mot."
        )
    bounds = shapely.total_bounds([g for g, _ in paths])
    boundary = to_shapely(municipality.boundary)
    mb = boundary.bounds
    extent = (
        max(bounds[0], mb[0]),
        max(bounds[1], mb[1]),
        min(bounds[2], mb[2]),
        min(bounds[3], mb[3]),
    )
    if extent[0] >= extent[2] or extent[1] >= extent[3]:
        raise CalibrationError("Kontextlagren ligger utanför kommunens gräns.")
    grid = Grid.covering(extent, cell_m)

    def xy(features: list[tuple[BaseGeometry, dict[str, Any]]]) -> tuple[list[float], list[float]]:
        pts = [g if g.geom_type == "Point" else g.centroid for g, _ in features]
        return [p.x for p in pts], [p.y for p in pts]

    stops = ctx.get("bus_stop", [])
    pois = ctx.get("poi", [])
    bus = [f for f in stops if not osm.is_station(f[1])]
    stations = [f for f in stops if osm.is_station(f[1])] + [
        f for f in pois if osm.is_station(f[1])
    ]
    night = [f for f in pois if osm.open_days(f[1], 23 * 60) > 0]
    shops = [f for f in pois if osm.poi_function(f[1]) in {"handel", "service"}]
    layers: dict[str, np.ndarray] = {
        "bus_stop_150m": calibration.proximity_layer(grid, *xy(bus), 150.0),
        "station_400m": calibration.proximity_layer(grid, *xy(stations), 400.0),
        "night_venues_200m": calibration.density_layer(grid, *xy(night), 200.0),
        "shops_200m": calibration.density_layer(grid, *xy(shops), 200.0),
    }
    sx, sy = calibration.sample_lines([g for g, _ in paths], SAMPLE_M)
    points = shapely.points(sx, sy)
    lit_lines = [g for g, p in paths if osm.is_lit(p)]
    lamps = ctx.get("lamp", [])
    lit = np.zeros(len(sx), dtype=bool)
    if lamps:
        from scipy.spatial import cKDTree

        lx, ly = xy(lamps)
        d, _ = cKDTree(np.column_stack([lx, ly])).query(np.column_stack([sx, sy]), k=1)
        lit |= d <= LAMP_REACH_M
    if lit_lines:
        tree = shapely.STRtree(lit_lines)
        idx = tree.query(points, predicate="dwithin", distance=1.0)
        lit[np.unique(idx[0])] = True
    buildings = [g for g, _ in ctx.get("building", [])]
    watched = np.zeros(len(sx), dtype=bool)
    if buildings:
        idx = shapely.STRtree(buildings).query(points, predicate="dwithin", distance=FRONTAGE_M)
        watched[np.unique(idx[0])] = True
    veg = [g for g, p in ctx.get("landuse", []) + ctx.get("park", []) if osm.is_dense_vegetation(p)]
    beside = np.zeros(len(sx), dtype=bool)
    if veg:
        idx = shapely.STRtree(veg).query(points, predicate="dwithin", distance=VEGETATION_M)
        beside[np.unique(idx[0])] = True
    layers["dark_path_m"] = grid.counts(sx[~lit], sy[~lit]).astype(float) * SAMPLE_M
    layers["unwatched_path_m"] = grid.counts(sx[~watched], sy[~watched]).astype(float) * SAMPLE_M
    layers["vegetation_path_m"] = grid.counts(sx[beside], sy[beside]).astype(float) * SAMPLE_M
    residents = np.zeros(grid.shape)
    for g, p in ctx.get("building", []):
        n = osm.residents(float(g.area), p)
        if n:
            r, c, inside = grid.cell_index([g.centroid.x], [g.centroid.y])
            if inside[0]:
                residents[r[0], c[0]] += n
    layers["residents"] = residents
    cx, cy = grid.cell_centres()
    near_path = calibration.proximity_layer(grid, sx, sy, MAPPED_WITHIN_M) > 0
    in_boundary = shapely.contains_xy(boundary, cx, cy)
    return FactorData(grid, layers, near_path & in_boundary)


def _placed(municipality: Municipality) -> QuerySet[Incident]:
    return Incident.objects.placed().non_sensitive().filter(municipality=municipality)


def coverage(
    municipality: Municipality, data: FactorData, train: np.ndarray, test: np.ndarray
) -> dict[str, Any]:
    """How much of the municipality the calibration speaks for: the mapped cells' area against the
    municipality's, and their share of its placed, non-sensitive incidents (in and outside the grid)."""
    cell_km2 = data.grid.cell_m**2 / 1e6
    cells = int(data.mask.sum())
    municipality_km2 = float(to_shapely(municipality.boundary).area) / 1e6
    incidents_all = _placed(municipality).count()
    incidents_mapped = int(train[data.mask].sum() + test[data.mask].sum())
    incident_share = incidents_mapped / incidents_all if incidents_all else 0.0
    return {
        "cells": cells,
        "mapped_km2": round(cells * cell_km2, 2),
        "municipality_km2": round(municipality_km2, 1),
        "area_share": round(cells * cell_km2 / municipality_km2, 4) if municipality_km2 else 0.0,
        "incidents_mapped": incidents_mapped,
        "incidents_all": incidents_all,
        "incident_share": round(incident_share, 4),
        "limited": incident_share < MIN_INCIDENT_SHARE or cells < MIN_CELLS,
        "min_incident_share": MIN_INCIDENT_SHARE,
        "min_cells": MIN_CELLS,
    }


def generated_data(municipality: Municipality) -> bool:
    """Whether the fit rests on generated demo data (incidents or context), not on real records."""
    return (
        _placed(municipality).filter(generated=True).exists()
        or ContextLayer.objects.filter(
            municipality=municipality, import_batch__kind=ImportBatch.Kind.DEMO
        ).exists()
    )


def incident_counts(
    municipality: Municipality, grid: Grid
) -> tuple[np.ndarray, np.ndarray, str, str]:
    """Non-sensitive placed incidents per cell: before the last 12 months (train) and in them (test)."""
    qs = _placed(municipality)
    last = qs.order_by("-occurred_from").values_list("occurred_from", flat=True).first()
    if last is None:
        raise CalibrationError("Det finns inga platsbestämda händelser att kalibrera mot.")
    split = last - timedelta(days=365)
    rows = [(loc, t) for loc, t in qs.values_list("location", "occurred_from") if loc is not None]
    xs = np.array([loc.x for loc, _ in rows])
    ys = np.array([loc.y for loc, _ in rows])
    test = np.array([t > split for _, t in rows], dtype=bool)
    first = min(t for _, t in rows)
    period_train = f"{first:%Y-%m}–{split:%Y-%m}"
    period_test = f"{split:%Y-%m}–{last:%Y-%m}"
    return (
        grid.counts(xs[~test], ys[~test]).astype(float),
        grid.counts(xs[test], ys[test]).astype(float),
        period_train,
        period_test,
    )


def last_period_forecasts(municipality: Municipality, grid: Grid) -> dict[str, np.ndarray]:
    """Naive forecasts of the held-out year: the counts per cell of the 12 months before it, and
    their kernel density at each of ``KDE_BANDWIDTHS_M`` (mean density over each cell)."""
    qs = _placed(municipality)
    last = qs.order_by("-occurred_from").values_list("occurred_from", flat=True).first()
    if last is None:
        raise CalibrationError("Det finns inga platsbestämda händelser att kalibrera mot.")
    split = last - timedelta(days=365)
    rows = qs.filter(occurred_from__gt=split - timedelta(days=365), occurred_from__lte=split)
    points = [loc for loc in rows.values_list("location", flat=True) if loc is not None]
    xs = np.array([p.x for p in points], dtype=np.float64)
    ys = np.array([p.y for p in points], dtype=np.float64)
    out: dict[str, np.ndarray] = {"counts": grid.counts(xs, ys).astype(np.float64)}
    factor = max(1, round(grid.cell_m / KDE_FINE_CELL_M))
    fine = Grid(grid.x0, grid.y0, grid.cell_m / factor, grid.nx * factor, grid.ny * factor)
    for bw in KDE_BANDWIDTHS_M:
        values = kde(xs, ys, fine, bw).values
        out[f"kde_{bw:.0f}"] = values.reshape(grid.ny, factor, grid.nx, factor).mean(axis=(1, 3))
    return out


def comparison_json(result: calibration.Calibration) -> list[dict[str, Any]]:
    """The model and the naive forecasts, PAI and hit rate at each share of the area, for storage."""
    return [
        {
            "key": f.key,
            "shares": [
                {
                    "share": a.top_share,
                    "cells": a.cells,
                    "hit_rate": round(a.hit_rate, 4),
                    "pai": round(a.pai, 2),
                }
                for a in f.accuracy
            ],
        }
        for f in result.forecasts
    ]


@transaction.atomic
def run(
    municipality: Municipality,
    *,
    cell_m: float = CELL_M,
    user: AnyUser | None = None,
    request: HttpRequest | None = None,
) -> RiskCalibration:
    """Fit, measure and store a calibration for ``municipality``.

    When a naive forecast beats the model on the held-out year, calibrated weights in use fall back to
    the standard ones (written to the audit log); ``apply_weights`` then needs an override.
    """
    data = factor_layers(municipality, cell_m=cell_m)
    train, test, period_train, period_test = incident_counts(municipality, data.grid)
    if train[data.mask].sum() < 30 or test[data.mask].sum() < 10:
        raise CalibrationError(
            "För få händelser i den kartlagda delen av kommunen (minst 30 för anpassning och 10 för test)."
        )
    forecasts = last_period_forecasts(municipality, data.grid)
    result = calibration.calibrate(
        data.layers, train, test, mask=data.mask, top_share=TOP_SHARE, baselines=forecasts
    )
    # A factor that is the same in every mapped cell cannot be fitted (e.g. no station mapped).
    untested = [k for k, _, _ in FACTORS if k not in {str(f["key"]) for f in result.factors}]
    factors = [
        {**f, "label": LABELS[str(f["key"])], "criterion": FACTOR_CRITERIA.get(str(f["key"]), "")}
        for f in result.factors
    ]
    # Plan-only criteria (parking, territoriality) have no factor on the grid: they keep their default
    # weight and the calibrated weights of the others share the rest (decision 0740).
    weights = criteria.hold_plan_only(
        calibration.calibrated_weights(criteria.DEFAULT_WEIGHTS, FACTOR_CRITERIA, result.factors),
        criteria.DEFAULT_WEIGHTS,
        criteria.PLAN_ONLY,
    )
    acc, base = result.accuracy, result.baseline
    winner = result.winner
    row = RiskCalibration.objects.create(
        municipality=municipality,
        cell_m=cell_m,
        train_years=[period_train],
        test_year=int(period_test[-7:-3]) if period_test else None,
        model=result.fit.model,
        factors=factors,
        accuracy={
            "top_share": acc.top_share,
            "cells": acc.cells,
            "hit_rate": round(acc.hit_rate, 4),
            "area_share": round(acc.area_share, 4),
            "pai": round(acc.pai, 2),
            "baseline_hit_rate": round(base.hit_rate, 4),
            "baseline_pai": round(base.pai, 2),
            "comparison": comparison_json(result),
            "headline_share": calibration.HEADLINE_SHARE,
            "baseline_wins": winner is not None,
            "winner": winner.key if winner else "",
            "winner_pai": round(winner.at(calibration.HEADLINE_SHARE).pai, 2) if winner else None,
        },
        weights={k: round(v, 4) for k, v in weights.items()},
        summary={
            "cells": result.cells,
            "train_incidents": result.train_incidents,
            "test_incidents": result.test_incidents,
            "period_train": period_train,
            "period_test": period_test,
            "dispersion": round(result.fit.dispersion, 3),
            "alpha": round(result.fit.alpha, 4),
            "converged": result.fit.converged,
            "bounds": list(data.grid.bounds),
            "coverage": coverage(municipality, data, train, test),
            "untested_factors": [{"key": k, "label": LABELS[k]} for k in untested],
            "generated_data": generated_data(municipality),
        },
    )

    if winner is not None:
        in_use = ScoringWeights.objects.filter(
            municipality=municipality, source=ScoringWeights.Source.CALIBRATED
        ).first()
        if in_use is not None:
            in_use.delete()  # scoring falls back to the documented standard weights
            audit.record(
                AuditEvent.Action.CALIBRATION_FALLBACK,
                user=user,
                request=request,
                object_type="riskcalibration",
                detail=_decision_detail(row),
            )
    return row


def baseline_wins(row: RiskCalibration) -> bool:
    """Whether a naive forecast beat the model on the held-out year (``run``)."""
    return bool(row.accuracy.get("baseline_wins"))


def can_override(user: AnyUser) -> bool:
    """Analysts and administrators may use fitted weights that a naive forecast beat."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.groups.filter(name__in=OVERRIDE_ROLES).exists())


def _decision_detail(row: RiskCalibration) -> dict[str, Any]:
    acc = row.accuracy
    return {
        "calibration": row.pk,
        "share": acc.get("headline_share"),
        "model_pai": acc.get("pai"),
        "winner": acc.get("winner", ""),
        "winner_pai": acc.get("winner_pai"),
    }


def apply_weights(
    calibration_row: RiskCalibration,
    *,
    user: AnyUser | None = None,
    override: bool = False,
    request: HttpRequest | None = None,
) -> ScoringWeights:
    """Make the calibration's weights the municipality's weights for scoring.

    When a naive forecast beat the model, this is refused (``CalibrationError``) unless ``override``
    is asked by an analyst or administrator (``PermissionError`` otherwise); the override is written
    to the audit log with the figures it overrode.
    """
    if baseline_wins(calibration_row):
        if not override:
            raise CalibrationError(
                str(
                    _(
                        "En enkel prognos förutsade det utelämnade året bättre än modellen, så de "
                        "kalibrerade vikterna används inte. En analytiker eller administratör kan "
                        "välja att använda dem ändå."
                    )
                )
            )
        if user is None or not can_override(user):
            raise PermissionError("only analysts and administrators may override")
        audit.record(
            AuditEvent.Action.CALIBRATION_OVERRIDE,
            user=user,
            request=request,
            object_type="riskcalibration",
            detail=_decision_detail(calibration_row),
        )
    row, _created = ScoringWeights.objects.update_or_create(
        municipality=calibration_row.municipality,
        defaults={
            "weights": calibration_row.weights,
            "source": ScoringWeights.Source.CALIBRATED,
            "note": f"Kalibrering {calibration_row.computed_at:%Y-%m-%d %H:%M}",
        },
    )
    return row
