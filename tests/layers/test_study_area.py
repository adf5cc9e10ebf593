"""The study area of Gi*: only cells of the municipality (or the chosen district) are tests for the FDR."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from django.db import connection

from geo.hotspots import CONFIDENCE_LEVELS, fdr_bh
from layers.analysis import HotSpotResult, hotspots_for
from layers.models import District, Municipality
from layers.roles import Role
from mapapp import demo
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def cells_touching(result: HotSpotResult, area_sql: str, params: list[object]) -> int:
    """Cells of the Gi* grid that touch an area, counted by PostGIS itself."""
    g = result.gi_grid
    sql = (
        "SELECT count(*) FROM generate_series(0, %s) AS c, generate_series(0, %s) AS r "  # noqa: S608
        "WHERE ST_Intersects((" + area_sql + "), ST_MakeEnvelope("
        "%s + c * %s, %s + r * %s, %s + (c + 1) * %s, %s + (r + 1) * %s, 3006))"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [g.nx - 1, g.ny - 1, *params, *[g.x0, g.cell_m, g.y0, g.cell_m] * 2])
        (n,) = cur.fetchone()
    return int(n)


def fdr_classes_over(result: HotSpotResult, tests: np.ndarray) -> np.ndarray:
    """Esri's classes with Benjamini–Hochberg over exactly the cells ``tests`` (an independent check)."""
    q = np.ones(result.gi.z.shape)
    q[tests] = fdr_bh(result.gi.p_two_sided[tests])
    level = np.zeros(q.shape, dtype=int)
    for value, alpha in reversed(CONFIDENCE_LEVELS):
        level[q < alpha] = value
    return np.sign(result.gi.z).astype(int) * level


def test_on_the_demo_the_fdr_tests_are_exactly_the_cells_inside_the_municipality() -> None:
    demo.load_demo(today=datetime.date(2026, 11, 26))
    municipality = Municipality.objects.get()
    user = user_with_role(Role.ANALYST)
    query = {"from": "2025-11-27", "to": "2026-11-26"}

    result = hotspots_for(user, municipality, query, use_cache=False)

    inside = cells_touching(
        result, "SELECT boundary FROM layers_municipality WHERE id = %s", [municipality.pk]
    )
    assert result.tests == inside == int(result.gi_mask.sum())
    assert inside < result.gi_grid.nx * result.gi_grid.ny  # the bounding box has cells outside
    assert (result.classes != 0).any()
    assert np.array_equal(result.classes, fdr_classes_over(result, result.gi_mask))
    assert not result.classes[~result.gi_mask].any()


def test_with_a_district_chosen_its_cells_are_the_study_area() -> None:
    demo.load_demo(today=datetime.date(2026, 11, 26))
    municipality = Municipality.objects.get()
    district = District.objects.get(code="centrala")
    user = user_with_role(Role.ANALYST)
    query = {"from": "2025-11-27", "to": "2026-11-26", "district": "centrala"}

    result = hotspots_for(user, municipality, query, use_cache=False)

    inside = cells_touching(
        result,
        "SELECT ST_Intersection(d.area, m.boundary) FROM layers_district d "
        "JOIN layers_municipality m ON m.id = d.municipality_id WHERE d.id = %s",
        [district.pk],
    )
    whole = hotspots_for(user, municipality, {**query, "district": ""}, use_cache=False)
    assert result.tests == inside < whole.tests
    assert np.array_equal(result.classes, fdr_classes_over(result, result.gi_mask))
    assert not result.classes[~result.gi_mask].any()
    assert not result.gi.z[~result.gi_mask].any()  # not observations either
