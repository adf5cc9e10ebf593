"""Lines as a walkable network: lengths inside a cover, stretches outside it, and a routable graph."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry

NODE_PRECISION_M = 0.1  # endpoints closer than this are one node


def union_lines(lines: Sequence[BaseGeometry]) -> BaseGeometry:
    """The noded union of ``lines`` (split where they cross), or an empty geometry."""
    parts = [g for g in lines if g is not None and not g.is_empty]
    if not parts:
        return MultiLineString()
    return shapely.unary_union(parts)


def length_within(lines: BaseGeometry, cover: BaseGeometry | None) -> float:
    """Length of ``lines`` inside the polygon ``cover``.

    >>> from shapely.geometry import box
    >>> length_within(LineString([(0, 0), (100, 0)]), box(-1, -1, 30, 1))
    30.0
    """
    if cover is None or cover.is_empty or lines.is_empty:
        return 0.0
    return float(lines.intersection(cover).length)


def _line_parts(geom: BaseGeometry) -> list[LineString]:
    """The non-empty LineStrings of ``geom``, however deeply collected."""
    out: list[LineString] = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "LineString":
            if part.length > 0:
                out.append(part)
        elif part.geom_type in ("MultiLineString", "GeometryCollection"):
            out.extend(_line_parts(part))
    return out


def stretches_outside(
    lines: BaseGeometry, cover: BaseGeometry | None, min_length_m: float
) -> list[BaseGeometry]:
    """The connected parts of ``lines`` outside ``cover`` whose length is at least ``min_length_m``.

    Pieces that meet, at a junction too, are one stretch, and a stretch is as long as all its pieces.
    So as ``cover`` grows a stretch can only shrink or split, never lengthen: the total length of the
    stretches at least ``min_length_m`` long never grows with the cover (the criteria that count dark
    or blind stretches rely on this to stay monotone; docs/method.md).

    >>> from shapely.geometry import box
    >>> line = LineString([(0, 0), (200, 0)])
    >>> [round(s.length) for s in stretches_outside(line, box(-1, -1, 50, 1), 60)]
    [150]
    >>> t = shapely.unary_union([LineString([(-40, 0), (40, 0)]), LineString([(0, 0), (0, 40)])])
    >>> [round(s.length) for s in stretches_outside(t, None, 100)]  # a T of three 40 m arms: 120 m
    [120]
    """
    if lines.is_empty:
        return []
    rest = lines if cover is None or cover.is_empty else lines.difference(cover)
    pieces = _line_parts(rest)
    if not pieces:
        return []
    parent = list(range(len(pieces)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    ends: dict[tuple[int, int], int] = {}
    for i, piece in enumerate(pieces):
        for x, y in (piece.coords[0][:2], piece.coords[-1][:2]):
            key = (round(x / NODE_PRECISION_M), round(y / NODE_PRECISION_M))
            if key in ends:
                parent[find(i)] = find(ends[key])
            else:
                ends[key] = i
    groups: dict[int, list[LineString]] = {}
    for i, piece in enumerate(pieces):
        groups.setdefault(find(i), []).append(piece)
    out: list[BaseGeometry] = []
    for members in groups.values():
        if sum(m.length for m in members) >= min_length_m:
            merged = (
                shapely.line_merge(MultiLineString(members)) if len(members) > 1 else members[0]
            )
            out.append(merged)
    return out


@dataclass
class Graph:
    """A network as nodes (x, y) and edges (i, j, length); built from noded lines."""

    xy: NDArray[np.float64]
    edges: NDArray[np.int64]  # (m, 2)
    lengths: NDArray[np.float64]  # (m,)
    geoms: list[LineString]
    _tree: shapely.STRtree | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_lines(cls, lines: Sequence[BaseGeometry]) -> Graph:
        """Node ``lines`` where they meet or cross, and make one edge per piece.

        >>> g = Graph.from_lines([LineString([(0, 0), (100, 0)]), LineString([(50, -50), (50, 50)])])
        >>> len(g.xy), len(g.edges), sorted(g.degree().tolist())  # a crossing: 4 arms, 1 junction
        (5, 4, [1, 1, 1, 1, 4])
        """
        union = union_lines(lines)
        pieces = [
            p for p in shapely.get_parts(union) if p.geom_type == "LineString" and p.length > 0
        ]
        index: dict[tuple[int, int], int] = {}
        xy: list[tuple[float, float]] = []
        edges: list[tuple[int, int]] = []

        def node(x: float, y: float) -> int:
            key = (round(x / NODE_PRECISION_M), round(y / NODE_PRECISION_M))
            if key not in index:
                index[key] = len(xy)
                xy.append((x, y))
            return index[key]

        for piece in pieces:
            coords = piece.coords
            edges.append((node(*coords[0][:2]), node(*coords[-1][:2])))
        return cls(
            np.asarray(xy, dtype=np.float64).reshape(-1, 2),
            np.asarray(edges, dtype=np.int64).reshape(-1, 2),
            np.asarray([p.length for p in pieces], dtype=np.float64),
            pieces,
        )

    def degree(self) -> NDArray[np.int64]:
        n = len(self.xy)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        return np.bincount(self.edges.ravel(), minlength=n).astype(np.int64)

    def distances(
        self, sources: Sequence[int] | NDArray[np.int64], weights: NDArray[np.float64] | None = None
    ) -> NDArray[np.float64]:
        """Shortest network distances from each of ``sources`` to every node (inf when unreachable)."""
        n = len(self.xy)
        w = self.lengths if weights is None else weights
        if n == 0 or len(self.edges) == 0:
            return np.full((len(sources), n), np.inf)
        # Zero-length weights would vanish from a sparse matrix; they cannot occur (pieces have length).
        m = coo_matrix((w, (self.edges[:, 0], self.edges[:, 1])), shape=(n, n)).tocsr()
        return np.atleast_2d(dijkstra(m, directed=False, indices=np.asarray(sources)))

    def nearest_node(self, point: Point) -> int:
        d = np.hypot(self.xy[:, 0] - point.x, self.xy[:, 1] - point.y)
        return int(np.argmin(d))

    def snap(self, point: Point) -> tuple[int, float, float]:
        """The nearest edge to ``point``: (edge index, metres along it from its first node, metres
        from the point to the edge). A stop beside a long street lies far from any node but close to
        the street.

        >>> g = Graph.from_lines([LineString([(0, 0), (200, 0)])])
        >>> g.snap(Point(70, 9))
        (0, 70.0, 9.0)
        """
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
        edge = int(self._tree.nearest(point))
        line = self.geoms[edge]
        return edge, float(line.project(point)), float(line.distance(point))

    def distance_to(
        self, from_nodes: NDArray[np.float64], edge: int, along_m: float
    ) -> tuple[float, int]:
        """The shortest distance to a point ``along_m`` into ``edge``, given the distances
        ``from_nodes`` to every node; and the end node the way comes through."""
        a, b = (int(v) for v in self.edges[edge])  # an edge runs from its geometry's first point
        via_a = float(from_nodes[a]) + along_m
        via_b = float(from_nodes[b]) + float(self.lengths[edge]) - along_m
        return (via_a, a) if via_a <= via_b else (via_b, b)

    def _matrix(self) -> csr_matrix:
        n = len(self.xy)
        return coo_matrix(
            (self.lengths, (self.edges[:, 0], self.edges[:, 1])), shape=(n, n)
        ).tocsr()

    def _edge_lookup(self) -> dict[tuple[int, int], int]:
        lookup: dict[tuple[int, int], int] = {}
        for k, (a, b) in enumerate(self.edges.tolist()):
            for key in ((a, b), (b, a)):
                if key not in lookup or self.lengths[k] < self.lengths[lookup[key]]:
                    lookup[key] = k
        return lookup

    def forest(self, sources: Sequence[int]) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
        """Shortest distances from the nearest of ``sources`` to every node, and the predecessor of
        each node on that route (-9999 at a source or when unreachable): one Dijkstra for all.

        >>> g = Graph.from_lines([LineString([(0, 0), (100, 0)]), LineString([(100, 0), (100, 50)])])
        >>> dist, pred = g.forest([0])
        >>> dist.tolist(), g.path(pred, 2)
        ([0.0, 100.0, 150.0], [0, 1])
        """
        n = len(self.xy)
        if n == 0 or len(self.edges) == 0 or not len(sources):
            return np.full(n, np.inf), np.full(n, -9999, dtype=np.int32)
        dist, pred, _ = dijkstra(
            self._matrix(),
            directed=False,
            indices=np.asarray(sources),
            return_predecessors=True,
            min_only=True,
        )
        return np.asarray(dist, dtype=np.float64), np.asarray(pred, dtype=np.int32)

    def path(self, pred: NDArray[np.int32], target: int) -> list[int]:
        """Edge indices of the route to ``target`` in a ``forest`` ([] at a source or unreachable)."""
        if "_lookup" not in self.__dict__:
            self.__dict__["_lookup"] = self._edge_lookup()
        lookup: dict[tuple[int, int], int] = self.__dict__["_lookup"]
        out: list[int] = []
        j = target
        while pred[j] >= 0:
            i = int(pred[j])
            out.append(lookup[(i, j)])
            j = i
        return out[::-1]

    def route(self, source: int, target: int) -> list[int]:
        """Edge indices of a shortest route from ``source`` to ``target`` ([] when none)."""
        n = len(self.xy)
        if n == 0 or len(self.edges) == 0 or source == target:
            return []
        m = coo_matrix((self.lengths, (self.edges[:, 0], self.edges[:, 1])), shape=(n, n)).tocsr()
        dist, pred = dijkstra(m, directed=False, indices=source, return_predecessors=True)  # type: ignore[call-overload]  # scipy takes one index; the stubs want an array
        if not np.isfinite(dist[target]):
            return []
        lookup: dict[tuple[int, int], int] = {}
        for k, (a, b) in enumerate(self.edges.tolist()):
            for key in ((a, b), (b, a)):
                if key not in lookup or self.lengths[k] < self.lengths[lookup[key]]:
                    lookup[key] = k
        out: list[int] = []
        j = target
        while j != source:
            i = int(pred[j])
            out.append(lookup[(i, j)])
            j = i
        return out[::-1]
