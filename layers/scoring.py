"""Score a detaljplan: gather the evidence around its area with PostGIS, run the criteria, store it.

The criteria themselves are pure functions in ``geo.criteria``; this module builds their input (a
``geo.criteria.Context``) for a plan and a scenario, and stores the result as a ``PlanAssessment``.

- "idag" (today): the existing context; inside the plan area today's zones (scenario ``idag``) stand in
  for buildings, streets and land use where the context has none.
- "planerat" (as planned): the existing context outside the plan area; inside it the planned zones
  replace buildings and land use (kvartersmark zones become blocks, with active ground floors from the
  codes C/H/K and from regulations that ask for premises or entrances), street zones get a walkable spine,
  and the plan's own features (``PlanFeature``: new lamps, paths, stops) are added.
The rules are written down in docs/method.md ("Idag och som planerat").

Walk observations, actions and survey answers live in ``surveys``, which depends on this app, so they
are passed in (``people``), gathered by ``surveys.evidence.people_evidence``. Sensitive incidents are
read only as k-suppressed cells, never as points (docs/decisions/0353).
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.utils import timezone
from shapely import wkb as shapely_wkb
from shapely.geometry import LineString, box
from shapely.geometry.base import BaseGeometry

from geo import criteria
from geo.criteria import (
    Context,
    CriterionResult,
    Feature,
    IncidentEvidence,
    PlanEvidence,
    SurveyEvidence,
    inputs,
    osm,
)
from geo.crs import STORAGE_SRID, WEB_SRID, transformer
from layers import release
from layers.geometry import from_shapely, to_shapely
from layers.models import (
    ContextFeature,
    Detaljplan,
    Incident,
    Municipality,
    PlanAssessment,
    PlanFeature,
    PlanZone,
    ScoringWeights,
)

SQL_DIR = Path(__file__).resolve().parent / "sql"
STUDY_BUFFER_M = 200.0  # most criteria look at the plan area and this much around it
REACH_BUFFER_M = 800.0  # paths, lamps and stops are read this far out (walk to the stop)
# Method 2026.12 (docs/decisions/0742, 0744): children's routes read paths, lamps, the places children
# go to and dense vegetation this far out (a school scores up to 2 km away); conflicting uses read
# night places, bus terminals and sports grounds this far out (a use 200 m from a home at the study
# area's edge).
WIDE_BUFFER_M = 2000.0
CONFLICT_BUFFER_M = STUDY_BUFFER_M + 200.0
# The criteria that read the wide and the conflict rings; the others read what the ten read.
WIDE_CRITERIA = frozenset({"children_routes"})
RING_CRITERIA = frozenset({"conflicting_uses"})
# A plan under one of these laws has the municipality as huvudman for allmän plats unless it says
# otherwise (PBL 4 kap. 7 §); older plans (byggnadslagen 1947: stadsplaner, byggnadsplaner) do not.
OLDER_LAW = re.compile(r"stadsplan|byggnadsplan|byggnadslag|\bBL\b", re.IGNORECASE)
INCIDENT_YEARS = 3
REFERENCE_CELL_M = 250.0  # the municipality's reference area: cells of this size with any incident
HOT_CELL_M = 100.0
HOT_PERCENTILE = (
    95.0  # a cell is a hot spot from this percentile of the municipality's non-empty cells
)
HOT_MIN_COUNT = 3

# Boverket's kvartersmark codes that are built as blocks (P, surface parking, is not a building).
BUILT_CODES = {"B", "C", "D", "E", "G", "H", "J", "K", "L", "N", "O", "R", "S", "T", "Z"}
ACTIVE_CODES = {"C", "H", "K"}
BLIND_CODES = {"E", "G", "J", "T"}  # technical plants, fuel, industry, traffic: blank walls
STREET_CODES = {
    "GATA",
    "LOKALGATA",
    "HUVUDGATA",
    "GÅNG",
    "CYKEL",
    "GÅGATA",
    "TORG",
    "VÄG",
    "TORGHANDEL",
}
PARK_CODES = {
    "PARK": {"leisure": "park"},
    "LEK": {"leisure": "playground"},
    "NATUR": {"natural": "wood"},
}  # natural land in a plan is mostly woodland
ACTIVE_WORDS = re.compile(r"lokal|entré|verksamhet|handel|butik|publik", re.IGNORECASE)
DEFAULT_LEVELS = {"B": 4.0, "C": 4.0, "H": 2.0, "K": 4.0, "S": 2.0, "D": 3.0}
BLOCK_FOOTPRINT_SHARE = 0.45
SPINE_SNAP_M = 30.0  # a street zone's spine is joined to a line this close to its end  # a quarter in a plan is built on about this share (courtyards, paths)
SCENARIOS = (PlanZone.Scenario.TODAY, PlanZone.Scenario.PLANNED)
KIND_FIELDS = {
    ContextFeature.Kind.STREET: "paths",
    ContextFeature.Kind.PATH: "paths",
    ContextFeature.Kind.BUILDING: "buildings",
    ContextFeature.Kind.LAMP: "lamps",
    ContextFeature.Kind.POI: "pois",
    ContextFeature.Kind.LANDUSE: "landuse",
    ContextFeature.Kind.PARK: "parks",
    ContextFeature.Kind.WATER: "water",
    ContextFeature.Kind.BUS_STOP: "bus_stops",
}


@dataclass
class PeopleEvidence:
    """What people reported in and around the area (gathered by ``surveys.evidence``)."""

    observations: list[Feature] = field(default_factory=list)
    open_actions: int = 0
    walks_nearby: int = 0
    survey: SurveyEvidence | None = None


PeopleSource = Callable[[Municipality, BaseGeometry], PeopleEvidence]


@dataclass
class ScenarioScore:
    scenario: str
    results: dict[str, CriterionResult]
    overall: float
    weights: dict[str, float]
    weights_source: str
    seconds: float
    parameters: dict[str, Any]
    method_version: str = criteria.IN_USE_VERSION


@dataclass
class WideEvidence:
    """What the new criteria read beyond the ten's context (``fetch_wide_rows``): the wide ring's
    features for children's routes, and the conflict ring's uses for conflicting uses."""

    wide: dict[str, list[Feature]] = field(default_factory=dict)
    conflict: dict[str, list[Feature]] = field(default_factory=dict)


def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def weights_for(municipality: Municipality) -> tuple[dict[str, float], str]:
    """The municipality's weights and where they come from; the documented defaults without a row."""
    row = ScoringWeights.objects.filter(municipality=municipality).first()
    if row is None or not row.weights:
        return dict(criteria.DEFAULT_WEIGHTS), ScoringWeights.Source.DEFAULT
    # Weights stored before the method added criteria lack them: each new criterion takes its default
    # weight and the stored ones keep their proportions in the rest (decision 0740).
    return criteria.complete(row.weights, criteria.DEFAULT_WEIGHTS), row.source


