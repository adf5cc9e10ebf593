"""Children's routes (barns vägar): from the plan's homes to preschools, schools and places for play and
leisure, with the main roads crossed and the dark or hidden stretches on the way.

The Convention on the Rights of the Child is Swedish law since 2020 (lag 2018:1197), and Boverket asks
planners to weigh the child's best in a barnkonsekvensanalys. This criterion gives that analysis its
routes: each is returned as evidence a page can list (length, crossings with their places and roads,
dark and hidden stretches) and as a line on the map. Formula, thresholds and sources: docs/method.md,
"Barns vägar".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, box  # noqa: F401  (box: doctests)
from shapely.geometry.base import BaseGeometry

from geo import swedish as sv
from geo.criteria import osm
from geo.criteria.base import (
    KULTUR_FRITID,
    SAMHALLSBYGGNAD,
    UTBILDNING,
    CriterionResult,
    Measure,
    clip01,
)
from geo.criteria.context import Context, Feature
from geo.criteria.homes import NO_HOMES_MEASURE, homes, residents_of
from geo.criteria.inputs import nothing_to_judge, without_data
from geo.criteria.network import union_lines
from geo.criteria.routes import Passage, Walks, passage, snap, walk_graph

KINDS = ("förskola", "skola", "fritid")
KIND_NAMES = {"förskola": "förskola", "skola": "skola", "fritid": "lek och fritid"}
# Walking distance that scores full (the access falls linearly to 0 at twice this).
TARGETS_M = {"förskola": 500.0, "skola": 1000.0, "fritid": 500.0}
KIND_WEIGHTS = {"skola": 0.4, "förskola": 0.3, "fritid": 0.3}
ACCESS_WEIGHT, LIT_WEIGHT, OPEN_WEIGHT = 0.4, 0.3, 0.3
# An unsignalled main-road crossing costs half of what a route wholly in the dark does; a signalled
# one half as much.
CROSSING_PENALTY = 0.15
SIGNALLED_PENALTY = 0.075
ORIGIN_CELL_M = 100.0  # the plan's homes are grouped in cells this size, one route per group
SIDE_STEP_M = 3.0  # the side of a road is read this far before and after the route meets it
AT_CROSSING_M = 1.0  # a way this close to where the route meets a road carries it there
STRAIGHT_ON = math.cos(math.radians(30))  # a road continues another within 30° of straight on


ONE_CROSSING_M = 30.0  # a road's carriageways and tracks crossed within this are one crossing


@dataclass(frozen=True)
class Crossing:
    """Where a route crosses a main road at grade: the point, the road's name, signals or not, and
    how many of the road's carriageways (ways of their own: roadways, tram tracks) it crosses there."""

    point: Point
    road: str
    signalled: bool
    carriageways: int = 1


@dataclass
class ChildRoute:
    """One child's route: from a group of the plan's homes to the best place of one kind."""

    group: int  # the group of homes (``origins``) it starts from
    origin: str
    kind: str
    destination: str | None  # None: no place of this kind can be reached along the network
    length_m: float
    line: BaseGeometry
    crossings: list[Crossing]
    passage: Passage
    score: float  # 0–1

    def evidence(self, index: int) -> dict[str, Any]:
        """Plain data for the stored assessment and the barnkonsekvens section; ``geometry`` is the
        route's index in the map layer ``child_routes`` (coordinates in SWEREF 99 TM, metres)."""
        p = self.passage
        return {
            "group": self.group,
            "origin": self.origin,
            "kind": self.kind,
            "destination": self.destination,
            "length_m": round(self.length_m, 1) if math.isfinite(self.length_m) else None,
            "target_m": TARGETS_M[self.kind],
            "crossings": len(self.crossings),
            "signalled_crossings": sum(1 for c in self.crossings if c.signalled),
            "crossing_points": [
                {
                    "x": round(c.point.x, 1),
                    "y": round(c.point.y, 1),
                    "road": c.road,
                    "signalled": c.signalled,
                    "carriageways": c.carriageways,
                }
                for c in self.crossings
            ],
            "dark_m": round(p.dark_m, 1),
            "dark_share": round(p.share(p.dark_m), 3),
            "hidden_m": round(p.hidden_m, 1),
            "hidden_share": round(p.share(p.hidden_m), 3),
            "dark_stretches": len(p.dark_stretches),
            "hidden_stretches": len(p.hidden_stretches),
            "score": round(100 * self.score, 1),
            "geometry": index,
        }


