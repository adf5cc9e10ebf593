"""Did a measure work? Before/after effect statistics for a target, a buffer and a comparison area.

The pure statistical core of effect follow-up (docs/method.md, "Effektuppföljning";
docs/decisions/0700 and 0701). Counts of incidents in three (or four) areas, before and after a
measure's start, go in; out come

- the relative change per area;
- the **relative effect size** (RES, an odds ratio) of Farrington et al. (2007), *J Exp Criminol*
  3:21–38, doi:10.1007/s11292-007-9024-2, Appendix: RES = (a·d)/(b·c) with a, b the target's counts
  before and after and c, d the comparison area's; Var(ln RES) = 1/a + 1/b + 1/c + 1/d under Poisson;
- the **success measure**, **buffer displacement measure**, **weighted displacement quotient** (WDQ;
  Bowers & Johnson 2003, *J Quant Criminol* 19:275–301, doi:10.1023/A:1024909009240) and **total net
  effect** (TNE) in the form and with the reading of Guerette (2009), *Analyzing Crime Displacement and
  Diffusion*, POP Center Tool Guide 10, Appendices B and C;
- the **weighted displacement difference** (WDD) with its Poisson variance (Wheeler & Ratcliffe 2018,
  *Crime Science* 7:11, doi:10.1186/s40163-018-0085-5);
- an explicit "too few to say anything" rule, an overdispersion factor, equal before/after periods
  aligned by month, and a ranking of candidate comparison areas.

Notation: T target (åtgärdsområde), B buffer (buffertzon), C comparison area (jämförelseområde), CB
a second comparison area for the buffer (WDD only; optional). Suffix 0 is before, 1 after. Negative
WDD and RES > 1 both mean *fewer* incidents in the target than the comparison area predicts.

Swedish sentences here are the originals; the pages map the codes to translated text, as
``geo.emerging.CATEGORY_LABELS`` does. Nothing here divides by zero: a measure that needs a zero
denominator comes back as :class:`Undefined` with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

CONFIDENCE = 0.95

# The floor (docs/method.md, "För få händelser"): with a comparison area of the same level that does
# not change, a target that falls from μ to 0 gives WDD = −μ with Var = μ + 0 + 2μ = 3μ, so
# z = −√(μ / 3); |z| reaches 1.96 only when μ ≥ 3 · 1.96² = 11.5. Below 12 incidents before, not even
# the disappearance of every incident could be told from chance. ``min_before_count`` gives the floor
# for another confidence level or dispersion; this is its value for the defaults.
MIN_BEFORE_COUNT = 12

# Verdicts of ``evaluate`` (codes) and their Swedish sentences.
TOO_FEW = "too_few"
REDUCTION = "reduction"
INCREASE = "increase"
NO_CLEAR_CHANGE = "no_clear_change"
VERDICTS: dict[str, str] = {
    TOO_FEW: "För få händelser för att säga något.",
    REDUCTION: "Minskning i åtgärdsområdet jämfört med jämförelseområdet, större än slumpen förklarar.",
    INCREASE: "Ökning i åtgärdsområdet jämfört med jämförelseområdet, större än slumpen förklarar.",
    NO_CLEAR_CHANGE: (
        "Ingen säker skillnad mot jämförelseområdet: förändringen ryms inom slumpens variation."
    ),
}

# Readings of the WDQ (Guerette 2009, Appendix C), plus the cases where it cannot be read.
DIFFUSION_EXCEEDS = "diffusion_exceeds"  # WDQ > 1
DIFFUSION = "diffusion"  # 0 < WDQ ≤ 1
NO_BUFFER_EFFECT = "no_buffer_effect"  # WDQ = 0
DISPLACEMENT_PARTIAL = "displacement_partial"  # −1 < WDQ < 0
DISPLACEMENT_ERASED = "displacement_erased"  # WDQ ≤ −1 (TNE ≤ 0)
NO_REDUCTION = "no_reduction"  # success measure ≥ 0: nothing to displace
COMPARISON_EMPTY = "comparison_empty"  # a comparison count is 0: the ratios do not exist
READINGS: dict[str, str] = {
    DIFFUSION_EXCEEDS: (
        "Spridning av nytta: händelserna minskade ännu mer i bufferten än i åtgärdsområdet, "
        "jämfört med jämförelseområdet."
    ),
    DIFFUSION: "Spridning av nytta: händelserna minskade även i bufferten, jämfört med jämförelseområdet.",
    NO_BUFFER_EFFECT: "Ingen påverkan i bufferten.",
    DISPLACEMENT_PARTIAL: "Viss förflyttning till bufferten, men åtgärden gav ändå nytta.",
    DISPLACEMENT_ERASED: (
        "Förflyttningen till bufferten tog ut hela minskningen i åtgärdsområdet, eller mer."
    ),
    NO_REDUCTION: (
        "Ingen minskning i åtgärdsområdet jämfört med jämförelseområdet; förflyttning kan inte "
        "bedömas."
    ),
    COMPARISON_EMPTY: (
        "Jämförelseområdet saknar händelser i en av perioderna, så kvoterna går inte att räkna."
    ),
    TOO_FEW: VERDICTS[TOO_FEW],
}

# Why a measure is undefined, or why an area's figures are withheld.
NO_BEFORE = "no_before"
ZERO_CELL = "zero_cell"
TOO_FEW_TARGET = "too_few_target"
TOO_FEW_COMPARISON = "too_few_comparison"
TOO_FEW_BUFFER = "too_few_buffer"
REASONS: dict[str, str] = {
    NO_BEFORE: "Inga händelser före, så förändringen i procent går inte att räkna.",
    ZERO_CELL: (
        "Ett av områdena saknar händelser i en av perioderna, så den relativa effektstorleken går "
        "inte att räkna."
    ),
    TOO_FEW_TARGET: (
        "För få händelser i åtgärdsområdet före: inte ens om alla försvann skulle det gå att skilja "
        "från slumpen."
    ),
    TOO_FEW_COMPARISON: "För få händelser i jämförelseområdet före för att jämföra med.",
    TOO_FEW_BUFFER: "För få händelser i bufferten (eller dess jämförelseområde) före.",
}

AREAS = ("target", "buffer", "comparison", "buffer_comparison")


# ---------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class BeforeAfter:
    """Incidents counted in one area in the before and the after period.

    >>> BeforeAfter(207, 110)
    BeforeAfter(before=207, after=110)
    >>> BeforeAfter(-1, 3)
    Traceback (most recent call last):
    ...
    ValueError: counts must be whole numbers ≥ 0, got before=-1, after=3
    """

    before: int
    after: int

    def __post_init__(self) -> None:
        ok = all(
            isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 0
            for n in (self.before, self.after)
        )
        if not ok:
            raise ValueError(
                f"counts must be whole numbers ≥ 0, got before={self.before}, after={self.after}"
            )


@dataclass(frozen=True)
class Counts:
    """The counts of one evaluation.

    ``buffer`` is optional (no displacement measures without it). ``buffer_comparison`` is the
    second comparison area Wheeler & Ratcliffe's WDD uses for the buffer; without it the one
    comparison area serves both target and buffer (the WDD variance then counts it four times,
    see :func:`wdd`). ``before_length`` and ``after_length`` are the periods' lengths in any one
    unit (months); they matter only to the relative change per area and to the WDD, whose counts
    are scaled to the after period's length. RES, WDQ and TNE compare ratios taken within one
    period, so the lengths cancel.

    >>> Counts(target=BeforeAfter(10, 8), comparison=BeforeAfter(9, 9), buffer_comparison=BeforeAfter(1, 1))
    Traceback (most recent call last):
    ...
    ValueError: buffer_comparison needs a buffer
    """

    target: BeforeAfter
    comparison: BeforeAfter
    buffer: BeforeAfter | None = None
    buffer_comparison: BeforeAfter | None = None
    before_length: float = 1.0
    after_length: float = 1.0

    def __post_init__(self) -> None:
        if self.buffer_comparison is not None and self.buffer is None:
            raise ValueError("buffer_comparison needs a buffer")
        for name in ("before_length", "after_length"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")

    @property
    def before_weight(self) -> float:
        """How many after periods the before period lasts (1 for equal periods)."""
        return self.before_length / self.after_length

    def area(self, name: str) -> BeforeAfter | None:
        """The counts of ``name``, one of :data:`AREAS`."""
        if name not in AREAS:
            raise ValueError(f"unknown area {name!r}; expected one of {', '.join(AREAS)}")
        area: BeforeAfter | None = getattr(self, name)
        return area


@dataclass(frozen=True)
class Undefined:
    """A measure that does not exist for these counts (a zero denominator), and why, in Swedish."""

    code: str

    @property
    def reason(self) -> str:
        return REASONS.get(self.code, READINGS.get(self.code, self.code))


# ---------------------------------------------------------------------------------------------
# Vectorised core: the dataclass API below and the simulations in the tests both run on these.


def z_for(confidence: float = CONFIDENCE) -> float:
    """The two-sided normal quantile for ``confidence``.

    >>> round(z_for(0.95), 6), round(z_for(0.90), 6)
    (1.959964, 1.644854)
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def _check_dispersion(dispersion: float) -> float:
    if not (math.isfinite(dispersion) and dispersion >= 1.0):
        # Below 1 the intervals would be narrower than Poisson; crime counts are not that regular.
        raise ValueError(f"dispersion must be a number ≥ 1, got {dispersion}")
    return float(dispersion)