def scenarios_of(plan: Detaljplan) -> list[str]:
    """A rebuilt area is scored today and as planned; a new one as planned only."""
    if plan.kind == Detaljplan.Kind.REBUILT:
        return [PlanZone.Scenario.TODAY, PlanZone.Scenario.PLANNED]
    return [PlanZone.Scenario.PLANNED]


# --- the bare PostGIS reads (bench/scoring.py times these alone) -------------------------------


def fetch_context_rows(
    municipality_id: int, study: BaseGeometry, reach: BaseGeometry
) -> list[tuple[str, bytes, Any, str]]:
    with connection.cursor() as cur:
        cur.execute(
            sql("scoring_context"),
            {
                "municipality": municipality_id,
                "study": shapely.to_wkb(study),
                "reach": shapely.to_wkb(reach),
            },
        )
        return list(cur.fetchall())


def fetch_available_inputs(municipality_id: int, reach: BaseGeometry) -> frozenset[str]:
    """The criteria inputs the municipality's context holds around the area (``Context.available``).

    The kinds found (``scoring_inputs.sql``) are read as inputs through ``KIND_FIELDS`` and
    ``geo.criteria.inputs.FIELD_INPUTS``; a street or path with a ``lit`` tag is light data.
    """
    with connection.cursor() as cur:
        cur.execute(
            sql("scoring_inputs"),
            {"municipality": municipality_id, "reach": shapely.to_wkb(reach)},
        )
        found = list(cur.fetchall())
    out = {
        inputs.FIELD_INPUTS[KIND_FIELDS[ContextFeature.Kind(kind)]]
        for kind, present, _ in found
        if present
    }
    if any(lit for _, _, lit in found):
        out.add("lamps")
    return frozenset(out)


