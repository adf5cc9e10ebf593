"""Effect follow-up statistics (geo.effect) against published worked examples, derived examples,
properties and simulations.

Sources of the published examples (no printed page number could be confirmed for any of them; each
test names the section or the file that holds the numbers):

- Wheeler, A. P. & Ratcliffe, J. H. (2018). A simple weighted displacement difference test to evaluate
  place based crime interventions. *Crime Science* 7:11. doi:10.1186/s40163-018-0085-5,
  https://crimesciencejournal.biomedcentral.com/articles/10.1186/s40163-018-0085-5 (open access).
- Wheeler's own published checks of the same numbers: the R package ptools (CRAN 2.0.0, MIT),
  tests/testthat/test-wdd.R; the Python package crimepy (MIT), notebooks/WDD_Examples.ipynb; his blog
  posts named in each test. Only numbers are quoted here, no code.
- Farrington, Gill, Waples & Argomaniz (2007), *J Exp Criminol* 3:21–38, doi:10.1007/s11292-007-9024-2,
  Appendix "Measuring effect sizes" (the RES definition and its verbal example).
- Guerette, R. T. (2009). *Analyzing Crime Displacement and Diffusion*. POP Center Tool Guide 10,
  Appendix B (formulas), http://www.popcenter.org/tools/displacement/10, and Appendix C (reading),
  https://popcenter.asu.edu/tools/displacement/11.

No published numeric example was found for the WDQ, the total net effect or the RES with its
interval: those tests use the hand-derived examples written out in docs/method.md
("Effektuppföljning", Räkneexempel).
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.effect import (
    COMPARISON_EMPTY,
    DIFFUSION,
    DIFFUSION_EXCEEDS,
    DISPLACEMENT_ERASED,
    DISPLACEMENT_PARTIAL,
    INCREASE,
    MIN_BEFORE_COUNT,
    NO_BUFFER_EFFECT,
    NO_CLEAR_CHANGE,
    NO_REDUCTION,
    READINGS,
    REDUCTION,
    TOO_FEW,
    TOO_FEW_BUFFER,
    TOO_FEW_COMPARISON,
    TOO_FEW_TARGET,
    ZERO_CELL,
    BeforeAfter,
    Counts,
    RelativeEffectSize,
    Undefined,
    aligned_periods,
    dispersion_from_monthly,
    displacement_measures,
    evaluate,
    min_before_count,
    minimum_detectable_effect,
    normal_interval,
    rank_comparison_candidates,
    relative_change,
    relative_effect_size,
    res_arrays,
    wdd,
    wdd_arrays,
)

# Wheeler & Ratcliffe's (2018) example: treated, control-treated, displacement, control-displacement.
PAPER = Counts(
    target=BeforeAfter(207, 110),
    comparison=BeforeAfter(308, 318),
    buffer=BeforeAfter(178, 157),
    buffer_comparison=BeforeAfter(150, 140),
)


def res(area: BeforeAfter, comparison: BeforeAfter, **kwargs: float) -> RelativeEffectSize:
    result = relative_effect_size(area, comparison, **kwargs)
    assert isinstance(result, RelativeEffectSize)
    return result


# ---------------------------------------------------------------------------------------------
# WDD against published worked examples


def test_wdd_reproduces_the_worked_example_of_wheeler_and_ratcliffe_2018() -> None:
    """Wheeler & Ratcliffe (2018), Crime Science 7:11, doi:10.1186/s40163-018-0085-5, the paper's
    worked example (page not confirmed). Inputs, pre → post: treated 207 → 110, control-treated
    308 → 318, displacement 178 → 157, control-displacement 150 → 140. Published outputs: WDD −118,
    SE √1568, z −2.98, 95 % CI −196 … −40 (ptools test-wdd.R, "Est & Variance Paper"); the author's
    spreadsheet (github apwheele/Blog_Code, Excel/SpreadSheet_WDD.xlsx) holds the unrounded values
    SE 39.597979746446661, z −2.9799500064290219, one-tailed p 0.0014414771524903192,
    CI −195.61061416358194 … −40.389385836418057.
    """
    result = wdd(PAPER).total

    assert result.estimate == -118
    assert result.variance == pytest.approx(1568, rel=1e-12)
    assert result.se == pytest.approx(39.597979746446661, rel=1e-12)
    assert result.z == pytest.approx(-2.9799500064290219, rel=1e-12)
    assert result.p_reduction == pytest.approx(0.0014414771524903192, rel=1e-9)
    assert result.low == pytest.approx(-195.61061416358194, rel=1e-12)
    assert result.high == pytest.approx(-40.389385836418057, rel=1e-12)
    assert (round(result.z, 2), round(result.low), round(result.high)) == (-2.98, -196, -40)
    assert result.direction == REDUCTION


def test_wdd_splits_the_paper_example_into_local_and_displacement_parts() -> None:
    """Derived from the paper's counts (docs/method.md): local −97 − 10 = −107 with variance
    207+110+308+318 = 943; displacement −21 + 10 = −11 with variance 178+157+150+140 = 625.
    Wheeler's tools report the same split (ptools Est_Local / Est_Displace)."""
    result = wdd(PAPER)

    assert result.displacement is not None
    assert (result.local.estimate, result.local.variance) == (-107, 943)
    assert result.local.se == pytest.approx(30.708305, abs=1e-6)
    assert (result.displacement.estimate, result.displacement.se) == (-11, 25)
    assert result.shared_comparison is False


