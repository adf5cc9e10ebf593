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
from tests.paths import TEST_DATA


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


SF_GPKG = TEST_DATA / "crime_sanfrancisco_2012_geoda" / "sf_crime_points_jul_dec_2012.gpkg"


def _sf_block_groups() -> list[shapely.Geometry]:
    import pyogrio

    return list(pyogrio.read_dataframe(SF_GPKG, layer="block_groups_counts").geometry)


def test_queen_contiguity_equals_libpysals_pair_for_pair_on_the_san_francisco_block_groups() -> (
    None
):
    polygons = _sf_block_groups()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns of the two islands
        queen = Queen.from_iterable(polygons)
        rook = Rook.from_iterable(polygons)

    ours = contiguity_weights(polygons)
    ours_rook = contiguity_weights(polygons, rook=True)

    assert len(polygons) == 579
    assert ours.nnz == sparse_from_w(queen).nnz == 3682  # 1,841 pairs
    assert (ours != sparse_from_w(queen)).nnz == 0
    assert (ours_rook != sparse_from_w(rook)).nnz == 0
    islands = np.flatnonzero(np.asarray(ours.sum(axis=1)).ravel() == 0).tolist()
    assert islands == sorted(queen.islands) == [242, 303]


def test_areas_that_touch_without_a_common_vertex_are_not_queen_neighbours() -> None:
    shore = shapely.box(0, 0, 10, 5)
    island = shapely.Polygon([(4, 5), (6, 5), (5, 7)])  # its base lies along the shore's edge
    overlapping = shapely.box(9, 1, 12, 3)  # crosses the shore's edge, shares no vertex

    w = contiguity_weights([shore, island, overlapping])

    assert w.nnz == 0


def test_contiguity_counts_the_vertices_of_holes_and_of_every_part() -> None:
    ring = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(3, 3), (7, 3), (7, 7), (3, 7)]])
    hole_filler = shapely.box(3, 3, 7, 7)
    far_part = shapely.MultiPolygon([shapely.box(20, 0, 21, 1), shapely.box(10, 10, 11, 11)])

    w = contiguity_weights([ring, hole_filler, far_part]).toarray().astype(int)
    w_pysal = sparse_from_w(Queen.from_iterable([ring, hole_filler, far_part])).toarray()

    assert w.tolist() == [[0, 1, 1], [1, 0, 0], [1, 0, 0]]
    assert (w == w_pysal).all()


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


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_value_that_is_not_a_finite_number_is_refused_naming_the_place(bad: float) -> None:
    w = grid_weights(1, 5)
    values = [0.0, 1.0, 9.0, bad, 0.0]

    with pytest.raises(ValueError, match=r"finite number; not so at place 3$"):
        gi_star(values, w)


def test_a_count_that_is_not_a_finite_number_is_refused_naming_the_cells() -> None:
    counts = np.ones((4, 5))
    counts[1, 2] = np.nan
    counts[3, 0] = np.inf

    with pytest.raises(ValueError, match=r"\(row, column\) \(1, 2\), \(3, 0\)"):
        gi_star_grid(counts)


def test_negative_weights_are_refused_naming_the_pairs() -> None:
    w = grid_weights(1, 4).tolil()
    w[1, 2] = -1.0

    with pytest.raises(ValueError, match=r"binary.*\(1, 2\): -1$"):
        gi_star([0, 1, 5, 1], w.tocsr())


def test_weights_other_than_zero_and_one_are_refused_naming_the_pairs() -> None:
    w = grid_weights(1, 4).tolil()
    w[0, 1] = 0.5
    w[3, 2] = 2.0

    with pytest.raises(ValueError, match=r"\(0, 1\): 0.5, \(3, 2\): 2$"):
        gi_star([0, 1, 5, 1], w.tocsr())


def test_fdr_counts_only_the_cells_of_the_study_area_as_tests() -> None:
    # Two cells in the study area with two-sided p = 0.0214 each, and three cells of the bounding
    # box outside it (p = 1). Over the two, BH's q is 0.0214: hot at 95 %. Counting the three
    # outside too, q = 0.0214 × 5/2 = 0.054: only 90 %.
    z = np.array([2.3, 2.3, 0.0, 0.0, 0.0])
    result = GiStar(z, stats.norm.sf(np.abs(z)))
    inside = np.array([True, True, False, False, False])

    assert confidence_classes(result, fdr=True, mask=inside).tolist() == [2, 2, 0, 0, 0]
    assert confidence_classes(result, fdr=True).tolist() == [1, 1, 0, 0, 0]


def test_cells_outside_the_study_area_are_never_classed() -> None:
    z = np.array([[3.0, 3.0], [3.0, -3.0]])
    result = GiStar(z, stats.norm.sf(np.abs(z)))
    inside = np.array([[True, False], [True, False]])

    assert confidence_classes(result, mask=inside).tolist() == [[3, 0], [3, 0]]
    with pytest.raises(ValueError, match="shape"):
        confidence_classes(result, mask=[True, False])
