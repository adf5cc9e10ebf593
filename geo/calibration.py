"""Calibrate risk factors to a municipality's own incidents, in the manner of risk terrain modelling.

Each risk factor is a layer on a fixed grid (near a bus stop, bars within 200 m, unlit path length …);
incident counts per cell are fitted by Poisson or negative binomial (NB2) regression with IRLS; the
exponentiated coefficients are relative risks. How well the fit predicts a held-out year is measured by
the Predictive Accuracy Index (PAI, Chainey, Tompson & Uhlig 2008): the share of the held-out incidents
in the top-ranked cells divided by the share of the area those cells cover. Method and sources:
docs/method.md, "Kalibrerade vikter".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from geo.grids import Grid

Array = NDArray[np.float64]
RIDGE = 1.0  # on standardised factors; negligible against thousands of cells


@dataclass
class Fit:
    """A fitted count model: coefficients (intercept first), standard errors, the model used."""

    names: list[str]
    coef: Array
    se: Array
    model: str  # "poisson" or "negbin"
    alpha: float  # NB2 overdispersion (0 for Poisson)
    dispersion: float  # Pearson chi² / df of the Poisson fit
    iterations: int
    converged: bool

    def predict(self, X: Array, offset: Array | None = None) -> Array:
        """Expected counts for the design matrix ``X`` (without the intercept column)."""
        eta = self.coef[0] + X @ self.coef[1:]
        return np.asarray(np.exp(eta + (0.0 if offset is None else offset)), dtype=np.float64)

    def relative_risks(self) -> list[dict[str, float | str]]:
        """Per factor: coefficient, standard error, relative risk exp(b), its 95 % interval, p-value."""
        out: list[dict[str, float | str]] = []
        for i, name in enumerate(self.names):
            b, s = float(self.coef[i + 1]), float(self.se[i + 1])
            z = b / s if s > 0 else 0.0
            out.append(
                {
                    "key": name,
                    "coef": round(b, 4),
                    "se": round(s, 4),
                    "rr": _exp(b),
                    "rr_low": _exp(b - 1.96 * s),
                    "rr_high": _exp(b + 1.96 * s),
                    "p": float(2 * stats.norm.sf(abs(z))),
                }
            )
        return out


def _exp(x: float) -> float:
    """exp(x) rounded, kept finite so it can be stored as JSON."""
    return round(float(np.exp(np.clip(x, -50.0, 50.0))), 3)


def _irls(
    X: Array, y: Array, offset: Array, alpha: float, beta0: Array | None, max_iter: int, tol: float
) -> tuple[Array, Array, int, bool]:
    """Iteratively reweighted least squares for the log link; NB2 weights when alpha > 0."""
    k = X.shape[1]
    # A weak ridge penalty on the factors (not the intercept) keeps a factor that occurs only where
    # nothing happened (complete separation) finite instead of running off to minus infinity.
    penalty = RIDGE * np.eye(k)
    penalty[0, 0] = 1e-10
    beta = np.zeros(k) if beta0 is None else beta0.copy()
    if beta0 is None:
        beta[0] = np.log(max(y.mean(), 1e-8))
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
        eta = np.clip(X @ beta + offset, -30, 30)
        mu = np.exp(eta)
        w = mu / (1.0 + alpha * mu)
        z = eta - offset + (y - mu) / mu
        XtW = X.T * w
        new = np.asarray(np.linalg.solve(XtW @ X + penalty, XtW @ z), dtype=np.float64)
        if np.max(np.abs(new - beta)) < tol:
            beta = new
            converged = True
            break
        beta = new
    mu = np.exp(np.clip(X @ beta + offset, -30, 30))
    w = mu / (1.0 + alpha * mu)
    cov = np.asarray(np.linalg.inv((X.T * w) @ X + penalty), dtype=np.float64)
    return np.asarray(beta, dtype=np.float64), cov, it, converged


def _nb_loglik(alpha: float, y: Array, mu: Array) -> float:
    r = 1.0 / alpha
    from scipy.special import gammaln

    return float(
        np.sum(
            gammaln(y + r)
            - gammaln(r)
            - gammaln(y + 1)
            + r * np.log(r / (r + mu))
            + y * np.log(mu / (r + mu))
        )
    )


def fit_counts(
    X: Array,
    y: Array,
    names: Sequence[str],
    *,
    offset: Array | None = None,
    model: str = "auto",
    max_iter: int = 100,
    tol: float = 1e-9,
) -> Fit:
    """Fit counts ``y`` (n,) on factors ``X`` (n, k) with an intercept: Poisson, or NB2 when overdispersed.

    ``model="auto"`` uses NB2 when the Poisson fit's Pearson dispersion exceeds 1.5.

    >>> rng = np.random.default_rng(1)
    >>> X = rng.integers(0, 2, size=(20000, 1)).astype(float)  # one binary factor, true RR = e^0.7
    >>> y = rng.poisson(np.exp(-0.5 + 0.7 * X[:, 0])).astype(float)
    >>> fit = fit_counts(X, y, ["near_bar"])
    >>> fit.model, abs(float(fit.coef[1]) - 0.7) < 0.05, fit.converged
    ('poisson', True, True)
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    design = np.column_stack([np.ones(n), X]) if X.size else np.ones((n, 1))
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=np.float64)
    beta, cov, it, conv = _irls(design, y, off, 0.0, None, max_iter, tol)
    mu = np.exp(np.clip(design @ beta + off, -30, 30))
    df = max(1, n - design.shape[1])
    dispersion = float(np.sum((y - mu) ** 2 / mu) / df)
    use_nb = model == "negbin" or (model == "auto" and dispersion > 1.5)
    alpha = 0.0
    if use_nb:
        for _ in range(20):
            mu_now = mu
            res = optimize.minimize_scalar(
                lambda la, m=mu_now: -_nb_loglik(float(np.exp(la)), y, m),
                bounds=(-8, 4),
                method="bounded",
            )
            new_alpha = float(np.exp(res.x))
            beta, cov, it2, conv = _irls(design, y, off, new_alpha, beta, max_iter, tol)
            it += it2
            mu = np.exp(np.clip(design @ beta + off, -30, 30))
            if abs(new_alpha - alpha) < 1e-6 * max(1.0, alpha):
                alpha = new_alpha
                break
            alpha = new_alpha
    return Fit(
        list(names),
        beta,
        np.sqrt(np.clip(np.diag(cov), 0, None)),
        "negbin" if use_nb else "poisson",
        alpha,
        dispersion,
        it,
        conv,
    )


