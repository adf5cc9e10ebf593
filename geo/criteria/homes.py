"""Criteria about the homes and what lies around them: parking, conflicting uses, and permeability
behind homes (method 2026.12). Formulas, thresholds and sources: docs/method.md, "Fem kriterier till".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, box  # noqa: F401  (box: doctests)
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from geo import swedish as sv
from geo.criteria import osm
from geo.criteria.base import (
    FASTIGHETSAGARE,
    KULTUR_FRITID,
    POLISEN,
    SAMHALLSBYGGNAD,
    TRAFIKOPERATOR,
    VASBYHEM,
    CriterionResult,
    Measure,
    clip01,
)
from geo.criteria.context import Context, Feature
from geo.criteria.inputs import nothing_to_judge, without_data
from geo.criteria.network import union_lines
from geo.criteria.physical import FRONTAGE_M, LAMP_REACH_M, _lit_cover_of
from geo.criteria.routes import (
    Walks,
    passage,
    snap,
    walk_graph,
    watched_cover,
)

# --- Parkering ------------------------------------------------------------------------------------

PARKING_WALK_TARGET_M = 100.0  # a walk from the car to the door this short scores full; 0 at twice
PARKING_SERVES_M = 250.0  # a home is served by its nearest car park within this walk
POINT_PLACE_M = 10.0  # a car park or a garage entrance mapped as a point: a disc this wide (radius)
GARAGE_ENTRANCE_M = 15.0  # an entrance this close to a garage is where the garage is judged
OVERLOOK_WEIGHT, LIT_WEIGHT, WALK_WEIGHT = 0.35, 0.35, 0.3
DOOR_M = 3.0  # an entrance this close to a building is one of its doors


@dataclass
class _Facility:
    kind: str  # lot, garage, entrance
    place: BaseGeometry  # the area judged: the lot, the garage's entrances (as discs) or footprint
    lit_tag: bool


# Homes are buildings tagged as such; an area whose buildings lack their use (Helsinki's centre: mostly
# building=yes) has none to judge, which is a gap in the data, not a fact.
NO_HOMES = "Ingen byggnad i eller kring området är märkt som bostad i underlaget"
NO_HOMES_MEASURE = Measure(
    "Ta fram underlag: byggnadernas användning (bostad), ur kommunens baskarta eller OSM.",
    SAMHALLSBYGGNAD,
)


def homes(ctx: Context, extent: BaseGeometry) -> list[Feature]:
    """The residential buildings (by their tags, or a planned B or C block) that touch ``extent``."""
    return [(g, p) for g, p in ctx.buildings if osm.is_residential(p) and g.intersects(extent)]


def residents_of(geom: BaseGeometry, props: osm.Props) -> float:
    """The estimated residents of a home (``osm.residents``), at least 1: every home counts."""
    return max(1.0, osm.residents(float(geom.area), props))


def _disc(g: BaseGeometry) -> BaseGeometry:
    return g if g.geom_type in ("Polygon", "MultiPolygon") else g.buffer(POINT_PLACE_M, quad_segs=4)


def parking_facilities(ctx: Context) -> list[_Facility]:
    """The car parks in the study area: surface lots, garages judged at their entrances (or their
    footprint when no entrance is mapped), and garage entrances standing alone.

    >>> ctx = Context(area=box(0, 0, 100, 100), study=box(0, 0, 100, 100),
    ...     landuse=[(box(10, 10, 30, 30), {"amenity": "parking"})],
    ...     buildings=[(box(50, 50, 90, 90), {"building": "parking"})],
    ...     pois=[(Point(50, 60), {"amenity": "parking_entrance"})])
    >>> [(f.kind, round(f.place.area)) for f in parking_facilities(ctx)]  # the garage at its door
    [('lot', 400), ('garage', 306)]
    """
    found = [
        (g, p, kind)
        for g, p in [*ctx.landuse, *ctx.pois, *ctx.buildings]
        if (kind := osm.parking_kind(p)) is not None and g.intersects(ctx.study)
    ]
    entrances = [g for g, _, kind in found if kind == "entrance"]
    used: set[int] = set()
    out: list[_Facility] = []
    for g, p, kind in found:
        if kind == "lot":
            out.append(_Facility("lot", _disc(g), osm.is_lit(p)))
        elif kind == "garage":
            doors = [i for i, e in enumerate(entrances) if e.distance(g) <= GARAGE_ENTRANCE_M]
            used.update(doors)
            place = shapely.unary_union([_disc(entrances[i]) for i in doors]) if doors else _disc(g)
            out.append(_Facility("garage", place, osm.is_lit(p)))
    for i, (g, p, _) in enumerate(f for f in found if f[2] == "entrance"):
        if i not in used:
            out.append(_Facility("entrance", _disc(g), osm.is_lit(p)))
    return [f for f in out if f.place.area >= 1.0]  # a degenerate outline has nothing to judge


def _doors(ctx: Context, home: BaseGeometry) -> BaseGeometry:
    """A home's front doors (mapped entrances within 3 m), or the home itself when none is mapped."""
    doors = [g for g, p in ctx.entrances if osm.is_front_door(p) and g.distance(home) <= DOOR_M]
    return shapely.MultiPoint(doors) if doors else home