def test_wdd_with_a_longer_before_period_matches_wheelers_time_weights() -> None:
    """Wheeler, "The WDD test with different pre/post time periods" (2021-01-09),
    https://andrewpwheeler.com/2021/01/09/the-wdd-test-with-different-pre-post-time-periods/, and ptools
    test-wdd.R "Time Weights": control 100 → 50, treated 80 → 20, the pre period twice as long
    (weights 2, 1) → WDD −20, SE √115."""
    counts = Counts(
        target=BeforeAfter(80, 20),
        comparison=BeforeAfter(100, 50),
        before_length=24,
        after_length=12,
    )

    result = wdd(counts).total

    assert result.estimate == pytest.approx(-20)
    assert result.se == pytest.approx(math.sqrt(115))


def test_wdd_with_rates_per_time_matches_the_crimepy_notebook() -> None:
    """crimepy notebooks/WDD_Examples.ipynb (github apwheele/crimepy @59866bc), "rates per time":
    control 200 → 100, treated 100 → 20, time weights [2, 1] → "-30 (14.0)", 90 % CI [-53.0 to -7.0]."""
    counts = Counts(
        target=BeforeAfter(100, 20),
        comparison=BeforeAfter(200, 100),
        before_length=2,
        after_length=1,
    )

    result = wdd(counts, confidence=0.90).total

    assert (result.estimate, round(result.se, 1)) == (-30, 14.0)
    assert (round(result.low, 1), round(result.high, 1)) == (-53.0, -7.0)


def test_wdd_of_two_areas_matches_wheelers_extensions_post() -> None:
    """https://crimede-coder.com/blogposts/2025/WDDExtensions: "Control area, pre=100, post=90 /
    Treated area, pre=100, post=80 … the extra reduction due to the treatment is 10 crimes … the
    standard error is 19" (√370 = 19.24)."""
    counts = Counts(target=BeforeAfter(100, 80), comparison=BeforeAfter(100, 90))

    result = wdd(counts)

    assert result.total.estimate == -10
    assert round(result.total.se) == 19
    assert result.total.se == pytest.approx(math.sqrt(370))
    assert result.displacement is None


def test_wdd_at_90_percent_matches_the_crimepy_notebook_with_and_without_a_buffer() -> None:
    """crimepy notebooks/WDD_Examples.ipynb: control 130 → 150, treated 120 → 100 gives
    "Total WDD -40 (22.4) and 90% CI [-76.8 to -3.2]"; adding a displacement control 30 → 25 and a
    displacement area 40 → 25 gives "-50 (24.9) … [-91.0 to -9.0]"."""
    local = Counts(target=BeforeAfter(120, 100), comparison=BeforeAfter(130, 150))
    with_buffer = Counts(
        target=BeforeAfter(120, 100),
        comparison=BeforeAfter(130, 150),
        buffer=BeforeAfter(40, 25),
        buffer_comparison=BeforeAfter(30, 25),
    )

    a = wdd(local, confidence=0.90).total
    b = wdd(with_buffer, confidence=0.90).total

    assert (a.estimate, round(a.se, 1), round(a.low, 1), round(a.high, 1)) == (
        -40,
        22.4,
        -76.8,
        -3.2,
    )
    assert (b.estimate, round(b.se, 1), round(b.low, 1), round(b.high, 1)) == (
        -50,
        24.9,
        -91.0,
        -9.0,
    )


def test_wdd_and_relative_effect_size_agree_with_wheelers_irr_example() -> None:
    """https://andrewpwheeler.com/tag/poisson/ (the post on Wilson 2021): "Pre Post / Treated 50 30 /
    Control 60 55 … my WDD estimate is … -15 … log(30) - log(50) - ( log(55) - log(60) ) =
    -0.4238142 … exp(-0.4238142) = 0.6545455 … crime is reduced by approximately 35%". Farrington's
    RES is the inverse of that incidence rate ratio (derived: 50·55/(30·60) = 1.527778)."""
    target, comparison = BeforeAfter(50, 30), BeforeAfter(60, 55)

    w = wdd(Counts(target=target, comparison=comparison)).total
    r = res(target, comparison)

    assert w.estimate == -15
    assert r.log_res == pytest.approx(0.4238142, abs=1e-7)
    inverse = 1 / r.res  # the source quotes the incidence rate ratio, the inverse of RES
    assert inverse == pytest.approx(0.6545455, abs=1e-7)
    assert r.res == pytest.approx(1.527778, abs=1e-6)
    assert round(r.change_against_comparison, 2) == -0.35
    assert r.direction == NO_CLEAR_CHANGE  # derived: 95 % CI 0.853674 … 2.734186
    assert (r.low, r.high) == pytest.approx((0.853674, 2.734186), abs=1e-6)


# ---------------------------------------------------------------------------------------------
# RES: the published definition, derived numbers


def test_relative_effect_size_follows_farringtons_verbal_example() -> None:
    """Farrington et al. (2007), Appendix: "RES = 2 … could be obtained, for example, if crimes
    doubled in the control area and stayed constant in the experimental area, or if crimes decreased
    by half in the experimental area and stayed constant in the control area". The interval is
    derived (docs/method.md): Var = 4/100 − 1/200 = 0.035, 95 % CI 1.386069 … 2.885860."""
    doubled = res(BeforeAfter(100, 100), BeforeAfter(100, 200))
    halved = res(BeforeAfter(100, 50), BeforeAfter(100, 100))

    assert doubled.res == halved.res == 2.0
    assert doubled.variance == pytest.approx(0.035)
    assert (doubled.low, doubled.high) == pytest.approx((1.386069, 2.885860), abs=1e-6)


