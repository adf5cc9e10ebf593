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
        When the shapes disagree or the matrix has a diagonal.

    Examples
    --------
    A line of five places, each the neighbour of the next; a peak in the middle.

    >>> w = sp.diags([np.ones(4), np.ones(4)], [-1, 1], format="csr")
    >>> r = gi_star([0, 1, 9, 1, 0], w)
    >>> np.round(r.z, 3).tolist()
    [-0.81, 0.81, 1.048, 0.81, -0.81]
    >>> gi_star([2, 2, 2, 2, 2], w).z.tolist()  # nothing varies: no evidence
    [0.0, 0.0, 0.0, 0.0, 0.0]
    """
    y = np.asarray(values, dtype=np.float64).ravel()
    n = y.size
    w = sp.csr_matrix(weights, dtype=np.float64)
    if w.shape != (n, n):
        raise ValueError(f"weights must be {n} × {n} for {n} values, not {w.shape}")
    if n and np.any(w.diagonal() != 0):
        raise ValueError("weights must not have a diagonal: Gi* adds the place itself")
    neighbour_sum = w @ y + y
    cardinality = np.asarray(w.sum(axis=1)).ravel() + 1.0
    return _z_and_p(y, neighbour_sum, cardinality, float(n))


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
    if mask is None:
        m = np.ones(y.shape, dtype=np.float64)
    else:
        m = np.asarray(mask, dtype=bool).astype(np.float64)
        if m.shape != y.shape:
            raise ValueError("mask must have the shape of counts")
    ym = y * m
    n = float(m.sum())
    neighbour_sum = _window3(ym)
    cardinality = _window3(m)
    inside = m.ravel() > 0
    result = _z_and_p(
        ym.ravel()[inside], neighbour_sum.ravel()[inside], cardinality.ravel()[inside], n
    )
    z = np.zeros(y.size)
    p = np.full(y.size, 0.5)
    z[inside] = result.z
    p[inside] = result.p
    return GiStar(z.reshape(y.shape), p.reshape(y.shape))


def _window3(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sum over each cell's 3 × 3 window, zero outside the grid (exact for integer counts)."""
    ny, nx = a.shape
    padded = np.zeros((ny + 2, nx + 2))
    padded[1:-1, 1:-1] = a
    rows = padded[:-2, :] + padded[1:-1, :] + padded[2:, :]
    out: NDArray[np.float64] = rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]
    return out


def _z_and_p(
    y: NDArray[np.float64],
    neighbour_sum: NDArray[np.float64],
    cardinality: NDArray[np.float64],
    n: float,
) -> GiStar:
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
    """Binary contiguity weights of areas (e.g. NYKO areas), no diagonal.

    Queen (default): areas that share at least one boundary point are neighbours. Rook: they share a
    stretch of boundary longer than ``tolerance_m`` (or any length when it is 0). ``tolerance_m``
    also closes slivers between areas digitised apart: areas closer than it count as touching.

    Examples
    --------
    >>> from shapely import box
    >>> w = contiguity_weights([box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)])
    >>> w.toarray().astype(int).tolist()  # the third touches the second only at a corner
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    >>> contiguity_weights([box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)], rook=True).nnz
    2
    """
    geoms = np.asarray(polygons, dtype=object)
    n = geoms.size
    probe = shapely.buffer(geoms, tolerance_m / 2) if tolerance_m > 0 else geoms
    tree = shapely.STRtree(probe)
    left, right = tree.query(probe, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if rook and left.size:
        shared = shapely.intersection(shapely.boundary(probe[left]), shapely.boundary(probe[right]))
        length = shapely.length(shared)
        ok = length > max(tolerance_m, 0.0)
        left, right = left[ok], right[ok]
    r = np.concatenate([left, right])
    c = np.concatenate([right, left])
    return sp.csr_matrix((np.ones(r.size), (r, c)), shape=(n, n))


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


def confidence_classes(result: GiStar, *, fdr: bool = False) -> NDArray[np.int8]:
    """Esri's Gi_Bin: +3/+2/+1 hot and −3/−2/−1 cold at 99/95/90 % confidence, 0 otherwise.

    With ``fdr`` the two-sided p-values are first adjusted by Benjamini–Hochberg, so that among the
    cells called significant at a level, that share at most are expected to be false.

    >>> r = GiStar(np.array([3.0, 2.0, 1.7, 0.5, -2.7]), stats.norm.sf(np.abs([3.0, 2.0, 1.7, 0.5, -2.7])))
    >>> confidence_classes(r).tolist()
    [3, 2, 1, 0, -3]
    >>> confidence_classes(r, fdr=True).tolist()
    [2, 1, 0, 0, -2]
    """
    p = result.p_two_sided
    if fdr:
        p = fdr_bh(p)
    sign = np.sign(result.z).astype(np.int8)
    level = np.zeros(p.shape, dtype=np.int8)
    for value, alpha in reversed(CONFIDENCE_LEVELS):
        level[p < alpha] = value
    return np.asarray(sign * level, dtype=np.int8)