def _access(distance_m: float, target_m: float) -> float:
    """1 within the target, falling linearly to 0 at twice the target (as for the walk to the stop)."""
    return clip01((2 * target_m - distance_m) / target_m)


def _served_homes(
    ctx: Context, facilities: list[_Facility]
) -> dict[int, list[tuple[float, BaseGeometry]]]:
    """The walks (length, line) from each car park to the homes it serves: each home is served by
    the car park nearest to walk from, within PARKING_SERVES_M."""
    graph = walk_graph(ctx)
    residences = homes(ctx, ctx.study)
    walks: list[Walks | None] = []
    for f in facilities:
        at = snap(graph, f.place)
        walks.append(Walks(graph, at) if at is not None else None)
    served: dict[int, list[tuple[float, BaseGeometry]]] = {i: [] for i in range(len(facilities))}
    for g, _ in residences:
        door = snap(graph, _doors(ctx, g))
        if door is None:
            continue
        options = [(w.distance(door), i) for i, w in enumerate(walks) if w is not None]
        d, i = min(options, default=(math.inf, -1))
        nearest = walks[i] if i >= 0 and d <= PARKING_SERVES_M else None
        walk = nearest.walk(door) if nearest is not None else None
        if walk is not None:
            served[i].append((walk.length_m, walk.line))
    return served


