"""Emerging hot spots: Gi* per time slice plus a Mann–Kendall trend test per place (docs/method.md).

Follows Esri's Emerging Hot Spot Analysis (ArcGIS Pro, "How Emerging Hot Spot Analysis works"): each
place gets a Gi* z-score and confidence class in every time slice; the Mann–Kendall test on its series
of z-scores tells whether clustering grows or fades; the pattern of significant slices and the trend
give the category. A slice is *hot* (*cold*) when its Gi* is significant at 90 % confidence (two-sided
p < 0.10, optionally after FDR correction) with z > 0 (z < 0); the trend counts when its two-sided p is
below ``trend_alpha`` (0.05).

Hot categories, checked in this order (cold ones mirror them with hot and cold swapped):

- **persistent / intensifying / diminishing**: hot in at least 90 % of the slices (intensifying and
  diminishing: including the last) with, respectively, no significant trend, a significant upward
  trend, a significant downward trend;
- **historical**: hot in at least 90 % of the slices, but not in the last;
- **oscillating**: hot in the last slice, cold in some earlier slice, hot in less than 90 % (checked
  before *new* and *consecutive*: a place that was cold and is now hot has swung, which says more);
- **new**: hot in the last slice and never before;
- **consecutive**: a single unbroken run of at least two hot slices at the end, never hot before
  that run, and hot in less than 90 % of the slices;
- **sporadic**: hot in the last slice, hot on and off before, never cold, hot in less than 90 %;
- otherwise **no pattern**.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from geo.hotspots import GiStar, confidence_classes

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
    classes = confidence_classes(GiStar(z, p), fdr=fdr)
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