def test_relative_effect_size_of_the_paper_counts_matches_the_derived_example() -> None:
    """No published RES example with its interval was found. Derived example O10 (docs/method.md):
    a = 207, b = 110, c = 308, d = 318 → RES 1.942916175, ln 0.664190027, Var 0.020313234,
    95 % CI 1.469390 … 2.569042, z 4.660."""
    r = res(PAPER.target, PAPER.comparison)

    assert r.res == pytest.approx(1.942916175, abs=1e-9)
    assert r.log_res == pytest.approx(0.664190027, abs=1e-9)
    assert r.variance == pytest.approx(0.020313234, abs=1e-9)
    assert (r.low, r.high) == pytest.approx((1.469390, 2.569042), abs=1e-6)
    assert round(r.z, 3) == 4.660
    assert r.direction == REDUCTION


def test_a_dispersion_factor_multiplies_the_variance_of_ln_res() -> None:
    """Derived example O11 (docs/method.md) with a user-given dispersion factor 1.9544: Var
    0.039700185, 95 % CI 1.314780 … 2.871145, z 3.333. (1.9544 is what the unverified formula
    D = 0.0008·N + 1.2 would give for N = 943; Trygg does not implement that formula.)"""
    r = res(PAPER.target, PAPER.comparison, dispersion=1.9544)

    assert r.variance == pytest.approx(0.039700185, abs=1e-9)
    assert (r.low, r.high) == pytest.approx((1.314780, 2.871145), abs=1e-6)
    assert round(r.z, 3) == 3.333
    assert r.dispersion == 1.9544


def test_relative_effect_size_is_undefined_when_any_count_is_zero() -> None:
    assert relative_effect_size(BeforeAfter(20, 0), BeforeAfter(30, 31)) == Undefined(ZERO_CELL)
    assert relative_effect_size(BeforeAfter(20, 5), BeforeAfter(0, 31)) == Undefined(ZERO_CELL)
    assert "går inte att räkna" in Undefined(ZERO_CELL).reason


def test_a_dispersion_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="dispersion"):
        relative_effect_size(BeforeAfter(20, 5), BeforeAfter(30, 31), dispersion=0.5)


# ---------------------------------------------------------------------------------------------
# WDQ, success, buffer, TNE: derived examples (none published) and Guerette's reading


@pytest.mark.parametrize(
    ("target", "buffer", "comparison", "expected", "code"),
    [
        # O8, complete displacement: success −0.5, buffer +0.5, WDQ −1, TNE 0.
        ((100, 50), (100, 150), (100, 100), (-0.5, 0.5, -1.0, 0.0), DISPLACEMENT_ERASED),
        # Diffusion: success 0.3 − 0.5, buffer 0.3 − 0.4, WDQ +0.5, TNE 40 + 20.
        ((100, 60), (80, 60), (200, 200), (-0.2, -0.1, 0.5, 60.0), DIFFUSION),
        # Partial displacement: buffer 0.5 − 0.4, WDQ −0.5, TNE 40 − 20.
        ((100, 60), (80, 100), (200, 200), (-0.2, 0.1, -0.5, 20.0), DISPLACEMENT_PARTIAL),
        # Diffusion greater than the effect: buffer −0.3 (80 → 20), WDQ 1.5, TNE 40 + 60.
        ((100, 60), (80, 20), (200, 200), (-0.2, -0.3, 1.5, 100.0), DIFFUSION_EXCEEDS),
        # Nothing moved in the buffer: WDQ 0, TNE 40.
        ((100, 60), (80, 80), (200, 200), (-0.2, 0.0, 0.0, 40.0), NO_BUFFER_EFFECT),
        # Displacement beyond the effect: buffer +0.3 (80 → 140), WDQ −1.5, TNE 40 − 60.
        ((100, 60), (80, 140), (200, 200), (-0.2, 0.3, -1.5, -20.0), DISPLACEMENT_ERASED),
    ],
)
def test_displacement_measures_match_the_derived_examples(
    target: tuple[int, int],
    buffer: tuple[int, int],
    comparison: tuple[int, int],
    expected: tuple[float, float, float, float],
    code: str,
) -> None:
    """No published numeric WDQ/TNE example was found (Guerette 2009, Appendix B, gives the formulas
    only); these are derived by hand in docs/method.md. The codes follow Guerette's Appendix C."""
    m = displacement_measures(BeforeAfter(*target), BeforeAfter(*buffer), BeforeAfter(*comparison))

    assert (m.success, m.buffer, m.wdq, m.total_net_effect) == pytest.approx(expected, abs=1e-12)
    assert m.code == code
    assert m.reading == READINGS[code]