def fetch_available_places(
    municipality_id: int, reach: BaseGeometry, wide: BaseGeometry
) -> frozenset[str]:
    """``"parking"`` when a car park or garage entrance lies within the reach, ``"child_destinations"``
    when a school, preschool or place for play lies within the wide reach (decision 0742)."""
    with connection.cursor() as cur:
        cur.execute(
            sql("scoring_inputs_places"),
            {
                "municipality": municipality_id,
                "reach": shapely.to_wkb(reach),
                "wide": shapely.to_wkb(wide),
            },
        )
        parking, children = cur.fetchone()
    return frozenset(k for k, v in (("parking", parking), ("child_destinations", children)) if v)


def fetch_wide_rows(
    municipality_id: int,
    study: BaseGeometry,
    reach: BaseGeometry,
    wide: BaseGeometry,
    ring: BaseGeometry,
) -> list[tuple[str, bytes, Any, str, bool]]:
    """The rows the new criteria read beyond ``fetch_context_rows`` (``scoring_context_wide.sql``)."""
    with connection.cursor() as cur:
        cur.execute(
            sql("scoring_context_wide"),
            {
                "municipality": municipality_id,
                "study": shapely.to_wkb(study),
                "reach": shapely.to_wkb(reach),
                "wide": shapely.to_wkb(wide),
                "ring": shapely.to_wkb(ring),
            },
        )
        return list(cur.fetchall())


def fetch_incident_cells(
    municipality_id: int, since: datetime, size_m: float
) -> list[tuple[int, int, int]]:
    with connection.cursor() as cur:
        cur.execute(
            sql("scoring_incident_cells"),
            {"municipality": municipality_id, "since": since, "size": size_m},
        )
        return [(int(c), int(r), int(n)) for c, r, n in cur.fetchall()]


# --- evidence ------------------------------------------------------------------------------------


def context_features(rows: Iterable[tuple[str, bytes, Any, str]]) -> dict[str, list[Feature]]:
    out: dict[str, list[Feature]] = {name: [] for name in set(KIND_FIELDS.values())}
    for kind, wkb, properties, name in rows:
        props = dict(properties if isinstance(properties, dict) else json.loads(properties or "{}"))
        if name:
            props.setdefault("name", name)
        out[KIND_FIELDS[ContextFeature.Kind(kind)]].append((shapely_wkb.loads(bytes(wkb)), props))
    return out


def wide_evidence(rows: Iterable[tuple[str, bytes, Any, str, bool]]) -> WideEvidence:
    """The wide ring's features (for children's routes) and the conflict ring's (conflicting uses)."""
    rows = list(rows)
    wide = context_features((k, g, p, n) for k, g, p, n, _ in rows)
    conflict = context_features((k, g, p, n) for k, g, p, n, c in rows if c)
    conflict = {
        name: [(g, p) for g, p in feats if osm.conflict_source(p) is not None]
        for name, feats in conflict.items()
    }
    return WideEvidence(wide=wide, conflict=conflict)


def is_entrance(props: Mapping[str, Any]) -> bool:
    """A building entrance kept among the POIs (OSM ``entrance=*`` nodes, a plan's planned door):
    an entrance and nothing else a POI is (decision 0744).

    >>> is_entrance({"entrance": "main"}), is_entrance({"entrance": "yes", "shop": "bakery"})
    (True, False)
    """
    return bool(props.get("entrance")) and not any(
        props.get(k) for k in ("amenity", "shop", "leisure", "tourism", "office", "craft")
    )


