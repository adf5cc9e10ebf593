"""Emerging hot spots as Esri's Emerging Hot Spot Analysis defines them (docs/method.md).

Esri, ArcGIS Pro, "How Emerging Hot Spot Analysis works" and "Emerging Hot Spot Analysis (Space Time
Pattern Mining)" (https://pro.arcgis.com/en/pro-app/latest/tool-reference/space-time-pattern-mining/
learnmoreemerging.htm and …/emerginghotspots.htm):

1. The incidents are counted in a **space-time cube**: a bin per cell and time step (calendar month).
2. Gi* is computed for **every bin of the cube** with a **space-time neighbourhood**: the bins of the
   cells within the neighbourhood distance (here the cell and its 8 surrounding cells, the queen
   window), in the bin's own time step and the ``time_steps`` previous ones ("Neighborhood Time
   Step", Esri's default 1). The mean and variance Gi* compares a neighbourhood with are those of the
   whole cube (every bin of the study area in every time step), so a rise everywhere raises the
   z-scores of the later steps. ``gi_star_space_time``.
3. Each bin is hot (cold) when significant at 90 % with z > 0 (z < 0), after the false discovery rate
   correction over all bins of the study area when ``fdr`` is on (Esri applies it).
4. The Mann–Kendall trend test on each location's series of z-scores; significant at ``trend_alpha``
   (0.05).
5. Each location gets one of 17 categories by the rules of ``CATEGORY_RULES`` (quoted from Esri).

Where Esri's words let a location fit two categories, the more specific one wins, checked in this
order for hot (cold mirrors it): intensifying, diminishing, historical, persistent (the ≥ 90 %
group, which the trend and the last step tell apart), then oscillating (hot now, cold before: the
swing says more than "new" or "consecutive", and Esri's *new* and *consecutive* speak of never having
been a hot spot, not of having been cold), new, consecutive, sporadic; otherwise no pattern.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from geo.hotspots import GiStar, check_finite, confidence_classes, gi_star_from_sums, window3

NO_PATTERN = "ingen_trend"
CATEGORIES = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)
# Swedish labels for the map legend, hot first then cold.
CATEGORY_LABELS: dict[str, str] = {
    "new_hot": "Ny hot spot",
    "consecutive_hot": "Sammanhängande hot spot",
    "intensifying_hot": "Förstärkt hot spot",
    "persistent_hot": "Bestående hot spot",
    "diminishing_hot": "Avtagande hot spot",
    "sporadic_hot": "Sporadisk hot spot",
    "oscillating_hot": "Växlande hot spot",
    "historical_hot": "Historisk hot spot",
    "new_cold": "Ny cold spot",
    "consecutive_cold": "Sammanhängande cold spot",
    "intensifying_cold": "Förstärkt cold spot",
    "persistent_cold": "Bestående cold spot",
    "diminishing_cold": "Avtagande cold spot",
    "sporadic_cold": "Sporadisk cold spot",
    "oscillating_cold": "Växlande cold spot",
    "historical_cold": "Historisk cold spot",
    NO_PATTERN: "Inget mönster",
}
PERSISTENCE_SHARE = 0.9
NEIGHBOURHOOD_TIME_STEPS = 1  # Esri's default "Neighborhood Time Step"

# Esri's definitions, word for word ("How Emerging Hot Spot Analysis works", the table of pattern
# names; the cold ones read the same with cold for hot). Each is checked by a test of its own.
CATEGORY_RULES: dict[str, str] = {
    "new": "A location that is a statistically significant hot spot for the final time step and has "
    "never been a statistically significant hot spot before.",
    "consecutive": "A location with a single uninterrupted run of at least two statistically "
    "significant hot spot bins in the final time-step intervals. The location has never been a "
    "statistically significant hot spot prior to the final hot spot run and less than 90 percent "
    "of all bins are statistically significant hot spots.",
    "intensifying": "A location that has been a statistically significant hot spot for 90 percent "
    "of the time-step intervals, including the final time step. In addition, the intensity of "
    "clustering of high counts in each time step is increasing overall and that increase is "
    "statistically significant.",
    "persistent": "A location that has been a statistically significant hot spot for 90 percent of "
    "the time-step intervals with no discernible trend in the intensity of clustering over time.",
    "diminishing": "A location that has been a statistically significant hot spot for 90 percent of "
    "the time-step intervals, including the final time step. In addition, the intensity of "
    "clustering in each time step is decreasing overall and that decrease is statistically "
    "significant.",
    "sporadic": "A statistically significant hot spot for the final time-step interval with a "
    "history of also being an on-again and off-again hot spot. Less than 90 percent of the "
    "time-step intervals have been statistically significant hot spots and none of the time-step "
    "intervals have been statistically significant cold spots.",
    "oscillating": "A statistically significant hot spot for the final time-step interval that has "
    "a history of also being a statistically significant cold spot during a prior time step. Less "
    "than 90 percent of the time-step intervals have been statistically significant hot spots.",
    "historical": "The most recent time period is not hot, but at least 90 percent of the time-step "
    "intervals have been statistically significant hot spots.",
}


@dataclass(frozen=True)
class MannKendall:
    """Per series: S, its variance, the z-score (continuity-corrected), two-sided p and Kendall's τ."""

    s: NDArray[np.float64]
    var_s: NDArray[np.float64]
    z: NDArray[np.float64]
    p: NDArray[np.float64]
    tau: NDArray[np.float64]


