"""Walks between places along the walkable network, and what a walk passes (dark, hidden, unwatched).

The parking criterion walks from a car park to the doors of the homes it serves, and the children's
routes from the homes to schools, preschools and leisure places. Both snap a place (a point, or an area
such as a car park or a school ground) to the nearest point of the nearest way, walk the shortest way
along the network, and measure the walk with the same covers the other criteria use: lit within 25 m
of a lamp or on a way tagged lit (``Belysning``), overlooked within 20 m of a building with windows
(``Naturlig övervakning``), hidden within 5 m of dense vegetation or in a tunnel (``Skymda platser``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, substring

from geo.criteria import osm
from geo.criteria.context import Context
from geo.criteria.network import Graph, length_within, stretches_outside, union_lines
from geo.criteria.physical import (
    DARK_GAP_M,
    FRONTAGE_M,
    HIDDEN_STRETCH_M,
    VEGETATION_M,
    _buffer_union,
    _lit_cover_of,
)

# A place further than this from every way cannot be walked to (as a stop: physical.STOP_SNAP_M).
SNAP_M = 60.0


@dataclass(frozen=True)
class Snap:
    """Where a place meets the network: ``along`` metres into ``edge`` from its first node, and
    ``offset`` metres from the place to that point; ``place`` is the place's own point nearest it."""

    edge: int
    along: float
    offset: float
    place: Point | None = field(default=None, repr=False, compare=False)


def _main_component(graph: Graph) -> NDArray[np.bool_]:
    """Per edge, whether it belongs to the network's largest connected part (by length). Computed
    once per graph: a place is walked from the main network, not from an island of it (a footway
    in a courtyard, a platform cut off where indoor ways are left out)."""
    if "_main_edges" not in graph.__dict__:
        if "_csr" not in graph.__dict__:
            graph.__dict__["_csr"] = graph._matrix()
        _, labels = connected_components(graph.__dict__["_csr"], directed=False)
        edge_label = labels[graph.edges[:, 0]]
        sizes = np.bincount(edge_label, weights=graph.lengths)
        graph.__dict__["_main_edges"] = edge_label == int(np.argmax(sizes))
    main: NDArray[np.bool_] = graph.__dict__["_main_edges"]
    return main


def snap(graph: Graph, geom: BaseGeometry, max_offset_m: float = SNAP_M) -> Snap | None:
    """The nearest point of the network to ``geom`` (a point, a line or an area), or None when the
    nearest way is further than ``max_offset_m``. A way of the network's main part within reach is
    taken before a nearer one on an island cut off from it.

    >>> from shapely.geometry import Polygon
    >>> g = Graph.from_lines([LineString([(0, 0), (200, 0)])])
    >>> snap(g, Polygon([(60, 10), (80, 40), (40, 40)]))  # a school ground 10 m from the street
    Snap(edge=0, along=60.0, offset=10.0)
    >>> snap(g, Point(100, 90)) is None
    True
    """
    if len(graph.edges) == 0 or geom.is_empty:
        return None
    if graph._tree is None:
        graph._tree = shapely.STRtree(graph.geoms)
    near = [int(i) for i in graph._tree.query(geom, predicate="dwithin", distance=max_offset_m)]
    if not near:
        return None
    main = _main_component(graph)
    pool = [i for i in near if main[i]] or near
    edge = min(pool, key=lambda i: (float(graph.geoms[i].distance(geom)), i))
    line = graph.geoms[edge]
    offset = float(line.distance(geom))
    on_line, on_place = nearest_points(line, geom)
    return Snap(edge, float(line.project(on_line)), offset, on_place)


@dataclass
class Walk:
    """A shortest walk: its length (along the network and the offsets at both ends), the line along
    the network, and ``whole``: that line with the steps from and to the places themselves (what a
    road crossed on the way to the network is read from)."""

    length_m: float
    line: BaseGeometry
    whole: BaseGeometry = field(default_factory=LineString)