def huvudman_default(plan: Detaljplan) -> str | None:
    """Who is huvudman for allmän plats where the plan says nothing (``PlanEvidence``): the municipality
    for a plan under ÄPBL or PBL (from 1 July 1987), None for an older one.

    Trygg stores no adoption date (decision 0744): a plan being made (pågående, samråd, granskning)
    is a PBL plan; an adopted or legally binding one is too unless its name, description or
    regulations call it a stadsplan or byggnadsplan or name byggnadslagen.
    """
    if plan.status in (
        Detaljplan.Status.ONGOING,
        Detaljplan.Status.CONSULTATION,
        Detaljplan.Status.REVIEW,
    ):
        return "kommunalt"
    texts = [plan.name, plan.description, *(str(r.get("text", "")) for r in plan.regulations or [])]
    if any(OLDER_LAW.search(t or "") for t in texts):
        return None
    return "kommunalt"


def plan_evidence(plan: Detaljplan, scenario: str, zones: Sequence[PlanZone]) -> PlanEvidence:
    """The plan itself for territoriality: the scenario's zones with their codes and regulations,
    the plan's general regulations, and who is huvudman by law (decision 0742)."""
    return PlanEvidence(
        zones=[
            (
                to_shapely(z.area),
                {
                    "use_code": z.use_code.upper(),
                    "label": z.label,
                    "name": z.label,
                    "regulations": list(z.regulations or []),
                    "plan_zone": z.pk,
                },
            )
            for z in zones
            if z.scenario == scenario
        ],
        regulations=list(plan.regulations or []),
        huvudman_default=huvudman_default(plan),
    )


def criterion_contexts(ctx: Context, wide: WideEvidence) -> dict[str, Context]:
    """The context each criterion of the method in use reads: the ten and three of the new ones read
    ``ctx``; children's routes also the wide ring, conflicting uses the conflict ring. Each gets a
    cache of its own (``Context.extra``), as the networks differ."""

    def widened(extra: Mapping[str, list[Feature]]) -> Context:
        return dataclasses.replace(
            ctx,
            paths=[*ctx.paths, *extra.get("paths", [])],
            lamps=[*ctx.lamps, *extra.get("lamps", [])],
            pois=[*ctx.pois, *extra.get("pois", [])],
            landuse=[*ctx.landuse, *extra.get("landuse", [])],
            parks=[*ctx.parks, *extra.get("parks", [])],
            buildings=[*ctx.buildings, *extra.get("buildings", [])],
            bus_stops=[*ctx.bus_stops, *extra.get("bus_stops", [])],
            extra={},
        )

    wide_ctx = widened(wide.wide) if any(wide.wide.values()) else ctx
    ring_ctx = widened(wide.conflict) if any(wide.conflict.values()) else ctx
    return {
        key: wide_ctx if key in WIDE_CRITERIA else ring_ctx if key in RING_CRITERIA else ctx
        for key in criteria.CRITERIA
    }