def destinations(ctx: Context) -> list[tuple[str, str, BaseGeometry]]:
    """Where children go, as (kind, name, geometry): points and areas from the POIs, parks, land use
    (a plan's S and LEK zones) and buildings (``osm.child_destination``)."""
    out = []
    for g, p in [*ctx.pois, *ctx.parks, *ctx.landuse, *ctx.buildings]:
        kind = osm.child_destination(p)
        if kind is not None:
            out.append((kind, _name(p, KIND_NAMES[kind]), g))
    return out


def _name(props: Mapping[str, Any], fallback: str) -> str:
    name = str(props.get("name", "") or "").strip()
    if name:
        return name
    street, number = props.get("addr:street"), props.get("addr:housenumber")
    return f"{street} {number}".strip() if street else fallback


def origins(ctx: Context) -> list[tuple[str, BaseGeometry, float]]:
    """The plan's homes grouped in 100 m cells, as (label, the home nearest the group's middle,
    estimated residents of the group); in the order of their cells.

    >>> ctx = Context(area=box(0, 0, 300, 100), study=box(0, 0, 300, 100), buildings=[
    ...     (box(10, 10, 30, 30), {"building": "house", "name": "Villa A"}),
    ...     (box(40, 10, 60, 30), {"building": "house"}),
    ...     (box(210, 10, 230, 30), {"building": "house", "addr:street": "Storgatan", "addr:housenumber": "2"})])
    >>> [label for label, _, _ in origins(ctx)]
    ['Villa A', 'Storgatan 2']
    """
    groups: dict[tuple[int, int], list[Feature]] = {}
    for g, p in homes(ctx, ctx.area):
        at = g.representative_point()
        cell = (math.floor(at.x / ORIGIN_CELL_M), math.floor(at.y / ORIGIN_CELL_M))
        groups.setdefault(cell, []).append((g, p))
    out = []
    for n, cell in enumerate(sorted(groups), start=1):
        members = groups[cell]
        points = np.array([m.representative_point().coords[0] for m, _ in members])
        middle = Point(points.mean(axis=0))
        g, p = min(members, key=lambda f: (f[0].distance(middle), f[0].bounds))
        label = _name(p, f"Bostäder {n}")
        out.append((label, g, sum(residents_of(m, q) for m, q in members)))
    return out


def _roads(ctx: Context) -> list[tuple[str, BaseGeometry]]:
    """The main roads at grade as (name, line): the ways of one name (or ref) merged into one line, so
    a road split into many ways, or running through a junction, is one road."""
    by_name: dict[str, list[BaseGeometry]] = {}
    for i, (g, p) in enumerate(ctx.paths):
        if (
            osm.is_main_road(p)
            and not osm.is_grade_separated(p)
            and g.geom_type in ("LineString", "MultiLineString")
        ):
            by_name.setdefault(str(p.get("name") or p.get("ref") or f"#{i}"), []).append(g)
    # An unnamed road keeps a key of its own ("#n") so it is told from others; it is shown as "".
    return [
        (name, shapely.line_merge(union_lines(lines))) for name, lines in sorted(by_name.items())
    ]


def _side(road: BaseGeometry, q: Point) -> float:
    """Which side of ``road`` the point ``q`` is on: the sign of the cross product with the road's
    direction at its nearest point (0 when on it)."""
    parts = [g for g in shapely.get_parts(road) if g.geom_type == "LineString"]
    part = min(parts, key=lambda g: g.distance(q))
    d = part.project(q)
    a = part.interpolate(max(0.0, d - 0.5))
    b = part.interpolate(min(part.length, d + 0.5))
    return float(np.sign((b.x - a.x) * (q.y - a.y) - (b.y - a.y) * (q.x - a.x)))


