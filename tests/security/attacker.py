"""A differencing attacker for the disclosure suite (tests/security/test_disclosure_attacks.py).

The attacker writes every answer it gets as a linear statement about the sensitive incidents ("between
``low`` and ``high`` of them lie in this region") and then asks, by linear programming, how few and how
many incidents each small unit (a cell, the part of a cell in a district, a day, an hour, a category in a
cell …) can hold under all statements together. That is the intruder model of statistical disclosure
control (the audit of τ-ARGUS): the attacker is not told how Trygg computes, only what each answer says.

A region is a product of sets, one per dimension: where (``place``), which category, when (``time``, a
union of half-open intervals of epoch seconds), the hour of the day, the ISO weekday and the light. A
dimension an answer does not restrict is ``None`` (everything). The places are the parts of the fixed
500 m cells cut by the district borders ("pieces"), and "U" for incidents with no place.

Answers name what they cover. An old-style answer covers what was asked (the request's filter); a release
answer says which publication periods it gives and that the other filters do not apply to it. The suite
checks that every statement is true of the generated data, so an answer that does not mean what it says
fails instead of fooling the attacker.

"Disclosed" (docs/decisions/0600): a unit holding at least one incident whose count the statements prove
to be at least 1 and pin to fewer than k values reaching below k ([1, 4], [2, 2], [3, 6] for k = 5). An
interval wholly at or above k ([7, 7], [9, 12]) says only that there are many: a printed count is the
release itself.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise, product
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import block_diag, coo_matrix, csr_matrix, vstack
from scipy.sparse.csgraph import connected_components, shortest_path

INF = math.inf
MAX_ATOMS = 200_000  # above this the joint system is too fine to solve (the old code's answers are)


# --- places ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """The part of a fixed cell inside one district (or outside all), or "U": no place."""

    id: str
    cell: tuple[int, int] | None  # None for "U"
    district: str | None  # the district whose polygon holds the piece, None outside all
    centre_district: str | None  # the district holding the cell's centre


@dataclass(frozen=True)
class PlaceSpec:
    """A set of pieces, described as an answer means it.

    ``all`` (with the unplaced), ``placed``, ``unplaced``, ``cell``, ``clipped`` (the pieces in
    ``district``, cut by its border), ``centre`` (whole cells whose centre lies in ``district``),
    ``cell-clipped`` (the piece of ``cell`` in ``district``), ``ids`` (named pieces).
    """

    kind: str
    cell: tuple[int, int] | None = None
    district: str | None = None
    ids: frozenset[str] = frozenset()

    def contains(self, piece: Piece) -> bool:
        kind = self.kind
        if kind == "all":
            return True
        if kind == "ids":
            return piece.id in self.ids
        if kind == "unplaced":
            return piece.cell is None
        if piece.cell is None:
            return False
        if kind == "placed":
            return True
        if kind == "cell":
            return piece.cell == self.cell
        if kind == "clipped":
            return piece.district == self.district
        if kind == "centre":
            return piece.centre_district == self.district
        if kind == "cell-clipped":
            return piece.cell == self.cell and piece.district == self.district
        raise ValueError(kind)


ALL_PLACES = PlaceSpec("all")
PLACED = PlaceSpec("placed")
UNPLACED = PlaceSpec("unplaced")

Times = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Region:
    place: PlaceSpec = ALL_PLACES
    category: frozenset[str] | None = None
    time: Times | None = None  # half-open [a, b) in epoch seconds
    hour: frozenset[int] | None = None
    weekday: frozenset[int] | None = None
    light: frozenset[str] | None = None

    def at(self, place: PlaceSpec) -> Region:
        return Region(place, self.category, self.time, self.hour, self.weekday, self.light)


@dataclass(frozen=True)
class Incident:
    """A sensitive incident as the test made it: the truth the attacker tries to recover."""

    piece: Piece
    category: str
    t: float  # epoch seconds
    day: tuple[float, float]  # its local day, [start, end)
    clock_hour: tuple[float, float]  # its local hour on that day
    year: tuple[float, float]
    hour: int
    weekday: int
    light: str


def holds(region: Region, incident: Incident) -> bool:
    if not region.place.contains(incident.piece):
        return False
    if region.category is not None and incident.category not in region.category:
        return False
    if region.time is not None and not any(a <= incident.t < b for a, b in region.time):
        return False
    if region.hour is not None and incident.hour not in region.hour:
        return False
    if region.weekday is not None and incident.weekday not in region.weekday:
        return False
    return region.light is None or incident.light in region.light


# --- what the attacker is told --------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    region: Region
    low: int
    high: float  # INF: no upper bound
    source: str = field(compare=False)  # which request said it (equal statements are one)
    public: bool = field(default=False, compare=False)  # known from elsewhere, not from Trygg


@dataclass
class MapAnswer:
    """The cells of one answer: shown ones with their value (None: hidden, at least k); every other cell
    of ``domain`` holds fewer than k."""

    base: Region  # everything but the place
    domain: PlaceSpec  # the pieces the map covers (all, a district cut by its border, whole cells)
    shown: dict[tuple[int, int], int | None]
    source: str


@dataclass
class Findings:
    attack: str
    requests: int = 0
    statements: int = 0
    atoms: int = 0
    units: int = 0
    disclosed: list[str] = field(default_factory=list)
    untrue: list[str] = field(default_factory=list)
    too_fine: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.disclosed or self.untrue or self.too_fine)

    def report(self) -> str:
        lines = [
            f"{self.attack}: {self.requests} requests, {self.statements} statements, "
            f"{self.atoms} atoms, {self.units} units bounded, {len(self.disclosed)} disclosed"
        ]
        lines += [f"    answer not true: {u}" for u in self.untrue[:10]]
        lines += [f"    {d}" for d in self.disclosed[:30]]
        if len(self.disclosed) > 30:
            lines.append(f"    … and {len(self.disclosed) - 30} more")
        if self.too_fine:
            lines.append(f"    {self.too_fine}")
        return "\n".join(lines)


class Attacker:
    def __init__(
        self,
        pieces: Sequence[Piece],
        k: int,
        name: str = "",
        categories: frozenset[str] | None = None,
    ) -> None:
        """``categories``: every sensitive category there is (public reference data), when known."""
        self.pieces = list(pieces)
        self.universe: dict[str, frozenset[Any] | None] = {
            "category": categories,
            "hour": frozenset(range(24)),
            "weekday": frozenset(range(1, 8)),
            "light": frozenset({"dagsljus", "skymning", "morker"}),
        }
        self.k = k
        self.name = name
        self.statements: list[Statement] = []
        self.maps: list[MapAnswer] = []
        self.requests = 0

    def learn(
        self, region: Region, low: int, high: float, source: str, *, public: bool = False
    ) -> None:
        """``public``: what everyone knows without Trygg (the police's published events); a unit is
        judged by the rest of it, since Trygg cannot give away what was never secret."""
        self.statements.append(Statement(region, low, high, source, public))

    def learn_value(self, region: Region, value: int | None, hidden: bool, source: str) -> None:
        """One count as a page prints it: a number; hidden (at least k); or fewer than k."""
        if value is not None:
            self.learn(region, value, value, source)
        elif hidden:
            self.learn(region, self.k, INF, source)
        else:
            self.learn(region, 0, self.k - 1, source)

    def learn_map(self, answer: MapAnswer) -> None:
        self.maps.append(answer)

    def merged_with(self, others: Sequence[Attacker], name: str) -> Attacker:
        joint = Attacker(self.pieces, self.k, name, self.universe["category"])
        for a in (self, *others):
            joint.statements += a.statements
            joint.maps += a.maps
            joint.requests += a.requests
        return joint

    # --- the maps as statements ------------------------------------------------------------------

    def _expand(self, truth: Sequence[Incident]) -> tuple[list[Statement], list[Piece]]:
        """Every statement, the maps written out cell by cell, and the pieces the LP tells apart.

        Cells that no map shows and that hold no incident of the test are interchangeable for the
        attacker: they are merged into one block per kind (the districts their pieces lie in, the
        district of their centre) whose bound is their number times k - 1. That has the same projection
        as writing them one by one (a solution for the block spreads evenly over its cells), and keeps
        the LP small. Cells holding an incident are always kept apart, so their bounds are exact.
        """
        cells: dict[tuple[int, int], list[Piece]] = defaultdict(list)
        for piece in self.pieces:
            if piece.cell is not None:
                cells[piece.cell].append(piece)
        apart = {c for m in self.maps for c in m.shown} | {
            i.piece.cell for i in truth if i.piece.cell is not None
        }
        blocks: dict[tuple[Any, ...], list[tuple[int, int]]] = defaultdict(list)
        for cell, parts in cells.items():
            if cell not in apart:
                kind = (tuple(sorted(str(p.district) for p in parts)), parts[0].centre_district)
                blocks[kind].append(cell)
        pieces = [p for p in self.pieces if p.cell is None or p.cell in apart]
        block_pieces: list[tuple[list[Piece], int]] = []
        for n, members in enumerate(blocks.values()):
            first = members[0]
            merged = [
                Piece(f"block{n}/{p.district}", first, p.district, p.centre_district)
                for p in cells[first]
            ]
            block_pieces.append((merged, len(members)))
            pieces.extend(merged)
        statements = list(dict.fromkeys(self.statements))
        for answer in self.maps:
            for cell in sorted(c for c in apart if c in cells):
                inside = [p for p in cells[cell] if answer.domain.contains(p)]
                if not inside:
                    continue
                region = answer.base.at(PlaceSpec("ids", ids=frozenset(p.id for p in inside)))
                if cell in answer.shown:
                    value = answer.shown[cell]
                    if value is None:
                        statements.append(Statement(region, self.k, INF, answer.source))
                    else:
                        statements.append(Statement(region, value, value, answer.source))
                else:
                    statements.append(Statement(region, 0, self.k - 1, answer.source))
            for merged, m in block_pieces:
                inside = [p for p in merged if answer.domain.contains(p)]
                if inside:
                    region = answer.base.at(PlaceSpec("ids", ids=frozenset(p.id for p in inside)))
                    statements.append(Statement(region, 0, (self.k - 1) * m, answer.source))
        return list(dict.fromkeys(statements)), pieces

    # --- the audit -------------------------------------------------------------------------------

    def audit(self, truth: Sequence[Incident]) -> Findings:
        statements, pieces = self._expand(truth)
        findings = Findings(self.name, requests=self.requests, statements=len(statements))
        counted: dict[Region, int] = {}
        for s in statements:
            if s.region not in counted:
                counted[s.region] = sum(holds(s.region, i) for i in truth)
            if not s.low <= counted[s.region] <= s.high:
                findings.untrue.append(
                    f"{s.source}: says {s.low}..{s.high}, the data hold {counted[s.region]}"
                )
        if findings.untrue:
            return findings
        space = _Space(statements, pieces, self.universe)
        findings.atoms = space.n_atoms
        if space.n_atoms > MAX_ATOMS:
            findings.too_fine = f"the answers cut the incidents into {space.n_atoms} parts, too fine to bound jointly"
            return findings
        units: list[tuple[str, Incident, Region, np.ndarray, np.ndarray]] = []
        for incident in truth:
            for name, unit in space.units(incident):
                inside = space.atoms(unit)
                if len(inside):
                    units.append((name, incident, unit, inside, space.atoms(unit, touching=True)))
        public = np.unique(
            np.concatenate(
                [space.atoms(s.region) for s in statements if s.public] or [np.zeros(0, np.int64)]
            )
        )
        units = [
            (name, incident, unit, np.setdiff1d(inside, public), np.setdiff1d(touching, public))
            for name, incident, unit, inside, touching in units
        ]
        units = [u for u in units if len(u[3])]
        system = _System(space, statements, [u[3] for u in units] + [u[4] for u in units])
        bounded: dict[frozenset[int], tuple[float, float]] = {}
        for name, incident, unit, inside, touching in units:
            key = frozenset(inside.tolist())
            if key not in bounded:
                bounded[key] = system.bounds(inside, touching)
            low, high = bounded[key]
            lo = math.ceil(low - 1e-6)
            hi = math.floor(high + 1e-6) if high != INF else INF
            if lo < 1 or lo >= self.k or hi - lo + 1 >= self.k:
                continue  # may be 0, or is proven to be many (a printed count is the release)
            truth_n = sum(holds(unit, j) for j in truth)  # the public part included
            findings.disclosed.append(
                f"{name} of {describe(incident)}: {lo}..{hi} (holds {truth_n})"
            )
        findings.units = len(bounded)
        findings.disclosed = sorted(set(findings.disclosed))
        return findings


def describe(incident: Incident) -> str:
    when = datetime.fromtimestamp(incident.t, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"{incident.category} in {incident.piece.id} at {when}Z"


# --- the atoms and the LP -------------------------------------------------------------------------


def _label_classes(
    sets: Sequence[frozenset[Any] | None], universe: frozenset[Any] | None
) -> list[frozenset[Any]]:
    """Classes of labels that every named set holds whole or not at all. When the labels are not all
    known (``universe`` None) or not all named, a last, empty class stands for the labels no statement
    names."""
    used = list({s for s in sets if s is not None})
    labels = sorted({x for s in used for x in s} | set(universe or ()), key=str)
    if not labels:
        return [frozenset()]
    by_signature: dict[tuple[bool, ...], set[Any]] = defaultdict(set)
    for x in labels:
        by_signature[tuple(x in s for s in used)].add(x)
    classes = [frozenset(v) for v in by_signature.values()]
    return classes if universe is not None else [*classes, frozenset()]


def _label_mask(
    classes: Sequence[frozenset[Any]], wanted: frozenset[Any] | None, touching: bool
) -> np.ndarray:
    if wanted is None:
        return np.ones(len(classes), dtype=bool)
    named = frozenset().union(*classes)
    out = []
    for c in classes:
        if not c:  # the labels nobody named
            out.append(touching and bool(wanted - named))
        else:
            out.append(bool(c & wanted) if touching else c <= wanted)
    return np.array(out, dtype=bool)


def _time_mask(
    classes: Sequence[tuple[float, float]], wanted: Times | None, touching: bool
) -> np.ndarray:
    if wanted is None:
        return np.ones(len(classes), dtype=bool)
    starts = np.array([a for a, _ in classes])
    ends = np.array([b for _, b in classes])
    out = np.zeros(len(classes), dtype=bool)
    for wa, wb in wanted:
        if touching:
            out |= (starts < wb) & (wa < ends)
        else:
            out |= (wa <= starts) & (ends <= wb)
    return out


class _Space:
    """The coarsest partition of each dimension that every statement respects, and its product."""

    def __init__(
        self,
        statements: Sequence[Statement],
        pieces: Sequence[Piece],
        universe: dict[str, frozenset[Any] | None],
    ) -> None:
        self.pieces = list(pieces)
        specs = list({s.region.place for s in statements})
        member = np.array([[spec.contains(p) for spec in specs] for p in self.pieces], dtype=bool)
        groups: dict[bytes, list[int]] = defaultdict(list)
        for i, row in enumerate(member):
            groups[np.packbits(row).tobytes()].append(i)
        self.places = list(groups.values())  # lists of piece indexes
        self._place_masks: dict[tuple[PlaceSpec, bool], np.ndarray] = {}
        regions = [s.region for s in statements]
        self.categories = _label_classes([r.category for r in regions], universe["category"])
        self.hours = _label_classes([r.hour for r in regions], universe["hour"])
        self.weekdays = _label_classes([r.weekday for r in regions], universe["weekday"])
        self.lights = _label_classes([r.light for r in regions], universe["light"])
        breaks = sorted({b for r in regions if r.time for pair in r.time for b in pair})
        edges = [-INF, *breaks, INF]
        self.times = [(a, b) for a, b in pairwise(edges) if a < b]
        self.shape = (
            len(self.places),
            len(self.categories),
            len(self.times),
            len(self.hours),
            len(self.weekdays),
            len(self.lights),
        )
        self.n_atoms = int(np.prod(self.shape))

    def _place_mask(self, spec: PlaceSpec, touching: bool) -> np.ndarray:
        key = (spec, touching)
        if key not in self._place_masks:
            inside = np.array([spec.contains(p) for p in self.pieces], dtype=bool)
            self._place_masks[key] = np.array(
                [inside[g].any() if touching else inside[g].all() for g in self.places], dtype=bool
            )
        return self._place_masks[key]

    def atoms(self, region: Region, *, touching: bool = False) -> np.ndarray:
        masks = [
            self._place_mask(region.place, touching),
            _label_mask(self.categories, region.category, touching),
            _time_mask(self.times, region.time, touching),
            _label_mask(self.hours, region.hour, touching),
            _label_mask(self.weekdays, region.weekday, touching),
            _label_mask(self.lights, region.light, touching),
        ]
        idx = [np.nonzero(m)[0] for m in masks]
        if any(len(i) == 0 for i in idx):
            return np.zeros(0, dtype=np.int64)
        grids = np.meshgrid(*idx, indexing="ij")
        return np.ravel_multi_index([g.ravel() for g in grids], self.shape)

    def units(self, incident: Incident) -> Iterator[tuple[str, Region]]:
        """The small units around one incident that must not be pinned: its cell, the part of its cell
        in a district, its district, the municipality; by category or not; by day, clock hour, year or
        not; by hour of the day, weekday and light or not. A unit restricting a dimension no statement
        splits holds no whole atom and is left out."""
        piece = incident.piece
        places: list[tuple[str, PlaceSpec]] = [("municipality", ALL_PLACES)]
        if piece.cell is None:
            places.append(("no place", UNPLACED))
        else:
            places += [
                ("placed", PLACED),
                ("cell", PlaceSpec("cell", cell=piece.cell)),
                (
                    "part of cell",
                    PlaceSpec("cell-clipped", cell=piece.cell, district=piece.district),
                ),
                ("district", PlaceSpec("centre", district=piece.centre_district)),
            ]
        options: list[list[tuple[str, Any]]] = [[("", None)] for _ in range(5)]
        if len(self.categories) > 1:
            options[0].append(("category", frozenset({incident.category})))
        if len(self.times) > 1:
            options[1] += [
                ("year", (incident.year,)),
                ("day", (incident.day,)),
                ("clock hour", (incident.clock_hour,)),
            ]
        if len(self.hours) > 1:
            options[2].append(("hour", frozenset({incident.hour})))
        if len(self.weekdays) > 1:
            options[3].append(("weekday", frozenset({incident.weekday})))
        if len(self.lights) > 1:
            options[4].append(("light", frozenset({incident.light})))
        for (pn, p), (cn, c), (tn, t), (hn, h), (wn, w), (ln, li) in product(places, *options):
            name = "+".join(x for x in (pn, cn, tn, hn, wn, ln) if x)
            yield name, Region(p, c, t, h, w, li)


class _System:
    """low ≤ A·x ≤ high over the atoms, x ≥ 0, as a linear program in prefix sums along time.

    Answers about periods are sums over long runs of time classes (a year is hundreds of days), which
    makes the plain LP dense. Writing each atom as the difference of two prefix sums,
    x[f, t] = P[f, t + 1] − P[f, t] with P[f, 0] = 0 and P non-decreasing along t, turns every run into
    two terms, whatever its length ("f" is the atom's place, category, hour, weekday and light). Only
    the boundaries that some statement or unit uses are variables; between them P is free, so a chain
    of "P does not fall" between neighbouring used boundaries says exactly x ≥ 0. The LP's bounds are
    rounded inwards to whole numbers (the attacker's integer reasoning may be sharper still, never
    weaker). Solved per connected component.
    """

    def __init__(
        self, space: _Space, statements: Sequence[Statement], units: Sequence[np.ndarray]
    ) -> None:
        self.shape = space.shape
        self.n_times = space.shape[2]
        self._var: dict[tuple[int, int], int] = {}
        terms = [self.terms(space.atoms(s.region)) for s in statements]
        for atoms in units:
            self.terms(atoms)  # every boundary a unit uses is a variable too
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lows: list[float] = []
        highs: list[float] = []
        for i, (s, t) in enumerate(zip(statements, terms, strict=True)):
            for var, coef in t.items():
                rows.append(i)
                cols.append(var)
                vals.append(coef)
            lows.append(s.low)
            highs.append(s.high)
        n_rows = len(statements)
        by_fiber: dict[int, list[int]] = defaultdict(list)
        for fiber, boundary in self._var:
            by_fiber[fiber].append(boundary)
        for fiber, boundaries in by_fiber.items():
            ordered = sorted(boundaries)
            for a, b in pairwise(ordered):  # P[f, b] − P[f, a] ≥ 0
                rows += [n_rows, n_rows]
                cols += [self._var[(fiber, b)], self._var[(fiber, a)]]
                vals += [1.0, -1.0]
                lows.append(0.0)
                highs.append(INF)
                n_rows += 1
        n_vars = len(self._var)
        matrix = coo_matrix((vals, (rows, cols)), shape=(n_rows, n_vars)).tocsr()
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        self.lows = np.array(lows, dtype=float)
        self.highs = np.array(highs, dtype=float)
        if n_vars:
            pattern = abs(matrix).sign()
            _n, self._labels = connected_components((pattern.T @ pattern).tocsr(), directed=False)
        else:
            self._labels = np.zeros(0, dtype=int)
        self._difference: dict[int, bool] = {}
        self._paths: dict[int, np.ndarray] = {}
        csc = matrix.tocsc()
        self._parts: dict[int, tuple[csr_matrix, np.ndarray, np.ndarray, dict[int, int]]] = {}
        for comp in np.unique(self._labels):
            columns = np.nonzero(self._labels == comp)[0]
            sub = csc[:, columns].tocsr()
            used = np.unique(sub.nonzero()[0])
            self._parts[int(comp)] = (
                sub[used],
                self.lows[used],
                self.highs[used],
                {int(c): j for j, c in enumerate(columns)},
            )

    def terms(self, atoms: np.ndarray) -> dict[int, float]:
        """Σ x over ``atoms`` as prefix-sum variables: {variable: coefficient}."""
        if len(atoms) == 0:
            return {}
        idx = np.unravel_index(atoms, self.shape)
        time = idx[2]
        rest = [i for d, i in enumerate(idx) if d != 2]
        fiber = np.ravel_multi_index(rest, tuple(n for d, n in enumerate(self.shape) if d != 2))
        order = np.lexsort((time, fiber))
        fiber, time = fiber[order], time[order]
        out: dict[int, float] = defaultdict(float)
        # a run breaks where the fiber changes or the time jumps
        breaks = np.nonzero((np.diff(fiber) != 0) | (np.diff(time) != 1))[0] + 1
        starts = np.concatenate([[0], breaks])
        ends = np.concatenate([breaks, [len(time)]]) - 1
        for a, b in zip(starts, ends, strict=True):
            f = int(fiber[a])
            first, last = int(time[a]), int(time[b])
            out[self._variable(f, last + 1)] += 1.0
            if first > 0:
                out[self._variable(f, first)] -= 1.0
        return {v: c for v, c in out.items() if c}

    def _variable(self, fiber: int, boundary: int) -> int:
        key = (fiber, boundary)
        if key not in self._var:
            self._var[key] = len(self._var)
        return self._var[key]

    def bounds(self, inside: np.ndarray, touching: np.ndarray) -> tuple[float, float]:
        """(least sum of the atoms inside the unit, greatest sum of the atoms touching it)."""
        low = self._optimise(self.terms(inside), sense=1.0)
        high = -self._optimise(self.terms(touching), sense=-1.0)
        return low, high

    def _optimise(self, objective_terms: dict[int, float], *, sense: float) -> float:
        """One LP over the components the objective touches (block-diagonal: they do not interact)."""
        if not objective_terms:
            return 0.0
        by_comp: dict[int, dict[int, float]] = defaultdict(dict)
        for var, coef in objective_terms.items():
            by_comp[int(self._labels[var])][var] = coef
        fast = [
            c for c in by_comp if self._difference_only(c) and self._single_difference(by_comp[c])
        ]
        rest = [c for c in by_comp if c not in fast]
        total = 0.0
        for comp in fast:  # components do not interact: the optimum of a sum is the sum of optima
            total += self._by_shortest_path(comp, by_comp[comp], sense)
        if rest:
            total += self._lp_over(
                rest, {v: c for comp in rest for v, c in by_comp[comp].items()}, sense
            )
        return total

    @staticmethod
    def _single_difference(terms: dict[int, float]) -> bool:
        plus = [c for c in terms.values() if c == 1.0]
        minus = [c for c in terms.values() if c == -1.0]
        return len(plus) == 1 and len(minus) <= 1 and len(plus) + len(minus) == len(terms)

    def _lp_over(self, comps: list[int], objective_terms: dict[int, float], sense: float) -> float:
        parts = [self._parts[c] for c in comps]
        matrix = block_diag([p[0] for p in parts], format="csr")
        lows = np.concatenate([p[1] for p in parts])
        highs = np.concatenate([p[2] for p in parts])
        objective = np.zeros(matrix.shape[1])
        offset = 0
        for comp, part in zip(comps, parts, strict=True):
            for var, coef in objective_terms.items():
                if int(self._labels[var]) == comp:
                    objective[offset + part[3][var]] = sense * coef
            offset += part[0].shape[1]
        finite = np.isfinite(highs)
        a_ub = vstack([matrix[finite], -matrix]).tocsr()
        b_ub = np.concatenate([highs[finite], -lows])
        result = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        if result.status == 3:  # unbounded: only a maximum can be
            return -INF
        if result.status != 0:
            raise AssertionError(f"the statements contradict each other: {result.message}")
        return float(result.fun)

    # A component whose every row is "lo ≤ P[b] − P[a] ≤ hi" (or "lo ≤ P[b] ≤ hi") is a system of
    # difference constraints: the greatest P[b] − P[a] is the shortest path from a to b in its graph
    # (edge a → b weighs hi, b → a weighs −lo; Cormen et al., ch. 24.4). Answers about periods of one
    # cell are of this kind (the sliding and bisection attacks): one all-pairs computation replaces
    # hundreds of LPs.

    def _difference_only(self, comp: int) -> bool:
        cached = self._difference.get(comp)
        if cached is None:
            matrix = self._parts[comp][0]
            counts = np.diff(matrix.indptr)
            cached = bool(counts.max(initial=0) <= 2)
            if cached:
                for i in range(matrix.shape[0]):
                    vals = sorted(matrix.data[matrix.indptr[i] : matrix.indptr[i + 1]])
                    if vals not in ([1.0], [-1.0, 1.0]):
                        cached = False
                        break
            self._difference[comp] = cached
        return cached

    def _distances(self, comp: int) -> np.ndarray:
        if comp not in self._paths:
            matrix, lows, highs, _position = self._parts[comp]
            n = matrix.shape[1]
            zero = n  # the node P = 0
            src: list[int] = []
            dst: list[int] = []
            weight: list[float] = []
            for i in range(matrix.shape[0]):
                cols = matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]]
                vals = matrix.data[matrix.indptr[i] : matrix.indptr[i + 1]]
                b = int(cols[vals > 0][0])
                a = int(cols[vals < 0][0]) if len(cols) == 2 else zero
                if np.isfinite(highs[i]):
                    src.append(a), dst.append(b), weight.append(float(highs[i]))
                src.append(b), dst.append(a), weight.append(-float(lows[i]))
            for v in range(n):  # P ≥ 0
                src.append(v), dst.append(zero), weight.append(0.0)
            # Of parallel edges only the lightest matters; explicit zeros are edges to csgraph.
            best: dict[tuple[int, int], float] = {}
            for a, b, w in zip(src, dst, weight, strict=True):
                best[(a, b)] = min(w, best.get((a, b), INF))
            keys = list(best)
            graph = csr_matrix(
                ([best[e] for e in keys], ([e[0] for e in keys], [e[1] for e in keys])),
                shape=(n + 1, n + 1),
            )
            self._paths[comp] = shortest_path(graph, method="J", directed=True)
        return self._paths[comp]

    def _by_shortest_path(self, comp: int, terms: dict[int, float], sense: float) -> float:
        position = self._parts[comp][3]
        zero = self._parts[comp][0].shape[1]
        b = next(position[v] for v, c in terms.items() if c > 0)
        a = next((position[v] for v, c in terms.items() if c < 0), zero)
        dist = self._distances(comp)
        if sense > 0:  # min (P[b] − P[a]) = −(greatest P[a] − P[b])
            return -float(dist[b, a])
        return -float(dist[a, b])  # min −(P[b] − P[a]) = −(greatest P[b] − P[a])