def incident_evidence(
    municipality: Municipality,
    study: BaseGeometry,
    *,
    now: datetime | None = None,
    years: int = INCIDENT_YEARS,
) -> IncidentEvidence | None:
    """Incidents around the area against the municipality, from counts only (docs/decisions/0353).

    Non-sensitive incidents are counted over the ``years`` up to ``now``; sensitive ones only as the
    printed cells of the ``years`` newest published releases on that day (calendar years,
    docs/decisions/0600): the evidence changes when a year is published, never from one day to the next.
    """
    moment = now or timezone.now()
    since = moment - timedelta(days=round(365.25 * years))
    reference_cells = fetch_incident_cells(municipality.pk, since, REFERENCE_CELL_M)
    if not reference_cells:
        return None
    periods = [
        p
        for p in release.latest_periods(years, on=timezone.localtime(moment).date())
        if p.published_on <= release.today()
    ]
    sensitive = [
        c
        for c in release.period_cells(release.sensitive_releases(municipality, periods))
        if c.count is not None
    ]
    total = sum(n for _, _, n in reference_cells) + sum(c.count or 0 for c in sensitive)
    reference_km2 = len(reference_cells) * REFERENCE_CELL_M**2 / 1e6
    study_geos = from_shapely(study)
    # SELECT count(*) FROM layers_incident ... WHERE precision = 'punkt' AND NOT sensitive
    #   AND occurred_from >= since AND ST_Intersects(location, study)
    count = float(
        Incident.objects.placed()
        .non_sensitive()
        .filter(
            municipality=municipality, occurred_from__gte=since, location__intersects=study_geos
        )
        .count()
    )
    from_cells = 0.0
    for cell in sensitive:
        square = box(*cell.bounds)
        if square.intersects(study):
            from_cells += (cell.count or 0) * square.intersection(study).area / square.area
    hot_cells = fetch_incident_cells(municipality.pk, since, HOT_CELL_M)
    counts = np.array([n for _, _, n in hot_cells], dtype=float)
    threshold = max(float(HOT_MIN_COUNT), float(np.percentile(counts, HOT_PERCENTILE)))
    minx, miny, maxx, maxy = study.bounds
    cells: list[tuple[BaseGeometry, float]] = []
    for col, row, n in hot_cells:
        x0, y0 = col * HOT_CELL_M, row * HOT_CELL_M
        if x0 + HOT_CELL_M < minx or x0 > maxx or y0 + HOT_CELL_M < miny or y0 > maxy:
            continue
        square = box(x0, y0, x0 + HOT_CELL_M, y0 + HOT_CELL_M)
        if square.intersects(study):
            cells.append((square, float(n)))
    return IncidentEvidence(
        count=count + from_cells,
        years=float(years),
        reference_per_km2_year=total / years / reference_km2,
        cells=cells,
        hot_threshold=threshold,
        sensitive_from_cells=from_cells,
    )


# --- scenarios -----------------------------------------------------------------------------------


def _zone_props(zone: PlanZone) -> dict[str, Any]:
    code = zone.use_code.upper()
    texts = " ".join([zone.label, *(str(r.get("text", "")) for r in zone.regulations or [])])
    f_regs = [r for r in zone.regulations or [] if str(r.get("code", "")).lower().startswith("f")]
    active = (
        code in ACTIVE_CODES
        or bool(ACTIVE_WORDS.search(zone.label))
        or any(ACTIVE_WORDS.search(str(r.get("text", ""))) for r in f_regs)
    )
    levels = DEFAULT_LEVELS.get(code, 3.0)
    height = re.search(r"nockhöjd\D{0,20}(\d+(?:[.,]\d+)?)\s*m", texts, re.IGNORECASE)
    if height:
        levels = max(1.0, round(float(height.group(1).replace(",", ".")) / 3.0))
    props: dict[str, Any] = {
        "use_code": code,
        "name": zone.label,
        "plan_zone": zone.pk,
        "building": "apartments" if code == "B" else ("retail" if code in {"C", "H"} else "yes"),
        "building:levels": levels,
        "footprint_share": BLOCK_FOOTPRINT_SHARE,
        "active_ground_floor": active,
        "blind_frontage": code in BLIND_CODES,
    }
    if code == "C":  # centrum: housing above premises, as in most Swedish town-centre plans
        props["building"] = "apartments"
    return props


def _spine(zone_geom: BaseGeometry) -> LineString:
    """The long axis of a street zone: a walkable line through it where the context has none."""
    rect = zone_geom.minimum_rotated_rectangle
    c = list(rect.exterior.coords)[:4]
    e0 = float(np.hypot(c[1][0] - c[0][0], c[1][1] - c[0][1]))
    e1 = float(np.hypot(c[2][0] - c[1][0], c[2][1] - c[1][1]))
    if e0 >= e1:
        a, b = (
            ((c[3][0] + c[0][0]) / 2, (c[3][1] + c[0][1]) / 2),
            ((c[1][0] + c[2][0]) / 2, (c[1][1] + c[2][1]) / 2),
        )
    else:
        a, b = (
            ((c[0][0] + c[1][0]) / 2, (c[0][1] + c[1][1]) / 2),
            ((c[2][0] + c[3][0]) / 2, (c[2][1] + c[3][1]) / 2),
        )
    return LineString([a, b])


