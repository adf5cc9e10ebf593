"""Scoring a plan area with all fifteen criteria (method 2026.12), against the bare PostGIS queries.

Synthetic but realistic context is generated in the benchmark's own municipality (kommunkod 9998) in the
database named by TRYGG_DB_NAME, and removed afterwards: a street grid with 90 m blocks, footways,
lamps every 35 m on 70 % of the streets, four buildings per block, about 3 POIs per hectare, bus stops
every 400 m, woodland in one block of twelve, and 20,000 incidents (a third in hot spots); for the five
criteria of method 2026.12 a front door on each building, a car park in one block of eight, and a
preschool, a playground or a pitch in one block of ten.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
django.setup()

import numpy as np  # noqa: E402
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.report import machine  # noqa: E402
from geo.crs import STORAGE_SRID  # noqa: E402
from layers import release, scoring  # noqa: E402
from layers.geometry import from_shapely, to_shapely  # noqa: E402
from layers.models import (  # noqa: E402
    ContextFeature,
    ContextLayer,
    Detaljplan,
    Incident,
    IncidentCategory,
    Municipality,
)
from layers.services import ensure_reference_data  # noqa: E402
from surveys.evidence import people_evidence  # noqa: E402

X0, Y0 = 700_000.0, 6_300_000.0  # far from any real demo data
SIDE_M = 4000.0
BLOCK_M = 90.0
RUNS = 5


def _rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)), srid=STORAGE_SRID)


def _add_incidents(rng: np.random.Generator, municipality: Municipality) -> None:
    """20,000 incidents over the last 1,000 days, a third of them in a hot spot in the middle."""
    categories = list(IncidentCategory.objects.all())
    now = timezone.now()
    n = 20_000
    hot = rng.integers(0, 3, n) == 0
    xs = np.where(hot, rng.normal(X0 + 2000, 250, n), rng.uniform(X0, X0 + SIDE_M, n))
    ys = np.where(hot, rng.normal(Y0 + 2000, 250, n), rng.uniform(Y0, Y0 + SIDE_M, n))
    Incident.objects.bulk_create(
        [
            Incident(
                municipality=municipality,
                category=categories[int(rng.integers(len(categories)))],
                source="bench",
                source_ref=f"B{i}",
                location=Point(float(x), float(y), srid=STORAGE_SRID),
                occurred_from=now - timedelta(days=float(rng.uniform(0, 1000))),
            )
            for i, (x, y) in enumerate(zip(xs, ys, strict=True))
            if X0 < x < X0 + SIDE_M and Y0 < y < Y0 + SIDE_M
        ],
        batch_size=5000,
    )


def _add_streets(rng: np.random.Generator, lines: np.ndarray, add: Callable[..., None]) -> None:
    """The street grid, and lamps every 35 m along 70 % of the streets."""
    for i, v in enumerate(lines):
        lit = rng.random() < 0.7
        add(
            "street",
            LineString((v, Y0), (v, Y0 + SIDE_M), srid=STORAGE_SRID),
            highway="residential",
        )
        add(
            "street",
            LineString((X0, Y0 + v - X0), (X0 + SIDE_M, Y0 + v - X0), srid=STORAGE_SRID),
            highway="tertiary" if i % 5 == 0 else "residential",
        )
        if lit:
            for s in np.arange(0, SIDE_M, 35.0):
                add("lamp", Point(v + 6, Y0 + s, srid=STORAGE_SRID), highway="street_lamp")
                add(
                    "lamp", Point(X0 + s, Y0 + v - X0 + 6, srid=STORAGE_SRID), highway="street_lamp"
                )


def build(rng: np.random.Generator) -> Municipality:
    Municipality.objects.filter(kommunkod="9998").delete()
    municipality = Municipality.objects.create(
        kommunkod="9998",
        name="Bänkby",
        boundary=MultiPolygon(_rect(X0, Y0, X0 + SIDE_M, Y0 + SIDE_M), srid=STORAGE_SRID),
    )
    ensure_reference_data(municipality)
    layer = ContextLayer.objects.create(municipality=municipality, name="syntetisk stad")
    features: list[ContextFeature] = []

    def add(kind: str, geom: object, **props: object) -> None:
        features.append(
            ContextFeature(
                municipality=municipality, layer=layer, kind=kind, geom=geom, properties=props
            )
        )

    lines = np.arange(X0, X0 + SIDE_M + 1, BLOCK_M)
    _add_streets(rng, lines, add)
    amenities = ["restaurant", "cafe", "pub", "fast_food", "school", "pharmacy", "library", "bar"]
    for bx in lines[:-1]:
        for by in np.arange(Y0, Y0 + SIDE_M, BLOCK_M):
            k = int(rng.integers(12))
            if k == 0:
                add("park", _rect(bx + 10, by + 10, bx + 80, by + 80), natural="wood")
                continue
            extra = int(rng.integers(80))  # method 2026.12: car parks, children's places
            if extra < 10:
                add("landuse", _rect(bx + 40, by + 40, bx + 50, by + 50), amenity="parking")
            elif extra < 14:
                add("poi", Point(bx + 45, by + 45, srid=STORAGE_SRID), amenity="kindergarten")
            elif extra < 18:
                add("park", _rect(bx + 40, by + 40, bx + 50, by + 50), leisure="playground")
            elif extra < 22:
                add("park", _rect(bx + 40, by + 40, bx + 50, by + 50), leisure="pitch")
            add(
                "landuse",
                _rect(bx + 8, by + 8, bx + 82, by + 82),
                landuse=["residential", "retail", "commercial"][k % 3],
            )
            add(
                "path",
                LineString((bx + 45, by + 8), (bx + 45, by + 82), srid=STORAGE_SRID),
                highway="footway",
                lit="yes" if k % 2 else "no",
            )
            for ox, oy in ((12, 12), (52, 12), (12, 52), (52, 52)):
                add(
                    "building",
                    _rect(bx + ox, by + oy, bx + ox + 26, by + oy + 26),
                    building="apartments" if k % 3 == 0 else "yes",
                    **{"building:levels": str(2 + k % 5)},
                )
                door_y = by + oy if oy == 12 else by + oy + 26  # on the street side
                add("poi", Point(bx + ox + 13, door_y, srid=STORAGE_SRID), entrance="main")
            for _ in range(rng.poisson(2.4)):
                px, py = bx + rng.uniform(10, 80), by + rng.uniform(10, 80)
                if rng.random() < 0.5:
                    add(
                        "poi",
                        Point(px, py, srid=STORAGE_SRID),
                        shop="convenience",
                        opening_hours="Mo-Sa 08:00-21:00",
                    )
                else:
                    add("poi", Point(px, py, srid=STORAGE_SRID), amenity=str(rng.choice(amenities)))
    for sx in np.arange(X0 + 200, X0 + SIDE_M, 400):
        for sy in np.arange(Y0 + 200, Y0 + SIDE_M, 400):
            add("bus_stop", Point(sx + 4, sy, srid=STORAGE_SRID), highway="bus_stop")
    ContextFeature.objects.bulk_create(features, batch_size=5000)
    _add_incidents(rng, municipality)
    return municipality


def bare_queries(plan: Detaljplan) -> None:
    """Only the database reads the scoring makes, with nothing done to their results."""
    area = to_shapely(plan.area)
    study, reach = area.buffer(scoring.STUDY_BUFFER_M), area.buffer(scoring.REACH_BUFFER_M)
    wide, ring = area.buffer(scoring.WIDE_BUFFER_M), area.buffer(scoring.CONFLICT_BUFFER_M)
    since = timezone.now() - timedelta(days=round(365.25 * scoring.INCIDENT_YEARS))
    scoring.fetch_context_rows(plan.municipality_id, study, reach)
    scoring.fetch_available_inputs(plan.municipality_id, reach)
    scoring.fetch_available_places(plan.municipality_id, reach, wide)  # method 2026.12
    scoring.fetch_wide_rows(plan.municipality_id, study, reach, wide, ring)
    scoring.fetch_incident_cells(plan.municipality_id, since, scoring.REFERENCE_CELL_M)
    scoring.fetch_incident_cells(plan.municipality_id, since, scoring.HOT_CELL_M)
    release.sensitive_releases(  # frozen after the first call: a read of the stored releases
        plan.municipality, release.latest_periods(scoring.INCIDENT_YEARS)
    )
    Incident.objects.placed().non_sensitive().filter(
        municipality_id=plan.municipality_id,
        occurred_from__gte=since,
        location__intersects=from_shapely(study),
    ).count()
    people_evidence(plan.municipality, study)
    list(plan.zones.all())
    list(plan.features.all())


def timed(fn: Callable[[], object], runs: int = RUNS) -> float:
    fn()  # warm the caches: the figures are for a long-lived worker
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> str:
    rng = np.random.default_rng(2026)
    municipality = build(rng)
    rows = []
    try:
        for ha in (10, 100):
            side = (ha * 10_000) ** 0.5
            cx, cy = X0 + 2000, Y0 + 2000
            plan = Detaljplan.objects.create(
                municipality=municipality,
                plan_id=f"BENCH-{ha}",
                name=f"{ha} ha",
                kind=Detaljplan.Kind.NEW,
                area=MultiPolygon(
                    _rect(cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2),
                    srid=STORAGE_SRID,
                ),
            )
            full = timed(lambda plan=plan: scoring.score_plan(plan, people=people_evidence))
            bare = timed(lambda plan=plan: bare_queries(plan))
            score = scoring.score_plan(plan, people=people_evidence)["planerat"]
            features = score.parameters["context_features"] + score.parameters["wide_features"]
            per = {}
            area = scoring.to_shapely(plan.area)
            study, reach = area.buffer(200), area.buffer(800)
            ctx = scoring.build_context(
                plan,
                "planerat",
                scoring.fetch_context_rows(municipality.pk, study, reach),
                zones=[],
                plan_features=[],
                people=scoring.PeopleEvidence(),
                incidents=None,
                available=scoring.fetch_available_inputs(municipality.pk, reach)
                | scoring.fetch_available_places(
                    municipality.pk, reach, area.buffer(scoring.WIDE_BUFFER_M)
                ),
            )
            contexts = scoring.criterion_contexts(
                ctx,
                scoring.wide_evidence(
                    scoring.fetch_wide_rows(
                        municipality.pk,
                        study,
                        reach,
                        area.buffer(scoring.WIDE_BUFFER_M),
                        area.buffer(scoring.CONFLICT_BUFFER_M),
                    )
                ),
            )
            from geo import criteria

            for key, fn in criteria.CRITERIA.items():
                per[key] = timed(lambda fn=fn, c=contexts[key]: fn(replace(c, extra={})), runs=3)
            top = sorted(per.items(), key=lambda kv: -kv[1])[:3]
            five = sum(v for k, v in per.items() if k not in criteria.METHODS["2026.11"].weights)
            rows.append((ha, features, full, bare, score.overall, top, five))
    finally:
        Municipality.objects.filter(kommunkod="9998").delete()
    lines = [
        "## Scoring a plan area (bench/scoring.py)",
        "",
        f"Machine: {machine()}. Synthetic town of 16 km² (90 m blocks, lamps every 35 m on 70 % of the",
        "streets, four buildings per block, ~3 POIs per ha, bus stops every 400 m, 20,000 incidents);",
        "a front door on every building, a car park in one block of eight, a preschool, playground or",
        f"pitch in one block of ten; median of {RUNS} warm runs. *Scoring* is",
        "`layers.scoring.score_plan` with all fifteen criteria of method 2026.12 (PostGIS reads, building",
        "the context, the criteria, the weighted score); *bare queries* are the same PostGIS reads alone,",
        "results untouched, including the new criteria's reads (paths, lamps and children's places 2 km",
        "out, conflict sources 400 m out, the car-park and children's-places inputs).",
        "",
        "| plan area | context features read | scoring (s) | bare queries (s) | overhead ratio | the five new criteria alone (s) | slowest criteria alone, cold (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for ha, features, full, bare, _overall, top, five in rows:
        slow = ", ".join(f"{k} {v:.3f}" for k, v in top)
        lines.append(
            f"| {ha} ha | {features:,} | {full:.3f} | {bare:.3f} | {full / bare:.1f}× | {five:.3f} | {slow} |"
        )
    lines += [
        "",
        "Method 2026.12 reads a wider ring for children's routes (2 km of paths and lamps against the",
        "ten's 800 m) and routes from each group of the plan's homes to every preschool, school and place",
        "for play within it. Most of that time is the union of the lamps' 25 m discs over the whole 2 km",
        "ring (`geo.criteria.routes.lit_cover_everywhere`; this town has a lamp every 35 m on 70 % of",
        "its streets, some 7,000 in the ring), then parking's walks. On the demo plan children's routes",
        "take 0.1 s, on the real Kamppi extract a scenario scores in about 4.5 s. The bare queries stay",
        "under a second: the cost is the geometry, not the reads. A large plan in a densely lit town can",
        "now take tens of seconds on first view; computing the lit cover only around each route (the same",
        "lengths) is the next step (decision 0744).",
        "The overhead of the ten is the geometry work in shapely (buffers and unions for lamp reach and",
        "frontage, the noded network and its shortest paths). The planner page scores a plan on first",
        "view and stores the result; later views read the stored assessment.",
        "The machine is shared with other jobs: absolute times varied up to 6× between runs on the same",
        "day (10 ha: 0.26–1.6 s); the overhead ratio stayed between 1.2× and 4.2×. Transport, which now",
        "snaps each stop to its nearest edge and cuts the ways at the plan's edge (docs/decisions/0356),",
        "was not among the three slowest criteria in the latest run.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