@dataclass
class Walks:
    """The shortest walks from one place on the network to any other (one Dijkstra per place).

    >>> g = Graph.from_lines([LineString([(0, 0), (100, 0)]), LineString([(100, 0), (100, 80)])])
    >>> w = Walks(g, Snap(0, 30.0, 5.0)).walk(Snap(1, 40.0, 2.0))  # 5 + 70 + 40 + 2
    >>> w.length_m, round(w.line.length, 1)
    (117.0, 110.0)
    """

    graph: Graph
    origin: Snap
    _dist: NDArray[np.float64] = field(init=False, repr=False)
    _pred: NDArray[np.int32] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if "_csr" not in self.graph.__dict__:
            self.graph.__dict__["_csr"] = self.graph._matrix()
        ends = [int(v) for v in self.graph.edges[self.origin.edge]]
        dist, pred = dijkstra(
            self.graph.__dict__["_csr"], directed=False, indices=ends, return_predecessors=True
        )
        self._dist = np.atleast_2d(np.asarray(dist, dtype=np.float64))
        self._pred = np.atleast_2d(np.asarray(pred, dtype=np.int32))

    def _ends(self, snap: Snap) -> list[tuple[int, float]]:
        """The two end nodes of ``snap``'s edge with the metres from the snapped point to each."""
        a, b = (int(v) for v in self.graph.edges[snap.edge])
        return [(a, snap.along), (b, float(self.graph.lengths[snap.edge]) - snap.along)]

    def _best(self, target: Snap) -> tuple[float, int, int] | None:
        """The network metres to ``target`` through the nodes, and how: (metres, the row of the
        origin's end node the walk leaves by, the end node of the target's edge it arrives at)."""
        best: tuple[float, int, int] | None = None
        for row, (_, to_end) in enumerate(self._ends(self.origin)):
            for node, from_end in self._ends(target):
                d = to_end + float(self._dist[row, node]) + from_end
                if np.isfinite(d) and (best is None or d < best[0]):
                    best = (d, row, node)
        return best

    def distance(self, target: Snap) -> float:
        """Metres walked to ``target`` (inf when it cannot be reached), offsets included."""
        direct = self._same_edge(target)
        best = self._best(target)
        network = min(
            direct if direct is not None else np.inf, best[0] if best is not None else np.inf
        )
        return float(network + self.origin.offset + target.offset)

    def _same_edge(self, target: Snap) -> float | None:
        if target.edge != self.origin.edge:
            return None
        return abs(target.along - self.origin.along)

    def walk(self, target: Snap) -> Walk | None:
        """The shortest walk to ``target``, or None when the network does not reach it."""
        direct = self._same_edge(target)
        best = self._best(target)
        ends = self.origin.offset + target.offset
        if direct is not None and (best is None or direct <= best[0]):
            line = self.graph.geoms[target.edge]
            piece = substring(line, self.origin.along, target.along)
            if piece.geom_type != "LineString" or piece.length == 0:
                piece = LineString()
            return Walk(direct + ends, piece, self._whole(piece, target))
        if best is None:
            return None
        metres, row, node = best
        origin_line = self.graph.geoms[self.origin.edge]
        first_end = 0.0 if row == 0 else float(origin_line.length)
        parts: list[BaseGeometry] = [substring(origin_line, self.origin.along, first_end)]
        parts += [self.graph.geoms[e] for e in self.graph.path(self._pred[row], node)]
        target_line = self.graph.geoms[target.edge]
        from_first = int(self.graph.edges[target.edge][0]) == node
        last_end = 0.0 if from_first else float(target_line.length)
        parts.append(substring(target_line, last_end, target.along))
        lines = [p for p in parts if p.geom_type == "LineString" and p.length > 0]
        merged = shapely.line_merge(MultiLineString(lines)) if lines else LineString()
        return Walk(metres + ends, merged, self._whole(merged, target))

    def _whole(self, line: BaseGeometry, target: Snap) -> BaseGeometry:
        """``line``, turned to run from the origin, with a straight step from the origin's place to
        its start and from its end to the target's place."""
        if line.is_empty or line.geom_type != "LineString":
            return line
        coords = list(line.coords)
        at_origin = self.graph.geoms[self.origin.edge].interpolate(self.origin.along)
        if Point(coords[0]).distance(at_origin) > Point(coords[-1]).distance(at_origin):
            coords.reverse()  # line_merge may have turned it
        start, end = self.origin.place, target.place
        if start is not None and start.distance(Point(coords[0])) > 0.01:
            coords.insert(0, (start.x, start.y))
        if end is not None and end.distance(Point(coords[-1])) > 0.01:
            coords.append((end.x, end.y))
        return LineString(coords)


def walk_graph(ctx: Context) -> Graph:
    """The walkable network as a routable graph (computed once per context)."""
    key = "walk_graph"
    if key not in ctx.extra:
        ctx.extra[key] = Graph.from_lines([g for g, _ in ctx.walkable()])
    graph: Graph = ctx.extra[key]
    return graph


def watched_cover(ctx: Context) -> BaseGeometry:
    """Where a walker is overlooked: within 20 m of a building with windows (not blind walls), as in
    ``natural_surveillance``. Computed once per context."""
    key = "watched_cover"
    if key not in ctx.extra:
        watching = [g for g, p in ctx.buildings if not osm.is_blind_building(p)]
        ctx.extra[key] = _buffer_union(watching, FRONTAGE_M)
    cover: BaseGeometry = ctx.extra[key]
    return cover