def _connectors(spines: Sequence[Feature], paths: Sequence[Feature]) -> list[Feature]:
    """Short links from each spine end to the nearest other line within ``SPINE_SNAP_M``: a street
    zone's spine stops at the zone edge, while the street it meets runs down its own middle."""
    out: list[Feature] = []
    lines = [g for g, _ in [*paths, *spines]]
    for spine, props in spines:
        for end in (shapely.Point(spine.coords[0]), shapely.Point(spine.coords[-1])):
            best: tuple[float, BaseGeometry] | None = None
            for other in lines:
                if other is spine:
                    continue
                d = float(other.distance(end))
                if 0 < d <= SPINE_SNAP_M and (best is None or d < best[0]):
                    best = (d, other)
            if best is not None:
                target = best[1].interpolate(best[1].project(end))
                out.append((LineString([end, target]), {**props, "connector": True}))
    return out


def _outside(features: Sequence[Feature], area: BaseGeometry) -> list[Feature]:
    """Features with the part inside ``area`` cut away (points inside dropped)."""
    out: list[Feature] = []
    for g, p in features:
        if not g.intersects(area):
            out.append((g, p))
        elif g.geom_type not in ("Point", "MultiPoint"):
            rest = g.difference(area)
            if not rest.is_empty and (rest.area > 1 or rest.length > 1):
                out.append((rest, p))
    return out


def _add_plan_features(
    layers: dict[str, list[Feature]], plan_features: Sequence[PlanFeature]
) -> None:
    """Add the plan's own features (as planned) to the context's lists they belong in; a kind
    without a list here (water) is left out."""
    for pf in plan_features:
        g, props = to_shapely(pf.geom), {**pf.properties, "name": pf.name, "planned": True}
        target = KIND_FIELDS[ContextFeature.Kind(pf.kind)]
        if target in layers:
            layers[target] = [*layers[target], (g, props)]


def build_context(
    plan: Detaljplan,
    scenario: str,
    rows: Iterable[tuple[str, bytes, Any, str]],
    *,
    zones: Sequence[PlanZone],
    plan_features: Sequence[PlanFeature],
    people: PeopleEvidence,
    incidents: IncidentEvidence | None,
    available: frozenset[str] = frozenset(),
) -> Context:
    """The context of ``plan`` in ``scenario`` (docs/method.md, "Idag och som planerat"), with the
    plan itself and the building entrances for the criteria of method 2026.12."""
    area = to_shapely(plan.area)
    study = area.buffer(STUDY_BUFFER_M)
    f = context_features(rows)
    zone_geoms = [(to_shapely(z.area), z) for z in zones if z.scenario == scenario]
    planned = scenario == PlanZone.Scenario.PLANNED
    buildings, paths, lamps = f["buildings"], f["paths"], f["lamps"]
    landuse, parks, stops, pois = f["landuse"], f["parks"], f["bus_stops"], f["pois"]
    if zone_geoms:
        built = [(g, z) for g, z in zone_geoms if z.use_code.upper() in BUILT_CODES]
        blocks: list[Feature] = [(g, _zone_props(z)) for g, z in built]
        has_buildings_inside = any(
            g.intersects(area) and area.covers(g.centroid) for g, _ in buildings
        )
        if planned or not has_buildings_inside:
            buildings = [(g, p) for g, p in buildings if not area.covers(g.centroid)] + blocks
        built_union = shapely.unary_union([g for g, _ in built]) if built else None
        if planned and built_union is not None:
            paths = _outside(paths, built_union)
            lamps = [(g, p) for g, p in lamps if not built_union.covers(g)]
        spines: list[Feature] = []
        for g, z in zone_geoms:
            code = z.use_code.upper()
            if code in STREET_CODES and not any(pg.intersects(g) for pg, _ in paths):
                highway = (
                    "residential" if code in {"GATA", "LOKALGATA", "HUVUDGATA"} else "pedestrian"
                )
                spines.append((_spine(g), {"highway": highway, "plan_zone": z.pk}))
        paths = [*paths, *spines, *_connectors(spines, paths)]
        landuse = _outside(landuse, area) + [
            (g, {"use_code": z.use_code.upper(), "name": z.label, "plan_zone": z.pk})
            for g, z in zone_geoms
        ]
        zone_parks: list[Feature] = [
            (g, {**PARK_CODES[z.use_code.upper()], "name": z.label, "plan_zone": z.pk})
            for g, z in zone_geoms
            if z.use_code.upper() in PARK_CODES
        ]
        if planned or zone_parks:
            parks = _outside(parks, area) + zone_parks
    if planned:
        layers = {
            "paths": paths,
            "lamps": lamps,
            "buildings": buildings,
            "pois": pois,
            "bus_stops": stops,
            "parks": parks,
            "landuse": landuse,
        }
        _add_plan_features(layers, plan_features)
        paths, lamps, buildings, pois = (
            layers["paths"],
            layers["lamps"],
            layers["buildings"],
            layers["pois"],
        )
        stops, parks, landuse = layers["bus_stops"], layers["parks"], layers["landuse"]
    entrances = [(g, p) for g, p in pois if is_entrance(p)]
    pois = [(g, p) for g, p in pois if not is_entrance(p)]
    return Context(
        area=area,
        study=study,
        paths=paths,
        buildings=buildings,
        lamps=lamps,
        pois=pois,
        entrances=entrances,
        plan=plan_evidence(plan, scenario, zones),
        landuse=landuse,
        parks=parks,
        bus_stops=stops,
        observations=people.observations,
        open_actions=people.open_actions,
        walks_nearby=people.walks_nearby,
        incidents=incidents,
        survey=people.survey,
        available=available,
    )


