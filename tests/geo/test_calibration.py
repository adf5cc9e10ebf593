"""The RTM-style calibration on constructed data whose true coefficients are known."""

from __future__ import annotations

import numpy as np
import pytest

from geo import calibration
from geo.grids import Grid


def test_poisson_fit_recovers_known_relative_risks() -> None:
    # 30,000 cells, a binary factor (true RR e^0.8 = 2.23) and a standard-normal one (RR e^-0.3).
    rng = np.random.default_rng(7)
    near_bar = rng.integers(0, 2, 30_000).astype(float)
    lit = rng.normal(size=30_000)
    y = rng.poisson(np.exp(-1.0 + 0.8 * near_bar - 0.3 * lit)).astype(float)

    fit = calibration.fit_counts(np.column_stack([near_bar, lit]), y, ["near_bar", "lit"])

    assert fit.model == "poisson"
    assert fit.coef == pytest.approx([-1.0, 0.8, -0.3], abs=0.05)
    rr = {f["key"]: f for f in fit.relative_risks()}
    assert float(rr["near_bar"]["rr_low"]) < np.exp(0.8) < float(rr["near_bar"]["rr_high"])
    assert float(rr["near_bar"]["p"]) < 1e-10


def test_negative_binomial_is_chosen_for_overdispersed_counts_and_recovers_alpha() -> None:
    # NB2 with alpha = 1: a gamma(1/alpha, alpha) frailty per cell on top of the Poisson mean.
    rng = np.random.default_rng(11)
    x = rng.integers(0, 2, 20_000).astype(float)
    mu = np.exp(0.5 + 0.6 * x)
    y = rng.poisson(mu * rng.gamma(1.0, 1.0, size=mu.size)).astype(float)

    fit = calibration.fit_counts(x[:, None], y, ["x"])

    assert fit.model == "negbin"
    assert fit.dispersion > 1.5
    assert fit.alpha == pytest.approx(1.0, abs=0.1)
    assert fit.coef[1] == pytest.approx(0.6, abs=0.06)


def test_calibrate_finds_the_planted_risk_and_predicts_the_held_out_year() -> None:
    # A 60 × 60 grid of 100 m cells. Incidents cluster near "bars" (within 150 m) and on dark paths;
    # a decoy layer has no effect. Two independent periods from the same process: train and test.
    grid = Grid(0.0, 0.0, 100.0, 60, 60)
    rng = np.random.default_rng(3)
    bx, by = rng.uniform(0, 6000, 25), rng.uniform(0, 6000, 25)
    near_bar = calibration.proximity_layer(grid, bx, by, 150.0)
    dark = rng.gamma(2.0, 50.0, size=grid.shape)
    decoy = rng.normal(size=grid.shape)
    mu = np.exp(-2.0 + 1.2 * near_bar + 0.5 * (dark - dark.mean()) / dark.std())
    train, test = rng.poisson(mu).astype(float), rng.poisson(mu).astype(float)

    result = calibration.calibrate(
        {"near_bar": near_bar, "dark": dark, "decoy": decoy}, train, test, top_share=0.05
    )

    by_key = {f["key"]: f for f in result.factors}
    assert float(by_key["near_bar"]["coef"]) == pytest.approx(1.2, abs=0.15)
    assert float(by_key["dark"]["coef"]) == pytest.approx(0.5, abs=0.1)
    assert float(by_key["decoy"]["p"]) > 0.01
    # The top 5 % of cells by modelled risk hold several times their share of the held-out year.
    assert result.accuracy.pai > 3.0
    assert result.accuracy.pai > result.baseline.pai  # beats "where it happened last time"


def test_pai_is_hit_rate_over_area_share() -> None:
    # 100 cells, the top 10 by prediction hold 30 of 60 test incidents: (30/60) / (10/100) = 5.
    predicted = np.arange(100, 0, -1).astype(float)
    observed = np.zeros(100)
    observed[:10] = 3
    observed[50:80] = 1

    acc = calibration.predictive_accuracy_index(predicted, observed, top_share=0.10)

    assert (acc.cells, acc.hit_rate, acc.area_share, acc.pai) == (10, 0.5, 0.1, pytest.approx(5.0))