def crossings(
    route: BaseGeometry, roads: Sequence[tuple[str, BaseGeometry]], ways: Sequence[Feature]
) -> list[Crossing]:
    """Where ``route`` crosses a main road at grade: it meets the road (at a point, or along it for a
    while) and is on the other side of it 3 m later. Each road is judged on its own, so a new main
    road adds its crossings and changes no other's. A road's carriageways (roadways and tracks
    mapped as ways of their own) crossed within 30 m of each other along the route are one crossing,
    unsignalled if any of them is. A meeting where the way carrying the route is a bridge or a
    tunnel is not a crossing, nor is passing the end of a road; a crossing whose way is tagged with
    traffic signals is signalled.

    >>> road = [("Centralvägen", LineString([(0, 50), (200, 50)]))]
    >>> ways = [(LineString([(100, 0), (100, 100)]), {"highway": "footway", "crossing": "traffic_signals"})]
    >>> [(c.road, c.signalled) for c in crossings(LineString([(100, 0), (100, 100)]), road, ways)]
    [('Centralvägen', True)]
    >>> crossings(LineString([(100, 0), (100, 50), (150, 50), (150, 0)]), road, [])  # along, same side
    []
    >>> crossings(LineString([(200, 0), (200, 100)]), road, [])  # past the road's end, at a T
    []
    >>> renamed = [*road, ("Stationsgatan", LineString([(200, 50), (400, 50)]))]
    >>> [c.road for c in crossings(LineString([(200, 0), (200, 100)]), renamed, [])]
    ['Centralvägen']
    """
    line = shapely.line_merge(route) if route.geom_type == "MultiLineString" else route
    if line.is_empty or line.geom_type != "LineString":
        return []
    total = float(line.length)
    out: list[Crossing] = []
    tree = shapely.STRtree([g for g, _ in ways]) if ways else None
    for name, road in roads:
        if road.distance(line) > 0.01:
            continue
        road_ends = [
            Point(c)
            for g in shapely.get_parts(road)
            if g.geom_type == "LineString"
            for c in (g.coords[0], g.coords[-1])
        ]
        found: list[tuple[float, Crossing]] = []
        for part in shapely.get_parts(line.intersection(road)):
            if part.is_empty:
                continue
            side_of = road
            if part.geom_type == "Point" and any(part.distance(e) <= 0.5 for e in road_ends):
                # Where the road ends, the route crosses only if another main road carries it on
                # (a street that changes its name at a junction); that crossing is counted once,
                # for the name first in order. Past the end of a road at a T there is nothing to cross.
                through = _continued(name, road, part, roads)
                if through is None:
                    continue
                side_of = through
            coords = (
                part.coords if part.geom_type in ("Point", "LineString") else part.centroid.coords
            )
            ends = [line.project(Point(c)) for c in coords]
            t0, t1 = min(ends), max(ends)
            if t0 - SIDE_STEP_M < 0 or t1 + SIDE_STEP_M > total:
                continue  # the route starts or ends at the road: no other side to reach
            before = _side(side_of, line.interpolate(t0 - SIDE_STEP_M))
            after = _side(side_of, line.interpolate(t1 + SIDE_STEP_M))
            if before * after >= 0:
                continue
            at = line.interpolate((t0 + t1) / 2)
            near = (
                tree.query(at, predicate="dwithin", distance=AT_CROSSING_M)
                if tree is not None
                else []
            )
            carrying = [ways[int(i)][1] for i in near if not osm.is_main_road(ways[int(i)][1])]
            if any(osm.is_grade_separated(p) for p in carrying):
                continue
            shown = "" if name.startswith("#") else name
            crossing = Crossing(at, shown, any(osm.is_signalled(p) for p in carrying))
            found.append(((t0 + t1) / 2, crossing))
        out.extend(_one_per_place(sorted(found, key=lambda f: f[0])))
    out.sort(key=lambda c: line.project(c.point))
    return out


