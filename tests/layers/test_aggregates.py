from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.test import override_settings

from geo.crs import STORAGE_SRID
from layers.aggregates import cells_as_geojson, sensitive_cells
from layers.models import Incident
from tests.factories import IncidentFactory, sensitive_category

pytestmark = pytest.mark.django_db


@override_settings(SENSITIVE_CELL_M=500, SENSITIVE_MIN_COUNT=5)
def test_sensitive_incidents_are_counted_on_a_fixed_grid_and_small_cells_left_out() -> None:
    category = sensitive_category()
    for i in range(6):  # six in cell (1329, 13202)
        IncidentFactory(
            category=category, location=Point(664_510 + i, 6_601_010, srid=STORAGE_SRID)
        )
    for i in range(4):  # four in the next cell: under k
        IncidentFactory(
            category=category, location=Point(665_010 + i, 6_601_010, srid=STORAGE_SRID)
        )
    for i in range(7):  # not sensitive: never counted here
        IncidentFactory(location=Point(664_510 + i, 6_601_010, srid=STORAGE_SRID))

    cells = sensitive_cells(Incident.objects.all())

    assert [(c.col, c.row, c.count) for c in cells] == [(1329, 13202, 6)]
    assert cells[0].bounds == (664_500.0, 6_601_000.0, 665_000.0, 6_601_500.0)


@override_settings(SENSITIVE_CELL_M=500, SENSITIVE_MIN_COUNT=1)
def test_cells_become_wgs84_squares() -> None:
    IncidentFactory(
        category=sensitive_category(), location=Point(664_510, 6_601_010, srid=STORAGE_SRID)
    )

    fc = cells_as_geojson(sensitive_cells(Incident.objects.all()))

    ring = fc["features"][0]["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    assert all(17.8 < lon < 18.0 and 59.4 < lat < 59.6 for lon, lat in ring)
    assert fc["features"][0]["properties"]["count"] == 1