def test_displacement_measures_of_the_paper_counts_match_the_derived_example() -> None:
    """Derived example O9 (docs/method.md) on Wheeler & Ratcliffe's counts, R 207 → 110, D 178 →
    157, C 308 → 318: success −0.326165972, buffer −0.084211386, WDQ +0.258185688 (diffusion),
    TNE 385·318/308 − 267 = 130.5."""
    m = displacement_measures(PAPER.target, BeforeAfter(178, 157), PAPER.comparison)

    assert m.success == pytest.approx(-0.326165972, abs=1e-9)
    assert m.buffer == pytest.approx(-0.084211386, abs=1e-9)
    assert m.wdq == pytest.approx(0.258185688, abs=1e-9)
    assert m.total_net_effect == pytest.approx(130.5, abs=1e-9)
    assert m.code == DIFFUSION
    assert (
        m.reading
        == "Spridning av nytta: händelserna minskade även i bufferten, jämfört med jämförelseområdet."
    )


def test_the_wdq_is_not_read_when_the_target_did_not_improve() -> None:
    """Bowers & Johnson (2003), abstract: "displacement can only be attributed to crime prevention
    activity if crime is reduced in the target area considered"; success = 0 is also a zero
    denominator of the WDQ."""
    unchanged = displacement_measures(
        BeforeAfter(100, 100), BeforeAfter(100, 150), BeforeAfter(100, 100)
    )
    worse = displacement_measures(
        BeforeAfter(100, 120), BeforeAfter(100, 150), BeforeAfter(100, 100)
    )

    assert (unchanged.success, unchanged.wdq, unchanged.code) == (0.0, None, NO_REDUCTION)
    assert (worse.success, worse.wdq, worse.code) == (0.2, None, NO_REDUCTION)
    assert worse.total_net_effect == -70.0  # still defined: it needs only Cb
    assert "förflyttning kan inte bedömas" in worse.reading


def test_an_empty_comparison_area_leaves_the_ratios_undefined_and_says_so() -> None:
    empty_after = displacement_measures(
        BeforeAfter(40, 20), BeforeAfter(30, 30), BeforeAfter(10, 0)
    )
    empty_before = displacement_measures(
        BeforeAfter(40, 20), BeforeAfter(30, 30), BeforeAfter(0, 10)
    )

    assert (empty_after.success, empty_after.buffer, empty_after.wdq) == (None, None, None)
    assert empty_after.total_net_effect == -50.0
    assert (empty_before.success, empty_before.total_net_effect) == (None, None)
    assert empty_after.code == empty_before.code == COMPARISON_EMPTY


counts_st = st.integers(min_value=1, max_value=5_000)


@settings(max_examples=300, deadline=None)
@given(ra=counts_st, rb=counts_st, da=counts_st, db=counts_st, ca=counts_st, cb=counts_st)
def test_total_net_effect_is_minus_ca_times_success_plus_buffer_so_wdq_below_minus_one_means_a_loss(
    ra: int, rb: int, da: int, db: int, ca: int, cb: int
) -> None:
    """TNE = −Ca·(success + buffer) (derived in docs/method.md): with success < 0, WDQ ≤ −1 exactly
    when TNE ≤ 0, which is why WDQ = −1 reads as "erased"."""
    m = displacement_measures(BeforeAfter(rb, ra), BeforeAfter(db, da), BeforeAfter(cb, ca))

    assert m.success is not None and m.buffer is not None and m.total_net_effect is not None
    assert m.total_net_effect == pytest.approx(-ca * (m.success + m.buffer), rel=1e-9, abs=1e-6)
    if m.wdq is not None:
        assert (m.code == DISPLACEMENT_ERASED) == (
            m.total_net_effect <= 0 or math.isclose(m.total_net_effect, 0, abs_tol=1e-9)
        )


# ---------------------------------------------------------------------------------------------
# Properties


area_st = st.builds(BeforeAfter, counts_st, counts_st)


@settings(max_examples=200, deadline=None)
@given(t=counts_st, c=counts_st, b=counts_st, cb=counts_st)
def test_no_change_anywhere_gives_odds_ratio_one_and_wdd_zero(
    t: int, c: int, b: int, cb: int
) -> None:
    counts = Counts(
        target=BeforeAfter(t, t),
        comparison=BeforeAfter(c, c),
        buffer=BeforeAfter(b, b),
        buffer_comparison=BeforeAfter(cb, cb),
    )

    r = res(counts.target, counts.comparison)
    w = wdd(counts)

    assert r.res == 1.0
    assert r.low < 1.0 < r.high
    assert w.total.estimate == w.local.estimate == 0.0
    assert w.total.low < 0.0 < w.total.high