def test_calibrated_weights_favour_criteria_whose_factors_go_with_crime() -> None:
    defaults = {"lighting": 0.25, "transport": 0.25, "maintenance": 0.5}
    factors = [
        {"key": "dark", "rr": 1.5, "p": 0.001},
        {"key": "bus", "rr": 3.0, "p": 0.4},  # not significant: no change
    ]

    w = calibration.calibrated_weights(defaults, {"dark": "lighting", "bus": "transport"}, factors)

    boosted = 0.25 * (1 + np.log(1.5))
    assert w["lighting"] == pytest.approx(boosted / (boosted + 0.75))
    assert sum(w.values()) == pytest.approx(1.0)
    assert w["transport"] < w["lighting"]


def test_a_factor_that_goes_with_fewer_incidents_moves_no_weight() -> None:
    # On the demo data unlit path length came out at RR 0.78 (p 0.03): the dark paths run through the
    # quiet park, away from the centre's hot spot. That is no reason to weigh lighting more.
    defaults = {"lighting": 0.5, "transport": 0.5}

    w = calibration.calibrated_weights(
        defaults, {"dark": "lighting"}, [{"key": "dark", "rr": 0.78, "p": 0.03}]
    )

    assert w == pytest.approx(defaults)


def test_ties_are_broken_at_random_in_expectation_not_by_another_forecast_or_cell_order() -> None:
    # Last period's counts: four cells with 1, the rest 0; the top 2 cells are two of the four tied.
    # The held-out incidents sit in the last tied cell. In expectation 2 of the 4 tied cells are
    # chosen, so half of that cell's incidents are hits: hit rate 0.5, whatever order or tiebreaker.
    last = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 0], dtype=float)
    held_out = np.zeros(10)
    held_out[7] = 4

    plain = calibration.predictive_accuracy_index(last, held_out, top_share=0.2)
    reordered = calibration.predictive_accuracy_index(last[::-1], held_out[::-1], top_share=0.2)
    # The old "baseline" broke ties with the model's own prediction: that made cell 7 a sure hit.
    model = np.linspace(0, 1, 10)
    nudged = calibration.predictive_accuracy_index(last + 1e-9 * model, held_out, top_share=0.2)

    assert plain.hit_rate == reordered.hit_rate == 0.5
    assert plain.pai == pytest.approx(2.5)
    assert nudged.hit_rate == 1.0  # what the page showed as "naive"


def test_the_model_and_each_naive_forecast_are_scored_at_one_five_and_ten_percent() -> None:
    rng = np.random.default_rng(9)
    held_out = rng.poisson(0.3, 1000).astype(float)

    rows = calibration.compare_forecasts({"model": rng.random(1000), "counts": held_out}, held_out)

    assert [r.key for r in rows] == ["model", "counts"]
    assert [a.top_share for a in rows[0].accuracy] == [0.01, 0.05, 0.10]
    assert [a.cells for a in rows[1].accuracy] == [10, 50, 100]
    assert rows[1].at(0.05).pai > rows[0].at(0.05).pai


def test_when_last_periods_counts_beat_the_model_calibrate_names_the_winner() -> None:
    # Crime stays where it was (a few fixed hot cells) and has nothing to do with the factor: the
    # fitted model ranks cells by a useless layer; last period's counts know the hot cells.
    grid = Grid(0.0, 0.0, 100.0, 40, 40)
    rng = np.random.default_rng(12)
    useless = rng.normal(size=grid.shape)
    mu = np.full(grid.shape, 0.05)
    hot = rng.choice(grid.nx * grid.ny, 40, replace=False)
    mu.ravel()[hot] = 3.0
    train, last, test = (rng.poisson(mu).astype(float) for _ in range(3))

    result = calibration.calibrate({"useless": useless}, train, test, baselines={"counts": last})

    assert result.winner is not None and result.winner.key == "counts"
    model = next(f for f in result.forecasts if f.key == "model")
    assert result.winner.at(0.05).pai > model.at(0.05).pai


def test_when_the_model_beats_every_naive_forecast_there_is_no_winner() -> None:
    grid = Grid(0.0, 0.0, 100.0, 50, 50)
    rng = np.random.default_rng(4)
    bars = calibration.proximity_layer(grid, *rng.uniform(0, 5000, (2, 30)), 150.0)
    mu = np.exp(-3.0 + 2.5 * bars)
    train, last, test = (rng.poisson(mu).astype(float) for _ in range(3))

    result = calibration.calibrate({"bars": bars}, train, test, baselines={"counts": last})

    assert result.winner is None