@dataclass
class Accuracy:
    top_share: float
    cells: int
    hit_rate: float  # share of held-out incidents in the top cells
    area_share: float
    pai: float


def predictive_accuracy_index(
    predicted: Array, observed: Array, *, top_share: float = 0.05
) -> Accuracy:
    """PAI = (hit rate %) / (area %) for the ``top_share`` of cells ranked by ``predicted``.

    Cells are equal in area, so the area share is the share of cells. Ties are broken at random, and
    the hit rate is its exact expectation: the cells ranked strictly above the cut count whole, and of
    the g cells tied at the cut, r are needed, so each of them counts r/g. Breaking ties by cell order
    (or by another forecast) would make a forecast with many equal values (last year's counts: most
    cells 0 or 1) look better or worse than it is.

    >>> pred = np.array([5.0, 4.0, 1.0, 0.5, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1])
    >>> obs = np.array([3.0, 1.0, 0, 0, 0, 1.0, 0, 0, 0, 0])
    >>> a = predictive_accuracy_index(pred, obs, top_share=0.2)  # top 2 of 10 cells hold 4 of 5
    >>> round(a.hit_rate, 2), a.area_share, round(a.pai, 2)
    (0.8, 0.2, 4.0)
    >>> tied = predictive_accuracy_index(np.ones(10), obs, top_share=0.2)  # no information at all
    >>> round(tied.hit_rate, 2), round(tied.pai, 2)
    (0.2, 1.0)
    """
    p = np.asarray(predicted, dtype=np.float64).ravel()
    o = np.asarray(observed, dtype=np.float64).ravel()
    n = p.size
    k = max(1, round(top_share * n))
    total = o.sum()
    area = k / n
    if total <= 0:
        return Accuracy(top_share, k, 0.0, area, 0.0)
    cut = np.sort(p)[::-1][k - 1]
    above = p > cut
    tied = p == cut
    needed = k - int(above.sum())
    hits = o[above].sum() + o[tied].sum() * needed / int(tied.sum())
    hit = float(hits / total)
    return Accuracy(top_share, k, hit, area, hit / area)


SHARES = (0.01, 0.05, 0.10)  # the shares of the area at which forecasts are compared
HEADLINE_SHARE = 0.05  # a baseline "wins" when its PAI here is higher than the model's


@dataclass
class Forecast:
    """One forecast of the held-out period, scored at each of ``SHARES``."""

    key: str  # "model", "counts" (last period's counts), "kde_200" (last period's KDE, 200 m) …
    accuracy: list[Accuracy]

    def at(self, share: float) -> Accuracy:
        return next(a for a in self.accuracy if a.top_share == share)