def score_plan(
    plan: Detaljplan,
    *,
    people: PeopleSource | None = None,
    weights: Mapping[str, float] | None = None,
    now: datetime | None = None,
) -> dict[str, ScenarioScore]:
    """Score ``plan`` in each of its scenarios (today and as planned for a rebuilt area)."""
    area = to_shapely(plan.area)
    study, reach = area.buffer(STUDY_BUFFER_M), area.buffer(REACH_BUFFER_M)
    wide_area, ring = area.buffer(WIDE_BUFFER_M), area.buffer(CONFLICT_BUFFER_M)
    municipality = plan.municipality
    if weights is None:
        w, source = weights_for(municipality)
    else:
        w, source = dict(weights), ScoringWeights.Source.MANUAL
    rows = fetch_context_rows(municipality.pk, study, reach)
    available = fetch_available_inputs(municipality.pk, reach) | fetch_available_places(
        municipality.pk, reach, wide_area
    )
    wide_rows = fetch_wide_rows(municipality.pk, study, reach, wide_area, ring)
    wide = wide_evidence(wide_rows)
    zones = list(plan.zones.all())
    features = list(plan.features.all())
    evidence_people = people(municipality, study) if people else PeopleEvidence()
    incidents = incident_evidence(municipality, study, now=now)
    out: dict[str, ScenarioScore] = {}
    for scenario in scenarios_of(plan):
        started = time.perf_counter()
        ctx = build_context(
            plan,
            scenario,
            rows,
            zones=zones,
            plan_features=features,
            people=evidence_people,
            incidents=incidents,
            available=available,
        )
        contexts = criterion_contexts(ctx, wide)
        results = {key: fn(contexts[key]) for key, fn in criteria.CRITERIA.items()}
        total = criteria.overall({k: r.value for k, r in results.items()}, w)
        out[scenario] = ScenarioScore(
            scenario=scenario,
            results=results,
            overall=total,
            weights=w,
            weights_source=source,
            seconds=time.perf_counter() - started,
            parameters={
                "study_buffer_m": STUDY_BUFFER_M,
                "reach_buffer_m": REACH_BUFFER_M,
                "wide_buffer_m": WIDE_BUFFER_M,
                "conflict_buffer_m": CONFLICT_BUFFER_M,
                "incident_years": INCIDENT_YEARS,
                "context_features": len(rows),
                "wide_features": len(wide_rows),
            },
            method_version=criteria.IN_USE_VERSION,
        )
    return out


# --- storing and showing -------------------------------------------------------------------------