def _end_direction(line: BaseGeometry, at: Point) -> tuple[float, float] | None:
    """The unit direction in which ``line`` runs out of ``at`` (one of its ends), or None."""
    coords = list(line.coords)
    if Point(coords[-1]).distance(at) <= 0.5:
        coords.reverse()
    if Point(coords[0]).distance(at) > 0.5 or len(coords) < 2:
        return None
    (x0, y0), (x1, y1) = coords[0][:2], coords[1][:2]
    norm = math.hypot(x1 - x0, y1 - y0)
    return ((x1 - x0) / norm, (y1 - y0) / norm) if norm > 0 else None


def _continued(
    name: str, road: BaseGeometry, at: Point, roads: Sequence[tuple[str, BaseGeometry]]
) -> BaseGeometry | None:
    """The road carried on through its end ``at`` by another main road (within 30° of straight on),
    as one line, when this road's name comes first; else None."""
    ending = [g for g in shapely.get_parts(road) if _end_direction(g, at) is not None]
    for other_name, other in roads:
        if other_name == name or other_name < name or other.distance(at) > 0.5:
            continue
        for g in ending:
            for h in shapely.get_parts(other):
                a, b = _end_direction(g, at), _end_direction(h, at)
                if a is not None and b is not None and a[0] * b[0] + a[1] * b[1] < -STRAIGHT_ON:
                    return shapely.line_merge(union_lines([g, h]))
    return None


def _one_per_place(found: Sequence[tuple[float, Crossing]]) -> list[Crossing]:
    """A road's crossings along a route, those within 30 m of the previous one taken as one."""
    out: list[Crossing] = []
    last = -math.inf
    for t, c in found:
        if out and t - last <= ONE_CROSSING_M:
            prev = out[-1]
            out[-1] = Crossing(
                prev.point, prev.road, prev.signalled and c.signalled, prev.carriageways + 1
            )
        else:
            out.append(c)
        last = t
    return out


def route_score(access: float, p: Passage, crossed: Sequence[Crossing]) -> float:
    """0.4 × access + 0.3 × lit share + 0.3 × share not hidden − 0.15 per unsignalled and 0.075 per
    signalled main-road crossing, within 0–1.

    >>> from geo.criteria.routes import Passage
    >>> p = Passage(400.0, 100.0, 0.0, 0.0, 100.0, [], [])
    >>> route_score(1.0, p, [Crossing(Point(0, 0), "", False)])  # 0.4 + 0.3 × 0.75 + 0.3 − 0.15
    0.775
    """
    penalty = sum(SIGNALLED_PENALTY if c.signalled else CROSSING_PENALTY for c in crossed)
    lit = 1 - p.share(p.dark_m)
    open_ = 1 - p.share(p.hidden_m)
    return round(
        clip01(ACCESS_WEIGHT * access + LIT_WEIGHT * lit + OPEN_WEIGHT * open_ - penalty), 6
    )


def _access(distance_m: float, target_m: float) -> float:
    return clip01((2 * target_m - distance_m) / target_m)


def child_routes(ctx: Context) -> list[ChildRoute]:
    """Every group of the plan's homes to the best place of each kind present in the data: the
    shortest walk to each place of the kind, scored by ``route_score``, the best one kept (so a new
    place, a lamp or a calmer road never lowers it)."""
    graph = walk_graph(ctx)
    places = destinations(ctx)
    kinds = [k for k in KINDS if any(kind == k for kind, _, _ in places)]
    snapped = [(kind, name, snap(graph, g)) for kind, name, g in places]
    roads = _roads(ctx)
    ways = [(g, p) for g, p in ctx.walkable()]
    empty = Passage(0.0, 0.0, 0.0, 0.0, 0.0, [], [])
    out: list[ChildRoute] = []
    for group, (label, home, _) in enumerate(origins(ctx)):
        start = snap(graph, home)
        walks = Walks(graph, start) if start is not None else None
        for kind in kinds:
            best: ChildRoute | None = None
            if walks is not None:
                options = sorted(
                    (walks.distance(at), name, i)
                    for i, (k, name, at) in enumerate(snapped)
                    if k == kind and at is not None
                )
                for d, name, i in options:
                    at = snapped[i][2]
                    assert at is not None
                    if not math.isfinite(d):
                        break
                    access = _access(d, TARGETS_M[kind])
                    if (
                        best is not None
                        and ACCESS_WEIGHT * access + LIT_WEIGHT + OPEN_WEIGHT <= best.score
                    ):
                        break  # sorted by distance: no later place can do better
                    walk = walks.walk(at)
                    if walk is None:
                        continue
                    # Light and cover are read along the network; crossings along the whole walk,
                    # from the home itself (a home beside a main road may snap onto it).
                    p = passage(ctx, walk.line)
                    crossed = crossings(walk.whole, roads, ways)
                    score = route_score(access, p, crossed)
                    if best is None or score > best.score:
                        best = ChildRoute(
                            group, label, kind, name, walk.length_m, walk.whole, crossed, p, score
                        )
            out.append(
                best or ChildRoute(group, label, kind, None, math.inf, LineString(), [], empty, 0.0)
            )
    return out