def normal_interval(
    estimate: ArrayLike,
    variance: ArrayLike,
    *,
    dispersion: float = 1.0,
    confidence: float = CONFIDENCE,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Standard error and normal-approximation interval, the variance multiplied by ``dispersion``.

    Returns ``(se, low, high)`` elementwise.

    >>> se, low, high = normal_interval(-118.0, 1568.0)
    >>> float(se), round(float(low), 4), round(float(high), 4)
    (39.59797974644666, -195.6106, -40.3894)
    """
    z = z_for(confidence)
    est = np.asarray(estimate, dtype=np.float64)
    se = np.sqrt(np.asarray(variance, dtype=np.float64) * _check_dispersion(dispersion))
    return se, est - z * se, est + z * se


def res_arrays(
    a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """ln RES and its Poisson variance, elementwise; NaN where any of the four counts is 0.

    a, b: the area's counts before and after; c, d: the comparison area's (Farrington et al. 2007).

    >>> log_res, var = res_arrays([207, 5], [110, 0], [308, 5], [318, 5])
    >>> np.round(np.exp(log_res), 6).tolist(), np.round(var, 6).tolist()
    ([1.942916, nan], [0.020313, nan])
    """
    cells = [np.asarray(x, dtype=np.float64) for x in (a, b, c, d)]
    defined = np.logical_and.reduce([cell > 0 for cell in cells])
    safe = [np.where(defined, cell, 1.0) for cell in cells]
    # One division of two products: exactly 1 when nothing changed (counts below 2**26 multiply
    # exactly in float64), where a sum of four logarithms would leave rounding noise.
    log_res = np.log((safe[0] * safe[3]) / (safe[1] * safe[2]))
    variance = 1.0 / safe[0] + 1.0 / safe[1] + 1.0 / safe[2] + 1.0 / safe[3]
    return np.where(defined, log_res, np.nan), np.where(defined, variance, np.nan)


@dataclass(frozen=True)
class WddArrays:
    """WDD estimates and Poisson variances (dispersion not yet applied), elementwise."""

    local: NDArray[np.float64]
    local_variance: NDArray[np.float64]
    displacement: NDArray[np.float64] | None
    displacement_variance: NDArray[np.float64] | None
    total: NDArray[np.float64]
    total_variance: NDArray[np.float64]


def wdd_arrays(
    target: tuple[ArrayLike, ArrayLike],
    comparison: tuple[ArrayLike, ArrayLike],
    buffer: tuple[ArrayLike, ArrayLike] | None = None,
    buffer_comparison: tuple[ArrayLike, ArrayLike] | None = None,
    *,
    before_weight: float = 1.0,
) -> WddArrays:
    """The WDD of Wheeler & Ratcliffe (2018) on (before, after) pairs of counts, elementwise.

    Each area's change is Δ = n1 − n0/w, with w = ``before_weight`` (how many after periods the
    before period lasts), and its Poisson variance n1 + n0/w². Then local = ΔT − ΔC,
    displacement = ΔB − ΔCB, total = local + displacement, and the variances add. Without
    ``buffer_comparison`` the comparison area stands in for CB: total = ΔT + ΔB − 2·ΔC, whose
    variance is Var ΔT + Var ΔB + **4**·Var ΔC (the same counts enter twice).

    >>> r = wdd_arrays((207, 110), (308, 318), (178, 157), (150, 140))
    >>> float(r.local), float(r.local_variance), float(r.total), float(r.total_variance)
    (-107.0, 943.0, -118.0, 1568.0)
    >>> r = wdd_arrays((207, 110), (308, 318), (178, 157))  # one comparison area for both
    >>> float(r.total), float(r.total_variance)  # −97 − 21 − 2·10; 207+110+178+157 + 4·(308+318)
    (-138.0, 3156.0)
    """
    w = float(before_weight)
    if not (math.isfinite(w) and w > 0):
        raise ValueError(f"before_weight must be a positive number, got {before_weight}")

    def change(
        pair: tuple[ArrayLike, ArrayLike],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        n0, n1 = (np.asarray(x, dtype=np.float64) for x in pair)
        return n1 - n0 / w, n1 + n0 / w**2

    d_t, v_t = change(target)
    d_c, v_c = change(comparison)
    local, local_var = d_t - d_c, v_t + v_c
    if buffer is None:
        return WddArrays(local, local_var, None, None, local, local_var)
    d_b, v_b = change(buffer)
    if buffer_comparison is None:
        displacement, displacement_var = d_b - d_c, v_b + v_c
        total_var = v_t + v_b + 4.0 * v_c
    else:
        d_cb, v_cb = change(buffer_comparison)
        displacement, displacement_var = d_b - d_cb, v_b + v_cb
        total_var = local_var + displacement_var
    return WddArrays(
        local, local_var, displacement, displacement_var, local + displacement, total_var
    )


# ---------------------------------------------------------------------------------------------
# Relative change and relative effect size


def relative_change(area: BeforeAfter, *, before_weight: float = 1.0) -> float | Undefined:
    """The area's change as a share of its before count: (n1 − n0/w) / (n0/w).

    ``before_weight`` is the before period's length in after periods (the counts are compared as
    rates). Undefined when there was nothing before.

    >>> round(relative_change(BeforeAfter(207, 110)), 6)  # −47 %
    -0.468599
    >>> relative_change(BeforeAfter(24, 12), before_weight=2.0)  # 24 in two years, 12 in one
    0.0
    >>> relative_change(BeforeAfter(0, 4))
    Undefined(code='no_before')
    """
    if area.before == 0:
        return Undefined(NO_BEFORE)
    return area.after * before_weight / area.before - 1.0


@dataclass(frozen=True)
class RelativeEffectSize:
    """RES = (a·d)/(b·c) with its interval; above 1, the area did better than the comparison area.

    ``variance`` is Var(ln RES), the Poisson variance times ``dispersion``; ``z = ln RES / se``,
    ``p`` two-sided; ``low``/``high`` the interval on the RES scale.
    """

    res: float
    log_res: float
    variance: float
    se: float
    z: float
    p: float
    low: float
    high: float
    dispersion: float
    confidence: float

    @property
    def change_against_comparison(self) -> float:
        """The area's change relative to what the comparison area's change predicts: 1/RES − 1.

        (b/a) / (d/c) − 1, derived from the definition: −0.35 means 35 % fewer than predicted.
        """
        return 1.0 / self.res - 1.0

    @property
    def change_interval(self) -> tuple[float, float]:
        """The interval of :attr:`change_against_comparison` (its ends swap, as 1/x falls)."""
        return 1.0 / self.high - 1.0, 1.0 / self.low - 1.0

    @property
    def direction(self) -> str:
        """``REDUCTION`` when the interval lies above 1, ``INCREASE`` below 1, else no clear change."""
        if self.low > 1.0:
            return REDUCTION
        if self.high < 1.0:
            return INCREASE
        return NO_CLEAR_CHANGE


def relative_effect_size(
    area: BeforeAfter,
    comparison: BeforeAfter,
    *,
    dispersion: float = 1.0,
    confidence: float = CONFIDENCE,
) -> RelativeEffectSize | Undefined:
    """Farrington et al.'s (2007) relative effect size of ``area`` against ``comparison``.

    With a, b the area's counts before and after and c, d the comparison area's:
    RES = (a·d)/(b·c), Var(ln RES) = (1/a + 1/b + 1/c + 1/d) · ``dispersion``, interval
    exp(ln RES ± z·se). RES > 1: relatively fewer incidents in the area after. Undefined when any of
    the four counts is 0 (no continuity correction is made up here).

    Examples
    --------
    Derived example O10 (docs/method.md; no published worked example was found):

    >>> r = relative_effect_size(BeforeAfter(207, 110), BeforeAfter(308, 318))
    >>> round(r.res, 6), round(r.variance, 6), round(r.low, 4), round(r.high, 4)
    (1.942916, 0.020313, 1.4694, 2.569)
    >>> relative_effect_size(BeforeAfter(20, 0), BeforeAfter(30, 31))
    Undefined(code='zero_cell')
    """
    log_res, variance = res_arrays(area.before, area.after, comparison.before, comparison.after)
    if np.isnan(log_res):
        return Undefined(ZERO_CELL)
    se, low, high = normal_interval(log_res, variance, dispersion=dispersion, confidence=confidence)
    z = float(log_res / se)
    return RelativeEffectSize(
        res=float(Fraction(area.before * comparison.after, area.after * comparison.before)),
        log_res=float(log_res),
        variance=float(variance) * dispersion,
        se=float(se),
        z=z,
        p=float(2.0 * stats.norm.sf(abs(z))),
        low=float(np.exp(low)),
        high=float(np.exp(high)),
        dispersion=float(dispersion),
        confidence=confidence,
    )


# ---------------------------------------------------------------------------------------------
# Weighted displacement difference


@dataclass(frozen=True)
class WddPart:
    """One WDD estimate (in incidents over the after period) with its inference.

    ``p`` is two-sided; ``p_reduction`` is the one-sided Φ(z) Wheeler & Ratcliffe's spreadsheet
    reports (evidence of a reduction). With no incidents at all the variance is 0, and z = 0, p = 1
    are returned rather than a division by zero.
    """

    estimate: float
    variance: float
    se: float
    z: float
    p: float
    p_reduction: float
    low: float
    high: float

    @property
    def direction(self) -> str:
        """``REDUCTION`` when the interval lies below 0, ``INCREASE`` above, else no clear change."""
        if self.high < 0.0:
            return REDUCTION
        if self.low > 0.0:
            return INCREASE
        return NO_CLEAR_CHANGE


def _wdd_part(estimate: float, variance: float, dispersion: float, confidence: float) -> WddPart:
    se, low, high = normal_interval(
        estimate, variance, dispersion=dispersion, confidence=confidence
    )
    z = float(estimate / se) if se > 0 else 0.0
    return WddPart(
        estimate=float(estimate),
        variance=float(variance) * dispersion,
        se=float(se),
        z=z,
        p=float(2.0 * stats.norm.sf(abs(z))),
        p_reduction=float(stats.norm.cdf(z)),
        low=float(low),
        high=float(high),
    )


@dataclass(frozen=True)
class Wdd:
    """The WDD split as Wheeler's tools report it: local (target), displacement (buffer), total.

    ``shared_comparison`` is true when one comparison area served both target and buffer.
    """

    local: WddPart
    displacement: WddPart | None
    total: WddPart
    shared_comparison: bool


def wdd(counts: Counts, *, dispersion: float = 1.0, confidence: float = CONFIDENCE) -> Wdd:
    """Wheeler & Ratcliffe's (2018) weighted displacement difference test.

    WDD = ΔT − ΔC + ΔB − ΔCB, each Δ = after − before (the before count divided by
    ``counts.before_weight`` when the periods differ in length), Var = the sum of all the counts
    (each before count divided by the weight squared) times ``dispersion``; SE = √Var,
    z = WDD / SE, interval WDD ± z·SE. Negative = fewer incidents than the comparison predicts.
    Without a separate buffer comparison the comparison area's counts enter twice and its variance
    four times (docs/method.md derives it).

    Examples
    --------
    The paper's example (Wheeler & Ratcliffe 2018):

    >>> counts = Counts(
    ...     target=BeforeAfter(207, 110), comparison=BeforeAfter(308, 318),
    ...     buffer=BeforeAfter(178, 157), buffer_comparison=BeforeAfter(150, 140),
    ... )
    >>> r = wdd(counts)
    >>> r.total.estimate, r.total.se ** 2, round(r.total.z, 2), round(r.total.low), round(r.total.high)
    (-118.0, 1568.0, -2.98, -196, -40)

    No buffer: only the local part, which is then also the total.

    >>> r = wdd(Counts(target=BeforeAfter(100, 80), comparison=BeforeAfter(100, 90)))
    >>> r.total.estimate, round(r.total.se, 4), r.displacement is None
    (-10.0, 19.2354, True)
    """
    pair = _pair
    arrays = wdd_arrays(
        pair(counts.target),
        pair(counts.comparison),
        None if counts.buffer is None else pair(counts.buffer),
        None if counts.buffer_comparison is None else pair(counts.buffer_comparison),
        before_weight=counts.before_weight,
    )
    displacement = None
    if arrays.displacement is not None and arrays.displacement_variance is not None:
        displacement = _wdd_part(
            float(arrays.displacement), float(arrays.displacement_variance), dispersion, confidence
        )
    return Wdd(
        local=_wdd_part(float(arrays.local), float(arrays.local_variance), dispersion, confidence),
        displacement=displacement,
        total=_wdd_part(float(arrays.total), float(arrays.total_variance), dispersion, confidence),
        shared_comparison=counts.buffer is not None and counts.buffer_comparison is None,
    )


def _pair(area: BeforeAfter) -> tuple[int, int]:
    return area.before, area.after


# ---------------------------------------------------------------------------------------------
# WDQ, success and buffer measures, total net effect


@dataclass(frozen=True)
class DisplacementMeasures:
    """Guerette's (2009) Appendix B measures with the Appendix C reading.

    ``success`` = Ra/Ca − Rb/Cb (negative: the target did better than the comparison area);
    ``buffer`` = Da/Ca − Db/Cb (positive: possible displacement, negative: possible diffusion);
    ``wdq`` = buffer / success, read only when success < 0; ``total_net_effect`` =
    [Rb·(Ca/Cb) − Ra] + [Db·(Ca/Cb) − Da], positive = incidents prevented in target and buffer
    together. ``None`` where a zero denominator leaves a measure undefined. ``code`` is one of the
    :data:`READINGS` keys and ``reading`` its Swedish sentence.
    """

    success: float | None
    buffer: float | None
    wdq: float | None
    total_net_effect: float | None
    code: str

    @property
    def reading(self) -> str:
        return READINGS[self.code]


def displacement_measures(
    target: BeforeAfter, buffer: BeforeAfter, comparison: BeforeAfter
) -> DisplacementMeasures:
    """Success measure, buffer displacement measure, WDQ and total net effect, with the reading.

    Subscript a is after, b before (Guerette 2009, Appendix B, eqs 3–4). The ratios are exact
    fractions, so WDQ = 0 or −1 is recognised exactly. WDQ ≤ −1 is the same as TNE ≤ 0, because
    TNE = −Ca·(success + buffer); at exactly −1 the displacement erased the effect (TNE = 0).

    Examples
    --------
    Derived examples (docs/method.md; no published numeric WDQ/TNE example was found). Complete
    displacement, O8:

    >>> m = displacement_measures(BeforeAfter(100, 50), BeforeAfter(100, 150), BeforeAfter(100, 100))
    >>> m.success, m.buffer, m.wdq, m.total_net_effect, m.code
    (-0.5, 0.5, -1.0, 0.0, 'displacement_erased')

    No reduction in the target, so displacement cannot be judged and the WDQ is not given:

    >>> m = displacement_measures(BeforeAfter(100, 100), BeforeAfter(100, 150), BeforeAfter(100, 100))
    >>> m.success, m.wdq, m.code
    (0.0, None, 'no_reduction')

    A comparison area empty after: the ratios do not exist, but TNE (which needs only Cb) does.

    >>> m = displacement_measures(BeforeAfter(40, 20), BeforeAfter(30, 30), BeforeAfter(10, 0))
    >>> m.success, m.total_net_effect, m.code
    (None, -50.0, 'comparison_empty')
    """
    ra, rb = target.after, target.before
    da, db = buffer.after, buffer.before
    ca, cb = comparison.after, comparison.before
    tne = None if cb == 0 else float(Fraction((rb + db) * ca, cb) - (ra + da))
    if ca == 0 or cb == 0:
        return DisplacementMeasures(None, None, None, tne, COMPARISON_EMPTY)
    success = Fraction(ra, ca) - Fraction(rb, cb)
    buffer_measure = Fraction(da, ca) - Fraction(db, cb)
    if success >= 0:
        return DisplacementMeasures(float(success), float(buffer_measure), None, tne, NO_REDUCTION)
    wdq = buffer_measure / success
    if wdq > 1:
        code = DIFFUSION_EXCEEDS
    elif wdq > 0:
        code = DIFFUSION
    elif wdq == 0:
        code = NO_BUFFER_EFFECT
    elif wdq > -1:
        code = DISPLACEMENT_PARTIAL
    else:
        code = DISPLACEMENT_ERASED
    return DisplacementMeasures(float(success), float(buffer_measure), float(wdq), tne, code)


# ---------------------------------------------------------------------------------------------
# Overdispersion, the floor, the smallest detectable effect


def dispersion_from_monthly(series: Sequence[Sequence[float]] | ArrayLike) -> float:
    """Overdispersion factor φ from monthly counts: the pooled variance-to-mean ratio, at least 1.

    ``series`` holds one row of monthly counts per area (the before period). Per area the index
    of dispersion is s²/x̄; pooled over areas it is Pearson's χ²/df with each area's mean as its
    expected count, φ = Σ_areas Σ_months (x − x̄)²/x̄ / Σ_areas (months − 1) (the quasi-Poisson
    scale Marchant et al. 2006 propose). Areas with no incidents carry no information and are
    skipped. Trend and season in the months inflate φ, so the correction errs on the wide side.
    Returns 1.0 (Poisson) when there is nothing to estimate from or the estimate is below 1: a
    short series that happens to vary less than Poisson is no reason to narrow the intervals.

    Multiply the Poisson variances by φ (``dispersion=`` in :func:`relative_effect_size`,
    :func:`wdd`, :func:`evaluate`): a 12-month total of months with variance φ·mean has
    variance φ·total, and ln RES by the delta method φ·(1/a + 1/b + 1/c + 1/d).

    >>> dispersion_from_monthly([[10, 10, 10, 10]])  # too regular: Poisson is kept
    1.0
    >>> dispersion_from_monthly([[2, 18, 2, 18], [0, 0, 0, 0]])  # s² = 85.3, x̄ = 10
    8.533333333333333
    """
    counts = np.atleast_2d(np.asarray(series, dtype=np.float64))
    if counts.ndim != 2 or np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise ValueError("monthly counts must be rows of numbers ≥ 0, one row per area")
    chi2 = 0.0
    df = 0
    for row in counts:
        mean = float(row.mean()) if row.size else 0.0
        if row.size < 2 or mean == 0.0:
            continue
        chi2 += float(((row - mean) ** 2).sum()) / mean
        df += row.size - 1
    if df == 0:
        return 1.0
    return max(1.0, chi2 / df)


def min_before_count(*, dispersion: float = 1.0, confidence: float = CONFIDENCE) -> int:
    """The fewest incidents before for which even a 100 % drop could be significant.

    A target falling from μ to 0 beside a comparison area of the same level that stays at μ gives
    WDD = −μ with Var = φ·3μ, so |z| = √(μ / (3φ)); it reaches the two-sided critical z only when
    μ ≥ 3·φ·z². Below that no result can be told from chance, whatever happened.

    >>> min_before_count(), min_before_count(dispersion=2.0), min_before_count(confidence=0.90)
    (12, 24, 9)
    """
    z = z_for(confidence)
    return math.ceil(3.0 * _check_dispersion(dispersion) * z * z)


def minimum_detectable_effect(
    counts: Counts, *, dispersion: float = 1.0, confidence: float = CONFIDENCE
) -> float:
    """The smallest local WDD (in incidents) these areas could show as significant.

    Assumes nothing changes (each after count equals its before count scaled to the after
    period), so Var = φ·(T0/w² + T0/w + C0/w² + C0/w) and the effect is z·√Var (half the time a
    true effect of this size would be found significant; Wheeler & Ratcliffe's power chart uses the
    same z·√(4μ) for equal areas). Read a non-significant result as "could not have found less than
    this", not as "no effect".

    >>> round(minimum_detectable_effect(Counts(BeforeAfter(100, 100), BeforeAfter(100, 100))), 1)
    39.2
    """
    w = counts.before_weight
    t0, c0 = counts.target.before / w, counts.comparison.before / w
    variance = (t0 / w + t0 + c0 / w + c0) * _check_dispersion(dispersion)
    return z_for(confidence) * math.sqrt(variance)


# ---------------------------------------------------------------------------------------------
# One evaluation, with the floor applied


@dataclass(frozen=True)
class Evaluation:
    """Everything one effect follow-up reports, with the floor applied.

    ``verdict`` is a code of :data:`VERDICTS` (``verdict_text`` its Swedish sentence);
    ``reasons`` lists the codes of :data:`REASONS` that withheld figures. When the target or the
    comparison area is below the floor, ``relative_effect`` and ``wdd`` are ``None``: too few is
    never reported as an effect. Per area, ``changes`` holds the relative change, or
    ``Undefined(TOO_FEW)`` below the floor. ``displacement`` is ``None`` without a buffer; its code
    is ``TOO_FEW`` when the buffer (or its comparison area) is below the floor. ``variance`` names
    the variance used: ``"poisson"``, or ``"overdispersed"`` when ``dispersion`` > 1.
    """

    counts: Counts
    dispersion: float
    confidence: float
    floor: int
    verdict: str
    reasons: tuple[str, ...]
    changes: Mapping[str, float | Undefined]
    relative_effect: RelativeEffectSize | Undefined | None
    buffer_relative_effect: RelativeEffectSize | Undefined | None
    wdd: Wdd | None
    displacement: DisplacementMeasures | None
    minimum_detectable_effect: float

    @property
    def verdict_text(self) -> str:
        return VERDICTS[self.verdict]

    @property
    def variance(self) -> str:
        return "poisson" if self.dispersion == 1.0 else "overdispersed"


def evaluate(
    counts: Counts, *, dispersion: float = 1.0, confidence: float = CONFIDENCE
) -> Evaluation:
    """Evaluate one measure: every statistic of this module, with the "too few" rule applied.

    The floor (:func:`min_before_count`) applies to each area's before count, scaled to the
    length of the after period. Below it in the target or the comparison area the verdict is
    ``TOO_FEW`` and no effect is computed; below it in the buffer (or its comparison area) only
    the displacement reading is withheld. Otherwise the verdict is ``REDUCTION`` (``INCREASE``)
    when both the RES interval lies above (below) 1 and the local WDD interval below (above) 0; when
    the two disagree, ``NO_CLEAR_CHANGE``. When RES is undefined (a zero count after) the WDD
    decides alone.

    Examples
    --------
    >>> e = evaluate(Counts(target=BeforeAfter(11, 0), comparison=BeforeAfter(11, 11)))
    >>> e.verdict, e.verdict_text, e.relative_effect, e.wdd
    ('too_few', 'För få händelser för att säga något.', None, None)
    >>> e = evaluate(Counts(target=BeforeAfter(12, 0), comparison=BeforeAfter(12, 12)))
    >>> e.verdict, e.relative_effect, round(e.wdd.local.high, 2)
    ('reduction', Undefined(code='zero_cell'), -0.24)
    """
    dispersion = _check_dispersion(dispersion)
    floor = min_before_count(dispersion=dispersion, confidence=confidence)
    w = counts.before_weight

    def enough(area: BeforeAfter | None) -> bool:
        return area is not None and area.before / w >= floor

    changes: dict[str, float | Undefined] = {}
    for name in AREAS:
        area = counts.area(name)
        if area is not None:
            changes[name] = (
                relative_change(area, before_weight=w) if enough(area) else Undefined(TOO_FEW)
            )

    reasons: list[str] = []
    if not enough(counts.target):
        reasons.append(TOO_FEW_TARGET)
    if not enough(counts.comparison):
        reasons.append(TOO_FEW_COMPARISON)
    buffer_ok = counts.buffer is not None and enough(counts.buffer)
    if counts.buffer_comparison is not None:
        buffer_ok = buffer_ok and enough(counts.buffer_comparison)
    if counts.buffer is not None and not buffer_ok:
        reasons.append(TOO_FEW_BUFFER)
    mde = minimum_detectable_effect(counts, dispersion=dispersion, confidence=confidence)

    if TOO_FEW_TARGET in reasons or TOO_FEW_COMPARISON in reasons:
        too_few_buffer = None
        if counts.buffer is not None:
            too_few_buffer = DisplacementMeasures(None, None, None, None, TOO_FEW)
        return Evaluation(
            counts=counts,
            dispersion=dispersion,
            confidence=confidence,
            floor=floor,
            verdict=TOO_FEW,
            reasons=tuple(reasons),
            changes=changes,
            relative_effect=None,
            buffer_relative_effect=None,
            wdd=None,
            displacement=too_few_buffer,
            minimum_detectable_effect=mde,
        )

    res = relative_effect_size(
        counts.target, counts.comparison, dispersion=dispersion, confidence=confidence
    )
    result = wdd(counts, dispersion=dispersion, confidence=confidence)
    directions = {result.local.direction}
    if isinstance(res, RelativeEffectSize):
        directions.add(res.direction)
    verdict = directions.pop() if len(directions) == 1 else NO_CLEAR_CHANGE

    buffer_res: RelativeEffectSize | Undefined | None = None
    displacement: DisplacementMeasures | None = None
    if counts.buffer is not None:
        if buffer_ok:
            buffer_comparison = counts.buffer_comparison or counts.comparison
            buffer_res = relative_effect_size(
                counts.buffer, buffer_comparison, dispersion=dispersion, confidence=confidence
            )
            displacement = displacement_measures(counts.target, counts.buffer, counts.comparison)
        else:
            buffer_res = Undefined(TOO_FEW)
            displacement = DisplacementMeasures(None, None, None, None, TOO_FEW)
    return Evaluation(
        counts=counts,
        dispersion=dispersion,
        confidence=confidence,
        floor=floor,
        verdict=verdict,
        reasons=tuple(reasons),
        changes=changes,
        relative_effect=res,
        buffer_relative_effect=buffer_res,
        wdd=result,
        displacement=displacement,
        minimum_detectable_effect=mde,
    )


# ---------------------------------------------------------------------------------------------
# Before and after periods


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole calendar months from ``start`` (a 1st, inclusive) to ``end`` (a 1st, exclusive)."""

    start: date
    end: date

    def month_starts(self) -> list[date]:
        """The first day of every month in the period, for monthly series.

        >>> [d.isoformat() for d in Period(date(2024, 11, 1), date(2025, 2, 1)).month_starts()]
        ['2024-11-01', '2024-12-01', '2025-01-01']
        """
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
        return [_add_months(self.start, k) for k in range(months)]