def mann_kendall(series: ArrayLike) -> MannKendall:
    """The Mann–Kendall trend test on each row of ``series`` (places × time), vectorised.

    S = Σ_{i<j} sgn(x_j − x_i); Var(S) = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] / 18 over tie groups t;
    z = (S − sgn S) / √Var(S); p = 2 Φ̄(|z|); τ = S / (n(n−1)/2) (Mann 1945; Kendall 1975; the form
    of Hipel & McLeod 1994, as in pymannkendall's ``original_test``).

    Examples
    --------
    >>> r = mann_kendall([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [1, 1, 1, 1, 1]])
    >>> r.s.tolist(), np.round(r.p, 4).tolist()
    ([10.0, -10.0, 0.0], [0.0275, 0.0275, 1.0])
    """
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    n = x.shape[1]
    s = np.zeros(x.shape[0])
    for i in range(n - 1):
        s += np.sign(x[:, i + 1 :] - x[:, i : i + 1]).sum(axis=1)
    var_s = np.full(x.shape[0], n * (n - 1) * (2 * n + 5), dtype=np.float64)
    ordered = np.sort(x, axis=1)
    run = np.ones(x.shape[0])
    for k in range(1, n + 1):
        same = ordered[:, k] == ordered[:, k - 1] if k < n else np.zeros(x.shape[0], dtype=bool)
        ended = ~same
        t = run[ended]
        var_s[ended] -= t * (t - 1) * (2 * t + 5)
        run = np.where(same, run + 1, 1.0)
    var_s /= 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var_s > 0, (s - np.sign(s)) / np.sqrt(var_s), 0.0)
    p = 2 * stats.norm.sf(np.abs(z))
    tau = s / (n * (n - 1) / 2) if n > 1 else np.zeros_like(s)
    return MannKendall(s, var_s, z, p, tau)


@dataclass(frozen=True)
class Emerging:
    """Per place: its category key (e.g. ``"new_hot"``), the trend and the classes per slice."""

    category: NDArray[np.str_]
    trend: MannKendall
    classes: NDArray[np.int8]  # places × slices, Esri Gi_Bin