def vegetation_cover(ctx: Context) -> BaseGeometry:
    """Within 5 m of dense vegetation, as in ``hidden_spots``. Computed once per context."""
    key = "vegetation_cover"
    if key not in ctx.extra:
        veg = [g for g, p in [*ctx.parks, *ctx.landuse] if osm.is_dense_vegetation(p)]
        ctx.extra[key] = _buffer_union(veg, VEGETATION_M)
    cover: BaseGeometry = ctx.extra[key]
    return cover


def hiding_cover(ctx: Context) -> BaseGeometry:
    """Where a walker is hidden: within 5 m of dense vegetation, or in a walkable tunnel or underpass
    (taken as a 0.5 m wide area a walk can be measured in). Computed once per context."""
    key = "hiding_cover"
    if key not in ctx.extra:
        tunnels = [g for g, p in ctx.walkable() if osm.is_tunnel(p)]
        parts = [vegetation_cover(ctx)]
        if tunnels:
            parts.append(union_lines(tunnels).buffer(0.5, quad_segs=1))
        ctx.extra[key] = shapely.unary_union(parts)
    cover: BaseGeometry = ctx.extra[key]
    return cover


@dataclass
class Passage:
    """What a walk passes: metres in the dark, hidden (beside dense vegetation or in a tunnel) and
    unwatched (no window within 20 m), and the stretches long enough to draw."""

    length_m: float
    dark_m: float
    hidden_m: float
    unwatched_m: float
    exposed_m: float  # dark, hidden or unwatched (each metre once)
    dark_stretches: list[BaseGeometry]
    hidden_stretches: list[BaseGeometry]

    def share(self, metres: float) -> float:
        return metres / self.length_m if self.length_m > 0 else 0.0


def passage(ctx: Context, line: BaseGeometry) -> Passage:
    """Measure ``line`` against the light, vegetation, tunnel and window covers of ``ctx``.

    Each cover only grows with more lamps, windows or vegetation, so ``dark_m`` never grows with a
    lamp, ``unwatched_m`` never with a window, and ``hidden_m`` never shrinks with vegetation.

    >>> from shapely.geometry import box
    >>> ctx = Context(area=box(0, 0, 100, 50), study=box(0, 0, 100, 50),
    ...     lamps=[(Point(25, 0), {})], buildings=[(box(60, 5, 100, 15), {"building": "house"})])
    >>> p = passage(ctx, LineString([(0, 0), (100, 0)]))  # lit 0–50, watched 40–100 (√(20² − 5²) = 19.4)
    >>> round(p.dark_m), round(p.unwatched_m), round(p.exposed_m), p.hidden_m
    (50, 41, 91, 0.0)
    """
    total = float(line.length)
    if total == 0:
        return Passage(0.0, 0.0, 0.0, 0.0, 0.0, [], [])
    # The covers are clipped to the walk's box first: the same lengths, in a fraction of the time.
    # The light is made around the walk alone (no lamp farther than its reach lights it): the union
    # of every lamp's circle in a 2 km ring took seconds (docs/performance.md, scoring).
    x0, y0, x1, y1 = line.bounds
    lit = _lit_cover_of(ctx, line)
    watched, hiding = (
        shapely.clip_by_rect(c, x0 - 1, y0 - 1, x1 + 1, y1 + 1)
        for c in (watched_cover(ctx), hiding_cover(ctx))
    )
    dark_m = total - length_within(line, lit)
    unwatched_m = total - length_within(line, watched)
    hidden_m = length_within(line, hiding)
    safe = line
    for cover in (lit, watched):
        safe = safe.intersection(cover) if not cover.is_empty else LineString()
    if not hiding.is_empty and not safe.is_empty:
        safe = safe.difference(hiding)
    exposed_m = total - float(safe.length)
    inside_hiding = line.intersection(hiding) if not hiding.is_empty else LineString()
    hidden_stretches = [
        g
        for g in shapely.get_parts(
            shapely.line_merge(inside_hiding)
            if inside_hiding.geom_type == "MultiLineString"
            else inside_hiding
        )
        if g.geom_type == "LineString" and g.length >= HIDDEN_STRETCH_M
    ]
    return Passage(
        total,
        max(0.0, dark_m),
        hidden_m,
        max(0.0, unwatched_m),
        max(0.0, exposed_m),
        stretches_outside(line, lit, DARK_GAP_M),
        hidden_stretches,
    )
