"""Kernel density against the exact Gaussian sum."""

from __future__ import annotations

import numpy as np
import pytest

from geo.grids import Grid
from geo.kde import bandwidth_rule, exact_density, kde


def clustered_points(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Twenty clusters of 300 m spread in a 10 km square in SWEREF 99 TM, plus a uniform background."""
    rng = np.random.default_rng(seed)
    cx = 660_000 + rng.uniform(1000, 9000, 20)
    cy = 6_600_000 + rng.uniform(1000, 9000, 20)
    k = rng.integers(0, 20, n)
    x = cx[k] + rng.normal(0, 300, n)
    y = cy[k] + rng.normal(0, 300, n)
    background = rng.random(n) < 0.2
    x[background] = 660_000 + rng.uniform(0, 10_000, background.sum())
    y[background] = 6_600_000 + rng.uniform(0, 10_000, background.sum())
    return x, y


@pytest.mark.parametrize("smoother", ["fft", "filter"])
def test_linear_binned_kde_is_within_half_a_percent_of_the_peak_of_the_exact_sum_on_10000_points(
    smoother: str,
) -> None:
    x, y = clustered_points(10_000)
    grid = Grid(660_000.0, 6_600_000.0, 50.0, 200, 200)
    exact = exact_density(x, y, grid, 200.0)

    estimate = kde(x, y, grid, 200.0, binning="linear", smoother=smoother)  # type: ignore[arg-type]

    error = np.abs(estimate.values - exact).max() / exact.max()
    assert error <= 0.005
    assert error < 0.001  # in practice far better: the narrowed kernel cancels the binning blur


def test_nearest_cell_kde_is_within_half_a_percent_when_cells_are_an_eighth_of_the_bandwidth() -> (
    None
):
    x, y = clustered_points(10_000)
    grid = Grid(660_000.0, 6_600_000.0, 25.0, 400, 400)
    exact = exact_density(x, y, grid, 200.0)

    estimate = kde(x, y, grid, 200.0, binning="nearest")

    assert np.abs(estimate.values - exact).max() / exact.max() <= 0.005


def test_density_is_in_points_per_square_kilometre_and_keeps_every_point() -> None:
    x, y = clustered_points(5000)
    grid = Grid(658_000.0, 6_598_000.0, 50.0, 280, 280)  # 2 km margin: nothing falls off

    d = kde(x, y, grid, 150.0)

    km2_per_cell = (50.0 / 1000) ** 2
    assert d.values.sum() * km2_per_cell == pytest.approx(5000, rel=1e-6)


def test_points_just_outside_the_grid_still_count_near_its_edge() -> None:
    grid = Grid(0.0, 0.0, 10.0, 50, 50)

    inside = kde([1.0], [250.0], grid, 30.0)
    outside = kde([-20.0], [250.0], grid, 30.0)

    assert outside.values[25, 0] > 0.5 * inside.values[25, 0]
    assert np.allclose(
        outside.values, exact_density([-20.0], [250.0], grid, 30.0), atol=0.02 * outside.peak
    )


def test_weights_scale_the_density() -> None:
    x, y = clustered_points(1000)
    grid = Grid(660_000.0, 6_600_000.0, 50.0, 200, 200)

    plain = kde(x, y, grid, 200.0)
    halved = kde(x, y, grid, 200.0, weights=np.full(x.size, 0.5))

    assert np.allclose(halved.values, plain.values / 2)


def test_a_bandwidth_smaller_than_a_cell_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one cell"):
        kde([0.0], [0.0], Grid(0.0, 0.0, 50.0, 10, 10), 20.0)


def test_scott_and_silverman_rules_agree_on_normal_points_and_silverman_resists_outliers() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(0, 500, 5000), rng.normal(0, 500, 5000)

    scott = bandwidth_rule(x, y, "scott")
    silverman = bandwidth_rule(x, y, "silverman")
    x[:50] += 50_000  # one per cent far away
    scott_out = bandwidth_rule(x, y, "scott")
    silverman_out = bandwidth_rule(x, y, "silverman")

    assert scott == pytest.approx(500 * 5000 ** (-1 / 6), rel=0.05)
    assert silverman == pytest.approx(scott, rel=0.05)
    assert scott_out > 2 * scott
    assert silverman_out < 1.1 * silverman
