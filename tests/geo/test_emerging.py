"""Mann–Kendall against known values and pymannkendall; the space-time Gi* against esda; each of
Esri's 17 emerging categories on a hand-made series."""

from __future__ import annotations

import warnings

import numpy as np
import pymannkendall
import pytest
import scipy.sparse as sp
from esda.getisord import G_Local
from libpysal.weights import W
from scipy import stats

from geo.emerging import (
    CATEGORY_LABELS,
    CATEGORY_RULES,
    classify,
    emerging_hot_spots,
    gi_star_space_time,
    mann_kendall,
)
from geo.hotspots import gi_star, gi_star_grid, grid_weights


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


# One series of 12 time steps per category, written from Esri's definition (CATEGORY_RULES). A cold
# series is the hot one with the signs turned: "intensifying cold" is ever colder.
HOT_SERIES: dict[str, list[float]] = {
    # hot for the final time step, never hot before
    "new": [NONE] * 11 + [HOT],
    # a single run of >= 2 hot steps at the end, never hot before it, < 90 % hot
    "consecutive": [NONE] * 8 + [HOT] * 4,
    # hot in >= 90 % including the last, clustering growing significantly
    "intensifying": [HOT + 0.2 * k for k in range(12)],
    # hot in >= 90 %, no trend
    "persistent": [HOT + (0.3 if k % 2 else -0.3) for k in range(12)],
    # hot in >= 90 % including the last, clustering fading significantly
    "diminishing": [HOT + 3 - 0.2 * k for k in range(12)],
    # hot now, on and off before, < 90 % hot, never cold
    "sporadic": [HOT, NONE, NONE, HOT, NONE, HOT, NONE, NONE, NONE, NONE, NONE, HOT],
    # hot now, cold at some earlier step, < 90 % hot
    "oscillating": [COLD, COLD, NONE, NONE, NONE, HOT, NONE, NONE, NONE, NONE, NONE, HOT],
    # not hot now, but hot in >= 90 %
    "historical": [HOT] * 11 + [NONE],
}
CASES = [(f"{name}_hot", series) for name, series in HOT_SERIES.items()]
CASES += [(f"{name}_cold", [-v for v in series]) for name, series in HOT_SERIES.items()]
CASES += [("ingen_trend", [NONE] * 4 + [HOT] * 3 + [NONE] * 5)]  # hot once, in the middle


def test_every_esri_category_has_its_rule_a_label_and_a_case() -> None:
    assert set(CATEGORY_RULES) == set(HOT_SERIES)
    assert {key for key, _ in CASES} == set(CATEGORY_LABELS)
    assert len(CASES) == 17


@pytest.mark.parametrize(("expected", "series"), CASES, ids=[key for key, _ in CASES])
def test_a_series_written_from_esris_definition_gets_that_category(
    expected: str, series: list[float]
) -> None:
    assert categories([series]) == [expected]


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        # hot before the final run: not consecutive, but on and off
        ([HOT] + [NONE] * 8 + [HOT] * 3, "sporadic_hot"),
        # a run of one at the end after a long absence is "new", not "consecutive"
        ([NONE] * 11 + [HOT], "new_hot"),
        # ten of twelve hot (83 %) and rising: below 90 %, so not intensifying; a final run
        ([NONE, NONE] + [HOT + 0.3 * k for k in range(10)], "consecutive_hot"),
        # eleven of twelve (92 %), the miss in the middle, rising: intensifying
        ([HOT + 0.3 * k if k != 4 else NONE for k in range(12)], "intensifying_hot"),
        # >= 90 % hot and rising but not hot now: historical
        ([HOT + 0.3 * k for k in range(11)] + [COLD], "historical_hot"),
        # once cold, now a hot run: the swing wins over "consecutive"
        ([COLD] + [NONE] * 8 + [HOT] * 3, "oscillating_hot"),
    ],
)
def test_the_boundaries_between_esris_categories(series: list[float], expected: str) -> None:
    assert categories([series]) == [expected]


