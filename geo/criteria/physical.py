"""Criteria of the built environment: lighting, natural surveillance, hidden spots, connectivity,
transport. Each is documented with its formula and source in docs/method.md."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, MultiPolygon, Point  # noqa: F401  (LineString: doctests)
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from geo import swedish as sv
from geo.criteria import osm
from geo.criteria.base import (
    FASTIGHETSAGARE,
    POLISEN,
    SAMHALLSBYGGNAD,
    TRAFIKOPERATOR,
    VASBYHEM,
    CriterionResult,
    Measure,
    clip01,
)
from geo.criteria.context import Context, Feature
from geo.criteria.inputs import without_data
from geo.criteria.network import (
    NODE_PRECISION_M,
    Graph,
    length_within,
    stretches_outside,
    union_lines,
)

LAMP_REACH_M = 25.0  # a street lamp lights the walkway within this distance (spacing 30–50 m)
DARK_GAP_M = 50.0  # an unlit stretch at least this long is a dark gap
DARK_GAP_PENALTY = 5.0  # points per 100 m of dark gap per km of walkable network (at least 1 km)
FRONTAGE_M = 20.0  # a building this close to a path has eyes on it
BLIND_STRETCH_M = 50.0  # a stretch this long with no building frontage is "blind"
BLIND_FACADE_M = 20.0  # a stretch this long passing only blind walls (garages, warehouses)
VEGETATION_M = 5.0  # dense vegetation this close to a path can hide someone
HIDDEN_STRETCH_M = 20.0
# A metre of tunnel counts as this many metres of path beside dense vegetation (at least 1, so a new
# tunnel never raises the value): a 25 m underpass unlit costs 10 points in a 1 km network.
UNLIT_TUNNEL_WEIGHT = 4.0
LIT_TUNNEL_WEIGHT = 2.0
INTERSECTIONS_TARGET_PER_KM2 = 100.0  # a fine-meshed town grid (docs/method.md)
BOUNDARY_TOLERANCE_M = 1.0
MIN_PAIR_DISTANCE_M = 100.0
MAX_DETOUR = 3.0
MAX_ROUTING_NODES = 80
BUS_TARGET_M = 400.0
STATION_TARGET_M = 1000.0
STOP_SNAP_M = 60.0


def _no_network(key: str) -> CriterionResult:
    """Neutral, for ways that touch the study area without forming a network in it."""
    return CriterionResult(
        key,
        50.0,
        {"walkable_length_m": 0.0},
        "Gatorna och gångvägarna i underlaget bildar inget nät inom området; värdet är neutralt (50).",
        [],
        confidence="låg",
    )


def _clip_lines(features: Sequence[Feature], extent: BaseGeometry) -> BaseGeometry:
    return union_lines([g.intersection(extent) for g, _ in features if g.intersects(extent)])


def _buffer_union(geoms: Sequence[BaseGeometry], distance: float) -> BaseGeometry:
    if not geoms:
        return MultiPolygon()
    return shapely.unary_union(shapely.buffer(np.asarray(list(geoms), dtype=object), distance))


def _walk_net(ctx: Context) -> BaseGeometry:
    """The walkable network clipped to the study area (computed once per context)."""
    key = "walk_net"
    if key not in ctx.extra:
        ctx.extra[key] = _clip_lines(ctx.walkable(), ctx.study)
    net: BaseGeometry = ctx.extra[key]
    return net


def _light_sources(ctx: Context) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """The lamps and the ways tagged lit, as arrays (made once per context: walks ask many times)."""
    key = "light_sources"
    if key not in ctx.extra:
        ctx.extra[key] = (
            np.asarray([g for g, _ in ctx.lamps], dtype=object),
            np.asarray([g for g, p in ctx.paths if osm.is_lit(p)], dtype=object),
        )
    sources: tuple[NDArray[np.object_], NDArray[np.object_]] = ctx.extra[key]
    return sources


def _lit_cover_of(
    ctx: Context, target: BaseGeometry, reach_m: float = LAMP_REACH_M
) -> BaseGeometry:
    """Where a walker near ``target`` is lit: within ``reach_m`` of a lamp, or on a way tagged lit."""
    near = target.buffer(reach_m + 1, quad_segs=2)
    shapely.prepare(near)
    lamps, ways = _light_sources(ctx)
    lamps = lamps[shapely.intersects(near, lamps)]
    lit_ways = shapely.intersection(ways[shapely.intersects(near, ways)], near)
    parts = list(shapely.buffer(lamps, reach_m)) if len(lamps) else []
    parts += [g.buffer(0.5) for g in lit_ways if not g.is_empty]
    return shapely.unary_union(parts) if parts else MultiPolygon()


def lit_cover(ctx: Context, reach_m: float = LAMP_REACH_M) -> BaseGeometry:
    """Where a walker in the study area is lit: within ``reach_m`` of a lamp, or on a way tagged
    ``lit=yes``. Computed once per context and reach."""
    key = f"lit_cover:{reach_m}"
    if key not in ctx.extra:
        ctx.extra[key] = _lit_cover_of(ctx, ctx.study, reach_m)
    cover: BaseGeometry = ctx.extra[key]
    return cover


def lighting(
    ctx: Context, *, reach_m: float = LAMP_REACH_M, gap_m: float = DARK_GAP_M
) -> CriterionResult:
    """Share of the walkable network in the study area that is lit, less the length of dark gaps.

    value = 100 × lit share − 5 × (metres of dark gap / 100) per km of walkable network (counted as
    at least 1 km), within 0–100. A *dark gap* is a connected unlit part of the network at least
    ``gap_m`` long. Penalising the gaps' length, not their number, keeps the value monotone: a lamp that
    splits one gap in two shortens the dark length and never lowers the value (docs/method.md).

    >>> from shapely.geometry import box
    >>> ctx = Context(area=box(0, -50, 200, 50), study=box(0, -50, 200, 50),
    ...     paths=[(LineString([(0, 0), (200, 0)]), {"highway": "footway"})],
    ...     lamps=[(Point(25, 0), {})])
    >>> r = lighting(ctx)  # lit 0–50 m (25 ± 25): share 50 / 200; a dark gap of 150 m: 25 − 7.5
    >>> r.value, r.evidence["lit_share"], r.evidence["dark_gaps"], r.evidence["dark_gap_length_m"]
    (17.5, 0.25, 1, 150.0)
    """
    net = _walk_net(ctx)
    total = float(net.length)
    lamps_in = sum(1 for g, _ in ctx.lamps if g.intersects(ctx.study))
    neutral = without_data(
        ctx, "lighting", {"walkable_length_m": round(total, 1), "lamps": lamps_in}
    )
    if neutral is not None:
        return neutral
    if total == 0:
        return _no_network("lighting")
    cover = lit_cover(ctx, reach_m)
    lit = length_within(net, cover)
    share = lit / total
    gaps = stretches_outside(net, cover, gap_m)
    dark_m = float(sum(g.length for g in gaps))
    km = max(1.0, total / 1000)  # a gap weighs less in a larger network
    value = max(0.0, min(100.0, 100 * share - DARK_GAP_PENALTY * (dark_m / 100) / km))
    longest = max((g.length for g in gaps), default=0.0)
    evidence = {
        "walkable_length_m": round(total, 1),
        "lit_length_m": round(lit, 1),
        "lit_share": round(share, 3),
        "lamps": lamps_in,
        "lamp_reach_m": reach_m,
        "dark_gap_threshold_m": gap_m,
        "dark_gaps": len(gaps),
        "dark_gap_length_m": round(dark_m, 1),
        "longest_dark_gap_m": round(longest, 1),
    }
    gap_text = (
        f"ingen mörk sträcka är längre än {sv.metres(gap_m)}."
        if not gaps
        else f"{sv.count(len(gaps), 'mörk sträcka', 'mörka sträckor')} på "
        + ("sammanlagt " if len(gaps) > 1 else "")
        + f"{sv.metres(dark_m)} är längre än {sv.metres(gap_m)}"
        + (f" (den längsta {sv.metres(longest)})." if len(gaps) > 1 else ".")
    )
    why = (
        f"{sv.percent(share)} av gångnätets {sv.metres(total)} ligger inom {sv.metres(reach_m)} från "
        f"en gatlampa eller är märkt som belyst; {gap_text}"
    )
    measures: list[Measure] = []
    if gaps:
        along = (
            "längs den mörka sträckan"
            if len(gaps) == 1
            else f"längs de {sv.count(len(gaps), 'mörk sträcka', 'mörka sträckorna')}"
        )
        measures.append(
            Measure(
                f"Sätt upp gatubelysning {along} (markerade på kartan).",
                SAMHALLSBYGGNAD,
            )
        )
    if share < 0.8:
        measures.append(
            Measure(
                "Belys gång- och cykelvägar jämnt och utan bländning, så att man ser ansikten på några meters håll.",
                SAMHALLSBYGGNAD,
            )
        )
    if any(osm.is_residential(p) for _, p in ctx.buildings):
        measures.append(
            Measure("Belys entréer, gårdar och vägen till soprum och cykelförråd.", VASBYHEM)
        )
    return CriterionResult("lighting", value, evidence, why, measures, {"dark_gaps": list(gaps)})


def _active_buildings(ctx: Context) -> list[bool]:
    """Which buildings have an active ground floor: by their own tags or a shop/café POI within 5 m.

    A building with blind walls (garages, warehouses) is never active, whatever stands beside it: so
    adding a blind building never raises natural surveillance (docs/method.md, monotonicity).
    """
    poi_geoms = [g for g, p in ctx.pois if osm.poi_function(p) in {"handel", "mat_noje", "service"}]
    tree = shapely.STRtree(poi_geoms) if poi_geoms else None
    out = []
    for g, p in ctx.buildings:
        if osm.is_blind_building(p):
            out.append(False)
            continue
        active = osm.is_active_ground_floor(p)
        if not active and tree is not None:
            active = len(tree.query(g, predicate="dwithin", distance=5.0)) > 0
        out.append(active)
    return out


def natural_surveillance(
    ctx: Context, *, frontage_m: float = FRONTAGE_M, blind_m: float = BLIND_STRETCH_M
) -> CriterionResult:
    """Share of street and path length overlooked by building frontage; active ground floors.

    value = 100 × (0.6 × overlooked share + 0.4 × share along active ground floors).

    >>> from shapely.geometry import box
    >>> ctx = Context(area=box(0, -50, 200, 50), study=box(0, -50, 200, 50),
    ...     paths=[(LineString([(0, 0), (200, 0)]), {"highway": "residential"})],
    ...     buildings=[(box(0, 10, 100, 30), {"building": "retail"})])
    >>> r = natural_surveillance(ctx)  # overlooked 0 to 100 + √(20² − 10²) = 117.3 m of 200, all active
    >>> r.value, r.evidence["overlooked_share"]  # 100 × (0.6 + 0.4) × 0.587 (buffers are polygons)
    (58.6, 0.586)
    """
    net = _walk_net(ctx)
    total = float(net.length)
    near = [(g, p) for g, p in ctx.buildings if g.intersects(ctx.study.buffer(frontage_m))]
    neutral = without_data(
        ctx, "natural_surveillance", {"walkable_length_m": round(total, 1), "buildings": len(near)}
    )
    if neutral is not None:
        return neutral
    if total == 0:
        return _no_network("natural_surveillance")
    active_flags = _active_buildings(Context(ctx.area, ctx.study, buildings=near, pois=ctx.pois))
    watching = [g for g, p in near if not osm.is_blind_building(p)]
    blind = [g for g, p in near if osm.is_blind_building(p)]
    active = [g for (g, _), a in zip(near, active_flags, strict=True) if a]
    watched_cover = _buffer_union(watching, frontage_m)
    active_cover = _buffer_union(active, frontage_m)
    watched = length_within(net, watched_cover) / total
    active_share = length_within(net, active_cover) / total
    blind_stretches = stretches_outside(net, watched_cover, blind_m)
    blind_facades: list[BaseGeometry] = []
    if blind:
        along_blind = net.intersection(_buffer_union(blind, frontage_m))
        blind_facades = stretches_outside(along_blind, watched_cover, BLIND_FACADE_M)
    value = 100 * (0.6 * watched + 0.4 * active_share)
    evidence = {
        "walkable_length_m": round(total, 1),
        "overlooked_length_m": round(watched * total, 1),
        "overlooked_share": round(watched, 3),
        "active_frontage_share": round(active_share, 3),
        "buildings": len(near),
        "active_buildings": len(active),
        "blind_buildings": len(blind),
        "frontage_distance_m": frontage_m,
        "blind_stretches": len(blind_stretches),
        "blind_facades": len(blind_facades),
    }
    why = (
        f"{sv.percent(watched)} av gatu- och gångnätet har byggnader med fönster inom "
        f"{sv.metres(frontage_m)} och {sv.percent(active_share)} passerar aktiva bottenvåningar; "
        f"{sv.count(len(blind_stretches), 'sträcka', 'sträckor')} längre än {sv.metres(blind_m)} "
        "saknar helt insyn och "
        f"{sv.count(len(blind_facades), 'sträcka', 'sträckor')} går längs blinda fasader."
    )
    measures: list[Measure] = []
    if watched < 0.7 or blind_stretches:
        measures.append(
            Measure(
                "Placera byggnader med entréer och fönster mot gatan längs de blinda sträckorna.",
                SAMHALLSBYGGNAD,
            )
        )
    if active_share < 0.3:
        measures.append(
            Measure(
                "Reglera lokaler i bottenvåningen mot gata och torg (användning C eller planbestämmelse).",
                SAMHALLSBYGGNAD,
            )
        )
    if blind_facades:
        measures.append(
            Measure(
                "Bryt upp blinda fasader (garage, förråd) med fönster, entréer eller verksamheter.",
                FASTIGHETSAGARE,
            )
        )
    return CriterionResult(
        "natural_surveillance",
        value,
        evidence,
        why,
        measures,
        {"blind_stretches": list(blind_stretches), "blind_facades": list(blind_facades)},
    )


def hidden_spots(ctx: Context, *, vegetation_m: float = VEGETATION_M) -> CriterionResult:
    """Paths bordered by dense vegetation, and tunnels and underpasses on the walkable network.

    value = 100 × (1 − min(1, hidden / walkable length)), where hidden = path length within 5 m of
    dense vegetation (outside tunnels) + 4 × unlit tunnel length + 2 × lit tunnel length. A metre of
    tunnel weighs more than a metre beside bushes, and never less than a metre of path, so more
    vegetation, a longer tunnel, a new tunnel or two tunnels joined never raise the value; a lamp never
    lowers it (docs/method.md, monotonicity).

    >>> from shapely.geometry import box
    >>> ctx = Context(area=box(0, -50, 200, 50), study=box(0, -50, 200, 50),
    ...     paths=[(LineString([(0, 0), (200, 0)]), {"highway": "footway"}),
    ...            (LineString([(200, 0), (200, 20)]), {"highway": "footway", "tunnel": "yes"})],
    ...     parks=[(box(0, 3, 50, 20), {"natural": "scrub"})])
    >>> r = hidden_spots(ctx)  # 0 to 50 + √(5² − 3²) = 54 m of 220 m beside scrub; 20 m unlit tunnel
    >>> r.value, r.evidence["vegetation_share"], r.evidence["tunnels"]  # 100 × (1 − (54 + 80) / 220)
    (39.1, 0.245, 1)
    """
    walkable = [(g, p) for g, p in ctx.walkable() if g.intersects(ctx.study)]
    net = _walk_net(ctx)
    total = float(net.length)
    veg = [g for g, p in [*ctx.parks, *ctx.landuse] if osm.is_dense_vegetation(p)]
    neutral = without_data(
        ctx,
        "hidden_spots",
        {"walkable_length_m": round(total, 1), "dense_vegetation_areas": len(veg)},
    )
    if neutral is not None:
        return neutral
    if total == 0:
        return _no_network("hidden_spots")
    veg_cover = _buffer_union(veg, vegetation_m)
    # A tunnel is a connected system of tunnel ways: OSM splits one passage into many ways.
    tunnel_ways = [g.intersection(ctx.study) for g, p in walkable if osm.is_tunnel(p)]
    tunnel_net = union_lines(tunnel_ways)
    open_net = union_lines([g.intersection(ctx.study) for g, p in walkable if not osm.is_tunnel(p)])
    if not tunnel_net.is_empty and not open_net.is_empty:
        open_net = open_net.difference(tunnel_net.buffer(0.01, quad_segs=1))
    beside = length_within(open_net, veg_cover)
    share = beside / total
    tunnels = _connected(tunnel_ways)
    cover = lit_cover(ctx)
    tunnel_m = float(tunnel_net.length)
    lit_tunnel_m = length_within(tunnel_net, cover)
    hidden_m = (
        beside + UNLIT_TUNNEL_WEIGHT * (tunnel_m - lit_tunnel_m) + LIT_TUNNEL_WEIGHT * lit_tunnel_m
    )
    value = 100 * (1 - min(1.0, hidden_m / total))
    lit_tunnels = [
        t
        for t in tunnels
        if not cover.is_empty and t.length > 0 and t.intersection(cover).length >= 0.8 * t.length
    ]
    spots: list[BaseGeometry] = []
    if beside > 0:
        inside = open_net.intersection(veg_cover)
        spots = [
            g
            for g in shapely.get_parts(
                shapely.line_merge(inside) if inside.geom_type == "MultiLineString" else inside
            )
            if g.length >= HIDDEN_STRETCH_M
        ]
    evidence = {
        "walkable_length_m": round(total, 1),
        "beside_vegetation_m": round(beside, 1),
        "vegetation_share": round(share, 3),
        "dense_vegetation_areas": len(veg),
        "tunnels": len(tunnels),
        "lit_tunnels": len(lit_tunnels),
        "tunnel_length_m": round(tunnel_m, 1),
        "lit_tunnel_length_m": round(lit_tunnel_m, 1),
        "hidden_weighted_m": round(hidden_m, 1),
    }
    tunnel_text = (
        "inga tunnlar eller gångtunnlar ligger på gångvägarna"
        if not tunnels
        else f"{sv.count(len(tunnels), 'tunnel eller gångtunnel', 'tunnlar eller gångtunnlar')} "
        f"({sv.metres(tunnel_m)}, {sv.number(len(lit_tunnels))} av dem belysta) ligger på gångvägarna"
        if len(tunnels) > 1
        else f"en tunnel eller gångtunnel ({sv.metres(tunnel_m)}, "
        f"{'belyst' if lit_tunnels else 'inte belyst'}) ligger på gångvägarna"
    )
    why = (
        f"{sv.percent(share)} av gångnätet går inom {sv.metres(vegetation_m)} från tät vegetation där "
        f"någon kan gömma sig, och {tunnel_text}."
    )
    measures: list[Measure] = []
    if share > 0.1:
        measures.append(
            Measure(
                "Gallra buskage och stamma upp träd intill gångvägarna så att sikten blir fri mellan 0,5 och 2 m.",
                SAMHALLSBYGGNAD,
            )
        )
        measures.append(Measure("Röj buskage på bostadsgårdar och vid entréer.", VASBYHEM))
    if tunnels:
        measures.append(
            Measure(
                "Ersätt gångtunnlar med passager i plan, eller gör dem korta, breda, ljusa och med fri sikt igenom.",
                SAMHALLSBYGGNAD,
            )
        )
    return CriterionResult(
        "hidden_spots",
        value,
        evidence,
        why,
        measures,
        {"hidden_spots": [*spots, *tunnels]},
    )


def _connected(lines: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """Lines grouped into connected systems (touching within 1 m), each as one geometry."""
    lines = [g for g in lines if not g.is_empty]
    if not lines:
        return []
    blobs = shapely.get_parts(shapely.unary_union([g.buffer(1.0, quad_segs=2) for g in lines]))
    tree = shapely.STRtree(lines)
    out = []
    for blob in blobs:
        members = [lines[i] for i in tree.query(blob, predicate="intersects")]
        out.append(shapely.unary_union(members))
    return out


def connectivity(ctx: Context) -> CriterionResult:
    """Intersection density, dead ends (connected-node ratio) and route directness in the study area.

    value = 100 × (0.4 × min(1, intersections per km² / 100) + 0.3 × CNR + 0.3 × clip(2 − detour, 0, 1)),
    where CNR = intersections / (intersections + dead ends) and detour is the mean ratio of network
    to straight-line distance between nodes at least 100 m apart (capped at 3; 3 when unreachable).

    >>> from shapely.geometry import box
    >>> lines = [LineString([(0, 500), (1000, 500)]), LineString([(500, 0), (500, 1000)])]
    >>> ctx = Context(area=box(0, 0, 1000, 1000), study=box(0, 0, 1000, 1000),
    ...               paths=[(l, {"highway": "residential"}) for l in lines])
    >>> r = connectivity(ctx)  # one crossing in 1 km², arms end on the boundary (cut, not dead ends)
    >>> r.evidence["intersections"], r.evidence["dead_ends"], r.value  # 100 × (0.4 × 0.01 + 0.3 + 0.3)
    (1, 0, 60.4)
    """
    net_features = [(g, p) for g, p in ctx.walkable() if g.intersects(ctx.study)]
    graph = Graph.from_lines([g.intersection(ctx.study) for g, _ in net_features])
    km2 = float(ctx.study.area) / 1e6
    neutral = without_data(ctx, "connectivity", {"intersections": 0, "dead_ends": 0})
    if neutral is not None or len(graph.edges) == 0:
        return neutral or _no_network("connectivity")
    degree = graph.degree()
    boundary = ctx.study.boundary
    on_edge = np.array(
        [boundary.distance(Point(x, y)) <= BOUNDARY_TOLERANCE_M for x, y in graph.xy]
    )
    intersections = int(np.sum(degree >= 3))
    dead_ends = int(np.sum((degree == 1) & ~on_edge))
    density = intersections / km2 if km2 else 0.0
    cnr = intersections / (intersections + dead_ends) if intersections + dead_ends else 0.0
    # Routes run between the nodes inside the study area; where a way is cut by its edge is no place.
    # The set does not depend on the degrees, so a new link between two nodes keeps it (monotonicity).
    detour = _mean_detour(graph, np.flatnonzero(~on_edge))
    value = 100 * (
        0.4 * clip01(density / INTERSECTIONS_TARGET_PER_KM2) + 0.3 * cnr + 0.3 * clip01(2 - detour)
    )
    evidence = {
        "network_length_m": round(float(graph.lengths.sum()), 1),
        "intersections": intersections,
        "intersections_per_km2": round(density, 1),
        "dead_ends": dead_ends,
        "connected_node_ratio": round(cnr, 3),
        "mean_detour": round(detour, 3),
        "study_area_km2": round(km2, 4),
    }
    weak = []
    if density < INTERSECTIONS_TARGET_PER_KM2 / 2:
        weak.append("är glest")
    if dead_ends:
        weak.append("har återvändsgränder")
    if detour > 1.4:
        weak.append("ger omvägar")
    why = (
        f"{sv.count(intersections, 'korsning', 'korsningar')} ({sv.unit(density, 'per km²')}), "
        f"{sv.count(dead_ends, 'återvändsgränd', 'återvändsgränder')} och en omväg på i snitt "
        f"{sv.number(detour, 2)} gånger fågelvägen: "
        + (
            (
                "ett finmaskigt, lättorienterat nät."
                if not weak
                else f"ett finmaskigt nät, men det {sv.join(weak)}."
            )
            if value >= 70
            else f"nätet {sv.join(weak)}, vilket gör det svårt att välja väg och hitta ut."
            if weak
            else "nätet kunde vara tätare, med fler korsningar."
        )
    )
    measures: list[Measure] = []
    if dead_ends:
        measures.append(
            Measure(
                "Koppla ihop återvändsgränder och stickvägar med gång- och cykelvägar till omgivande gator.",
                SAMHALLSBYGGNAD,
            )
        )
    if detour > 1.4:
        measures.append(
            Measure(
                "Öppna gena, belysta genvägar där gångvägen i dag gör stora omvägar; sätt upp vägvisning.",
                SAMHALLSBYGGNAD,
            )
        )
    return CriterionResult("connectivity", value, evidence, why, measures, {})


def _mean_detour(graph: Graph, candidates: np.ndarray) -> float:
    if candidates.size < 2:
        return 1.0
    if candidates.size > MAX_ROUTING_NODES:
        # Node numbers follow the order the lines came in (database order, file order), so the
        # candidates are put in the order of their coordinates first: the same network then gives
        # the same sample whichever file it came from. The seed is fixed: the same plan, the same value.
        key = np.round(graph.xy[candidates] / NODE_PRECISION_M).astype(np.int64)
        candidates = candidates[np.lexsort((key[:, 1], key[:, 0]))]
        rng = np.random.default_rng(0)
        candidates = np.sort(rng.choice(candidates, size=MAX_ROUTING_NODES, replace=False))
    dist = graph.distances(candidates)[:, candidates]
    xy = graph.xy[candidates]
    euclid = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    iu = np.triu_indices(candidates.size, k=1)
    far = euclid[iu] >= MIN_PAIR_DISTANCE_M
    if not np.any(far):
        return 1.0
    ratio = np.where(np.isfinite(dist[iu][far]), dist[iu][far] / euclid[iu][far], MAX_DETOUR)
    return float(np.mean(np.minimum(ratio, MAX_DETOUR)))


def _access(distance_m: float, target_m: float) -> float:
    """1 within the target walking distance, falling linearly to 0 at twice the target."""
    return clip01((2 * target_m - distance_m) / target_m)


def _cut_at(area: BaseGeometry, lines: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """``lines`` with those that cross the edge of ``area`` cut in two there (inside and outside).

    >>> from shapely.geometry import box
    >>> sorted(round(g.length) for g in _cut_at(box(0, -5, 10, 5), [LineString([(-20, 0), (30, 0)])]))
    [10, 40]
    """
    edge = area.boundary
    out: list[BaseGeometry] = []
    for g in lines:
        if g.intersects(edge):
            out.extend(p for p in (g.intersection(area), g.difference(area)) if not p.is_empty)
        else:
            out.append(g)
    return out


def _stop_candidates(
    graph: Graph, dist: NDArray[np.float64], stops: list[Feature]
) -> list[tuple[float, float, str, int, int, float]]:
    """(access, distance, kind, edge, via node, position along the edge) of each stop reached.

    Each stop is snapped to the nearest point of the network (not to its nearest node: a stop
    beside a long street can be far from every junction), and reached through either end of that edge.
    """
    targets = {"bus": BUS_TARGET_M, "station": STATION_TARGET_M}
    candidates: list[tuple[float, float, str, int, int, float]] = []
    for g, p in stops:
        kind = "station" if osm.is_station(p) else "bus"
        point = g if g.geom_type == "Point" else g.centroid
        edge, along, offset = graph.snap(point)
        if offset > STOP_SNAP_M:
            continue
        d, via = graph.distance_to(dist, edge, along)
        if np.isfinite(d):
            candidates.append(
                (_access(d + offset, targets[kind]), d + offset, kind, edge, via, along)
            )
    return candidates


def transport(ctx: Context) -> CriterionResult:
    """Walking distance along the network from the plan area (its junctions, and where a way crosses
    its edge) to the bus stops and stations (each snapped to the nearest point of the network, at most
    60 m away), and how much of the route to them is lit.

    value = 100 × the best over the reachable stops of (0.5 × access + 0.5 × lit share of the route
    to it), access = clip((2·target − distance) / target, 0, 1), with targets 400 m (bus) and 1000 m
    (station). Taking the best stop keeps the value monotone: a new stop or a new lamp never lowers it
    (docs/method.md).

    >>> from shapely.geometry import box
    >>> ctx = Context(area=box(-20, -10, 0, 10), study=box(-100, -100, 100, 100),
    ...     paths=[(LineString([(0, 0), (600, 0)]), {"highway": "footway"})],
    ...     lamps=[(Point(x, 0), {}) for x in (25, 75, 125, 175)],
    ...     bus_stops=[(Point(600, 0), {"highway": "bus_stop"})])
    >>> r = transport(ctx)  # 600 m to the bus: access (800 − 600) / 400 = 0.5; lit 200 of 600 m
    >>> r.value, r.evidence["bus_distance_m"], r.evidence["route_lit_share"]
    (41.7, 600.0, 0.333)
    """
    stops = list(ctx.bus_stops)
    neutral = without_data(ctx, "transport", {"bus_stops": len(stops), "bus_distance_m": None})
    if neutral is not None:
        return neutral
    # Ways are cut where they cross the plan area's edge, so a street that runs through the area
    # without a junction inside it still gives a way out of it (the walk starts where it leaves).
    graph = Graph.from_lines(_cut_at(ctx.area, [g for g, _ in ctx.walkable()]))
    if len(graph.edges) == 0:
        return _no_network("transport")
    unreached = CriterionResult(
        "transport",
        0.0,
        {"bus_stops": len(stops), "bus_distance_m": None},
        "Ingen hållplats eller station nås längs gångnätet från området, fast kommunens hållplatser "
        "finns i underlaget: området saknar kollektivtrafik på gångavstånd."
        if not stops
        else "Ingen hållplats kan nås längs gångnätet i underlaget.",
        [
            Measure("Pröva en hållplats inom 400 m gångväg, med belyst väg dit.", TRAFIKOPERATOR),
            Measure(
                "Knyt området till närmaste hållplats med en gen, belyst gångväg.", SAMHALLSBYGGNAD
            ),
        ],
        confidence="medel",
    )
    if not stops:
        return unreached
    inside = [i for i, (x, y) in enumerate(graph.xy) if ctx.area.covers(Point(x, y))]
    origins = inside or [graph.nearest_node(ctx.area.representative_point())]
    dist, pred = graph.forest(origins)
    candidates = _stop_candidates(graph, dist, stops)
    if not candidates:
        return unreached
    nearest = {k: min(c[1] for c in candidates if c[2] == k) for k in {c[2] for c in candidates}}
    candidates.sort(key=lambda c: (-c[0], c[1]))
    best: tuple[float, float, float, str, BaseGeometry] | None = (
        None  # term, access, lit, kind, route
    )
    best_distance = 0.0
    for access, d, kind, edge, via, along in candidates:
        if best is not None and 0.5 * access + 0.5 <= best[0]:
            break  # sorted by access: no later stop can do better, even fully lit
        line = graph.geoms[edge]
        first = int(graph.edges[edge][0]) == via
        piece = substring(line, 0.0, along) if first else substring(line, along, line.length)
        route_geoms: list[BaseGeometry] = [graph.geoms[e] for e in graph.path(pred, via)]
        if piece.geom_type == "LineString" and piece.length > 0:
            route_geoms.append(piece)
        route = union_lines(route_geoms)
        route_len = float(route.length)
        cover = _lit_cover_of(ctx, route) if route_len else MultiPolygon()
        lit_share = length_within(route, cover) / route_len if route_len else 1.0
        term = 0.5 * access + 0.5 * lit_share
        if best is None or term > best[0]:
            best, best_distance = (term, access, lit_share, kind, route), d
    assert best is not None
    term, access, lit_share, best_kind, route = best
    value = 100 * term
    evidence = {
        "bus_stops": sum(1 for _, p in stops if not osm.is_station(p)),
        "stations": sum(1 for _, p in stops if osm.is_station(p)),
        "bus_distance_m": round(nearest["bus"], 1) if "bus" in nearest else None,
        "station_distance_m": round(nearest["station"], 1) if "station" in nearest else None,
        "best_stop": best_kind,
        "best_distance_m": round(best_distance, 1),
        "access": round(access, 3),
        "route_length_m": round(float(route.length), 1),
        "route_lit_share": round(lit_share, 3),
    }
    bus_text = (
        f"närmaste hållplats ligger {sv.metres(nearest['bus'])} bort längs gångnätet"
        if "bus" in nearest
        else "ingen busshållplats nås längs gångnätet"
    )
    station_text = (
        f", närmaste station {sv.metres(nearest['station'])}" if "station" in nearest else ""
    )
    if best_distance == nearest[best_kind]:
        where = "dit" if best_kind == "bus" else "till stationen"
        route_text = f"{sv.percent(lit_share)} av gångvägen {where} är belyst"
    else:
        stop = "en station" if best_kind == "station" else "en hållplats"
        route_text = (
            f"den bästa vägen, till {stop} {sv.metres(best_distance)} bort, är till "
            f"{sv.percent(lit_share)} belyst"
        )
    why = f"{sv.capitalise(bus_text)}{station_text}; {route_text}."
    measures: list[Measure] = []
    if lit_share < 0.9:
        measures.append(
            Measure("Belys hela gångvägen mellan bostäderna och hållplatsen.", SAMHALLSBYGGNAD)
        )
    if access < 1:
        measures.append(
            Measure("Pröva en ny eller flyttad hållplats närmare området.", TRAFIKOPERATOR)
        )
    measures.append(
        Measure(
            "Belys hållplatsen och väderskyddet och håll dem fria från klotter.", TRAFIKOPERATOR
        )
    )
    if evidence["stations"]:
        measures.append(
            Measure("Samverka kring synlig närvaro vid stationen kvällar och helger.", POLISEN)
        )
    return CriterionResult("transport", value, evidence, why, measures, {"routes": [route]})