def parking(ctx: Context) -> CriterionResult:
    """Car parks and garage entrances: overlooked by windows, lit, and a short, visible walk from the
    car to the doors of the homes each one serves.

    Per car park f (area A): O = share of its area within 20 m of a building with windows, L = share
    within 25 m of a lamp (1 when tagged ``lit=yes``), W = mean over the homes whose nearest car park
    (by walk, within 250 m) it is of 0.5 × access + 0.5 × (1 − exposed share of the walk), access =
    clip((200 − metres) / 100, 0, 1), exposed = dark, hidden or without a window within 20 m.
    V = 0.35 O + 0.35 L + 0.3 W (0.5 O + 0.5 L when it serves no home); value = 100 × Σ A·V / Σ A.

    >>> from shapely.geometry import Polygon
    >>> ctx = Context(area=box(0, 0, 100, 60), study=box(0, 0, 100, 60),
    ...     paths=[(LineString([(50, 0), (50, 60)]), {"highway": "residential"})],
    ...     landuse=[(Polygon([(20, 0), (40, 10), (20, 20), (0, 10)]), {"amenity": "parking"})],
    ...     buildings=[(box(60, 35, 80, 55), {"building": "apartments"})],
    ...     entrances=[(Point(60, 40), {"entrance": "main"})], lamps=[(Point(20, 10), {})])
    >>> r = parking(ctx)  # lit, 32 m from any window; the 50 m walk to the door is all dark
    >>> r.evidence["overlooked_share"], r.evidence["lit_share"], r.evidence["mean_walk_m"]
    (0.0, 1.0, 50.0)
    >>> r.value  # 100 × (0.35 × 0 + 0.35 × 1 + 0.3 × (0.5 × 1 + 0.5 × (1 − 1)))
    50.0
    """
    facilities = parking_facilities(ctx)
    evidence: dict[str, object] = {"parking_places": len(facilities)}
    missing = without_data(ctx, "parking", evidence)
    if missing is not None:
        return missing
    if not facilities:
        return nothing_to_judge(
            "parking",
            evidence,
            "Ingen parkering eller garageinfart ligger i eller kring området, så det finns inget att "
            "bedöma; värdet är neutralt (50).",
            confidence="medel",
        )
    watched = watched_cover(ctx)
    served = _served_homes(ctx, facilities)
    area_total = 0.0
    sums = {"value": 0.0, "overlooked": 0.0, "lit": 0.0}
    walk_lengths: list[float] = []
    exposed_m = dark_m = hidden_m = walked_m = 0.0
    unwatched_parts: list[BaseGeometry] = []
    dark_parts: list[BaseGeometry] = []
    walk_lines: list[BaseGeometry] = []
    for i, f in enumerate(facilities):
        a = float(f.place.area)
        overlooked = float(f.place.intersection(watched).area) / a if not watched.is_empty else 0.0
        lit_cover = _lit_cover_of(ctx, f.place)  # only lamps within reach of the place can light it
        lit = 1.0 if f.lit_tag else float(f.place.intersection(lit_cover).area) / a
        terms: list[float] = []
        for length, line in served[i]:
            p = passage(ctx, line)
            terms.append(
                0.5 * _access(length, PARKING_WALK_TARGET_M) + 0.5 * (1 - p.share(p.exposed_m))
            )
            walk_lengths.append(length)
            walked_m += p.length_m
            exposed_m += p.exposed_m
            dark_m += p.dark_m
            hidden_m += p.hidden_m
            if not line.is_empty:
                walk_lines.append(line)
        if terms:
            v = (
                OVERLOOK_WEIGHT * overlooked
                + LIT_WEIGHT * lit
                + WALK_WEIGHT * float(np.mean(terms))
            )
        else:
            v = 0.5 * overlooked + 0.5 * lit
        area_total += a
        sums["value"] += a * v
        sums["overlooked"] += a * overlooked
        sums["lit"] += a * lit
        rest = f.place.difference(watched) if not watched.is_empty else f.place
        if rest.area > 1:
            unwatched_parts.append(rest)
        if not f.lit_tag:
            dark = f.place.difference(lit_cover) if not lit_cover.is_empty else f.place
            if dark.area > 1:
                dark_parts.append(dark)
    value = 100 * sums["value"] / area_total
    o_share, l_share = sums["overlooked"] / area_total, sums["lit"] / area_total
    homes_served = len(walk_lengths)
    mean_walk = float(np.mean(walk_lengths)) if walk_lengths else None
    exposed_share = exposed_m / walked_m if walked_m else 0.0
    kinds = [f.kind for f in facilities]
    evidence |= {
        "lots": kinds.count("lot"),
        "garages": kinds.count("garage"),
        "garage_entrances": kinds.count("entrance"),
        "parking_area_m2": round(area_total, 1),
        "overlooked_share": round(o_share, 3),
        "lit_share": round(l_share, 3),
        "homes_served": homes_served,
        "mean_walk_m": round(mean_walk, 1) if mean_walk is not None else None,
        "longest_walk_m": round(max(walk_lengths), 1) if walk_lengths else None,
        "walk_exposed_share": round(exposed_share, 3),
        "walk_dark_share": round(dark_m / walked_m, 3) if walked_m else 0.0,
        "walk_hidden_share": round(hidden_m / walked_m, 3) if walked_m else 0.0,
        "overlook_distance_m": FRONTAGE_M,
        "lamp_reach_m": LAMP_REACH_M,
    }
    n = len(facilities)
    them = "den" if n == 1 else "de"
    garages = " (garage bedömda vid infarten)" if "garage" in kinds or "entrance" in kinds else ""
    where = (
        f"{sv.count(n, 'parkering', 'parkeringar')} i och kring området, "
        f"{sv.unit(area_total, 'm²')}{garages}: {sv.percent(o_share)} av ytan har fönster inom "
        f"{sv.metres(FRONTAGE_M)} och {sv.percent(l_share)} är belyst"
    )
    if homes_served and mean_walk is not None:
        walk_text = (
            f"; {them} är närmaste parkering för "
            f"{sv.count(homes_served, 'bostadshus', 'bostadshus')}, gångvägen dit är i snitt "
            f"{sv.metres(mean_walk)} och {sv.percent(exposed_share)} av den är mörk, skymd eller "
            "utan fönster intill."
        )
    else:
        walk_text = (
            f"; {them} är inte närmaste parkering inom {sv.metres(PARKING_SERVES_M)} för något "
            "bostadshus i underlaget."
        )
    measures: list[Measure] = []
    if o_share < 0.5:
        measures.append(
            Measure(
                "Lägg parkeringen i små grupper nära bostäderna, synlig från kök och vardagsrum, "
                "inte bakom husen.",
                SAMHALLSBYGGNAD,
            )
        )
    if l_share < 0.8:
        measures.append(
            Measure(
                "Belys parkeringen jämnt, och gångvägen därifrån till entréerna.", FASTIGHETSAGARE
            )
        )
    if homes_served and (
        exposed_share > 0.3 or (mean_walk is not None and mean_walk > PARKING_WALK_TARGET_M)
    ):
        measures.append(
            Measure(
                "Gör gångvägen från parkeringen till entréerna kort, belyst och överblickbar, utan "
                "buskage och omvägar bakom husen.",
                SAMHALLSBYGGNAD,
            )
        )
    if "garage" in kinds or "entrance" in kinds:
        measures.append(
            Measure(
                "Gör garageinfarter och trapphus från garaget ljusa och överblickbara, med glas "
                "mot gata och entré.",
                FASTIGHETSAGARE,
            )
        )
    return CriterionResult(
        "parking",
        value,
        evidence,
        where + walk_text,
        measures,
        {
            "parking_unwatched": unwatched_parts,
            "parking_dark": dark_parts,
            "parking_walks": walk_lines,
        },
        "hög" if homes_served else "medel",
    )


