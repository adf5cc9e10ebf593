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
    "missing_data": _("Underlag som saknas"),
    "ignored_values": _("Värden utanför skalan (utelämnade)"),
}


@dataclass
class CriterionRow:
    key: str
    label: str
    values: dict[str, float]  # per scenario
    results: dict[str, dict[str, Any]]  # per scenario, the stored dict
    weight: float


def ensure_assessments(plan: Detaljplan) -> dict[str, PlanAssessment]:
    """The plan's latest assessments; scored and stored now if there are none yet."""
    latest = scoring.latest_assessments(plan)
    if set(latest) != set(scoring.scenarios_of(plan)):
        scoring.assess(plan, people=people_evidence)
        latest = scoring.latest_assessments(plan)
    return latest


def rows(assessments: dict[str, PlanAssessment]) -> list[CriterionRow]:
    """One row per criterion with each scenario's value, in the fixed order of the criteria."""
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
                values={s: float(r.get("value", 0)) for s, r in results.items()},
                results=results,
                weight=float(first.weights.get(key, 0)) if first else 0.0,
            )
        )
    return out


def _evidence_text(key: str, value: Any) -> str:
    if value is None:
        return "–"
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
        return ", ".join(f"{k}: {_evidence_text('', v)}" for k, v in value.items()) or "–"
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
        values = []
        for a in planned:
            r = next((r for r in a.results if r["key"] == key), None) if a else None
            values.append(float(r["value"]) if r else None)
        table.append({"key": key, "label": str(CRITERION_LABELS[key]), "values": values})
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