@dataclass(frozen=True)
class Periods:
    """Equal before and after periods around a measure's start."""

    before: Period
    after: Period
    months: int

    def complete_on(self, today: date) -> bool:
        """Whether the after period has ended by ``today``."""
        return today >= self.after.end


def aligned_periods(start: date, *, months: int = 12, gap_months: int = 0) -> Periods:
    """Before and after periods of ``months`` whole months each, aligned so seasons match.

    The after period begins on the first day of the month after ``start`` (on ``start`` itself
    when it is the 1st), plus ``gap_months`` left out while the measure was phased in; the month in
    which a measure starts mid-month belongs to neither period. The before period ends before the
    start's month. Seasons match when both periods hold the same calendar months, as many times
    each: true of any two runs of a whole number of years, so periods of 12, 24 … months lie right
    next to the start; shorter or odd lengths take the same calendar months one (or more) years
    before the after period.

    Examples
    --------
    >>> p = aligned_periods(date(2024, 3, 15))
    >>> p.before.start.isoformat(), p.before.end.isoformat(), p.after.start.isoformat(), p.after.end.isoformat()
    ('2023-03-01', '2024-03-01', '2024-04-01', '2025-04-01')
    >>> p = aligned_periods(date(2024, 3, 15), months=6, gap_months=1)  # May–Oct, a year apart
    >>> p.before.start.isoformat(), p.before.end.isoformat(), p.after.start.isoformat(), p.after.end.isoformat()
    ('2023-05-01', '2023-11-01', '2024-05-01', '2024-11-01')
    """
    if not (isinstance(months, int) and months >= 1):
        raise ValueError(f"months must be a whole number ≥ 1, got {months!r}")
    if not (isinstance(gap_months, int) and gap_months >= 0):
        raise ValueError(f"gap_months must be a whole number ≥ 0, got {gap_months!r}")
    start_month = date(start.year, start.month, 1)
    after_start = _add_months(start_month, (0 if start.day == 1 else 1) + gap_months)
    # Months from the before period's start to the after period's start: at least months plus
    # what lies between; a multiple of 12 unless the periods are whole years.
    between = (after_start.year - start_month.year) * 12 + after_start.month - start_month.month
    shift = months + between
    if months % 12:
        shift = 12 * math.ceil(shift / 12)
    before_start = _add_months(after_start, -shift)
    return Periods(
        before=Period(before_start, _add_months(before_start, months)),
        after=Period(after_start, _add_months(after_start, months)),
        months=months,
    )


