"""Kernel density of points on a regular grid, as counts per km² (docs/method.md, "Kernel density").

The estimate at a place s is the sum over the points of a two-dimensional Gaussian kernel with standard
deviation σ (the bandwidth, in metres)::

    f(s) = Σ_i  w_i / (2π σ²) · exp(−|s − x_i|² / (2σ²))      points per m²   (× 10⁶ for per km²)

It is computed the binned way (Silverman 1982; Wand 1994): the points are first spread onto the grid,
then the grid is convolved with the Gaussian. Two binnings are offered:

- ``linear`` (default): each point is shared between the four nearest cell centres in proportion to
  its closeness (bilinear weights). The mean of the spread mass is exactly the point, but it adds on
  average Δ²/6 of variance per axis (Δ the cell size), so the Gaussian is narrowed to
  σ′ = √(σ² − Δ²/6) to cancel it (DESIGN.md, "Performance facts").
- ``nearest``: each point counts whole in its cell. Faster, less exact (its error is a shift of up to
  half a cell); the kernel is narrowed by Δ²/12, the variance of a uniform position within a cell.

The convolution is done either by ``scipy.ndimage.gaussian_filter`` (``smoother="filter"``) or, the
default, by multiplying the grid's Fourier transform with the Gaussian's own transform
exp(−2π²σ′²f²) (``smoother="fft"``); on a 400 × 400 grid the latter is about three times faster and
does not truncate the kernel. The grid is padded by ``PAD_SIGMAS`` σ on every side before smoothing, so
points just outside it still count and the transform's wrap-around reaches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.fft
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage

from geo.grids import Grid

Binning = Literal["linear", "nearest"]
Smoother = Literal["fft", "filter"]
BandwidthRule = Literal["scott", "silverman"]

CHUNK = 1 << 18  # points binned at a time
PAD_SIGMAS = 4.0  # the kernel beyond 4σ holds 3.4e-4 of its peak: below the binning error
M2_PER_KM2 = 1_000_000.0


@dataclass(frozen=True)
class Density:
    """A density surface: ``values`` (shape ``grid.shape``, row 0 south) in points per km²."""

    grid: Grid
    values: NDArray[np.float64]
    bandwidth_m: float
    n_points: int
    binning: str

    @property
    def peak(self) -> float:
        return float(self.values.max()) if self.values.size else 0.0


def bandwidth_rule(x: ArrayLike, y: ArrayLike, rule: BandwidthRule = "scott") -> float:
    """A bandwidth in metres from the points themselves, for a Gaussian kernel in two dimensions.

    ``scott``: σ̂ · n^(−1/6), σ̂ = √((s_x² + s_y²)/2) (Scott 1992, eq. 6.42, d = 2; for d = 2 Silverman's
    normal-reference rule, 1986 eq. 4.14, gives the same factor). ``silverman``: the same with the robust
    spread min(s, IQR/1.349) per axis, which does not grow with a few far-away points (Silverman 1986,
    eq. 3.30). Projected coordinates in metres (SWEREF 99 TM or UTM) are assumed.

    Parameters
    ----------
    x, y : array_like
        Point coordinates in metres.
    rule : {"scott", "silverman"}

    Returns
    -------
    float
        The bandwidth σ in metres.

    Raises
    ------
    ValueError
        With fewer than two points, or when the points do not spread (all in one place).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x, y = rng.normal(0, 1000, 4096), rng.normal(0, 1000, 4096)
    >>> round(bandwidth_rule(x, y, "scott") / 1000 * 4096 ** (1 / 6), 1)  # ≈ the spread, 1000 m
    1.0
    >>> bandwidth_rule([5, 5, 5], [1, 1, 1])
    Traceback (most recent call last):
    ...
    ValueError: the points do not spread: no bandwidth can be derived from them
    """
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    n = xa.size
    if n < 2:
        raise ValueError("at least two points are needed to derive a bandwidth")
    if rule == "scott":
        spread = float(np.sqrt((xa.var(ddof=1) + ya.var(ddof=1)) / 2))
    elif rule == "silverman":
        parts = []
        for a in (xa, ya):
            q75, q25 = np.percentile(a, [75, 25])
            s = float(a.std(ddof=1))
            iqr = float(q75 - q25) / 1.349
            parts.append(min(s, iqr) if iqr > 0 else s)
        spread = float(np.sqrt((parts[0] ** 2 + parts[1] ** 2) / 2))
    else:
        raise ValueError(f"unknown bandwidth rule {rule!r}: use 'scott' or 'silverman'")
    if not spread > 0:
        raise ValueError("the points do not spread: no bandwidth can be derived from them")
    return float(spread * n ** (-1.0 / 6.0))


def kde(
    x: ArrayLike,
    y: ArrayLike,
    grid: Grid,
    bandwidth_m: float,
    *,
    weights: ArrayLike | None = None,
    binning: Binning = "linear",
    smoother: Smoother = "fft",
) -> Density:
    """Gaussian kernel density of points on ``grid`` (values at cell centres), in points per km².

    Parameters
    ----------
    x, y : array_like
        Point coordinates in the grid's CRS (metres).
    grid : Grid
        Where to estimate; points outside it still count near its edges.
    bandwidth_m : float
        σ of the Gaussian kernel in metres; at least one cell.
    weights : array_like, optional
        A weight per point (e.g. aoristic shares); default 1.
    binning : {"linear", "nearest"}
    smoother : {"fft", "filter"}

    Returns
    -------
    Density

    Raises
    ------
    ValueError
        When the bandwidth is smaller than a cell, or the arrays differ in length.

    Examples
    --------
    One point in the middle of a 1 km square: the peak is 1 / (2πσ²) per m². A lone point exactly on
    a cell centre is the awkward case: binning does not blur it, so the narrowed kernel peaks 0.7 % high.

    >>> g = Grid(0.0, 0.0, 10.0, 101, 101)
    >>> d = kde([505.0], [505.0], g, 50.0)
    >>> round(d.peak / 1e6 * 2 * np.pi * 50.0**2, 3)
    1.007
    >>> round(float(d.values.sum()) * (g.cell_m**2) / 1e6, 3)  # integrates to one point
    1.0
    """
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.shape != ya.shape:
        raise ValueError("x and y must have the same length")
    w = None if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if w is not None and w.shape != xa.shape:
        raise ValueError("weights must have one value per point")
    cell = grid.cell_m
    if not bandwidth_m >= cell:
        raise ValueError(
            f"the bandwidth ({bandwidth_m:g} m) must be at least one cell ({cell:g} m)"
        )
    blur = cell**2 / 6.0 if binning == "linear" else cell**2 / 12.0
    if binning not in ("linear", "nearest"):
        raise ValueError(f"unknown binning {binning!r}: use 'linear' or 'nearest'")
    sigma_cells = float(np.sqrt(bandwidth_m**2 - blur)) / cell
    pad = int(np.ceil(PAD_SIGMAS * sigma_cells)) + 1

    counts = _bin(xa, ya, w, grid, pad, binning)
    if smoother == "fft":
        smooth = _smooth_fft(counts, sigma_cells)
    elif smoother == "filter":
        smooth = ndimage.gaussian_filter(counts, sigma_cells, mode="constant", truncate=PAD_SIGMAS)
    else:
        raise ValueError(f"unknown smoother {smoother!r}: use 'fft' or 'filter'")
    g = 2  # guard cells on each side, see _bin
    values = smooth[pad + g : pad + g + grid.ny, pad + g : pad + g + grid.nx]
    values = values * (M2_PER_KM2 / cell**2)
    np.maximum(values, 0.0, out=values)  # the transform leaves ±1e-17 where there is nothing
    return Density(grid, values, float(bandwidth_m), int(xa.size), binning)


def _bin(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    w: NDArray[np.float64] | None,
    grid: Grid,
    pad: int,
    binning: str,
) -> NDArray[np.float64]:
    """Points binned on the grid padded by ``pad`` cells and 2 guard cells on each side.

    Coordinates are clipped into the guard cells instead of masked: a far-away point lands in a guard
    cell that is cut off afterwards, and no boolean indexing (the slow part) is needed.
    """
    g = 2
    nxp = grid.nx + 2 * (pad + g)
    nyp = grid.ny + 2 * (pad + g)
    inv = 1.0 / grid.cell_m
    # fractional index relative to the first padded cell, with cell centres at integers + 0.5 → 0
    shift = pad + g
    m = nxp * nyp
    if binning == "nearest":
        counts = np.zeros(m)
        for start in range(0, x.size, CHUNK):
            fx = x[start : start + CHUNK] * inv
            fx -= grid.x0 * inv - shift
            np.clip(fx, 0.0, nxp - 1.0, out=fx)
            fy = y[start : start + CHUNK] * inv
            fy -= grid.y0 * inv - shift
            np.clip(fy, 0.0, nyp - 1.0, out=fy)
            flat = fy.astype(np.intp)
            flat *= nxp
            flat += fx.astype(np.intp)
            wc = None if w is None else w[start : start + CHUNK]
            counts += np.bincount(flat, weights=wc, minlength=m)
        return counts.reshape(nyp, nxp)
    # sums per cell of 1, wx, wy and wx·wy (wx, wy: the shares of the right and upper neighbours);
    # in chunks, so the temporaries stay in the processor's cache (about twice as fast for 1e6 points)
    sums = np.zeros((4, m))
    for start in range(0, x.size, CHUNK):
        fx = x[start : start + CHUNK] * inv
        fx -= grid.x0 * inv - shift + 0.5
        np.clip(fx, 0.0, nxp - 2.0, out=fx)
        fy = y[start : start + CHUNK] * inv
        fy -= grid.y0 * inv - shift + 0.5
        np.clip(fy, 0.0, nyp - 2.0, out=fy)
        left = np.floor(fx)
        below = np.floor(fy)
        fx -= left  # now wx
        fy -= below  # now wy
        below *= nxp
        below += left
        flat = below.astype(np.intp)
        wxy = fx * fy
        if w is None:
            sums[0] += np.bincount(flat, minlength=m)
        else:
            wc = w[start : start + CHUNK]
            sums[0] += np.bincount(flat, weights=wc, minlength=m)
            fx *= wc
            fy *= wc
            wxy *= wc
        sums[1] += np.bincount(flat, weights=fx, minlength=m)
        sums[2] += np.bincount(flat, weights=fy, minlength=m)
        sums[3] += np.bincount(flat, weights=wxy, minlength=m)
    b11 = sums[3]
    b10 = sums[1] - b11  # Σ wx (1 − wy)
    b01 = sums[2] - b11  # Σ (1 − wx) wy
    b00: NDArray[np.float64] = sums[0] - b10 - b01 - b11  # the four shares add up to one
    out = b00.reshape(nyp, nxp)
    out[:, 1:] += b10.reshape(nyp, nxp)[:, :-1]
    out[1:, :] += b01.reshape(nyp, nxp)[:-1, :]
    out[1:, 1:] += b11.reshape(nyp, nxp)[:-1, :-1]
    return out


def _smooth_fft(counts: NDArray[np.float64], sigma_cells: float) -> NDArray[np.float64]:
    """Convolve with a Gaussian of ``sigma_cells`` by multiplying transforms (periodic, padded)."""
    ny, nx = counts.shape
    fy = scipy.fft.next_fast_len(ny, real=True)
    fx = scipy.fft.next_fast_len(nx, real=True)
    spectrum = scipy.fft.rfft2(counts, s=(fy, fx))
    ky = scipy.fft.fftfreq(fy)
    kx = scipy.fft.rfftfreq(fx)
    c = -2.0 * (np.pi * sigma_cells) ** 2
    spectrum *= np.exp(c * ky**2)[:, None]
    spectrum *= np.exp(c * kx**2)[None, :]
    out: NDArray[np.float64] = scipy.fft.irfft2(spectrum, s=(fy, fx))[:ny, :nx]
    return out


def exact_density(
    x: ArrayLike,
    y: ArrayLike,
    grid: Grid,
    bandwidth_m: float,
    *,
    chunk: int = 256,
) -> NDArray[np.float64]:
    """The Gaussian sum evaluated exactly at every cell centre (points per km²), for tests and benchmarks.

    Each point's kernel is summed over the cells within 8σ of it (beyond, exp(−32) ≈ 1e-14 of the peak).

    >>> g = Grid(0.0, 0.0, 10.0, 21, 21)
    >>> v = exact_density([105.0], [105.0], g, 20.0)
    >>> round(float(v[10, 10]) / 1e6 * 2 * np.pi * 400, 6)
    1.0
    """
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    cell = grid.cell_m
    reach = int(np.ceil(8 * bandwidth_m / cell)) + 1
    out = np.zeros((grid.ny + 4 * reach, grid.nx + 4 * reach))
    offsets = np.arange(-reach, reach + 1)
    norm = M2_PER_KM2 / (2 * np.pi * bandwidth_m**2)
    inv2s2 = 1.0 / (2 * bandwidth_m**2)
    col = np.floor((xa - grid.x0) / cell).astype(np.int64)
    row = np.floor((ya - grid.y0) / cell).astype(np.int64)
    keep = (col > -reach) & (col < grid.nx + reach) & (row > -reach) & (row < grid.ny + reach)
    xa, ya, col, row = xa[keep], ya[keep], col[keep], row[keep]
    for start in range(0, xa.size, chunk):
        sl = slice(start, start + chunk)
        cols = col[sl, None] + offsets[None, :]  # (k, 2r+1)
        rows = row[sl, None] + offsets[None, :]
        dx = grid.x0 + (cols + 0.5) * cell - xa[sl, None]
        dy = grid.y0 + (rows + 0.5) * cell - ya[sl, None]
        ex = np.exp(-(dx**2) * inv2s2)
        ey = np.exp(-(dy**2) * inv2s2)
        for k in range(ex.shape[0]):
            r0 = int(rows[k, 0]) + 2 * reach
            c0 = int(cols[k, 0]) + 2 * reach
            out[r0 : r0 + 2 * reach + 1, c0 : c0 + 2 * reach + 1] += np.outer(ey[k], ex[k])
    result: NDArray[np.float64] = (
        out[2 * reach : 2 * reach + grid.ny, 2 * reach : 2 * reach + grid.nx] * norm
    )
    return result