def children_routes(ctx: Context) -> CriterionResult:
    """Children's routes from the plan's homes to preschools, schools and places for play and leisure.

    Per group of homes and kind (förskola 500 m, skola 1 000 m, lek och fritid 500 m): the best place of
    the kind by ``route_score`` of its shortest walk, access = clip((2·target − metres) / target, 0, 1);
    0 when no place of the kind is reached. A group's score weighs skola 0.4, förskola 0.3, lek och
    fritid 0.3 over the kinds present in the data; value = 100 × the groups' scores weighed by their
    estimated residents.

    >>> from shapely.geometry import Polygon
    >>> ctx = Context(area=box(0, 0, 60, 60), study=box(-200, -200, 800, 260),
    ...     paths=[(LineString([(30, 0), (630, 0)]), {"highway": "footway", "lit": "yes"}),
    ...            (LineString([(300, -100), (300, 100)]), {"highway": "secondary", "name": "Centralvägen"})],
    ...     buildings=[(Polygon([(30, 10), (40, 20), (30, 30), (20, 20)]), {"building": "house"})],
    ...     pois=[(Point(630, 5), {"amenity": "school", "name": "Dragonskolan"})],
    ...     landuse=[(box(-200, -200, 0, 0), {"landuse": "residential"})])
    >>> r = children_routes(ctx)  # 10 + 600 + 5 m, all lit; one unsignalled crossing of Centralvägen
    >>> route = r.evidence["routes"][0]
    >>> route["destination"], route["length_m"], route["crossings"], route["crossing_points"][0]["road"]
    ('Dragonskolan', 615.0, 1, 'Centralvägen')
    >>> r.value  # only skola in the data: 100 × (0.4 × 1 + 0.3 × 1 + 0.3 × 1 − 0.15)
    85.0
    """
    evidence: dict[str, Any] = {"origins": 0, "routes": []}
    missing = without_data(ctx, "children_routes", evidence)
    if missing is not None:
        return missing
    groups = origins(ctx)
    if not groups:
        return nothing_to_judge(
            "children_routes",
            evidence,
            "Planområdet har inga byggnader märkta som bostäder i underlaget, så barns vägar från "
            "bostäderna kan inte bedömas; värdet är neutralt (50).",
            confidence="låg",
            measures=[NO_HOMES_MEASURE],
        )
    routes = child_routes(ctx)
    if not routes:  # the data layer found places (``available``) but passed none within reach
        return CriterionResult(
            "children_routes",
            0.0,
            {**evidence, "origins": len(groups)},
            "Ingen skola, förskola eller plats för lek och fritid nås från bostäderna inom "
            "underlagets räckvidd, fast sådana platser finns i kommunen.",
            [
                Measure(
                    "Pröva förskola, skola och platser för lek på gångavstånd från bostäderna.",
                    UTBILDNING,
                )
            ],
            confidence="medel",
        )
    kinds = sorted({r.kind for r in routes}, key=KINDS.index)
    weight_sum = sum(KIND_WEIGHTS[k] for k in kinds)
    by_group = [0.0] * len(groups)
    for r in routes:
        by_group[r.group] += KIND_WEIGHTS[r.kind] * r.score / weight_sum
    residents = [n for _, _, n in groups]
    value = 100 * float(np.dot(residents, by_group)) / sum(residents)
    lines = [r.line for r in routes]
    reached = [r for r in routes if r.destination is not None]
    all_crossings = [c for r in routes for c in r.crossings]
    walked = sum(r.passage.length_m for r in reached)
    dark = sum(r.passage.dark_m for r in reached)
    hidden = sum(r.passage.hidden_m for r in reached)
    evidence = {
        "origins": len(groups),
        "kinds": kinds,
        "routes": [r.evidence(i) for i, r in enumerate(routes)],
        "routes_reached": len(reached),
        "crossings": len(all_crossings),
        "signalled_crossings": sum(1 for c in all_crossings if c.signalled),
        "dark_share": round(dark / walked, 3) if walked else 0.0,
        "hidden_share": round(hidden / walked, 3) if walked else 0.0,
    }
    parts = []
    for kind in kinds:
        of_kind = [r for r in routes if r.kind == kind]
        got = [r for r in of_kind if r.destination is not None]
        if not got:
            parts.append(f"{KIND_NAMES[kind]} nås inte längs gångnätet")
            continue
        mean = float(np.mean([r.length_m for r in got]))
        crossed = float(np.mean([len(r.crossings) for r in got]))
        parts.append(
            f"{KIND_NAMES[kind]} {sv.metres(mean)} bort med "
            + sv.count(
                crossed,
                "korsning av större gata",
                "korsningar av större gator",
                1 if crossed % 1 else 0,
            )
        )
    who = (
        "bostäderna i planen"
        if len(groups) == 1
        else f"{sv.count(len(groups), 'grupp', 'grupper')} av bostäder i planen (i snitt)"
    )
    why = (
        f"Från {who}: {sv.join(parts)}; "
        f"{sv.percent(dark / walked if walked else 0.0)} av vägarna går i mörker och "
        f"{sv.percent(hidden / walked if walked else 0.0)} intill tät vegetation eller i tunnel."
    )
    measures: list[Measure] = []
    unsignalled = sum(1 for c in all_crossings if not c.signalled)
    if unsignalled:
        measures.append(
            Measure(
                "Säkra barnens passager över de större gatorna (planskild passage, signal eller "
                "hastighet 30 km/h) på vägen till skola, förskola och fritid.",
                SAMHALLSBYGGNAD,
            )
        )
    if walked and dark / walked > 0.1:
        measures.append(
            Measure(
                "Belys vägarna mellan bostäderna, skolan, förskolan och fritidsplatserna hela vägen.",
                SAMHALLSBYGGNAD,
            )
        )
    if walked and hidden / walked > 0.05:
        measures.append(
            Measure(
                "Röj vegetationen längs barnens vägar och undvik gångtunnlar på dem.",
                SAMHALLSBYGGNAD,
            )
        )
    far = [r for r in routes if r.kind in ("skola", "förskola") and r.length_m > TARGETS_M[r.kind]]
    if far:
        measures.append(
            Measure(
                "Pröva förskola och skola närmare bostäderna, eller skolskjuts där vägen är lång "
                "eller osäker.",
                UTBILDNING,
            )
        )
    if any(r.kind == "fritid" and r.length_m > TARGETS_M["fritid"] for r in routes):
        measures.append(
            Measure(
                "Planera lekplats och mötesplatser för unga på gångavstånd, längs belysta och "
                "överblickbara vägar.",
                KULTUR_FRITID,
            )
        )
    measures.append(
        Measure(
            "Gör en barnkonsekvensanalys med barnen i området, gärna en trygghetsvandring längs "
            "skolvägen, innan planen antas.",
            SAMHALLSBYGGNAD,
        )
    )
    return CriterionResult(
        "children_routes",
        value,
        evidence,
        why,
        measures,
        {
            "child_routes": lines,
            "child_crossings": [c.point for c in all_crossings],
            "child_dark": [g for r in reached for g in r.passage.dark_stretches],
            "child_hidden": [g for r in reached for g in r.passage.hidden_stretches],
        },
        "hög" if len(reached) == len(routes) else "medel",
    )