def space_time_weights(ny: int, nx: int, steps: int, time_steps: int) -> sp.csr_matrix:
    """Binary weights between the bins of a cube (t, r, c) in row-major order: queen neighbours and
    the bin's own cell, in the same and the ``time_steps`` previous steps; no diagonal."""
    space = (grid_weights(ny, nx) + sp.identity(ny * nx)).tocsr()
    time = sp.csr_matrix(
        np.tril(np.ones((steps, steps))) - np.tril(np.ones((steps, steps)), -time_steps - 1)
    )
    w = sp.csr_matrix(sp.kron(time, space))
    w.setdiag(0)
    w.eliminate_zeros()
    return w


@pytest.mark.parametrize("time_steps", [0, 1, 2])
def test_the_space_time_gi_star_equals_esda_with_space_time_weights(time_steps: int) -> None:
    rng = np.random.default_rng(3)
    cube = rng.poisson(1.2, (7, 6, 8)).astype(float)
    cube[4:, 2:4, 3:5] += 6

    ours = gi_star_space_time(cube, time_steps=time_steps)
    w = space_time_weights(6, 8, 7, time_steps)
    general = gi_star(cube.ravel(), w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pysal_w = W.from_sparse(w)
        esda = G_Local(cube.ravel(), pysal_w, transform="B", star=True, permutations=0)

    np.testing.assert_allclose(ours.z.ravel(), general.z, rtol=1e-12)
    np.testing.assert_allclose(ours.z.ravel(), esda.Zs, rtol=1e-9)
    np.testing.assert_allclose(ours.p.ravel(), esda.p_norm, rtol=1e-9)


def test_the_space_time_gi_star_leaves_out_the_cells_outside_the_study_area() -> None:
    rng = np.random.default_rng(5)
    cube = rng.poisson(1.0, (6, 9, 9)).astype(float)
    yy, xx = np.mgrid[:9, :9]
    mask = (yy - 4) ** 2 + (xx - 4) ** 2 < 16
    cube[:, ~mask] = 50.0  # outside: must not count

    ours = gi_star_space_time(cube, mask)
    inside = np.broadcast_to(mask, cube.shape).ravel()
    w = space_time_weights(9, 9, 6, 1)[inside][:, inside]
    general = gi_star(cube.ravel()[inside], w)

    np.testing.assert_allclose(ours.z.ravel()[inside], general.z, rtol=1e-12)
    assert not ours.z[:, ~mask].any()


def test_a_count_that_is_not_a_finite_number_is_refused_naming_the_bin() -> None:
    cube = np.ones((3, 4, 4))
    cube[2, 1, 3] = np.nan

    with pytest.raises(ValueError, match=r"\(time step, row, column\) \(2, 1, 3\)$"):
        gi_star_space_time(cube)


def city_wide_rise() -> np.ndarray:
    """Twelve months of a town where every cell rises by 10 % of its start a month; the centre has
    more throughout. The counts of each month are those of the first, scaled."""
    yy, xx = np.mgrid[:15, :15]
    base = 1.0 + ((yy + 2 * xx) % 3)  # 1–3 incidents a month per cell
    base[6:9, 6:9] += 9.0  # the centre
    return np.stack([base * (1 + 0.1 * t) for t in range(12)])


def test_a_city_wide_rise_shows_the_centre_as_intensifying() -> None:
    cube = city_wide_rise()

    result = emerging_hot_spots(cube)
    category = result.category.reshape(15, 15)

    assert category[7, 7] == "intensifying_hot"
    assert result.trend.z.reshape(15, 15)[7, 7] > 0


def test_month_by_month_gi_star_cannot_see_a_city_wide_rise() -> None:
    # What Trygg did before: Gi* of each month in space only. Scaling a month's counts changes no
    # z-score, so the centre's series is flat and the rise is invisible.
    cube = city_wide_rise()
    z = np.stack([gi_star_grid(month).z for month in cube])

    assert np.allclose(z[:, 7, 7], z[0, 7, 7])
    p = stats.norm.sf(np.abs(z))
    flat = classify(z.reshape(12, -1).T, p.reshape(12, -1).T, fdr=True).category.reshape(15, 15)
    assert flat[7, 7] == "persistent_hot"
