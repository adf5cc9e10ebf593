"""What each criterion needs from the data, and the one place that decides whether it is there.

A criterion whose input is not in the data must not look certain: "no lamps in the data" is not "dark",
"no woodland in the data" is not "open". Each criterion names its inputs in ``NEEDS``; ``present``
decides for one input and ``without_data`` returns the neutral answer (50, certainty "låg", a sentence
"Underlag saknas: …" naming what to import) when one is missing. docs/method.md, "Underlag som saknas",
gives the rules; docs/decisions/0680 why they are drawn where they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from geo.criteria import osm
from geo.criteria.base import (
    KOMMUNLEDNING,
    SAMHALLSBYGGNAD,
    UTBILDNING,
    CriterionResult,
    Measure,
)
from geo.criteria.context import Context, Feature
from geo.swedish import join, metres

NEUTRAL = 50.0


@dataclass(frozen=True)
class Input:
    """One kind of evidence: what it is called when missing, and what to import to get it."""

    key: str
    missing: str  # Swedish: what the data lacks ("gatlampor eller vägar märkta som belysta")
    remedy: str  # Swedish: what to import or do ("belysningsregistret eller OSM med lit-taggar")
    office: str


INPUTS: dict[str, Input] = {
    i.key: i
    for i in (
        Input(
            "paths",
            f"gator och gångvägar i och inom {metres(200)} från området",
            "gatunätet och gång- och cykelvägarna (OSM eller kommunens nätverk)",
            SAMHALLSBYGGNAD,
        ),
        Input(
            "lamps",
            f"gatlampor eller vägar märkta som belysta (lit) inom {metres(800)}",
            "belysningsregistret eller OSM med lit-taggar",
            SAMHALLSBYGGNAD,
        ),
        Input(
            "buildings",
            f"byggnader inom {metres(800)}",
            "byggnadsytor (OSM eller kommunens baskarta)",
            SAMHALLSBYGGNAD,
        ),
        Input(
            "land_cover",
            f"markanvändning och vegetation inom {metres(800)}",
            "markanvändning, skog och grönytor (OSM:s landuse/natural eller kommunens grönytor)",
            SAMHALLSBYGGNAD,
        ),
        Input(
            "pois",
            f"verksamheter och målpunkter inom {metres(800)}",
            "butiker, service och restauranger med öppettider (OSM)",
            SAMHALLSBYGGNAD,
        ),
        Input(
            "stops",
            "hållplatser och stationer i kommunen",
            "hållplatserna (OSM eller trafikhuvudmannens hållplatsregister)",
            SAMHALLSBYGGNAD,
        ),
        Input(
            "walks",
            "trygghetsvandringar genom området",
            "en trygghetsvandring i området, gärna kvällstid och med boende",
            KOMMUNLEDNING,
        ),
        Input(
            "incidents",
            "platsbestämda händelser i kommunen",
            "händelser med koordinater (polisens händelser eller kommunens incidentrapporter)",
            KOMMUNLEDNING,
        ),
        Input(
            "survey",
            "enkätsvar från området",
            "en trygghetsmätning med svar per NYKO-område",
            KOMMUNLEDNING,
        ),
        Input(
            "parking",
            f"parkeringsplatser och garageinfarter inom {metres(800)}",
            "parkeringsytor och garageinfarter (OSM:s amenity=parking och parking_entrance, "
            "kommunens parkeringsregister eller planens P-områden)",
            SAMHALLSBYGGNAD,
        ),
        Input(
            "child_destinations",
            "skolor, förskolor och platser för lek och fritid kring området",
            "skolor, förskolor, lekplatser, idrottsplatser och fritidsgårdar (OSM eller kommunens "
            "register över skolor och förskolor)",
            UTBILDNING,
        ),
        Input(
            "plan",
            "detaljplanens användningsområden och bestämmelser (kriteriet finns bara inom en "
            "detaljplan)",
            "den digitala detaljplanen med användningsområden, huvudmannaskap och övriga "
            "bestämmelser (via planimporten)",
            SAMHALLSBYGGNAD,
        ),
    )
}

# Each criterion's inputs: every group must be present; within a group one input is enough.
NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "lighting": (("paths",), ("lamps",)),
    "natural_surveillance": (("paths",), ("buildings",)),
    "mix_of_functions": (("land_cover",), ("pois",)),
    "life_at_all_hours": (("pois",), ("buildings",)),
    "connectivity": (("paths",),),
    "hidden_spots": (("paths",), ("land_cover",)),
    "maintenance": (("walks",),),
    "exposure_to_crime": (("incidents",),),
    "perceived_safety": (("walks", "survey"),),
    "transport": (("paths",), ("stops",)),
    # Method 2026.12 (docs/method.md, "Fem kriterier till").
    "parking": (("parking",), ("buildings",), ("lamps",), ("paths",)),
    "territoriality": (("plan",),),
    "conflicting_uses": (("buildings",), ("pois",)),
    "rear_access": (("paths",), ("buildings",)),
    "children_routes": (
        ("paths",),
        ("buildings",),
        ("child_destinations",),
        ("lamps",),
        ("land_cover",),
    ),
}

# Context fields whose features show an input (layers.scoring reports the fields it found nearby).
FIELD_INPUTS: dict[str, str] = {
    "paths": "paths",
    "lamps": "lamps",
    "buildings": "buildings",
    "landuse": "land_cover",
    "parks": "land_cover",
    "pois": "pois",
    "bus_stops": "stops",
}


def _from_data(features: Sequence[Feature]) -> list[Feature]:
    """The features that describe the place, not the plan: a plan's zones (``plan_zone``) and its
    own new features (``planned``) say what is planned inside it, nothing of what surrounds it."""
    return [(g, p) for g, p in features if "plan_zone" not in p and not p.get("planned")]


def _in_features(ctx: Context, key: str) -> bool:
    if key == "paths":
        walkable = _from_data(ctx.walkable())
        return any(g.intersects(ctx.study) for g, _ in walkable)
    if key == "lamps":
        return bool(_from_data(ctx.lamps)) or any("lit" in p for _, p in _from_data(ctx.paths))
    if key == "buildings":
        return bool(_from_data(ctx.buildings))
    if key == "land_cover":
        return bool(_from_data(ctx.landuse)) or bool(_from_data(ctx.parks))
    if key == "pois":
        return bool(_from_data(ctx.pois))
    if key == "stops":
        return bool(_from_data(ctx.bus_stops))
    if key == "walks":
        return ctx.walks_nearby > 0 or any(ctx.study.covers(g) for g, _ in ctx.observations)
    if key == "incidents":
        ev = ctx.incidents
        return ev is not None and ev.reference_per_km2_year > 0 and ev.years > 0
    if key == "survey":
        return ctx.survey is not None and ctx.survey.responses > 0
    if key == "parking":
        # The plan's own car parks count here: they are what the criterion judges (decision 0740).
        return any(
            osm.parking_kind(p) is not None for _, p in [*ctx.landuse, *ctx.pois, *ctx.buildings]
        )
    if key == "child_destinations":
        return any(
            osm.child_destination(p) is not None
            for _, p in _from_data([*ctx.pois, *ctx.parks, *ctx.landuse, *ctx.buildings])
        )
    if key == "plan":
        return ctx.plan is not None and any(osm.use_codes(p) for _, p in ctx.plan.zones)
    raise KeyError(key)


def present(ctx: Context, key: str) -> bool:
    """Whether the data holds input ``key`` for this area: the one rule for "no data".

    An input is there when the context holds features of its kind (``lamps`` also counts a way with
    any ``lit`` tag, "no" included: that is data about light), or when the data layer found them
    nearby (``ctx.available``, e.g. buildings within 800 m when only the study area is read). What
    the plan itself draws (its zones, its new lamps and paths) is not data about the place. Walk
    evidence is a walk that passed or an observation in the study area; incidents are a municipality
    rate to compare with; a survey is at least one answer from the area. Parking counts the plan's
    own car parks too (they are what that criterion judges); the plan input is the plan's zones with
    their use codes (``ctx.plan``).

    >>> from shapely.geometry import LineString, box
    >>> ctx = Context(area=box(0, 0, 10, 10), study=box(0, 0, 10, 10),
    ...     paths=[(LineString([(0, 5), (10, 5)]), {"highway": "footway", "lit": "no"})])
    >>> present(ctx, "paths"), present(ctx, "lamps"), present(ctx, "stops")
    (True, True, False)
    """
    if key in ctx.available:
        return True
    return _in_features(ctx, key)


def missing_inputs(ctx: Context, criterion: str) -> list[Input]:
    """The inputs ``criterion`` lacks (for a group of alternatives, every one of them)."""
    out: list[Input] = []
    for group in NEEDS[criterion]:
        if not any(present(ctx, key) for key in group):
            out.extend(INPUTS[key] for key in group)
    return out


def without_data(
    ctx: Context, criterion: str, evidence: Mapping[str, object] | None = None
) -> CriterionResult | None:
    """The neutral answer when ``criterion`` lacks an input, or None when it has what it needs.

    >>> from shapely.geometry import LineString, box
    >>> ctx = Context(area=box(0, 0, 10, 10), study=box(0, 0, 10, 10),
    ...     paths=[(LineString([(0, 5), (10, 5)]), {"highway": "footway"})])
    >>> r = without_data(ctx, "lighting")
    >>> r.value, r.confidence, r.explanation.split(".")[0].replace("\\xa0", " ")
    (50.0, 'låg', 'Underlag saknas: gatlampor eller vägar märkta som belysta (lit) inom 800 m')
    """
    missing = missing_inputs(ctx, criterion)
    if not missing:
        return None
    return neutral(criterion, missing, evidence)


def neutral(
    criterion: str, missing: list[Input], evidence: Mapping[str, object] | None = None
) -> CriterionResult:
    """The neutral answer of ``criterion`` for want of ``missing``: 50, "låg", what to import."""
    alternatives = len(NEEDS[criterion]) == 1 and len(NEEDS[criterion][0]) > 1
    conjunction = "eller" if alternatives else "och"
    why = (
        f"Underlag saknas: {join([i.missing for i in missing])}. "
        f"Värdet är neutralt ({NEUTRAL:.0f}) tills det finns; importera eller ta fram "
        f"{join([i.remedy for i in missing], conjunction)}."
    )
    measures = [Measure(f"Ta fram underlag: {i.remedy}.", i.office) for i in missing]
    return CriterionResult(
        criterion,
        NEUTRAL,
        {**(evidence or {}), "missing_data": [i.key for i in missing]},
        why,
        measures,
        {},
        confidence="låg",
    )


def nothing_to_judge(
    criterion: str,
    evidence: Mapping[str, object],
    why: str,
    *,
    confidence: str,
    measures: Sequence[Measure] = (),
) -> CriterionResult:
    """The neutral answer when the data is there but the criterion's subject is not (no car park in
    the study area, no building tagged as a home): 50 with ``why`` (which ends by saying the value is
    neutral). ``confidence`` is "medel" when the absence is a fact, "låg" when it may be the data's.

    >>> nothing_to_judge("parking", {}, "Ingen parkering; värdet är neutralt (50).", confidence="medel").value
    50.0
    """
    return CriterionResult(
        criterion, NEUTRAL, dict(evidence), why, list(measures), {}, confidence=confidence
    )