def gi_star_space_time(
    cube: ArrayLike, mask: ArrayLike | None = None, *, time_steps: int = NEIGHBOURHOOD_TIME_STEPS
) -> GiStar:
    """Gi* of every bin of a space-time cube (time × rows × columns) with a space-time neighbourhood.

    The neighbourhood of bin (t, r, c): the cells of the 3 × 3 window around (r, c) that belong to
    the study area ``mask``, in time steps t − ``time_steps`` … t (fewer at the start of the cube).
    The mean and variance are those of all bins of the study area in the cube. Equal to
    ``geo.hotspots.gi_star`` (and so to esda's ``G_Local(star=True)``) with binary space-time weights
    (tests/geo/test_emerging.py).

    Parameters
    ----------
    cube : array_like, shape (T, ny, nx)
        Counts per time step and cell.
    mask : array_like of bool, shape (ny, nx), optional
        The cells of the study area; the others are no observations (z 0, p 0.5).
    time_steps : int
        How many earlier time steps the neighbourhood reaches back (Esri's "Neighborhood Time Step").

    Returns
    -------
    GiStar
        Arrays of shape (T, ny, nx).

    Raises
    ------
    ValueError
        When a count is not a finite number (naming the bins: time step, row, column), the shapes
        disagree or ``time_steps`` is negative.

    Examples
    --------
    The same counts in two steps, then all doubled. Step by step in space only, the first two look
    alike and doubling changes nothing; in the cube, the second step adds the first to its
    neighbourhood and the doubled third stands out.

    >>> cube = np.zeros((3, 5, 5)); cube[:, 2, 2] = [4, 4, 8]; cube[:, 0, 0] = [1, 1, 2]
    >>> [round(float(v), 2) for v in gi_star_space_time(cube).z[:, 2, 2]]
    [0.5, 0.76, 1.7]
    >>> [round(float(v), 2) for v in gi_star_space_time(cube, time_steps=0).z[:, 2, 2]]
    [0.5, 0.5, 1.74]
    """
    y = np.asarray(cube, dtype=np.float64)
    if y.ndim != 3:
        raise ValueError("the cube must be 3-D: time steps × rows × columns")
    if time_steps < 0:
        raise ValueError("time_steps must be 0 or more")
    check_finite(y)
    t_count = y.shape[0]
    if mask is None:
        m = np.ones(y.shape[1:], dtype=np.float64)
    else:
        m = np.asarray(mask, dtype=bool).astype(np.float64)
        if m.shape != y.shape[1:]:
            raise ValueError("mask must have the shape of one time step of the cube")
    ym = y * m
    spatial = np.stack([window3(ym[t]) for t in range(t_count)])
    # running sum over the current and the previous time_steps steps
    running = np.cumsum(spatial, axis=0)
    neighbour_sum = running.copy()
    if time_steps + 1 < t_count:
        neighbour_sum[time_steps + 1 :] -= running[: t_count - time_steps - 1]
    steps_in = np.minimum(np.arange(t_count), time_steps) + 1.0
    cardinality = steps_in[:, None, None] * window3(m)[None, :, :]
    inside = np.broadcast_to(m > 0, y.shape).ravel()
    n = float(m.sum()) * t_count
    result = gi_star_from_sums(
        ym.ravel()[inside], neighbour_sum.ravel()[inside], cardinality.ravel()[inside], n
    )
    z = np.zeros(y.size)
    p = np.full(y.size, 0.5)
    z[inside] = result.z
    p[inside] = result.p
    return GiStar(z.reshape(y.shape), p.reshape(y.shape))


