"""The whole path, counting SQL to figures, recovers what was planted in generated incidents, and the
95 % intervals cover the null about 95 % of the time when nothing was planted (issue 16)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser

from followup import counting, present
from followup.services import buffer_ring
from geo import effect
from layers.roles import Role
from tests.factories import CategoryFactory, MunicipalityFactory, user_with_role
from tests.followup.towns import COMPARISON, TARGET, plant

START = date(
    2024, 3, 1
)  # a 1st: the after period starts on it, the before period is the 12 months before
FIRST = date(2023, 3, 1)
TODAY = date(2026, 1, 1)
RATE = 40.0  # incidents a month in each area before the measure
REDUCTION = 0.30
DISPLACED = RATE * REDUCTION  # what leaves the target reappears in the buffer


@pytest.fixture
def planted(db: None) -> dict[str, list[int]]:
    municipality = MunicipalityFactory()
    category = CategoryFactory()
    rng = np.random.default_rng(20261207)
    before, after = [RATE] * 12, [RATE * (1 - REDUCTION)] * 12
    return plant(
        municipality,
        category,
        rng=rng,
        first_month=FIRST,
        months=24,
        rates={
            "target": before + after,
            "buffer": [RATE] * 12 + [RATE + DISPLACED] * 12,
            "comparison": [RATE] * 24,
        },
    )


def _areas() -> counting.Areas:
    return counting.Areas(target=TARGET, comparison=COMPARISON, buffer=buffer_ring(TARGET, 300))


def test_a_planted_30_percent_reduction_and_its_displacement_are_recovered(
    planted: dict[str, list[int]],
) -> None:
    municipality = MunicipalityFactory()
    result = counting.compute(
        user_with_role(Role.BRA_MEMBER),
        municipality,
        _areas(),
        start=START,
        months=12,
        gap_months=0,
        today=TODAY,
    )

    # The SQL counted exactly what was planted, month by month.
    assert result.monthly.counts["target"] == planted["target"]
    assert result.monthly.counts["buffer"] == planted["buffer"]
    assert result.monthly.counts["comparison"] == planted["comparison"]
    e = result.evaluation
    assert e is not None and e.verdict == effect.REDUCTION
    # The true relative effect size: (T0·C1)/(T1·C0) in expectation = 1 / (1 − 0.30).
    res = e.relative_effect
    assert isinstance(res, effect.RelativeEffectSize)
    assert res.low <= 1 / (1 - REDUCTION) <= res.high
    assert res.low > 1.0
    # The true local WDD: ΔT − ΔC = −0.30 · 40 · 12 = −144 incidents over the after year.
    assert e.wdd is not None
    true_local = -REDUCTION * RATE * 12
    assert e.wdd.local.low <= true_local <= e.wdd.local.high < 0
    # The planted displacement: ΔB − ΔC = +144, inside the displacement interval, which excludes 0.
    assert e.wdd.displacement is not None
    assert 0 < e.wdd.displacement.low <= DISPLACED * 12 <= e.wdd.displacement.high
    # The buffer's own RES: 1 / (1 + 12/40) in expectation (its interval is wider than the WDD's
    # displacement part at these counts, so only coverage is asked of it).
    buffer_res = e.buffer_relative_effect
    assert isinstance(buffer_res, effect.RelativeEffectSize)
    assert buffer_res.low <= 1 / (1 + DISPLACED / RATE) <= buffer_res.high
    assert e.displacement is not None
    assert e.displacement.code in (effect.DISPLACEMENT_PARTIAL, effect.DISPLACEMENT_ERASED)


def test_the_same_incidents_without_a_buffer_give_no_displacement_figures(
    planted: dict[str, list[int]],
) -> None:
    areas = counting.Areas(target=TARGET, comparison=COMPARISON, buffer=None)
    result = counting.compute(
        AnonymousUser(),
        MunicipalityFactory(),
        areas,
        start=START,
        months=12,
        gap_months=0,
        today=TODAY,
    )
    assert result.evaluation is not None
    assert result.evaluation.displacement is None and result.counts.buffer is None
    assert result.counts.target == effect.BeforeAfter(
        sum(planted["target"][:12]), sum(planted["target"][12:])
    )


def test_an_after_period_not_yet_over_gives_no_effect(planted: dict[str, list[int]]) -> None:
    result = counting.compute(
        AnonymousUser(),
        MunicipalityFactory(),
        _areas(),
        start=START,
        months=12,
        gap_months=0,
        today=date(2024, 12, 15),
    )
    assert not result.complete and result.evaluation is None
    shown = present.as_dict(result)
    assert shown["verdict"] == "incomplete" and "wdd" not in shown
    # The series stops at the current month: months to come are not shown as zeros.
    assert shown["series"]["months"][-1] == "2024-12-01"
    assert shown["series"]["target"] == result.monthly.counts["target"][:22]


def test_the_95_percent_intervals_cover_the_null_about_95_percent_of_the_time() -> None:
    """No effect planted: every area keeps its rate. 2,000 simulated evaluations through
    ``geo.effect.evaluate`` (the function the page calls on the SQL's counts). The share whose RES
    interval holds 1, and whose local WDD interval holds 0, must lie within 0.95 ± 0.015: three binomial
    standard errors (√(0.95 · 0.05 / 2000) = 0.0049), so a correct method fails by chance about once in
    370 runs, and the seed is fixed. A method that ignored the comparison area's variance would cover
    about 0.83 and fail."""
    rng = np.random.default_rng(16)
    n = 2000
    rates = rng.uniform(40, 100, size=n)  # areas of different levels, far above the floor
    covered_res = covered_wdd = 0
    for lam in rates:
        t0, t1, c0, c1, b0, b1 = (int(v) for v in rng.poisson(lam, size=6))
        e = effect.evaluate(
            effect.Counts(
                target=effect.BeforeAfter(t0, t1),
                comparison=effect.BeforeAfter(c0, c1),
                buffer=effect.BeforeAfter(b0, b1),
            )
        )
        assert isinstance(e.relative_effect, effect.RelativeEffectSize) and e.wdd is not None
        covered_res += e.relative_effect.low <= 1.0 <= e.relative_effect.high
        covered_wdd += e.wdd.local.low <= 0.0 <= e.wdd.local.high

    assert abs(covered_res / n - 0.95) <= 0.015, covered_res / n
    assert abs(covered_wdd / n - 0.95) <= 0.015, covered_wdd / n


def test_overdispersed_counts_need_the_correction_to_cover_the_null() -> None:
    """Monthly counts with variance three times the mean (negative binomial): Poisson intervals are too
    narrow and cover far less than 95 %; the dispersion estimated from the before period's months
    (``geo.effect.dispersion_from_monthly``, the page's "skattad" choice) brings coverage back near 95 %.
    1,000 runs; tolerance 0.95 ± 0.03 for the corrected intervals (φ is itself estimated from 36
    months, so its coverage is a little under nominal), and Poisson must fall below 0.85."""
    rng = np.random.default_rng(1607)
    runs, months, mean, phi = 1000, 12, 10.0, 3.0
    p = 1 / phi  # negative binomial with mean m and variance phi·m: n = m / (phi − 1), p = 1 / phi
    size = mean / (phi - 1)
    poisson_cover = corrected_cover = 0
    for _ in range(runs):
        monthly = rng.negative_binomial(size, p, size=(3, 2, months))  # area × period × month
        counts = effect.Counts(
            target=effect.BeforeAfter(int(monthly[0, 0].sum()), int(monthly[0, 1].sum())),
            comparison=effect.BeforeAfter(int(monthly[1, 0].sum()), int(monthly[1, 1].sum())),
            buffer=effect.BeforeAfter(int(monthly[2, 0].sum()), int(monthly[2, 1].sum())),
        )
        estimated = effect.dispersion_from_monthly(monthly[:, 0, :])
        for dispersion, hit in ((1.0, "poisson"), (estimated, "corrected")):
            wdd = effect.wdd(counts, dispersion=dispersion).local
            inside = wdd.low <= 0.0 <= wdd.high
            if hit == "poisson":
                poisson_cover += inside
            else:
                corrected_cover += inside

    assert poisson_cover / runs < 0.85, poisson_cover / runs
    assert abs(corrected_cover / runs - 0.95) <= 0.03, corrected_cover / runs
