"""What the planner pages show: assessments, their comparison, and the map data of a plan.

The density overlay counts the incidents ``user`` may see as points (``visible_incidents``) on a fixed
grid, and adds sensitive incidents only as k-suppressed cells for users without the permission: no
sensitive incident ever reaches a planner's page or JSON as a point (docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from django.utils.translation import gettext_lazy as _
from shapely.geometry import box

from core import numbers
from geo.criteria import LABELS, inputs
from geo.grids import Grid
from layers import audit, release, scoring
from layers.functions import X, Y
from layers.geometry import from_shapely, to_shapely
from layers.models import AuditEvent, Detaljplan, Incident, PlanAssessment, PlanZone
from layers.queries import visible_incidents
from layers.roles import AnyUser, can_view_sensitive
from surveys.evidence import people_evidence
from surveys.models import Observation

DENSITY_CELL_M = 100.0
OLD_METHOD = "2026.11"  # assessments stored before the method version was recorded
MAP_BUFFER_M = 600.0  # how far around the plan the map shows incidents and observations

# The same names as geo.criteria.LABELS, marked for translation here (geo does not import Django).
CRITERION_LABELS = {
    "lighting": _("Belysning"),
    "natural_surveillance": _("Naturlig övervakning"),
    "mix_of_functions": _("Blandning av funktioner"),
    "life_at_all_hours": _("Liv under dygnets alla timmar"),
    "connectivity": _("Koppling och orientering"),
    "hidden_spots": _("Skymda platser"),
    "maintenance": _("Skötsel"),
    "exposure_to_crime": _("Utsatthet för brott"),
    "perceived_safety": _("Upplevd trygghet"),
    "transport": _("Kollektivtrafik och målpunkter"),
    "parking": _("Parkering"),
    "territoriality": _("Revir och ansvar"),
    "conflicting_uses": _("Konfliktande användningar"),
    "rear_access": _("Genomsläpplighet bakom bostäder"),
    "children_routes": _("Barns vägar"),
}
assert set(CRITERION_LABELS) == set(LABELS)
SCENARIO_LABELS = {PlanZone.Scenario.TODAY: _("Idag"), PlanZone.Scenario.PLANNED: _("Som planerat")}
MAP_LAYER_LABELS = {
    "dark_gaps": _("Mörka sträckor"),
    "blind_stretches": _("Sträckor utan insyn"),
    "blind_facades": _("Blinda fasader"),
    "hidden_spots": _("Skymda platser och tunnlar"),
    "hot_cells": _("Brottskoncentrationer (100 m-rutor)"),
    "routes": _("Gångväg till hållplats"),
    "parking_unwatched": _("Parkering utan insyn"),
    "parking_dark": _("Parkering i mörker"),
    "parking_walks": _("Gångväg från parkering till entré"),
    "conflict_sources": _("Störande verksamheter nära bostäder"),
    "conflict_homes": _("Bostäder nära störande verksamheter"),
    "rear_paths": _("Gångvägar bakom bostäder"),
    "through_courtyards": _("Gångvägar tvärs över bostadsgårdar"),
    "unclear_responsibility": _("Allmän plats utan angiven huvudman"),
    "child_routes": _("Barns vägar"),
    "child_crossings": _("Barns passager över större gator"),
    "child_dark": _("Mörka sträckor på barns vägar"),
    "child_hidden": _("Skymda sträckor på barns vägar"),
}
CONFIDENCE_LABELS = {"hög": _("hög"), "medel": _("medel"), "låg": _("låg")}
EVIDENCE_LABELS = {
    "walkable_length_m": _("Gångnät (m)"),
    "lit_length_m": _("Belyst (m)"),
    "lit_share": _("Andel belyst"),
    "lamps": _("Gatlampor"),
    "lamp_reach_m": _("Lampans räckvidd (m)"),
    "dark_gap_threshold_m": _("Gräns för mörk sträcka (m)"),
    "dark_gaps": _("Mörka sträckor"),
    "dark_gap_length_m": _("Mörka sträckor sammanlagt (m)"),
    "longest_dark_gap_m": _("Längsta mörka sträcka (m)"),
    "overlooked_length_m": _("Med insyn (m)"),
    "overlooked_share": _("Andel med insyn"),
    "active_frontage_share": _("Andel längs aktiva bottenvåningar"),
    "buildings": _("Byggnader"),
    "active_buildings": _("Byggnader med aktiv bottenvåning"),
    "blind_buildings": _("Byggnader med blinda fasader"),
    "frontage_distance_m": _("Avstånd för insyn (m)"),
    "blind_stretches": _("Sträckor utan insyn"),
    "blind_facades": _("Blinda fasader"),
    "landuse_shares": _("Markanvändning (andelar)"),
    "poi_counts": _("Målpunkter (antal)"),
    "landuse_evenness": _("Markanvändningens jämnhet"),
    "poi_evenness": _("Målpunkternas jämnhet"),
    "functions_present": _("Funktioner"),
    "places": _("Verksamheter"),
    "evening_places": _("Öppna kl. 20 (vägt)"),
    "night_places": _("Öppna kl. 23 (vägt)"),
    "residents": _("Boende (uppskattat)"),
    "residents_per_ha": _("Boende per hektar"),
    "study_area_ha": _("Studerat område (ha)"),
    "network_length_m": _("Gatunät (m)"),
    "intersections": _("Korsningar"),
    "intersections_per_km2": _("Korsningar per km²"),
    "dead_ends": _("Återvändsgränder"),
    "connected_node_ratio": _("Andel korsningar av nodändar"),
    "mean_detour": _("Omväg (gånger fågelvägen)"),
    "study_area_km2": _("Studerat område (km²)"),
    "beside_vegetation_m": _("Intill tät vegetation (m)"),
    "vegetation_share": _("Andel intill tät vegetation"),
    "dense_vegetation_areas": _("Områden med tät vegetation"),
    "tunnels": _("Tunnlar och gångtunnlar"),
    "lit_tunnels": _("Belysta tunnlar"),
    "tunnel_length_m": _("Tunnlar (m)"),
    "lit_tunnel_length_m": _("Varav belyst (m)"),
    "hidden_weighted_m": _("Skymt, vägt (m)"),
    "walks_nearby": _("Trygghetsvandringar här"),
    "observations": _("Observationer"),
    "maintenance_observations": _("Observationer om skötsel"),
    "maintenance_severity_sum": _("Summa allvarlighet"),
    "open_actions": _("Öppna åtgärder"),
    "incidents": _("Händelser"),
    "sensitive_from_cells": _("Varav känsliga (från rutor)"),
    "years": _("År"),
    "per_km2_year": _("Per km² och år"),
    "municipality_per_km2_year": _("Kommunen, per km² och år"),
    "relative_rate": _("Relativ nivå"),
    "hot_cells": _("Brottskoncentrationer (rutor)"),
    "hot_threshold": _("Gräns för koncentration (händelser per ruta)"),
    "mean_feeling": _("Medelupplevelse (1–5)"),
    "unsafe_observations": _("Upplevt otrygga"),
    "survey_responses": _("Enkätsvar"),
    "survey_safety_priority": _("Prioritet trygghet (0–14)"),
    "survey_safety_priority_municipality": _("Prioritet trygghet, kommunen (0–14)"),
    "bus_stops": _("Busshållplatser"),
    "stations": _("Stationer"),
    "bus_distance_m": _("Gångväg till buss (m)"),
    "station_distance_m": _("Gångväg till station (m)"),
    "access": _("Tillgång (0–1)"),
    "route_length_m": _("Gångvägens längd (m)"),
    "route_lit_share": _("Andel belyst gångväg"),
    "best_stop": _("Bästa hållplats"),
    "best_distance_m": _("Gångväg till bästa hållplats (m)"),
    # Method 2026.12 (docs/method.md, "Fem kriterier till")
    "parking_places": _("Parkeringar"),
    "lots": _("Markparkeringar"),
    "garages": _("Garage"),
    "garage_entrances": _("Garageinfarter"),
    "parking_area_m2": _("Parkeringsyta (m²)"),
    "homes_served": _("Bostadshus som parkeringen betjänar"),
    "mean_walk_m": _("Gångväg till entré, medel (m)"),
    "longest_walk_m": _("Längsta gångväg till entré (m)"),
    "walk_exposed_share": _("Andel av gångvägen i mörker, skymd eller utan insyn"),
    "walk_dark_share": _("Andel av gångvägen i mörker"),
    "walk_hidden_share": _("Andel av gångvägen skymd"),
    "overlook_distance_m": _("Avstånd för insyn (m)"),
    "zones": _("Användningsområden"),
    "plan_area_m2": _("Planområde (m²)"),
    "responsibility_stated_share": _("Andel med utpekad ansvarig"),
    "kvartersmark_m2": _("Kvartersmark (m²)"),
    "allman_plats_m2": _("Allmän plats (m²)"),
    "huvudman_kommunalt_m2": _("Kommunalt huvudmannaskap (m²)"),
    "huvudman_enskilt_m2": _("Enskilt huvudmannaskap (m²)"),
    "huvudman_not_stated_m2": _("Allmän plats utan angiven huvudman (m²)"),
    "huvudman_by_law": _("Huvudman enligt lag när planen inget anger"),
    "zones_without_code": _("Användningsområden utan kod"),
    "residential_blocks": _("Bostadskvarter"),
    "blocks_with_through_paths": _("Bostadskvarter med gångväg över gården"),
    "planned_passages": _("Planerade allmänna passager (x-områden)"),
    "through_path_length_m": _("Gångväg över gårdar (m)"),
    "homes": _("Bostadshus"),
    "homes_in_conflict": _("Bostadshus nära störande verksamhet"),
    "exposed_residents_share": _("Andel boende som kan störas"),
    "sources_near_homes": _("Störande verksamheter nära bostäder"),
    "nearest_m": _("Närmaste avstånd (m)"),
    "screened_pairs": _("Skärmade av annan byggnad"),
    "homes_judged": _("Bedömda bostadshus"),
    "front_from_entrances": _("Framsida från kartlagda entréer"),
    "homes_open_at_back": _("Bostadshus med gångväg på baksidan"),
    "rear_path_length_m": _("Gångväg bakom bostäder (m)"),
    "rear_distance_m": _("Baksidans djup (m)"),
    "origins": _("Grupper av bostäder"),
    "kinds": _("Slag av målpunkter"),
    "routes_reached": _("Vägar som når fram"),
    "crossings": _("Passager över större gator"),
    "signalled_crossings": _("Varav signalreglerade"),
    "dark_share": _("Andel i mörker"),
    "hidden_share": _("Andel skymd"),
    "routes": _("Vägar (se Barnkonsekvens)"),
    "missing_data": _("Underlag som saknas"),
    "ignored_values": _("Värden utanför skalan (utelämnade)"),
}


@dataclass
class CriterionRow:
    key: str
    label: str
    values: dict[str, float | None]  # per scenario; None: the assessment's method lacks it
    results: dict[str, dict[str, Any]]  # per scenario, the stored dict ({} when not scored)
    weight: float
    not_scored: dict[str, str]  # per scenario without it: "inte bedömd i metod 2026.11"


def method_of(assessment: PlanAssessment) -> str:
    """The method version that computed ``assessment`` (one stored without it: 2026.11)."""
    return assessment.method_version or OLD_METHOD


def not_scored_text(version: str) -> str:
    """What a page shows for a criterion the assessment's method did not have (never 0 or 50).

    >>> not_scored_text("2026.11")
    'inte bedömd i metod 2026.11'
    """
    return str(_("inte bedömd i metod %(version)s") % {"version": version})


def ensure_assessments(plan: Detaljplan) -> dict[str, PlanAssessment]:
    """The plan's latest assessments; scored and stored now if there are none yet. An assessment
    of an older method is kept as it is (readable; "Bedöm på nytt" scores it with the new one)."""
    latest = scoring.latest_assessments(plan)
    if set(latest) != set(scoring.scenarios_of(plan)):
        scoring.assess(plan, people=people_evidence)
        latest = scoring.latest_assessments(plan)
    return latest


def rows(assessments: dict[str, PlanAssessment]) -> list[CriterionRow]:
    """One row per criterion of the method in use with each scenario's value, in its fixed order; a
    criterion an older assessment's method lacks has no value there, and says so."""
    out: list[CriterionRow] = []
    first = next(iter(assessments.values()), None)
    for key in LABELS:
        results: dict[str, dict[str, Any]] = {
            s: next((r for r in a.results if r["key"] == key), {}) for s, a in assessments.items()
        }
        out.append(
            CriterionRow(
                key=key,
                label=str(CRITERION_LABELS[key]),
                values={s: float(r["value"]) if r else None for s, r in results.items()},
                results=results,
                weight=float(first.weights.get(key, 0)) if first else 0.0,
                not_scored={
                    s: not_scored_text(method_of(assessments[s]))
                    for s, r in results.items()
                    if not r
                },
            )
        )
    return out