def emerging_hot_spots(
    cube: ArrayLike,
    mask: ArrayLike | None = None,
    *,
    time_steps: int = NEIGHBOURHOOD_TIME_STEPS,
    fdr: bool = True,
    trend_alpha: float = 0.05,
) -> Emerging:
    """Esri's Emerging Hot Spot Analysis of a space-time cube (time × rows × columns) of counts.

    Gi* on the cube (``gi_star_space_time``), each bin classed at 90/95/99 % with the false discovery
    rate over the bins of the study area ``mask`` (all time steps), then per location of the study
    area Mann–Kendall on its z-scores and the category. The result holds the locations of ``mask`` in
    row-major order (``np.nonzero(mask)``).

    A 2 × 2 block that grows by one incident a month among cells with one each:

    >>> cube = np.ones((10, 6, 6)); cube[:, 2:4, 2:4] = np.arange(10)[:, None, None] + 10.0
    >>> r = emerging_hot_spots(cube, fdr=False)
    >>> r.category.reshape(6, 6)[[2, 0], [2, 5]].tolist()
    ['intensifying_hot', 'ingen_trend']
    """
    gi = gi_star_space_time(cube, mask, time_steps=time_steps)
    shape = gi.z.shape
    inside = np.ones(shape[1:], dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    classes = confidence_classes(gi, fdr=fdr, mask=np.broadcast_to(inside, shape))
    z = gi.z[:, inside].T
    return _categorise(z, classes[:, inside].T, trend_alpha)


def classify(
    z_by_slice: ArrayLike,
    p_by_slice: ArrayLike,
    *,
    fdr: bool = False,
    trend_alpha: float = 0.05,
) -> Emerging:
    """Categorise places from their Gi* per slice (arrays places × slices, one-sided p as esda gives).

    Examples
    --------
    Five places over ten slices: hot at the end only, hot throughout and growing, hot throughout but
    not at the end, hot and cold by turns, and nothing.

    >>> hot, cold, none = 3.0, -3.0, 0.0
    >>> z = np.array([
    ...     [none] * 9 + [hot],
    ...     [hot + 0.1 * k for k in range(10)],
    ...     [hot] * 9 + [none],
    ...     [cold, none, hot, none, cold, none, none, hot, none, hot],
    ...     [none] * 10,
    ... ])
    >>> classify(z, stats.norm.sf(np.abs(z))).category.tolist()
    ['new_hot', 'intensifying_hot', 'historical_hot', 'oscillating_hot', 'ingen_trend']
    """
    z = np.atleast_2d(np.asarray(z_by_slice, dtype=np.float64))
    p = np.atleast_2d(np.asarray(p_by_slice, dtype=np.float64))
    if z.shape != p.shape:
        raise ValueError("z and p must have the same shape (places × slices)")
    return _categorise(z, confidence_classes(GiStar(z, p), fdr=fdr), trend_alpha)


def _categorise(z: NDArray[np.float64], classes: NDArray[np.int8], trend_alpha: float) -> Emerging:
    """Mann–Kendall on each row of ``z`` (places × time steps) and the category from the classes."""
    trend = mann_kendall(z)
    category = np.array(
        [_category(row, trend.z[i], trend.p[i], trend_alpha) for i, row in enumerate(classes)],
        dtype=object,
    ).astype(str)
    return Emerging(category, trend, classes)


def _category(classes: NDArray[np.int8], trend_z: float, trend_p: float, alpha: float) -> str:
    for sign, name in ((1, "hot"), (-1, "cold")):
        hit = classes * sign > 0
        other = classes * sign < 0
        n = hit.size
        share = hit.sum() / n
        last = bool(hit[-1])
        trending = trend_p < alpha
        # "intensifying" means clustering of *this* kind grows: z rises for hot, falls for cold.
        growing = trending and trend_z * sign > 0
        fading = trending and trend_z * sign < 0
        if share >= PERSISTENCE_SHARE:
            if last and growing:
                return f"intensifying_{name}"
            if last and fading:
                return f"diminishing_{name}"
            if not last:
                return f"historical_{name}"
            return f"persistent_{name}"
        if not last:
            continue
        if other.any():
            return f"oscillating_{name}"
        if hit.sum() == 1:
            return f"new_{name}"
        run = _final_run(hit)
        if run >= 2 and not hit[: n - run].any():
            return f"consecutive_{name}"
        return f"sporadic_{name}"
    return NO_PATTERN


def _final_run(hit: NDArray[np.bool_]) -> int:
    """How many slices at the end are hits in an unbroken run."""
    misses = np.flatnonzero(~hit)
    return int(hit.size if misses.size == 0 else hit.size - 1 - misses[-1])