def compare_forecasts(
    forecasts: Mapping[str, Array], observed: Array, *, shares: Sequence[float] = SHARES
) -> list[Forecast]:
    """Score each forecast (cells ranked by it) on the held-out counts at each share of the area.

    >>> obs = np.array([3.0, 1.0, 0, 0, 0, 1.0, 0, 0, 0, 0])
    >>> rows = compare_forecasts({"a": obs, "b": -obs}, obs, shares=(0.1, 0.2))
    >>> [(r.key, [round(a.pai, 1) for a in r.accuracy]) for r in rows]
    [('a', [6.0, 4.0]), ('b', [0.0, 0.0])]
    """
    return [
        Forecast(key, [predictive_accuracy_index(f, observed, top_share=s) for s in shares])
        for key, f in forecasts.items()
    ]


def best_baseline(rows: Sequence[Forecast], *, share: float = HEADLINE_SHARE) -> Forecast | None:
    """The naive forecast with the highest PAI at ``share``, if one beats the model there.

    >>> m = Forecast("model", [Accuracy(0.05, 1, 0.3, 0.05, 6.0)])
    >>> c = Forecast("counts", [Accuracy(0.05, 1, 0.35, 0.05, 7.0)])
    >>> best_baseline([m, c]).key, best_baseline([m]) is None
    ('counts', True)
    """
    model = next(r for r in rows if r.key == "model")
    others = [r for r in rows if r.key != "model"]
    if not others:
        return None
    best = max(others, key=lambda r: r.at(share).pai)
    return best if best.at(share).pai > model.at(share).pai else None


# --- risk factor layers on a grid -----------------------------------------------------------------


def proximity_layer(grid: Grid, xs: ArrayLike, ys: ArrayLike, distance_m: float) -> Array:
    """1 where the cell centre lies within ``distance_m`` of any point, else 0 (RTM's proximity).

    >>> g = Grid(0.0, 0.0, 100.0, 3, 1)
    >>> proximity_layer(g, [20.0], [50.0], 140.0).tolist()  # centres 30, 130, 230 m away
    [[1.0, 1.0, 0.0]]
    """
    cx, cy = grid.cell_centres()
    if np.size(xs) == 0:
        return np.zeros(grid.shape)
    tree = cKDTree(np.column_stack([xs, ys]))
    d, _ = tree.query(np.column_stack([cx.ravel(), cy.ravel()]), k=1)
    return np.asarray(d <= distance_m, dtype=np.float64).reshape(grid.shape)


def density_layer(grid: Grid, xs: ArrayLike, ys: ArrayLike, radius_m: float) -> Array:
    """How many points lie within ``radius_m`` of each cell centre (RTM's density).

    >>> g = Grid(0.0, 0.0, 100.0, 2, 1)
    >>> density_layer(g, [40.0, 60.0, 160.0], [50.0, 50.0, 50.0], 30.0).tolist()
    [[2.0, 1.0]]
    """
    cx, cy = grid.cell_centres()
    if np.size(xs) == 0:
        return np.zeros(grid.shape)
    tree = cKDTree(np.column_stack([xs, ys]))
    counts = tree.query_ball_point(
        np.column_stack([cx.ravel(), cy.ravel()]), r=radius_m, return_length=True
    )
    return np.asarray(counts, dtype=np.float64).reshape(grid.shape)


def sample_lines(lines: Sequence[BaseGeometry], spacing_m: float = 5.0) -> tuple[Array, Array]:
    """Points every ``spacing_m`` along ``lines`` (each point stands for ``spacing_m`` of line).

    >>> from shapely.geometry import LineString
    >>> xs, ys = sample_lines([LineString([(0, 0), (20, 0)])], 5.0)
    >>> xs.tolist()
    [2.5, 7.5, 12.5, 17.5]
    """
    xs: list[Array] = []
    ys: list[Array] = []
    for line in lines:
        for part in shapely.get_parts(line):
            length = part.length
            if length <= 0:
                continue
            steps = np.arange(spacing_m / 2, length, spacing_m)
            pts = shapely.line_interpolate_point(part, steps)
            coords = shapely.get_coordinates(pts)
            xs.append(coords[:, 0])
            ys.append(coords[:, 1])
    if not xs:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(xs), np.concatenate(ys)