# --- Konfliktande användningar --------------------------------------------------------------------

# (full conflict within, no conflict beyond) in metres between the use and the home, by kind.
CONFLICT_DISTANCES_M: dict[str, tuple[float, float]] = {
    "natt": (50.0, 150.0),
    "buss": (100.0, 200.0),
    "idrott": (50.0, 150.0),
    "besök": (50.0, 150.0),
    "trafik": (100.0, 200.0),
}
CONFLICT_NAMES = {
    "natt": ("nattöppen verksamhet", "nattöppna verksamheter"),
    "buss": ("bussterminal", "bussterminaler"),
    "idrott": ("idrottsplats", "idrottsplatser"),
    "besök": ("besöksanläggning", "besöksanläggningar"),
    "trafik": ("trafikanläggning", "trafikanläggningar"),
}
SCREENED = 0.5  # a non-residential building between the use and the home halves the conflict
SAME_PLACE_M = 5.0  # two sources of one kind this close are one place (a pub's node and building)


@dataclass
class _Source:
    kind: str
    geom: BaseGeometry
    intensity: float


def conflict_sources(ctx: Context) -> list[_Source]:
    """The uses that can conflict with homes (``osm.conflict_source``), one per place: sources of one
    kind within 5 m are one place, with their geometries together and the higher intensity (so the
    order the data comes in does not matter, and another source never lessens a place).

    >>> ctx = Context(area=box(0, 0, 10, 10), study=box(0, 0, 10, 10),
    ...     pois=[(Point(5, 5), {"amenity": "pub"}), (Point(7, 5), {"amenity": "bar"})],
    ...     buildings=[(box(0, 0, 10, 10), {"building": "yes", "amenity": "pub"})])
    >>> [(s.kind, s.intensity) for s in conflict_sources(ctx)]  # the building is the same pub
    [('natt', 1.0)]
    """
    found: list[_Source] = []
    for g, p in [*ctx.pois, *ctx.bus_stops, *ctx.parks, *ctx.landuse, *ctx.buildings]:
        kind = osm.conflict_source(p)
        if kind is None:
            continue
        intensity = osm.night_share(p) if kind == "natt" else 1.0
        if intensity <= 0:
            continue
        same = [s for s in found if s.kind == kind and s.geom.distance(g) <= SAME_PLACE_M]
        if same:
            s = same[0]
            s.geom = shapely.unary_union([s.geom, g])
            s.intensity = max(s.intensity, intensity)
            continue
        found.append(_Source(kind, g, intensity))
    return found


def _ramp(distance_m: float, near_m: float, far_m: float) -> float:
    """1 within ``near_m``, falling linearly to 0 at ``far_m``.

    >>> _ramp(40, 50, 150), _ramp(100, 50, 150), _ramp(200, 50, 150)
    (1.0, 0.5, 0.0)
    """
    return clip01((far_m - distance_m) / (far_m - near_m))


