"""Emerging hot spots of stored incidents: Esri's space-time Gi* over the study area's cube."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.contrib.gis.geos import Point

from geo.crs import STORAGE_SRID
from layers.analysis import AnalysisParams, emerging_cells, read_filtered
from layers.filters import parse_filter
from layers.roles import Role
from tests.factories import VASBY_CENTRUM, IncidentFactory, MunicipalityFactory, user_with_role

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_a_city_wide_rise_shows_the_centre_as_an_intensifying_hot_spot() -> None:
    municipality = MunicipalityFactory()
    cx, cy = VASBY_CENTRUM
    rng = np.random.default_rng(8)
    for month in range(12):
        when = datetime.datetime(2025, month + 1, 15, 12, tzinfo=STOCKHOLM)
        rise = 1 + 0.15 * month  # everywhere, month by month
        for dx, dy in rng.normal(0, 60, (round(10 * rise), 2)):
            IncidentFactory(
                municipality=municipality,
                location=Point(cx + dx, cy + dy, srid=STORAGE_SRID),
                occurred_from=when,
            )
        for dx, dy in rng.uniform(-4500, 4500, (round(25 * rise), 2)):
            IncidentFactory(
                municipality=municipality,
                location=Point(cx + dx, cy + dy, srid=STORAGE_SRID),
                occurred_from=when,
            )
    user = user_with_role(Role.ANALYST)
    f = parse_filter({"from": "2025-01-01", "to": "2025-12-31"})

    body = emerging_cells(
        read_filtered(user, f, municipality), municipality, f, AnalysisParams(gi_cell_m=500.0)
    )

    centre = [
        feature
        for feature in body["features"]
        if feature["id"] == f"500m-{int(cx // 500)}-{int(cy // 500)}"
    ]
    assert len(body["slices"]) == 12
    assert [c["properties"]["category"] for c in centre] == ["intensifying_hot"]
    assert centre[0]["properties"]["trend_z"] > 0