def standardise(layer: Array) -> Array:
    """(x − mean) / sd, or zeros when the layer is constant; binary layers are left as they are.

    >>> standardise(np.array([0.0, 1.0, 0.0])).tolist()
    [0.0, 1.0, 0.0]
    >>> [round(v, 3) for v in standardise(np.array([1.0, 2.0, 3.0])).tolist()]
    [-1.225, 0.0, 1.225]
    """
    values = np.unique(layer)
    if values.size <= 2 and set(values.tolist()) <= {0.0, 1.0}:
        return layer.astype(np.float64)
    sd = float(layer.std())
    if sd <= 0:
        return np.zeros_like(layer, dtype=np.float64)
    return np.asarray((layer - layer.mean()) / sd, dtype=np.float64)


@dataclass
class Calibration:
    fit: Fit
    factors: list[dict[str, float | str]]
    accuracy: Accuracy
    baseline: Accuracy  # last period's counts as the forecast, ties broken at random (expectation)
    cells: int
    train_incidents: int
    test_incidents: int
    forecasts: list[Forecast]  # the model and each naive forecast at 1, 5 and 10 % of the area
    winner: Forecast | None  # a naive forecast that beats the model at 5 %, if any


def calibrate(
    layers: Mapping[str, Array],
    train: Array,
    test: Array,
    *,
    mask: Array | None = None,
    top_share: float = 0.05,
    model: str = "auto",
    baselines: Mapping[str, Array] | None = None,
) -> Calibration:
    """Fit the factor ``layers`` to ``train`` counts per cell and score the fit on ``test`` counts.

    Continuous layers are standardised (relative risk per standard deviation); binary ones are not.
    ``mask`` (bool, grid shape) limits the cells used (e.g. to where the context is mapped).
    ``baselines`` are naive forecasts of the test period on the grid (e.g. ``"counts"``: last
    period's counts, ``"kde_200"``: their kernel density); without them, the training counts stand
    in for last period's counts. Each is scored beside the model, ties at random, at 1, 5 and 10 %.
    """
    keep = np.ones_like(train, dtype=bool) if mask is None else mask.astype(bool)
    names = [k for k in layers if np.ptp(layers[k][keep]) > 0]
    X = (
        np.column_stack([standardise(layers[k][keep]) for k in names])
        if names
        else np.zeros((int(keep.sum()), 0))
    )
    y = train[keep].astype(np.float64)
    fit = fit_counts(X, y, names, model=model)
    predicted = fit.predict(X)
    naive = dict(baselines) if baselines else {"counts": train}
    forecasts = compare_forecasts(
        {"model": predicted, **{k: np.asarray(v)[keep] for k, v in naive.items()}}, test[keep]
    )
    accuracy = predictive_accuracy_index(predicted, test[keep], top_share=top_share)
    baseline = predictive_accuracy_index(
        np.asarray(naive.get("counts", train))[keep], test[keep], top_share=top_share
    )
    return Calibration(
        fit,
        fit.relative_risks(),
        accuracy,
        baseline,
        int(keep.sum()),
        int(y.sum()),
        int(test[keep].sum()),
        forecasts,
        best_baseline(forecasts),
    )


def calibrated_weights(
    defaults: Mapping[str, float],
    factor_criteria: Mapping[str, str],
    factors: Sequence[Mapping[str, float | str]],
    *,
    alpha: float = 0.05,
) -> dict[str, float]:
    """Criterion weights moved by the evidence: a criterion whose risk factors go significantly with
    more incidents (RR > 1, p < ``alpha``) gets weight × (1 + ln RR) of its strongest factor; then all
    are scaled to sum to 1. A factor that goes with fewer incidents (RR < 1) is not a risk factor
    here and moves nothing, as risk terrain modelling keeps only the factors with positive
    coefficients (Caplan & Kennedy 2016).

    >>> w = calibrated_weights({"lighting": 0.5, "transport": 0.5}, {"dark": "lighting"},
    ...                        [{"key": "dark", "rr": 2.718281828, "p": 0.001}])
    >>> round(w["lighting"], 3), round(w["transport"], 3)  # 0.5 × 2 = 1.0 against 0.5
    (0.667, 0.333)
    """
    boost = {k: 0.0 for k in defaults}
    for f in factors:
        criterion = factor_criteria.get(str(f["key"]))
        if criterion in boost and float(f["p"]) < alpha and float(f["rr"]) > 1:
            boost[criterion] = max(boost[criterion], float(np.log(float(f["rr"]))))
    raw = {k: float(defaults[k]) * (1.0 + boost[k]) for k in defaults}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()} if total > 0 else dict(defaults)
