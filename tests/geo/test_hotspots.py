"""Gi* against PySAL esda, the grid fast path against the general one, FDR and classes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from esda.getisord import G_Local
from libpysal.weights import Queen, Rook, W, lat2W
from scipy import stats

from geo.hotspots import (
    GiStar,
    confidence_classes,
    contiguity_weights,
    fdr_bh,
    gi_star,
    gi_star_grid,
    grid_weights,
)


def esda_gi_star(values: np.ndarray, w: W) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = G_Local(values, w, transform="B", star=True, permutations=0)
    return np.asarray(g.Zs), np.asarray(g.p_norm)


def sparse_from_w(w: W) -> sp.csr_matrix:
    return sp.csr_matrix(w.sparse, dtype=float)


def assert_rel(a: np.ndarray, b: np.ndarray, rtol: float = 1e-9) -> None:
    assert np.all(np.abs(a - b) <= rtol * np.abs(b) + 1e-300), np.max(np.abs(a - b) / np.abs(b))


def test_gi_star_equals_esda_on_a_small_grid() -> None:
    rng = np.random.default_rng(0)
    values = rng.poisson(2.0, 12 * 15).astype(float)
    values[40:44] += 9
    w = lat2W(12, 15, rook=False)

    ours = gi_star(values, sparse_from_w(w))
    z, p = esda_gi_star(values, w)

    assert_rel(ours.z, z)
    assert_rel(ours.p, p)


def test_gi_star_equals_esda_on_irregular_nyko_like_polygons() -> None:
    rng = np.random.default_rng(7)
    seeds = shapely.points(rng.uniform(0, 8000, (60, 2)))
    frame = shapely.box(0, 0, 8000, 8000)
    cells = [
        c.intersection(frame)
        for c in shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds)))
    ]
    values = rng.poisson(5.0, len(cells)).astype(float)
    values[:5] += 20
    w_pysal = Queen.from_iterable(cells)

    ours = gi_star(values, contiguity_weights(cells))
    z, p = esda_gi_star(values, w_pysal)

    assert_rel(ours.z, z)
    assert_rel(ours.p, p)


def test_contiguity_weights_match_libpysal_queen_and_rook() -> None:
    rng = np.random.default_rng(11)
    frame = shapely.box(0, 0, 5000, 5000)
    cells = [
        c.intersection(frame)
        for c in shapely.get_parts(
            shapely.voronoi_polygons(
                shapely.multipoints(shapely.points(rng.uniform(0, 5000, (40, 2))))
            )
        )
    ]

    queen = contiguity_weights(cells)
    rook = contiguity_weights(cells, rook=True)

    assert (queen != sparse_from_w(Queen.from_iterable(cells))).nnz == 0
    assert (rook != sparse_from_w(Rook.from_iterable(cells))).nnz == 0


def test_the_grid_fast_path_gives_the_same_numbers_as_the_general_path() -> None:
    rng = np.random.default_rng(1)
    counts = rng.poisson(1.5, (40, 55)).astype(float)
    counts[10:13, 20:24] += 8

    fast = gi_star_grid(counts)
    general = gi_star(counts.ravel(), grid_weights(40, 55))
    z, _ = esda_gi_star(counts.ravel(), lat2W(40, 55, rook=False))

    assert_rel(fast.z.ravel(), general.z)
    assert_rel(fast.p.ravel(), general.p)
    assert_rel(fast.z.ravel(), z)


def test_the_grid_fast_path_with_a_mask_equals_the_general_path_on_the_masked_cells() -> None:
    rng = np.random.default_rng(2)
    counts = rng.poisson(1.0, (30, 30)).astype(float)
    yy, xx = np.mgrid[:30, :30]
    mask = (yy - 15) ** 2 + (xx - 15) ** 2 < 14**2  # a round municipality in a square grid
    counts[~mask] = 99  # outside: must be ignored

    fast = gi_star_grid(counts, mask)
    general = gi_star(counts[mask], grid_weights(30, 30, mask))

    assert_rel(fast.z[mask], general.z)
    assert np.all(fast.z[~mask] == 0)


def test_values_that_do_not_vary_give_no_evidence_rather_than_nan() -> None:
    result = gi_star_grid(np.full((5, 5), 3.0))

    assert np.all(result.z == 0)
    assert np.all(result.p == 0.5)


def test_weights_with_a_diagonal_are_refused() -> None:
    with pytest.raises(ValueError, match="diagonal"):
        gi_star([1, 2, 3], sp.identity(3, format="csr"))


def test_benjamini_hochberg_matches_the_textbook_example() -> None:
    # Benjamini & Hochberg (1995), section 4: 15 p-values, four rejected at q = 0.05.
    p = np.array(
        [
            0.0001,
            0.0004,
            0.0019,
            0.0095,
            0.0201,
            0.0278,
            0.0298,
            0.0344,
            0.0459,
            0.3240,
            0.4262,
            0.5719,
            0.6528,
            0.7590,
            1.000,
        ]
    )

    q = fdr_bh(p)

    assert (q <= 0.05).sum() == 4
    assert q[0] == pytest.approx(0.0015)
    assert np.all(np.diff(q) >= 0)


def test_confidence_classes_follow_esri_thresholds_and_fdr_only_removes_significance() -> None:
    z = np.array([2.6, 2.0, 1.7, 1.6, 0.0, -1.7, -2.0, -2.6])
    result = GiStar(z, stats.norm.sf(np.abs(z)))

    plain = confidence_classes(result)
    corrected = confidence_classes(result, fdr=True)

    assert plain.tolist() == [3, 2, 1, 0, 0, -1, -2, -3]
    assert np.all(np.abs(corrected) <= np.abs(plain))