def geometries_to_geojson(geoms: Sequence[BaseGeometry], **properties: Any) -> dict[str, Any]:
    """Shapely geometries in SWEREF 99 TM as a GeoJSON FeatureCollection in WGS 84 (lon, lat)."""
    t = transformer(STORAGE_SRID, WEB_SRID)

    def to_web(coords: np.ndarray) -> np.ndarray:
        x, y = t.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([np.round(x, 7), np.round(y, 7)])

    features = []
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            continue
        web = shapely.transform(g, to_web)
        features.append(
            {
                "type": "Feature",
                "id": i,
                "geometry": shapely.geometry.mapping(web),
                "properties": {
                    "length_m": round(g.length, 1),
                    "area_m2": round(g.area, 1),
                    **properties,
                },
            }
        )
    return {"type": "FeatureCollection", "features": json.loads(json.dumps(features))}


def map_layers(results: Mapping[str, CriterionResult]) -> dict[str, dict[str, Any]]:
    """The criteria's own map layers (dark gaps, blind stretches, hidden spots, hot cells, routes)."""
    layers: dict[str, dict[str, Any]] = {}
    for key, result in results.items():
        for name, geoms in result.geometries.items():
            layers[name] = geometries_to_geojson(geoms, criterion=key, layer=name)
    return layers


@transaction.atomic
def store(plan: Detaljplan, scores: Mapping[str, ScenarioScore]) -> list[PlanAssessment]:
    rows = []
    for scenario, s in scores.items():
        rows.append(
            PlanAssessment.objects.create(
                municipality=plan.municipality,
                plan=plan,
                scenario=scenario,
                overall=s.overall,
                weights=s.weights,
                weights_source=s.weights_source,
                results=[r.as_dict() for r in s.results.values()],
                map_layers=map_layers(s.results),
                parameters=s.parameters,
                seconds=round(s.seconds, 3),
                method_version=s.method_version,
            )
        )
    return rows


def assess(
    plan: Detaljplan, *, people: PeopleSource | None = None, now: datetime | None = None
) -> list[PlanAssessment]:
    """Score ``plan`` and store one assessment per scenario."""
    return store(plan, score_plan(plan, people=people, now=now))


def latest_assessments(plan: Detaljplan) -> dict[str, PlanAssessment]:
    """The newest stored assessment per scenario, today first."""
    out: dict[str, PlanAssessment] = {}
    for scenario in SCENARIOS:
        row = plan.assessments.filter(scenario=scenario).order_by("-computed_at").first()
        if row is not None and scenario in scenarios_of(plan):
            out[scenario] = row
    return out


def zone_features(plan: Detaljplan) -> dict[str, Any]:
    """The plan's zones as GeoJSON (WGS 84), with scenario, code and label."""
    geoms, props = [], []
    for z in plan.zones.all():
        geoms.append(to_shapely(z.area))
        props.append({"scenario": z.scenario, "use_code": z.use_code, "label": z.label})
    fc = geometries_to_geojson(geoms)
    for feature, p in zip(fc["features"], props, strict=True):
        feature["properties"].update(p)
    return fc


def plan_area_geojson(plan: Detaljplan) -> dict[str, Any]:
    return geometries_to_geojson([to_shapely(plan.area)], plan_id=plan.plan_id, name=plan.name)


def context_geojson(plan: Detaljplan, *, buffer_m: float = STUDY_BUFFER_M) -> dict[str, Any]:
    """The context features around the plan (study area) for the map, in WGS 84."""
    area = to_shapely(plan.area)
    study = area.buffer(buffer_m)
    rows = fetch_context_rows(plan.municipality_id, study, study)
    features = []
    fc_all = []
    for kind, wkb, properties, name in rows:
        props = properties if isinstance(properties, dict) else json.loads(properties or "{}")
        features.append(shapely_wkb.loads(bytes(wkb)))
        fc_all.append(
            {
                "kind": kind,
                "name": name,
                "lit": props.get("lit", ""),
                "tag": props.get("amenity") or props.get("shop") or props.get("highway") or "",
                "opening_hours": props.get("opening_hours", ""),
            }
        )
    fc = geometries_to_geojson(features)
    for feature, p in zip(fc["features"], fc_all, strict=True):
        feature["properties"].update(p)
    return fc


def as_geos(geom: BaseGeometry) -> GEOSGeometry:
    return from_shapely(geom)
