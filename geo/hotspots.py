"""Getis-Ord Gi* hot spots, false discovery rate and Esri-style confidence classes (docs/method.md).

Gi* (Getis & Ord 1992; Ord & Getis 1995) compares the sum of the values in a place's neighbourhood,
the place itself included, with what the whole study area would give a neighbourhood of that size::

    G*_i = Σ_j w*_ij x_j / Σ_j x_j           w* = W + I (binary, self included)
    E[G*_i] = c_i / n                         c_i = Σ_j w*_ij
    Var[G*_i] = c_i (n − c_i) / (n − 1) / n² · s² / x̄²      s² = Σ x²/n − x̄²
    z_i = (G*_i − E[G*_i]) / √Var[G*_i]

which is exactly what PySAL esda's ``G_Local(x, w, transform="B", star=True)`` computes (``Zs``), with
``p_norm = Φ̄(|z|)`` one-sided. The two-sided p (``GiStar.p_two_sided``) is what the confidence classes
and the FDR correction use, as Esri's Hot Spot Analysis does (90/95/99 %: |z| > 1.645, 1.960, 2.576).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import stats

# Esri's Gi_Bin: ±3 at 99 %, ±2 at 95 %, ±1 at 90 % confidence, 0 not significant.
CONFIDENCE_LEVELS: tuple[tuple[int, float], ...] = ((3, 0.01), (2, 0.05), (1, 0.10))
CLASS_LABELS: dict[int, str] = {
    3: "Hot spot, 99 % konfidens",
    2: "Hot spot, 95 % konfidens",
    1: "Hot spot, 90 % konfidens",
    0: "Inte signifikant",
    -1: "Cold spot, 90 % konfidens",
    -2: "Cold spot, 95 % konfidens",
    -3: "Cold spot, 99 % konfidens",
}


@dataclass(frozen=True)
class GiStar:
    """z-scores and one-sided p-values (esda's ``Zs`` and ``p_norm``), one per place."""

    z: NDArray[np.float64]
    p: NDArray[np.float64]

    @property
    def p_two_sided(self) -> NDArray[np.float64]:
        return np.minimum(1.0, 2.0 * self.p)


def gi_star(values: ArrayLike, weights: sp.spmatrix | sp.sparray) -> GiStar:
    """Getis-Ord Gi* with binary weights, the place itself included (esda ``transform="B", star=True``).

    Parameters
    ----------
    values : array_like, shape (n,)
        One value per place (e.g. incidents per cell or per NYKO area).
    weights : scipy.sparse matrix, shape (n, n)
        Binary neighbours, 1 where j is a neighbour of i, **without** the diagonal (it is added here).

    Returns
    -------
    GiStar
        Where the values do not vary (all equal, or all zero) z is 0 and p is 0.5: there is no evidence
        either way (esda gives nan there).

    Raises
    ------
    ValueError
        When the shapes disagree, a value is not a finite number (NaN or ±inf would make every z 0
        without a word), or the weights are not binary (a weight other than 0 or 1, negative ones
        included, gives z-scores the formula does not describe) or have a diagonal. The message
        names the offending places (their indices).

    Examples
    --------
    A line of five places, each the neighbour of the next; a peak in the middle.

    >>> w = sp.diags([np.ones(4), np.ones(4)], [-1, 1], format="csr")
    >>> r = gi_star([0, 1, 9, 1, 0], w)
    >>> np.round(r.z, 3).tolist()
    [-0.81, 0.81, 1.048, 0.81, -0.81]
    >>> gi_star([2, 2, 2, 2, 2], w).z.tolist()  # nothing varies: no evidence
    [0.0, 0.0, 0.0, 0.0, 0.0]
    >>> gi_star([0, 1, float("nan"), 1, 0], w)
    Traceback (most recent call last):
    ...
    ValueError: every value must be a finite number; not so at place 2
    >>> gi_star([1, 2, 3], sp.csr_matrix([[0, -1, 0], [-1, 0, 0], [0, 0, 0]]))
    Traceback (most recent call last):
    ...
    ValueError: weights must be binary (1 for a neighbour, 0 otherwise); these are not: (0, 1): -1, (1, 0): -1
    """
    y = np.asarray(values, dtype=np.float64).ravel()
    n = y.size
    check_finite(y)
    w = sp.csr_matrix(weights, dtype=np.float64)  # type: ignore[call-overload]  # the stubs take each sparse kind, not their union
    if w.shape != (n, n):
        raise ValueError(f"weights must be {n} × {n} for {n} values, not {w.shape}")
    w.sum_duplicates()
    w.eliminate_zeros()
    if n and np.any(w.diagonal() != 0):
        raise ValueError("weights must not have a diagonal: Gi* adds the place itself")
    if np.any(w.data != 1.0):
        rows = np.repeat(np.arange(n), np.diff(w.indptr))
        bad = w.data != 1.0
        pairs = [
            f"({int(i)}, {int(j)}): {v:g}"
            for i, j, v in zip(rows[bad][:10], w.indices[bad][:10], w.data[bad][:10], strict=True)
        ]
        more = f" and {int(bad.sum()) - 10} more" if bad.sum() > 10 else ""
        raise ValueError(
            "weights must be binary (1 for a neighbour, 0 otherwise); these are not: "
            + ", ".join(pairs)
            + more
        )
    neighbour_sum = w @ y + y
    cardinality = np.asarray(w.sum(axis=1)).ravel() + 1.0
    return gi_star_from_sums(y, neighbour_sum, cardinality, float(n))


def gi_star_grid(counts: ArrayLike, mask: ArrayLike | None = None) -> GiStar:
    """Gi* on a regular grid with the 8 surrounding cells as neighbours (queen), fast.

    Gives the same numbers as ``gi_star(counts.ravel(), grid_weights(...))``: the neighbourhood sums
    are 3 × 3 window sums made of nine shifted additions, not a matrix product.

    Parameters
    ----------
    counts : array_like, shape (ny, nx)
    mask : array_like of bool, shape (ny, nx), optional
        The cells that belong to the study area (e.g. inside the municipality). Cells outside are no
        observations: they count neither as neighbours nor in the mean and variance; their z is 0 and
        p 0.5.

    Returns
    -------
    GiStar
        Arrays of shape (ny, nx).

    Raises
    ------
    ValueError
        When a count is not a finite number, naming the cells (row, column).

    Examples
    --------
    >>> c = np.zeros((5, 5)); c[2, 2] = 10
    >>> r = gi_star_grid(c)
    >>> round(float(r.z[2, 2]), 3), round(float(r.z[0, 0]), 3)
    (1.333, -0.436)
    """
    y = np.asarray(counts, dtype=np.float64)
    if y.ndim != 2:
        raise ValueError("counts must be a 2-D grid")
    check_finite(y)
    if mask is None:
        m = np.ones(y.shape, dtype=np.float64)
    else:
        m = np.asarray(mask, dtype=bool).astype(np.float64)
        if m.shape != y.shape:
            raise ValueError("mask must have the shape of counts")
    ym = y * m
    n = float(m.sum())
    neighbour_sum = window3(ym)
    cardinality = window3(m)
    inside = m.ravel() > 0
    result = gi_star_from_sums(
        ym.ravel()[inside], neighbour_sum.ravel()[inside], cardinality.ravel()[inside], n
    )
    z = np.zeros(y.size)
    p = np.full(y.size, 0.5)
    z[inside] = result.z
    p[inside] = result.p
    return GiStar(z.reshape(y.shape), p.reshape(y.shape))


def check_finite(values: NDArray[np.float64]) -> None:
    """Refuse NaN and ±inf, naming where they are: flat indices for a vector, (row, column) for a grid.

    Gi* divides by the sum and the variance of all values; one NaN makes them NaN and every z would
    come out as 0 ("not significant") without a word.

    >>> check_finite(np.array([[1.0, np.inf], [np.nan, 0.0]]))
    Traceback (most recent call last):
    ...
    ValueError: every value must be a finite number; not so at cells (row, column) (0, 1), (1, 0)
    """
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    where = np.argwhere(bad)
    shown = where[:10]
    more = f" and {len(where) - 10} more" if len(where) > 10 else ""
    if values.ndim == 1:
        listed = ", ".join(str(int(i[0])) for i in shown)
        label = "place" if len(where) == 1 else "places"
    else:
        listed = ", ".join("(" + ", ".join(str(int(k)) for k in i) + ")" for i in shown)
        label = "cells (row, column)" if values.ndim == 2 else "bins (time step, row, column)"
    raise ValueError(f"every value must be a finite number; not so at {label} {listed}{more}")


def window3(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sum over each cell's 3 × 3 window, zero outside the grid (exact for integer counts)."""
    ny, nx = a.shape
    padded = np.zeros((ny + 2, nx + 2))
    padded[1:-1, 1:-1] = a
    rows = padded[:-2, :] + padded[1:-1, :] + padded[2:, :]
    out: NDArray[np.float64] = rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]
    return out


def gi_star_from_sums(
    y: NDArray[np.float64],
    neighbour_sum: NDArray[np.float64],
    cardinality: NDArray[np.float64],
    n: float,
) -> GiStar:
    """Gi* from each place's neighbourhood sum (itself included) and neighbourhood size c_i, with the
    mean and variance of all ``n`` values ``y``: the formula of the module docstring, for any way of
    summing a neighbourhood (a sparse matrix, 3 × 3 windows, a space-time window)."""
    # Written in esda's order of operations, so the two agree to the last few bits.
    total = y.sum()
    if n < 2 or total == 0:
        return GiStar(np.zeros(y.size), np.full(y.size, 0.5))
    statistic = neighbour_sum / total
    mean = total / n
    variance = (y**2).sum() / n - mean**2
    if not variance > 1e-12 * mean**2:
        return GiStar(np.zeros(y.size), np.full(y.size, 0.5))
    expected = cardinality / n
    expected_variance = cardinality * (n - cardinality)
    expected_variance /= n - 1
    expected_variance *= 1 / n**2
    expected_variance *= variance / (mean**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (statistic - expected) / np.sqrt(expected_variance)
    z = np.where(np.isfinite(z), z, 0.0)  # a place whose neighbourhood is the whole area
    p = stats.norm.sf(np.abs(z))
    return GiStar(np.asarray(z, dtype=np.float64), np.asarray(p, dtype=np.float64))


def grid_weights(ny: int, nx: int, mask: ArrayLike | None = None) -> sp.csr_matrix:
    """Binary queen (8-neighbour) weights of an ny × nx grid, row-major order, no diagonal.

    >>> grid_weights(2, 2).toarray().astype(int).tolist()
    [[0, 1, 1, 1], [1, 0, 1, 1], [1, 1, 0, 1], [1, 1, 1, 0]]
    """
    index = np.arange(ny * nx).reshape(ny, nx)
    rows: list[NDArray[np.int64]] = []
    cols: list[NDArray[np.int64]] = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy == 0 and dx == 0:
                continue
            src = index[max(0, -dy) : ny - max(0, dy), max(0, -dx) : nx - max(0, dx)]
            dst = index[max(0, dy) : ny - max(0, -dy), max(0, dx) : nx - max(0, -dx)]
            rows.append(src.ravel())
            cols.append(dst.ravel())
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    w = sp.csr_matrix((np.ones(r.size), (r, c)), shape=(ny * nx, ny * nx))
    if mask is not None:
        keep = np.asarray(mask, dtype=bool).ravel()
        w = sp.csr_matrix(w[keep][:, keep])
    return w


def contiguity_weights(
    polygons: Sequence[shapely.Geometry], *, rook: bool = False, tolerance_m: float = 0.0
) -> sp.csr_matrix:
    """Binary contiguity weights of areas (e.g. NYKO areas), no diagonal, as libpysal builds them.

    Queen (default): areas that share a vertex are neighbours. Rook: areas that share an edge, two
    consecutive vertices of a ring in either order. Every ring counts (holes and the parts of
    multipolygons too). This is libpysal's rule (``weights.Queen`` and ``weights.Rook``, the vertex
    and edge sets of ``ContiguityWeightsLists``), equal to it pair for pair on the San Francisco
    block groups (tests/geo/test_hotspots.py). Areas that only touch in the middle of another's
    edge, or overlap, without a common vertex are not neighbours: that is what an intersection test
    would wrongly add (a bridge drawn across water, an island touching a shore line).

    ``tolerance_m`` lets vertices closer than it count as one (areas digitised apart by a sliver);
    0, the default, asks for the same coordinates exactly.

    Examples
    --------
    >>> from shapely import Polygon, box
    >>> w = contiguity_weights([box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)])
    >>> w.toarray().astype(int).tolist()  # the third touches the second only at a corner
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    >>> contiguity_weights([box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)], rook=True).nnz
    2
    >>> big, small = box(0, 0, 2, 1), Polygon([(0.5, 1), (1.5, 1), (1, 2)])  # touches mid-edge
    >>> contiguity_weights([big, small]).nnz
    0
    """
    geoms = np.asarray(polygons, dtype=object)
    n = geoms.size
    if n == 0:
        return sp.csr_matrix((0, 0))
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings = shapely.get_rings(parts)  # exterior, then holes, of each part, each ring closed
    ring_owner = np.repeat(part_owner, shapely.get_num_interior_rings(parts) + 1)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    vertex = _vertex_ids(coords, tolerance_m)
    owner = ring_owner[ring]
    if rook:
        same_ring = ring[1:] == ring[:-1]
        a, b = vertex[:-1][same_ring], vertex[1:][same_ring]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keep = lo != hi
        _, edge = np.unique(np.column_stack([lo[keep], hi[keep]]), axis=0, return_inverse=True)
        members = np.asarray(edge, dtype=np.int64).ravel()
        owners = owner[1:][same_ring][keep]
    else:
        members, owners = vertex, owner
    if members.size == 0:
        return sp.csr_matrix((n, n))
    incidence = sp.csr_matrix(
        (np.ones(members.size), (owners, members)), shape=(n, int(members.max()) + 1)
    )
    incidence.data[:] = 1.0  # a vertex met twice in one area (a ring's closing point) counts once
    shared = sp.csr_matrix(incidence @ incidence.T)
    shared.setdiag(0)
    shared.eliminate_zeros()
    shared.data[:] = 1.0
    return shared


def _vertex_ids(coords: NDArray[np.float64], tolerance_m: float) -> NDArray[np.int64]:
    """One id per distinct vertex: equal coordinates share an id; with a tolerance, so do chains of
    vertices closer than it."""
    if tolerance_m <= 0:
        _, inverse = np.unique(coords, axis=0, return_inverse=True)
        return np.asarray(inverse, dtype=np.int64).ravel()
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    m = coords.shape[0]
    pairs = cKDTree(coords).query_pairs(tolerance_m, output_type="ndarray")
    graph = sp.csr_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels, dtype=np.int64)


def fdr_bh(p: ArrayLike) -> NDArray[np.float64]:
    """Benjamini–Hochberg adjusted p-values (q-values): reject at level α where q ≤ α.

    q_(i) = min_{k ≥ i} ( m p_(k) / k ), capped at 1 (Benjamini & Hochberg 1995).

    >>> np.round(fdr_bh([0.01, 0.04, 0.03, 0.005]), 4).tolist()
    [0.02, 0.04, 0.04, 0.02]
    """
    pa = np.asarray(p, dtype=np.float64)
    flat = pa.ravel()
    m = flat.size
    if m == 0:
        return pa.copy()
    order = np.argsort(flat)
    ranked = flat[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1.0)
    return q.reshape(pa.shape)


def confidence_classes(
    result: GiStar, *, fdr: bool = False, mask: ArrayLike | None = None
) -> NDArray[np.int8]:
    """Esri's Gi_Bin: +3/+2/+1 hot and −3/−2/−1 cold at 99/95/90 % confidence, 0 otherwise.

    With ``fdr`` the two-sided p-values are first adjusted by Benjamini–Hochberg, so that among the
    cells called significant at a level, that share at most are expected to be false.

    ``mask`` (bool, the shape of ``result.z``) marks the places of the study area: only they are
    tests. A place outside it (a cell of the bounding box beyond the municipality, with p = 1) is no
    hypothesis at all; counting it would make the correction stricter for nothing. Places outside
    get class 0.

    >>> r = GiStar(np.array([3.0, 2.0, 1.7, 0.5, -2.7]), stats.norm.sf(np.abs([3.0, 2.0, 1.7, 0.5, -2.7])))
    >>> confidence_classes(r).tolist()
    [3, 2, 1, 0, -3]
    >>> confidence_classes(r, fdr=True).tolist()
    [2, 1, 0, 0, -2]

    Two places of the study area and three beyond it: only the two are tests.

    >>> z = np.array([2.3, 2.3, 0.0, 0.0, 0.0])  # p = 0.021 each
    >>> r = GiStar(z, stats.norm.sf(np.abs(z)))
    >>> confidence_classes(r, fdr=True).tolist()  # five tests: q = 0.021 × 5/2 = 0.054
    [1, 1, 0, 0, 0]
    >>> confidence_classes(r, fdr=True, mask=[True, True, False, False, False]).tolist()  # q = 0.021
    [2, 2, 0, 0, 0]
    """
    p = result.p_two_sided
    inside = np.ones(p.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if inside.shape != p.shape:
        raise ValueError(f"mask must have the shape of the results {p.shape}, not {inside.shape}")
    tested = np.ones(p.shape)
    if fdr:
        tested[inside] = fdr_bh(p[inside])
    else:
        tested[inside] = p[inside]
    sign = np.sign(result.z).astype(np.int8)
    level = np.zeros(p.shape, dtype=np.int8)
    for value, alpha in reversed(CONFIDENCE_LEVELS):
        level[tested < alpha] = value
    return np.asarray(sign * level, dtype=np.int8)
