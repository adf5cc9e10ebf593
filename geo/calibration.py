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

    Cells are equal in area, so the area share is the share of cells; ties are broken by cell order.

    >>> pred = np.array([5.0, 4.0, 1.0, 0.5, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1])
    >>> obs = np.array([3.0, 1.0, 0, 0, 0, 1.0, 0, 0, 0, 0])
    >>> a = predictive_accuracy_index(pred, obs, top_share=0.2)  # top 2 of 10 cells hold 4 of 5
    >>> round(a.hit_rate, 2), a.area_share, round(a.pai, 2)
    (0.8, 0.2, 4.0)
    """
    p = np.asarray(predicted, dtype=np.float64).ravel()
    o = np.asarray(observed, dtype=np.float64).ravel()
    n = p.size
    k = max(1, round(top_share * n))
    order = np.argsort(-p, kind="stable")[:k]
    total = o.sum()
    hit = float(o[order].sum() / total) if total > 0 else 0.0
    area = k / n
    return Accuracy(top_share, k, hit, area, hit / area if area > 0 else 0.0)


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
    baseline: Accuracy  # last period's counts as the forecast, for comparison
    cells: int
    train_incidents: int
    test_incidents: int


def calibrate(
    layers: Mapping[str, Array],
    train: Array,
    test: Array,
    *,
    mask: Array | None = None,
    top_share: float = 0.05,
    model: str = "auto",
) -> Calibration:
    """Fit the factor ``layers`` to ``train`` counts per cell and score the fit on ``test`` counts.

    Continuous layers are standardised (relative risk per standard deviation); binary ones are not.
    ``mask`` (bool, grid shape) limits the cells used (e.g. to where the context is mapped).
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
    accuracy = predictive_accuracy_index(predicted, test[keep], top_share=top_share)
    baseline = predictive_accuracy_index(y + 1e-9 * predicted, test[keep], top_share=top_share)
    return Calibration(
        fit,
        fit.relative_risks(),
        accuracy,
        baseline,
        int(keep.sum()),
        int(y.sum()),
        int(test[keep].sum()),
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