@settings(max_examples=200, deadline=None)
@given(target=area_st, comparison=area_st)
def test_swapping_target_and_comparison_inverts_the_odds_ratio(
    target: BeforeAfter, comparison: BeforeAfter
) -> None:
    forward = res(target, comparison)
    backward = res(comparison, target)

    assert forward.res * backward.res == pytest.approx(1.0, rel=1e-12)
    assert forward.variance == pytest.approx(backward.variance, rel=1e-12)
    assert (backward.low, backward.high) == pytest.approx(
        (1 / forward.high, 1 / forward.low), rel=1e-12
    )
    assert backward.z == pytest.approx(-forward.z, rel=1e-12, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(target=area_st, comparison=area_st, k=st.integers(min_value=2, max_value=50))
def test_scaling_all_counts_keeps_the_odds_ratio_and_narrows_its_interval(
    target: BeforeAfter, comparison: BeforeAfter, k: int
) -> None:
    def scaled(area: BeforeAfter) -> BeforeAfter:
        return BeforeAfter(area.before * k, area.after * k)

    small = res(target, comparison)
    large = res(scaled(target), scaled(comparison))

    assert large.res == pytest.approx(small.res, rel=1e-12)
    assert large.variance == pytest.approx(small.variance / k, rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(target=area_st, comparison=area_st, buffer=area_st, k=st.integers(min_value=2, max_value=50))
def test_scaling_all_counts_scales_the_wdd_and_its_variance_alike(
    target: BeforeAfter, comparison: BeforeAfter, buffer: BeforeAfter, k: int
) -> None:
    small = wdd(Counts(target=target, comparison=comparison, buffer=buffer)).total
    large = wdd(
        Counts(
            target=BeforeAfter(target.before * k, target.after * k),
            comparison=BeforeAfter(comparison.before * k, comparison.after * k),
            buffer=BeforeAfter(buffer.before * k, buffer.after * k),
        )
    ).total

    assert large.estimate == pytest.approx(small.estimate * k)
    assert large.variance == pytest.approx(small.variance * k)


@settings(max_examples=100, deadline=None)
@given(target=area_st, comparison=area_st, buffer=area_st)
def test_one_comparison_area_for_both_counts_its_variance_four_times(
    target: BeforeAfter, comparison: BeforeAfter, buffer: BeforeAfter
) -> None:
    shared = wdd(Counts(target=target, comparison=comparison, buffer=buffer))
    separate = wdd(
        Counts(target=target, comparison=comparison, buffer=buffer, buffer_comparison=comparison)
    )

    c = comparison.before + comparison.after
    t, b = target.before + target.after, buffer.before + buffer.after
    assert shared.shared_comparison
    assert shared.total.estimate == separate.total.estimate
    assert shared.total.variance == t + b + 4 * c
    assert separate.total.variance == t + b + 2 * c  # as if the two were independent: too small


# ---------------------------------------------------------------------------------------------
# The floor: too few to say anything


def test_the_floor_is_where_even_a_complete_drop_first_becomes_significant() -> None:
    """3 · 1.96² = 11.5: at 11 before, a fall to 0 beside an unchanged comparison area of the same
    level is not significant; at 12 it is."""
    floor = min_before_count()

    below = wdd(Counts(BeforeAfter(floor - 1, 0), BeforeAfter(floor - 1, floor - 1))).local
    at = wdd(Counts(BeforeAfter(floor, 0), BeforeAfter(floor, floor))).local

    assert floor == MIN_BEFORE_COUNT == 12
    assert below.high > 0 > below.low
    assert at.high < 0


def test_fewer_incidents_than_the_floor_are_reported_as_too_few_never_as_an_effect() -> None:
    counts = Counts(
        target=BeforeAfter(11, 0), comparison=BeforeAfter(40, 44), buffer=BeforeAfter(30, 30)
    )

    e = evaluate(counts)

    assert e.verdict == TOO_FEW
    assert e.verdict_text == "För få händelser för att säga något."
    assert e.reasons == (TOO_FEW_TARGET,)
    assert (e.relative_effect, e.buffer_relative_effect, e.wdd) == (None, None, None)
    assert e.displacement is not None and e.displacement.code == TOO_FEW
    assert e.displacement.wdq is None
    assert e.changes["target"] == Undefined(TOO_FEW)
    assert e.changes["comparison"] == pytest.approx(0.1)
    assert e.minimum_detectable_effect > 11  # even losing all 11 could not have been shown


@settings(max_examples=200, deadline=None)
@given(
    target=st.builds(BeforeAfter, st.integers(0, 11), st.integers(0, 500)),
    comparison=st.builds(BeforeAfter, st.integers(0, 500), st.integers(0, 500)),
)
def test_no_target_below_the_floor_ever_gets_an_effect(
    target: BeforeAfter, comparison: BeforeAfter
) -> None:
    e = evaluate(Counts(target=target, comparison=comparison))

    assert e.verdict == TOO_FEW
    assert e.relative_effect is None and e.wdd is None


def test_a_comparison_area_below_the_floor_makes_the_evaluation_too_few() -> None:
    e = evaluate(Counts(target=BeforeAfter(200, 100), comparison=BeforeAfter(5, 9)))

    assert (e.verdict, e.reasons) == (TOO_FEW, (TOO_FEW_COMPARISON,))


def test_a_buffer_below_the_floor_withholds_only_the_displacement_reading() -> None:
    e = evaluate(
        Counts(
            target=BeforeAfter(200, 100), comparison=BeforeAfter(210, 205), buffer=BeforeAfter(4, 9)
        )
    )

    assert e.verdict == REDUCTION
    assert e.reasons == (TOO_FEW_BUFFER,)
    assert e.displacement is not None and e.displacement.code == TOO_FEW
    assert e.buffer_relative_effect == Undefined(TOO_FEW)
    assert e.changes["buffer"] == Undefined(TOO_FEW)
    assert (
        e.wdd is not None and e.wdd.displacement is not None
    )  # the numbers, with their wide interval


def test_overdispersion_raises_the_floor() -> None:
    counts = Counts(target=BeforeAfter(20, 0), comparison=BeforeAfter(20, 20))

    assert evaluate(counts).verdict == REDUCTION
    assert evaluate(counts, dispersion=2.0).floor == 24
    assert evaluate(counts, dispersion=2.0).verdict == TOO_FEW


def test_with_a_longer_before_period_the_floor_applies_to_the_count_per_after_period() -> None:
    counts = Counts(
        target=BeforeAfter(22, 0), comparison=BeforeAfter(40, 20), before_length=24, after_length=12
    )

    assert evaluate(counts).verdict == TOO_FEW  # 22 over two years is 11 a year


def test_the_minimum_detectable_effect_matches_the_power_table() -> None:
    """docs/method.md: MDE ≈ 1.96·√(4μ) for equal areas: 12.4 at μ = 10, 39.2 at 100, 55.4 at 200."""
    for mu, expected in ((10, 12.4), (100, 39.2), (200, 55.4)):
        counts = Counts(target=BeforeAfter(mu, mu), comparison=BeforeAfter(mu, mu))
        assert round(minimum_detectable_effect(counts), 1) == expected


# ---------------------------------------------------------------------------------------------
# The whole evaluation


def test_evaluation_of_the_paper_counts_reports_a_reduction_with_diffusion() -> None:
    e = evaluate(PAPER)

    assert e.verdict == REDUCTION
    assert e.variance == "poisson"
    assert e.reasons == ()
    assert isinstance(e.relative_effect, RelativeEffectSize)
    assert e.relative_effect.res == pytest.approx(1.942916175)
    assert e.wdd is not None and e.wdd.total.estimate == -118
    assert e.displacement is not None and e.displacement.code == DIFFUSION
    assert e.changes["target"] == pytest.approx(110 / 207 - 1)
    assert e.changes["buffer_comparison"] == pytest.approx(140 / 150 - 1)


def test_the_verdict_needs_both_tests_to_agree() -> None:
    # A target four times the comparison's level: the WDD, −50 (SE √450, CI −91.6 … −8.4), is
    # significant on the count scale; RES 1.33 (CI 0.85 … 2.08) is not on the ratio scale.
    counts = Counts(target=BeforeAfter(200, 150), comparison=BeforeAfter(50, 50))
    e = evaluate(counts)

    assert isinstance(e.relative_effect, RelativeEffectSize)
    assert e.wdd is not None
    assert e.wdd.local.direction == REDUCTION
    assert e.relative_effect.direction == NO_CLEAR_CHANGE
    assert e.verdict == NO_CLEAR_CHANGE


def test_an_increase_is_reported_as_an_increase() -> None:
    e = evaluate(Counts(target=BeforeAfter(100, 180), comparison=BeforeAfter(100, 100)))

    assert e.verdict == INCREASE
    assert e.verdict_text.startswith("Ökning i åtgärdsområdet")


def test_relative_change_compares_rates_and_is_undefined_without_a_before_count() -> None:
    assert relative_change(BeforeAfter(80, 60)) == pytest.approx(-0.25)
    assert relative_change(BeforeAfter(80, 60), before_weight=2.0) == pytest.approx(0.5)
    assert relative_change(BeforeAfter(0, 5)) == Undefined("no_before")


def test_bad_counts_and_lengths_are_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="whole numbers"):
        BeforeAfter(3.5, 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="after_length"):
        Counts(BeforeAfter(3, 2), BeforeAfter(3, 2), after_length=0)
    with pytest.raises(ValueError, match="buffer_comparison needs a buffer"):
        Counts(BeforeAfter(3, 2), BeforeAfter(3, 2), buffer_comparison=BeforeAfter(1, 1))


# ---------------------------------------------------------------------------------------------
# Overdispersion


def test_dispersion_of_poisson_months_is_one_and_of_overdispersed_months_is_recovered() -> None:
    rng = np.random.default_rng(16)
    poisson_months = rng.poisson(20, size=(300, 12))
    k = 20 / (3.0 - 1.0)  # negative binomial with variance 3 × mean
    overdispersed = rng.poisson(rng.gamma(k, 20 / k, size=(300, 12)))

    assert dispersion_from_monthly(poisson_months) == pytest.approx(1.0, abs=0.05)
    assert dispersion_from_monthly(overdispersed) == pytest.approx(3.0, rel=0.1)


def test_dispersion_skips_empty_areas_and_never_goes_below_one() -> None:
    assert dispersion_from_monthly([[0, 0, 0, 0]]) == 1.0
    assert dispersion_from_monthly([[5, 5, 5, 5], [0, 0, 0, 0]]) == 1.0
    assert dispersion_from_monthly([[2, 18, 2, 18], [0, 0, 0, 0]]) == pytest.approx(256 / 30)
    with pytest.raises(ValueError, match="≥ 0"):
        dispersion_from_monthly([[1, -1]])


# ---------------------------------------------------------------------------------------------
# Simulations (fixed seeds, vectorised)

SIMULATIONS = 2_000
# Two-sided 95 % intervals over 2,000 independent evaluations: the share covering the truth is
# binomial with sd √(0.95·0.05/2000) = 0.0049; ±4 sd is [0.930, 0.970].
COVERAGE_TOLERANCE = 4 * math.sqrt(0.95 * 0.05 / SIMULATIONS)


def covers(low: np.ndarray, high: np.ndarray, truth: float | np.ndarray) -> float:
    return float(np.mean((low < truth) & (truth < high)))


def monthly_poisson(
    rng: np.random.Generator, per_year: float, shape: tuple[int, ...]
) -> np.ndarray:
    """Twelve months of Poisson counts per simulated evaluation, summed to the period."""
    months = rng.poisson(per_year / 12, size=(*shape, 12))
    return months.sum(axis=-1)


def test_a_planted_reduction_and_displacement_are_recovered_within_their_intervals() -> None:
    """Target 1,000 a year falls by 30 % to 700; 150 of the 300 move into the buffer (800 → 950);
    the one comparison area stays at 1,000. Sized per docs/method.md: a 30 % drop needs about 160
    a year for 50 % power, so at 1,000 the power is above 99 %. True values: RES 1/0.7, local WDD
    −300, displacement WDD +150 (buffer against the same comparison), buffer RES 800/950, WDQ −0.5."""
    rng = np.random.default_rng(2016)
    t0, t1, b0, b1, c0, c1 = (
        int(monthly_poisson(rng, rate, ())) for rate in (1000, 700, 800, 950, 1000, 1000)
    )
    counts = Counts(
        target=BeforeAfter(t0, t1), comparison=BeforeAfter(c0, c1), buffer=BeforeAfter(b0, b1)
    )

    e = evaluate(counts)

    assert e.verdict == REDUCTION
    r, br, w, d = e.relative_effect, e.buffer_relative_effect, e.wdd, e.displacement
    assert isinstance(r, RelativeEffectSize) and isinstance(br, RelativeEffectSize)
    assert w is not None and w.displacement is not None and d is not None
    assert r.low < 1 / 0.7 < r.high and r.low > 1
    assert br.low < 800 / 950 < br.high and br.high < 1  # the buffer did worse: displacement
    assert w.local.low < -300 < w.local.high and w.local.high < 0
    assert w.displacement.low < 150 < w.displacement.high and w.displacement.low > 0
    assert d.code == DISPLACEMENT_PARTIAL
    assert d.wdq is not None and -1 < d.wdq < 0


def test_over_many_planted_evaluations_the_intervals_cover_the_true_effects_95_percent() -> None:
    rng = np.random.default_rng(30)
    t0, t1, b0, b1, c0, c1 = (
        monthly_poisson(rng, rate, (SIMULATIONS,)) for rate in (300, 210, 240, 285, 300, 300)
    )

    log_res, var = res_arrays(t0, t1, c0, c1)
    _, res_low, res_high = normal_interval(log_res, var)
    w = wdd_arrays((t0, t1), (c0, c1), (b0, b1))
    assert w.displacement is not None and w.displacement_variance is not None
    _, local_low, local_high = normal_interval(w.local, w.local_variance)
    _, disp_low, disp_high = normal_interval(w.displacement, w.displacement_variance)

    assert covers(res_low, res_high, math.log(1 / 0.7)) == pytest.approx(
        0.95, abs=COVERAGE_TOLERANCE
    )
    assert covers(local_low, local_high, -90) == pytest.approx(0.95, abs=COVERAGE_TOLERANCE)
    assert covers(disp_low, disp_high, 45) == pytest.approx(0.95, abs=COVERAGE_TOLERANCE)


@pytest.mark.parametrize("per_year", [15, 60])
def test_with_no_effect_the_intervals_cover_the_null_95_percent_of_the_time(per_year: int) -> None:
    """2,000 evaluations with no effect anywhere, near the floor (15) and at a moderate count (60):
    RES 1 and WDD 0 (two comparison areas, and one shared) fall inside the 95 % intervals about
    95 % of the time, and the shared comparison's 4× variance is the variance the estimates have."""
    rng = np.random.default_rng(per_year)
    t0, t1, b0, b1, c0, c1, cb0, cb1 = (
        monthly_poisson(rng, per_year, (SIMULATIONS,)) for _ in range(8)
    )

    log_res, var = res_arrays(t0, t1, c0, c1)
    defined = ~np.isnan(log_res)
    _, res_low, res_high = normal_interval(log_res[defined], var[defined])
    separate = wdd_arrays((t0, t1), (c0, c1), (b0, b1), (cb0, cb1))
    shared = wdd_arrays((t0, t1), (c0, c1), (b0, b1))
    _, sep_low, sep_high = normal_interval(separate.total, separate.total_variance)
    _, sh_low, sh_high = normal_interval(shared.total, shared.total_variance)

    assert defined.mean() > 0.999
    assert covers(res_low, res_high, 0.0) == pytest.approx(0.95, abs=COVERAGE_TOLERANCE)
    assert covers(sep_low, sep_high, 0.0) == pytest.approx(0.95, abs=COVERAGE_TOLERANCE)
    assert covers(sh_low, sh_high, 0.0) == pytest.approx(0.95, abs=COVERAGE_TOLERANCE)
    # Var of the shared-comparison WDD is 12μ; entering the comparison twice as if independent
    # would claim 8μ. The spread of the simulated estimates tells which is right.
    ratio = shared.total.var() / shared.total_variance.mean()
    assert ratio == pytest.approx(1.0, abs=0.12)


def test_overdispersed_counts_need_the_dispersion_factor_to_keep_95_percent_coverage() -> None:
    """Months drawn with variance 3 × mean: Poisson intervals cover the null only ~75 % of the time;
    with φ estimated per evaluation from its own before-period months (4 areas × 11 df) coverage
    returns to ~94 % (the estimate is itself uncertain: a t with 44 df covers 94.4 % at ±1.96)."""
    rng = np.random.default_rng(3)
    mean, phi = 10.0, 3.0
    k = mean / (phi - 1.0)
    months = rng.poisson(rng.gamma(k, mean / k, size=(4, 2, SIMULATIONS, 12)))
    (t0, t1), (c0, c1), (b0, b1), (cb0, cb1) = months.sum(axis=-1)
    estimated = np.array([dispersion_from_monthly(months[:, 0, i, :]) for i in range(SIMULATIONS)])

    log_res, var = res_arrays(t0, t1, c0, c1)
    w = wdd_arrays((t0, t1), (c0, c1), (b0, b1), (cb0, cb1))
    _, res_p_low, res_p_high = normal_interval(log_res, var)
    _, res_d_low, res_d_high = normal_interval(log_res, var * estimated)
    _, wdd_p_low, wdd_p_high = normal_interval(w.total, w.total_variance)
    _, wdd_d_low, wdd_d_high = normal_interval(w.total, w.total_variance * estimated)

    assert np.median(estimated) == pytest.approx(phi, rel=0.1)
    assert covers(res_p_low, res_p_high, 0.0) < 0.85
    assert covers(wdd_p_low, wdd_p_high, 0.0) < 0.85
    assert 0.925 <= covers(res_d_low, res_d_high, 0.0) <= 0.965
    assert 0.925 <= covers(wdd_d_low, wdd_d_high, 0.0) <= 0.965


# ---------------------------------------------------------------------------------------------
# Periods


@pytest.mark.parametrize(
    ("start", "months", "gap", "expected"),
    [
        # Mid-month start: March belongs to neither period.
        (date(2024, 3, 15), 12, 0, ("2023-03-01", "2024-03-01", "2024-04-01", "2025-04-01")),
        # Start on the 1st: the periods touch.
        (date(2024, 3, 1), 12, 0, ("2023-03-01", "2024-03-01", "2024-03-01", "2025-03-01")),
        # Two months of phase-in after the start month.
        (date(2024, 3, 15), 12, 2, ("2023-03-01", "2024-03-01", "2024-06-01", "2025-06-01")),
        # Across the new year.
        (date(2024, 12, 10), 12, 0, ("2023-12-01", "2024-12-01", "2025-01-01", "2026-01-01")),
        # Six months: the same calendar months a year earlier.
        (date(2024, 3, 15), 6, 0, ("2023-04-01", "2023-10-01", "2024-04-01", "2024-10-01")),
        # Eighteen months: the same calendar months two years earlier.
        (date(2024, 3, 1), 18, 0, ("2022-03-01", "2023-09-01", "2024-03-01", "2025-09-01")),
    ],
)
def test_aligned_periods_are_equal_and_match_seasons(
    start: date, months: int, gap: int, expected: tuple[str, str, str, str]
) -> None:
    p = aligned_periods(start, months=months, gap_months=gap)

    got = (p.before.start, p.before.end, p.after.start, p.after.end)
    assert tuple(d.isoformat() for d in got) == expected


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    months=st.integers(1, 36),
    gap=st.integers(0, 6),
)
def test_aligned_periods_always_hold_the_same_calendar_months_on_each_side_of_the_start(
    start: date, months: int, gap: int
) -> None:
    p = aligned_periods(start, months=months, gap_months=gap)
    before, after = p.before.month_starts(), p.after.month_starts()

    assert len(before) == len(after) == months
    assert Counter(d.month for d in before) == Counter(d.month for d in after)
    assert p.before.end <= date(start.year, start.month, 1)
    assert p.after.start >= start
    assert (p.after.start.day, p.before.start.day) == (1, 1)
    # No later before period would do: one step later (a month for whole years, else a year) would
    # break the seasons or reach into the start's month.
    step = 1 if months % 12 == 0 else 12
    later_end = p.before.end.month - 1 + step
    later_end_date = date(p.before.end.year + later_end // 12, later_end % 12 + 1, 1)
    assert later_end_date > date(start.year, start.month, 1)


def test_periods_know_whether_the_after_period_is_over() -> None:
    p = aligned_periods(date(2024, 3, 15))

    assert not p.complete_on(date(2025, 3, 31))
    assert p.complete_on(date(2025, 4, 1))


def test_bad_period_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="months"):
        aligned_periods(date(2024, 3, 15), months=0)
    with pytest.raises(ValueError, match="gap_months"):
        aligned_periods(date(2024, 3, 15), gap_months=-1)