def conflicting_uses(ctx: Context) -> CriterionResult:
    """Homes beside night-time venues, bus terminals and sports grounds without a buffer.

    conflict(use, home) = ramp(distance) × nights open / 7 (night places) × 0.5 when a non-residential
    building stands between them; ramp = 1 within the near distance, 0 beyond the far one (night places,
    sports grounds and the plan's R zones 50 → 150 m; bus terminals and the plan's T zones 100 →
    200 m). Each home's exposure e = min(1, Σ conflicts); value = 100 × (1 − Σ residents × e /
    Σ residents) over the homes touching the study area. Mixed use is rewarded by "Blandning av
    funktioner"; this criterion looks only for the conflicts.

    >>> ctx = Context(area=box(0, 0, 200, 100), study=box(0, 0, 200, 100),
    ...     buildings=[(box(0, 0, 20, 20), {"building": "house"}),
    ...                (box(180, 0, 200, 20), {"building": "house"})],
    ...     pois=[(Point(100, 10), {"amenity": "pub"})])
    >>> r = conflicting_uses(ctx)  # both homes 80 m from the pub: ramp 0.7 each
    >>> r.value, r.evidence["homes_in_conflict"]
    (30.0, 2)
    """
    sources = conflict_sources(ctx)
    residences = homes(ctx, ctx.study)
    evidence: dict[str, object] = {"homes": len(residences)}
    missing = without_data(ctx, "conflicting_uses", evidence)
    if missing is not None:
        return missing
    if not residences:
        return nothing_to_judge(
            "conflicting_uses",
            evidence,
            f"{NO_HOMES}, så konflikter med bostäder kan inte bedömas; värdet är neutralt (50).",
            confidence="låg",
            measures=[NO_HOMES_MEASURE],
        )
    others = [(g, p) for g, p in ctx.buildings if not osm.is_residential(p)]
    tree = shapely.STRtree([g for g, _ in others]) if others else None
    exposure: list[float] = []
    weights: list[float] = []
    near_sources: dict[int, float] = {}
    screened_pairs = 0
    conflict_homes: list[BaseGeometry] = []
    for h, p in residences:
        total = 0.0
        for k, s in enumerate(sources):
            near_m, far_m = CONFLICT_DISTANCES_M[s.kind]
            d = float(s.geom.distance(h))
            if d >= far_m:
                continue
            c = _ramp(d, near_m, far_m) * s.intensity
            if c > 0 and d > 0 and tree is not None and _screened(s.geom, h, others, tree):
                c *= SCREENED
                screened_pairs += 1
            if c > 0:
                near_sources[k] = min(near_sources.get(k, math.inf), d)
            total += c
        e = min(1.0, total)
        exposure.append(e)
        weights.append(residents_of(h, p))
        if e > 0:
            conflict_homes.append(h)
    w = np.asarray(weights)
    share = float(np.dot(w, exposure) / w.sum())
    value = 100 * (1 - share)
    by_kind: dict[str, int] = {}
    nearest: dict[str, float] = {}
    for k, d in near_sources.items():
        kind = sources[k].kind
        by_kind[kind] = by_kind.get(kind, 0) + 1
        nearest[kind] = min(nearest.get(kind, math.inf), d)
    evidence |= {
        "residents": round(float(w.sum()), 1),
        "homes_in_conflict": len(conflict_homes),
        "exposed_residents_share": round(share, 3),
        "sources_near_homes": dict(sorted(by_kind.items())),
        "nearest_m": {k: round(v, 1) for k, v in sorted(nearest.items())},
        "screened_pairs": screened_pairs,
    }
    if not by_kind:
        why = (
            "Ingen nattöppen verksamhet, bussterminal eller idrottsplats ligger inom "
            f"störningsavståndet ({sv.metres(150)} för nattöppet och idrott, {sv.metres(200)} för "
            f"bussterminaler) från {sv.count(len(residences), 'bostadshus', 'bostadshus')} i och "
            "kring området."
        )
    else:
        parts = [sv.count(n, *CONFLICT_NAMES[kind]) for kind, n in sorted(by_kind.items())]
        closest = min(nearest.values())
        why = (
            f"Inom störningsavståndet från bostäder ligger {sv.join(parts)} (närmast "
            f"{sv.metres(closest)}): uppskattningsvis {sv.percent(share)} av de boende bor så nära "
            "att nattliv, trafik eller publik kan störa och dra till sig bråk."
        )
    measures: list[Measure] = []
    if "natt" in by_kind or "besök" in by_kind:
        measures.append(
            Measure(
                "Lägg nattöppna verksamheter mot huvudgatan med bostadsentréer mot en lugnare sida, "
                "och lokaler eller kontor som buffert mot bostäderna.",
                SAMHALLSBYGGNAD,
            )
        )
        measures.append(
            Measure(
                "Samverka med krögarna om ordningen vid stängning och om ansvarsfull alkoholservering.",
                POLISEN,
            )
        )
    if "buss" in by_kind or "trafik" in by_kind:
        measures.append(
            Measure(
                "Placera bussarnas uppställning och väntplatser bort från bostäderna, och håll "
                "terminalen belyst och bemannad kvällstid.",
                TRAFIKOPERATOR,
            )
        )
    if "idrott" in by_kind:
        measures.append(
            Measure(
                "Lägg idrottsplatsens entré, belysning och kvällsaktiviteter bort från bostäderna.",
                KULTUR_FRITID,
            )
        )
    return CriterionResult(
        "conflicting_uses",
        value,
        evidence,
        why,
        measures,
        {
            "conflict_sources": [sources[k].geom for k in sorted(near_sources)],
            "conflict_homes": conflict_homes,
        },
        "hög" if sources else "medel",
    )