# ---------------------------------------------------------------------------------------------
# Suggesting comparison areas


@dataclass(frozen=True)
class ComparisonCandidate:
    """A candidate comparison area and how far it lies from the target in level and trend.

    ``level_ratio`` is the candidate's before-period total over the target's; ``trend_difference``
    the candidate's yearly trend minus the target's (each as a share of its own mean);
    ``distance`` = √((ln level_ratio)² + trend_difference²), smaller is more alike.
    """

    key: str
    before_count: int
    level_ratio: float
    trend_difference: float
    distance: float


def yearly_trend(monthly: ArrayLike) -> float:
    """The least-squares slope of monthly counts, per year, as a share of their mean (0 if empty).

    >>> round(yearly_trend([10, 11, 12, 13]), 4)  # +1 a month on a mean of 11.5: 12/11.5
    1.0435
    """
    y = np.asarray(monthly, dtype=np.float64)
    if y.size < 2 or y.mean() == 0:
        return 0.0
    slope = float(np.polyfit(np.arange(y.size, dtype=np.float64), y, 1)[0])
    return 12.0 * slope / float(y.mean())


def rank_comparison_candidates(
    target_monthly: Sequence[float] | ArrayLike,
    candidates: Mapping[str, Sequence[float] | ArrayLike],
    *,
    touching_buffer: Collection[str] = (),
    min_count: int = MIN_BEFORE_COUNT,
) -> list[ComparisonCandidate]:
    """Candidate comparison areas ranked by likeness to the target in the before period.

    Likeness is in level and trend, the two things a comparison area must share with the target
    for its change to stand in for the target's without the measure (parallel trends; Wheeler &
    Ratcliffe 2018). Level: ln of the ratio of before-period totals (0 when equal; ±0.18 is 20 %
    apart). Trend: the yearly least-squares slope of the monthly counts as a share of their mean,
    the target's subtracted from the candidate's (0.2 means the candidate rose 20 % of its level a
    year faster). Distance = √(level² + trend²): both are shares of the level, and over a year a
    trend difference of 0.2 drifts as far apart as a level 20 % off.

    Left out: areas the caller says touch the buffer (``touching_buffer``: crime displaced into
    them would count twice), areas with fewer than ``min_count`` incidents before (below the
    floor, :func:`evaluate` could not use them), and every candidate when the target had none
    (nothing can be like an empty target). Ties keep the order of the keys.

    Examples
    --------
    >>> target = [10, 12, 11, 13, 12, 14]
    >>> ranked = rank_comparison_candidates(
    ...     target,
    ...     {"north": [20, 22, 21, 25, 23, 27], "east": [11, 12, 12, 13, 13, 14], "mall": [11, 12, 12, 13, 13, 14],
    ...      "tiny": [1, 0, 2, 1, 0, 1]},
    ...     touching_buffer={"mall"},
    ... )
    >>> [(c.key, round(c.distance, 3)) for c in ranked]
    [('east', 0.115), ('north', 0.651)]
    """
    target = np.asarray(target_monthly, dtype=np.float64)
    target_total = float(target.sum())
    if target_total <= 0:
        return []
    target_trend = yearly_trend(target)
    ranked: list[ComparisonCandidate] = []
    for key in sorted(candidates):
        series = np.asarray(candidates[key], dtype=np.float64)
        if series.shape != target.shape:
            raise ValueError(
                f"candidate {key!r} has {series.size} months, the target {target.size}"
            )
        total = float(series.sum())
        if key in touching_buffer or total < min_count:
            continue
        level_ratio = total / target_total
        trend_difference = yearly_trend(series) - target_trend
        ranked.append(
            ComparisonCandidate(
                key=key,
                before_count=round(total),
                level_ratio=level_ratio,
                trend_difference=trend_difference,
                distance=math.hypot(math.log(level_ratio), trend_difference),
            )
        )
    ranked.sort(key=lambda c: c.distance)
    return ranked