# ---------------------------------------------------------------------------------------------
# Comparison candidates


def test_candidates_are_ranked_by_level_and_trend_and_those_touching_the_buffer_left_out() -> None:
    flat = [20] * 12
    target = flat
    candidates = {
        "same": [20, 21, 19, 20, 20, 21, 19, 20, 20, 21, 19, 20],
        "rising": [int(10 + 20 * i / 11) for i in range(12)],  # same level, +~100 % a year
        "double": [40] * 12,
        "neighbour": flat,  # identical, but next to the buffer
        "quiet": [0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1],  # 4 in a year: below the floor
    }

    ranked = rank_comparison_candidates(target, candidates, touching_buffer={"neighbour"})

    assert [c.key for c in ranked] == ["same", "double", "rising"]
    assert ranked[0].distance < 0.02
    assert ranked[1].level_ratio == 2.0 and ranked[1].distance == pytest.approx(math.log(2))
    assert ranked[2].trend_difference > 1.0


def test_no_candidate_is_like_an_empty_target_and_mismatched_months_are_refused() -> None:
    assert rank_comparison_candidates([0] * 12, {"a": [5] * 12}) == []
    with pytest.raises(ValueError, match="'a' has 11 months, the target 12"):
        rank_comparison_candidates([5] * 12, {"a": [5] * 11})