# Words the new criteria's evidence uses as keys or values (kinds of place, kinds of conflict).
EVIDENCE_WORDS = {
    "förskola": _("förskola"),
    "skola": _("skola"),
    "fritid": _("lek och fritid"),
    "natt": _("nattöppet"),
    "buss": _("bussterminal"),
    "idrott": _("idrottsplats"),
    "besök": _("besöksanläggning"),
    "trafik": _("trafikanläggning"),
    "kommunalt": _("kommunalt"),
    "enskilt": _("enskilt"),
}


def _word(value: Any) -> str:
    return str(EVIDENCE_WORDS.get(value, value)) if isinstance(value, str) else str(value)


def _evidence_text(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if key == "routes" and isinstance(value, list):  # listed in the barnkonsekvens section
        return numbers.number(len(value))
    if isinstance(value, str):
        return _word(value)
    if key == "missing_data" and isinstance(value, list):
        return "; ".join(inputs.INPUTS[k].missing if k in inputs.INPUTS else str(k) for k in value)
    if isinstance(value, bool):
        return str(_("ja") if value else _("nej"))
    if isinstance(value, int):
        return numbers.number(value)
    if isinstance(value, float):
        text = numbers.number(value, 3)
        return text.rstrip("0").rstrip(",") if "," in text else text
    if isinstance(value, dict):
        return ", ".join(f"{_word(k)}: {_evidence_text('', v)}" for k, v in value.items()) or "–"
    if isinstance(value, list):
        return ", ".join(_evidence_text("", v) for v in value) or "–"
    return str(value)


def evidence_items(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """Evidence as (label, value) pairs for the page, numbers in Swedish form (``core.numbers``).

    >>> evidence_items({"lit_share": 0.25, "walkable_length_m": 12345.0, "landuse_shares": {"bostad": 0.5}})
    [('Andel belyst', '0,25'), ('Gångnät (m)', '12\xa0345'), ('Markanvändning (andelar)', 'bostad: 0,5')]
    """
    return [(str(EVIDENCE_LABELS.get(k, k)), _evidence_text(k, v)) for k, v in evidence.items()]


def alternatives(plan: Detaljplan) -> list[Detaljplan]:
    """The plan and its alternatives (or its main plan and siblings), main plan first."""
    main = plan.alternative_of or plan
    return [main, *main.alternatives.order_by("plan_id")]


def comparison(plan: Detaljplan) -> tuple[list[Detaljplan], list[dict[str, Any]], list[float]]:
    """Each alternative's "as planned" value per criterion, and its overall score."""
    plans = alternatives(plan)
    if len(plans) < 2:
        return [], [], []
    planned = []
    for p in plans:
        latest = ensure_assessments(p)
        planned.append(latest.get(PlanZone.Scenario.PLANNED))
    table = []
    for key in LABELS:
        values: list[float | None] = []
        missing: list[str] = []
        for a in planned:
            r = next((r for r in a.results if r["key"] == key), None) if a else None
            values.append(float(r["value"]) if r else None)
            missing.append(not_scored_text(method_of(a)) if a and not r else "")
        table.append(
            {
                "key": key,
                "label": str(CRITERION_LABELS[key]),
                "values": values,
                "cells": [
                    {"value": v, "not_scored": m} for v, m in zip(values, missing, strict=True)
                ],
            }
        )
    return plans, table, [a.overall if a else 0.0 for a in planned]


def sensitive_on_map(plan: Detaljplan) -> int:
    """How many sensitive incidents the plan's map counts for a user who may see them (for the audit log)."""
    around = from_shapely(to_shapely(plan.area).buffer(MAP_BUFFER_M))
    return (
        Incident.objects.sensitive()
        .filter(municipality=plan.municipality, location__intersects=around)
        .count()
    )


def map_data(plan: Detaljplan, user: AnyUser) -> dict[str, Any]:
    """Everything the plan map draws, as GeoJSON in WGS 84. Incidents only as counts per cell."""
    area = to_shapely(plan.area)
    around = area.buffer(MAP_BUFFER_M)
    around_geos = from_shapely(around)
    latest = scoring.latest_assessments(plan)
    grid = Grid.covering(around.bounds, DENSITY_CELL_M)
    # SELECT ST_X(location), ST_Y(location) FROM layers_incident WHERE <visible to user> AND ST_Intersects(...)
    pts = list(
        visible_incidents(user)
        .filter(municipality=plan.municipality, location__intersects=around_geos)
        .annotate(x=X("location"), y=Y("location"))
        .values_list("x", "y")
    )
    counts = grid.counts([p[0] for p in pts], [p[1] for p in pts])
    squares, values = [], []
    for r, c in zip(*counts.nonzero(), strict=True):
        x0, y0 = grid.x0 + c * grid.cell_m, grid.y0 + r * grid.cell_m
        squares.append(box(x0, y0, x0 + grid.cell_m, y0 + grid.cell_m))
        values.append(int(counts[r, c]))
    density = scoring.geometries_to_geojson(squares)
    for f, n in zip(density["features"], values, strict=True):
        f["properties"] = {"count": n, "cell_size_m": DENSITY_CELL_M}
    sees_sensitive = can_view_sensitive(user)
    if sees_sensitive:
        sensitive_here = sensitive_on_map(plan)
        if sensitive_here:
            audit.record(
                AuditEvent.Action.READ_SENSITIVE,
                user=user,
                channel="page",
                object_type="incident_density",
                count=sensitive_here,
                detail={"plan": plan.pk, "cell_m": DENSITY_CELL_M},
            )
        sensitive = {"type": "FeatureCollection", "features": []}
    else:
        # The releases the exposure criterion counts (layers.scoring.incident_evidence), not a count of
        # their own: the cells the scores were computed from.
        periods = release.latest_periods(scoring.INCIDENT_YEARS)
        sensitive = release.cells_geojson(
            release.sensitive_releases(plan.municipality, periods), within=around
        )
    observations = []
    labels = dict(Observation.Category.choices)
    feelings = dict(Observation.Feeling.choices)
    obs_geoms = []
    for o in Observation.objects.filter(
        municipality=plan.municipality, location__intersects=around_geos
    ).select_related("walk"):
        obs_geoms.append(to_shapely(o.location))
        observations.append(
            {
                "category": o.category,
                "category_label": str(labels.get(o.category, o.category)),
                "feeling": o.feeling,
                "feeling_label": str(feelings.get(o.feeling, "")),
                "note": o.note,
                "walk": o.walk.name,
                "generated": o.generated,
            }
        )
    obs_fc = scoring.geometries_to_geojson(obs_geoms)
    for f, p in zip(obs_fc["features"], observations, strict=True):
        f["properties"] = p
    criteria_layers = {
        scenario: {
            name: {"label": str(MAP_LAYER_LABELS.get(name, name)), "data": fc}
            for name, fc in a.map_layers.items()
        }
        for scenario, a in latest.items()
    }
    return {
        "plan": scoring.plan_area_geojson(plan),
        "zones": scoring.zone_features(plan),
        "context": scoring.context_geojson(plan),
        "density": density,
        "sensitive_cells": sensitive,
        "observations": obs_fc,
        "criteria_layers": criteria_layers,
        "bounds": list(shapely.bounds(around)),
    }


def _stretches(metres: float, n: int) -> str:
    """Metres on a route and how many stretches they make, in Swedish ("96 m (1 sträcka)")."""
    text = numbers.metres(metres)
    if n:
        words = _("%(n)s sträcka") if n == 1 else _("%(n)s sträckor")  # po_fill has no plurals
        text += " (" + str(words) % {"n": numbers.number(n)} + ")"
    return text


def barnkonsekvens(assessments: dict[str, PlanAssessment]) -> dict[str, Any] | None:
    """The report's children's-perspective section (barnkonsekvens), built from the children's-routes
    criterion of the planned scenario (today's when there is none): per group of homes and kind of
    place, the route with its length against the target, the main roads crossed (signals or not), the
    dark and hidden stretches, and the measures with their offices (docs/method.md, "Barnkonsekvens").
    None when there is no assessment."""
    scenario = (
        PlanZone.Scenario.PLANNED
        if PlanZone.Scenario.PLANNED in assessments
        else next(iter(assessments), None)
    )
    if scenario is None:
        return None
    a = assessments[scenario]
    result = next((r for r in a.results if r["key"] == "children_routes"), None)
    out: dict[str, Any] = {
        "scenario": str(SCENARIO_LABELS[PlanZone.Scenario(scenario)]),
        "scenario_key": str(scenario),
        "method_version": method_of(a),
        "scored": result is not None,
        "not_scored": "" if result is not None else not_scored_text(method_of(a)),
        "routes": [],
        "measures": [],
    }
    if result is None:
        return out
    ev = result.get("evidence", {})
    routes = []
    for r in ev.get("routes", []):
        length = r.get("length_m")
        crossings = [
            {
                "road": c.get("road") or str(_("namnlös gata")),
                "signalled": bool(c.get("signalled")),
                "carriageways": int(c.get("carriageways", 1)),
            }
            for c in r.get("crossing_points", [])
        ]
        routes.append(
            {
                "origin": r.get("origin", ""),
                "kind": _word(r.get("kind", "")),
                "destination": r.get("destination"),
                "length": numbers.metres(length) if length is not None else "–",
                "target": numbers.metres(float(r.get("target_m", 0))),
                "too_far": length is None or length > float(r.get("target_m", 0)),
                "crossings": crossings,
                "unsignalled": sum(1 for c in crossings if not c["signalled"]),
                "dark": _stretches(float(r.get("dark_m", 0)), int(r.get("dark_stretches", 0))),
                "hidden": _stretches(
                    float(r.get("hidden_m", 0)), int(r.get("hidden_stretches", 0))
                ),
                "score": r.get("score"),
            }
        )
    out.update(
        {
            "value": result.get("value"),
            "explanation": result.get("explanation", ""),
            "confidence": str(CONFIDENCE_LABELS.get(result.get("confidence", ""), "")),
            "routes": routes,
            "crossings": int(ev.get("crossings", 0)),
            "signalled_crossings": int(ev.get("signalled_crossings", 0)),
            "dark_share": numbers.percent(float(ev.get("dark_share", 0.0))),
            "hidden_share": numbers.percent(float(ev.get("hidden_share", 0.0))),
            "measures": result.get("measures", []),
        }
    )
    return out
