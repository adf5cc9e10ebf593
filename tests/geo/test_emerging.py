"""Mann–Kendall against known values and pymannkendall; emerging categories on constructed series."""

from __future__ import annotations

import numpy as np
import pymannkendall
import pytest
from scipy import stats

from geo.emerging import classify, mann_kendall


def test_mann_kendall_gives_the_known_values_of_a_short_rising_series() -> None:
    # n = 5 strictly rising: S = 10, Var(S) = 5·4·15/18 = 16.67, z = 9/√16.67 = 2.205, p = 0.0275
    result = mann_kendall([[1, 2, 3, 4, 5]])

    assert result.s[0] == 10
    assert result.var_s[0] == pytest.approx(50 / 3)
    assert result.z[0] == pytest.approx(2.2045, abs=1e-4)
    assert result.p[0] == pytest.approx(0.0275, abs=1e-4)
    assert result.tau[0] == 1.0


def test_mann_kendall_equals_pymannkendall_with_and_without_ties() -> None:
    rng = np.random.default_rng(4)
    series = np.vstack(
        [
            rng.normal(0, 1, 24) + np.linspace(0, 2, 24),
            rng.normal(0, 1, 24),
            np.round(rng.normal(0, 1, 24)),  # many ties
            np.r_[np.zeros(12), np.ones(12)],
        ]
    )

    ours = mann_kendall(series)

    for i, row in enumerate(series):
        ref = pymannkendall.original_test(row)
        assert ours.s[i] == pytest.approx(ref.s)
        assert ours.var_s[i] == pytest.approx(ref.var_s)
        assert ours.z[i] == pytest.approx(ref.z)
        assert ours.p[i] == pytest.approx(ref.p)


HOT, COLD, NONE = 3.0, -3.0, 0.0


def categories(rows: list[list[float]]) -> list[str]:
    z = np.array(rows)
    return classify(z, stats.norm.sf(np.abs(z))).category.tolist()


def test_each_hot_category_is_recognised_on_a_constructed_series() -> None:
    rows = [
        [NONE] * 11 + [HOT],  # new
        [NONE] * 8 + [HOT] * 4,  # consecutive
        [HOT + 0.2 * k for k in range(12)],  # intensifying
        [HOT + (0.3 if k % 2 else -0.3) for k in range(12)],  # persistent
        [HOT + 3 - 0.2 * k for k in range(12)],  # diminishing
        [HOT, NONE, NONE, HOT, NONE, HOT, NONE, NONE, NONE, NONE, NONE, HOT],  # sporadic
        [COLD, COLD, NONE, NONE, NONE, HOT, NONE, NONE, NONE, NONE, NONE, HOT],  # oscillating
        [HOT] * 11 + [NONE],  # historical
        [NONE] * 12,
    ]

    assert categories(rows) == [
        "new_hot",
        "consecutive_hot",
        "intensifying_hot",
        "persistent_hot",
        "diminishing_hot",
        "sporadic_hot",
        "oscillating_hot",
        "historical_hot",
        "ingen_trend",
    ]


def test_cold_categories_mirror_the_hot_ones() -> None:
    rows = [
        [NONE] * 11 + [COLD],
        [COLD - 0.2 * k for k in range(12)],  # ever colder: intensifying cold
        [COLD] * 11 + [NONE],
        [HOT, NONE, NONE, NONE, COLD, NONE, NONE, NONE, NONE, NONE, NONE, COLD],
    ]

    assert categories(rows) == [
        "new_cold",
        "intensifying_cold",
        "historical_cold",
        "oscillating_cold",
    ]