def _screened(
    source: BaseGeometry, home: BaseGeometry, others: Sequence[Feature], tree: shapely.STRtree
) -> bool:
    """Whether a non-residential building (not the use's own) stands on the line between them."""
    a, b = nearest_points(source, home)
    line = LineString([a, b])
    for i in tree.query(line, predicate="intersects"):
        g = others[int(i)][0]
        if g.intersects(source) or g.intersects(home):
            continue
        return True
    return False


# --- Genomsläpplighet bakom bostäder --------------------------------------------------------------

REAR_M = FRONTAGE_M  # a path this close behind a house runs along its back (gardens, yards)
REAR_MIN_M = 10.0  # at least this much path behind a house opens its back
FRONT_SEARCH_M = 60.0  # without a mapped entrance, the nearest street this close is the front
# A footpath this close to a street's centre line is its sidewalk, mapped as a way of its own: it
# belongs to the street, which is a front (a corner house has two), never a back.
SIDEWALK_M = 12.0


def _front(ctx: Context, home: BaseGeometry, streets: Sequence[BaseGeometry]) -> Point | None:
    """Where a house faces: its front doors (mapped entrances), else the nearest street within 60 m."""
    doors = [g for g, p in ctx.entrances if osm.is_front_door(p) and g.distance(home) <= DOOR_M]
    if doors:
        return shapely.MultiPoint(doors).centroid
    near = [s for s in streets if s.distance(home) <= FRONT_SEARCH_M]
    if not near:
        return None
    street = min(near, key=lambda s: (s.distance(home), s.bounds))
    point, _ = nearest_points(street, home)
    return point


def rear_zone(home: BaseGeometry, front: Point, reach_m: float = REAR_M) -> BaseGeometry:
    """The ground behind a house: within ``reach_m`` of it, on the far side of the line through its
    centre across the direction it faces.

    >>> zone = rear_zone(box(0, 0, 20, 10), Point(10, -10))  # faces south: the back is north
    >>> zone.bounds[1], zone.bounds[3]
    (5.0, 30.0)
    """
    c = home.centroid
    dx, dy = front.x - c.x, front.y - c.y
    norm = math.hypot(dx, dy)
    if norm < 0.5:
        return Polygon()
    ux, uy = dx / norm, dy / norm
    r = math.hypot(home.bounds[2] - home.bounds[0], home.bounds[3] - home.bounds[1]) + reach_m
    back = Polygon(
        [
            (c.x - uy * r, c.y + ux * r),
            (c.x + uy * r, c.y - ux * r),
            (c.x + uy * r - ux * r, c.y - ux * r - uy * r),
            (c.x - uy * r - ux * r, c.y + ux * r - uy * r),
        ]
    )
    return home.buffer(reach_m).intersection(back).difference(home)


