"""The evidence the criteria read: one plain-data picture of a plan area and its surroundings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

# A feature: its geometry (SWEREF 99 TM, metres) and its properties (OSM-like tags).
Feature = tuple[BaseGeometry, Mapping[str, Any]]

# Not walked outdoors: motorways, ways not built, and indoor corridors (closed at night; mapped in
# shopping centres and stations as highway=corridor or indoor=*).
NOT_WALKABLE = {
    "corridor",
    "elevator",
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "construction",
    "proposed",
    "raceway",
    "bus_guideway",
}
# Ways pedestrians may not use (foot=no, a private service road) or are sent off (foot=use_sidepath:
# the sidewalk is mapped as a way of its own). Found on the Helsinki extract: truck service tunnels
# under the city centre tagged foot=no would otherwise count as walkable tunnels.
NO_FOOT = {"no", "private", "use_sidepath"}
NO_ACCESS = {"no", "private"}
FOOT_ALLOWED = {"yes", "designated", "permissive"}


def is_walkable(props: Mapping[str, Any]) -> bool:
    """Whether people walk this way outdoors: not a motorway, an unbuilt or indoor way, or a way
    closed to pedestrians (``foot=no``, ``access=private`` without ``foot=yes``).

    >>> is_walkable({"highway": "footway"}), is_walkable({"highway": "corridor"})
    (True, False)
    >>> is_walkable({"highway": "service", "tunnel": "yes", "foot": "no"})
    False
    >>> is_walkable({"highway": "service", "access": "private"})
    False
    >>> is_walkable({"highway": "service", "access": "private", "foot": "yes"})
    True
    """
    if str(props.get("highway", "")) in NOT_WALKABLE:
        return False
    if str(props.get("indoor", "no")) not in ("no", ""):
        return False
    foot = str(props.get("foot", ""))
    if foot in NO_FOOT:
        return False
    return not (str(props.get("access", "")) in NO_ACCESS and foot not in FOOT_ALLOWED)


@dataclass
class IncidentEvidence:
    """Incidents counted for the exposure criterion (no points: counts and fixed cells only).

    ``count`` is the incidents in the study area over ``years``; ``reference_per_km2_year`` is the
    municipality's rate over its reference area; ``cells`` are fixed grid cells over the study area
    with their counts; ``hot_threshold`` the count from which a cell is a hot spot in this municipality.
    """

    count: float
    years: float
    reference_per_km2_year: float
    cells: Sequence[tuple[BaseGeometry, float]] = ()
    hot_threshold: float = float("inf")
    sensitive_from_cells: float = 0.0


@dataclass
class SurveyEvidence:
    """Citizen-survey priorities for the safety items (X9a–X9c), in the area's NYKO areas and overall.

    ``area_mean`` and ``municipality_mean`` are means on the survey's 0–14 priority scale
    (docs/method.md, "Upplevd trygghet", says how the codes are read).
    """

    area_mean: float
    municipality_mean: float
    responses: int


@dataclass
class PlanEvidence:
    """The detaljplan itself, for the criteria that exist only inside plans ("Revir och ansvar").

    ``zones`` are the plan's use zones in the scenario scored, each with its geometry and the
    properties ``use_code`` (Boverket's code, "" when none), ``label`` and ``regulations`` (a list of
    ``{"kind", "code", "text", "type"}`` as ``PlanZone.regulations`` stores them). ``regulations`` are
    the plan's general and administrative regulations (``Detaljplan.regulations``). ``huvudman_default``
    is who is huvudman for allmän plats where the plan says nothing: ``"kommunalt"`` for a plan made
    under the plan- och bygglag (1987:10 or 2010:900), where the municipality is huvudman unless the
    plan says otherwise (PBL 4 kap. 7 §; with kommunalt huvudmannaskap the plan has no regulation on
    it, Boverket); ``None`` for an older plan (a stadsplan or byggnadsplan under byggnadslagen 1947)
    or when the plan's law is not known.
    """

    zones: Sequence[Feature] = ()
    regulations: Sequence[Mapping[str, Any]] = ()
    huvudman_default: str | None = None


@dataclass
class Context:
    """A plan area, its study area and the features around it, all in SWEREF 99 TM.

    ``study`` is the plan area with the buffer most criteria look at; ``paths``, ``lamps`` and
    ``bus_stops`` reach further (to the stops, for the transport criterion) and the criteria clip them.
    """

    area: BaseGeometry
    study: BaseGeometry
    paths: Sequence[Feature] = ()
    buildings: Sequence[Feature] = ()
    lamps: Sequence[Feature] = ()
    pois: Sequence[Feature] = ()
    landuse: Sequence[Feature] = ()
    parks: Sequence[Feature] = ()
    bus_stops: Sequence[Feature] = ()
    observations: Sequence[Feature] = ()
    open_actions: int = 0
    walks_nearby: int = 0
    incidents: IncidentEvidence | None = None
    survey: SurveyEvidence | None = None
    # Inputs the data layer found around the area beyond the features given here (e.g. buildings
    # within 800 m when only the study area's are read); ``geo.criteria.inputs.present`` reads it.
    available: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict)
    # Method 2026.12 (docs/method.md, "Fem kriterier till"): building entrances (points, OSM
    # ``entrance=*`` or the plan's own), read by parking (the doors) and permeability behind homes
    # (which side is the front); and the plan itself, read by territoriality.
    entrances: Sequence[Feature] = ()
    plan: PlanEvidence | None = None

    @property
    def study_ha(self) -> float:
        return float(self.study.area) / 10_000.0

    def walkable(self) -> list[Feature]:
        """Streets and paths people walk outdoors (``is_walkable``)."""
        return [(g, p) for g, p in self.paths if is_walkable(p)]