def rear_access(ctx: Context) -> CriterionResult:
    """Public paths behind homes: Secured by Design's rear access footpaths, which the connectivity
    criterion rewards as links.

    A house's front is where its mapped front doors are, else the nearest street within 60 m (a house
    with neither is not judged); its back is the ground within 20 m on the other side of its centre.
    A house is *open at the back* when at least 10 m of public footpath, cycleway or alley runs there
    (sidewalks and crossings belong to the street, as does any footpath within 12 m of a street;
    ``access=private`` and gated ways are not public).
    value = 100 × (1 − houses open at the back / houses judged).

    >>> ctx = Context(area=box(0, 0, 100, 100), study=box(0, 0, 100, 100),
    ...     paths=[(LineString([(0, 0), (100, 0)]), {"highway": "residential"}),
    ...            (LineString([(0, 40), (100, 40)]), {"highway": "footway"})],
    ...     buildings=[(box(10, 10, 30, 25), {"building": "house"}),
    ...                (box(60, 10, 80, 25), {"building": "house"})])
    >>> r = rear_access(ctx)  # both face the street to the south; the footway runs 15 m behind them
    >>> r.value, r.evidence["homes_open_at_back"]
    (0.0, 2)
    """
    residences = homes(ctx, ctx.study)
    evidence: dict[str, object] = {"homes": len(residences)}
    missing = without_data(ctx, "rear_access", evidence)
    if missing is not None:
        return missing
    streets = [g for g, p in ctx.paths if osm.is_front_street(p)]
    zones: list[tuple[BaseGeometry, BaseGeometry]] = []
    from_doors = 0
    for g, _ in residences:
        front = _front(ctx, g, streets)
        if front is None:
            continue
        zones.append((g, rear_zone(g, front)))
        if any(d.distance(g) <= DOOR_M for d, p in ctx.entrances if osm.is_front_door(p)):
            from_doors += 1
    judged = len(zones)
    backs = [z for _, z in zones if not z.is_empty]
    near_backs = shapely.unary_union(backs) if backs else Polygon()
    rear_paths = union_lines(
        [g for g, p in ctx.walkable() if osm.is_rear_path(p) and g.intersects(near_backs)]
    )
    if streets and not rear_paths.is_empty:
        near = [s for s in streets if s.distance(rear_paths) <= SIDEWALK_M]
        if near:
            rear_paths = rear_paths.difference(union_lines(near).buffer(SIDEWALK_M, quad_segs=2))
    open_back: list[BaseGeometry] = []
    behind: list[BaseGeometry] = []
    for g, zone in zones:
        if zone.is_empty or rear_paths.is_empty:
            continue
        piece = rear_paths.intersection(zone)
        if piece.length >= REAR_MIN_M:
            open_back.append(g)
            behind.append(piece)
    behind_union = union_lines(behind)
    evidence |= {
        "homes_judged": judged,
        "front_from_entrances": from_doors,
        "homes_open_at_back": len(open_back),
        "rear_path_length_m": round(float(behind_union.length), 1),
        "rear_distance_m": REAR_M,
    }
    if not residences or not judged:
        return nothing_to_judge(
            "rear_access",
            evidence,
            (
                NO_HOMES
                if not residences
                else f"Inget bostadshus har en entré eller gata inom {sv.metres(FRONT_SEARCH_M)} "
                "som visar vad som är fram- och baksida"
            )
            + "; värdet är neutralt (50).",
            confidence="låg",
            measures=[NO_HOMES_MEASURE] if not residences else [],
        )
    value = 100 * (1 - len(open_back) / judged)
    unjudged = len(residences) - judged
    n_open = len(open_back)
    head = "Inget" if n_open == 0 else sv.number(n_open)
    why = (
        f"{head} av {sv.count(judged, 'bedömt bostadshus', 'bedömda bostadshus')} har en allmän "
        f"gång- eller cykelväg längs baksidan, inom {sv.metres(REAR_M)}"
        + (f" (sammanlagt {sv.metres(float(behind_union.length))})" if n_open else "")
        + (
            f"; för {sv.count(unjudged, 'hus', 'hus')} finns ingen gata eller entré inom "
            f"{sv.metres(FRONT_SEARCH_M)}, så fram- och baksida kan inte bedömas"
            if unjudged
            else ""
        )
        + "."
    )
    measures: list[Measure] = []
    if n_open:
        measures.append(
            Measure(
                "Lägg gång- och cykelvägar framför husen, inte längs baksidor och trädgårdar; "
                "behövs en väg på baksidan, sätt en låsbar grind i husliv mot gatan.",
                SAMHALLSBYGGNAD,
            )
        )
        measures.append(
            Measure(
                "Grinda och belys befintliga passager bakom husen så att grindarna syns från gatan.",
                VASBYHEM,
            )
        )
    return CriterionResult(
        "rear_access",
        value,
        evidence,
        why,
        measures,
        {"rear_paths": [behind_union] if not behind_union.is_empty else []},
        "hög" if from_doors == judged else "medel",
    )
