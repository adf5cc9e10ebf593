"""The hotspots vector tile layer: the BRÅ page's significant Gi* cells of the last twelve months."""

from __future__ import annotations

import mapbox_vector_tile
import numpy as np
import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.test import Client

from geo.crs import STORAGE_SRID
from layers.analysis import hotspot_cells, hotspots_for
from layers.models import AuditEvent, Municipality
from tests.conftest import login_verified
from tests.factories import VASBY_CENTRUM, IncidentFactory, MunicipalityFactory, sensitive_category
from tests.layers.test_tiles import tile_of

pytestmark = pytest.mark.django_db

SECRET_XY = (VASBY_CENTRUM[0] + 2500.0, VASBY_CENTRUM[1] + 2500.0)


@pytest.fixture
def scene() -> Municipality:
    municipality = MunicipalityFactory()
    rng = np.random.default_rng(11)
    for dx, dy in rng.normal(0, 90, (60, 2)):
        IncidentFactory(
            municipality=municipality,
            location=Point(VASBY_CENTRUM[0] + dx, VASBY_CENTRUM[1] + dy, srid=STORAGE_SRID),
        )
    category = sensitive_category()
    for i in range(23):
        IncidentFactory(
            municipality=municipality,
            category=category,
            location=Point(SECRET_XY[0] + i, SECRET_XY[1] - i, srid=STORAGE_SRID),
        )
    return municipality


def hotspot_features(client: Client, z: int, xy: tuple[float, float]) -> list[dict]:
    tx, ty = tile_of(*xy, z)
    response = client.get(f"/tiles/hotspots/{z}/{tx}/{ty}.mvt")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private")
    decoded = mapbox_vector_tile.decode(response.content) if response.content else {}
    return decoded.get("hotspots", {}).get("features", [])


def test_a_decoded_hotspots_tile_holds_the_engines_significant_cells(
    bra_client: Client, bra_member: User, scene: Municipality
) -> None:
    engine = hotspot_cells(hotspots_for(bra_member, scene, {}))

    features = hotspot_features(bra_client, 12, VASBY_CENTRUM)

    assert engine, "the scene has a hot spot"
    expected = sorted((c["count"], c["class"], round(c["z"], 4)) for c in engine)
    got = sorted(
        (f["properties"]["count"], f["properties"]["class"], round(f["properties"]["z"], 4))
        for f in features
    )
    assert got == expected  # one zoom-12 tile covers the whole scene
    assert all(f["geometry"]["type"] == "Polygon" for f in features)
    assert {f["properties"]["cell_size_m"] for f in features} == {200}


def test_a_bra_members_hotspots_are_computed_without_sensitive_incidents(
    bra_member: User, analyst: User, scene: Municipality
) -> None:
    member_client = Client()
    member_client.force_login(bra_member)

    members = hotspot_features(member_client, 15, SECRET_XY)
    analysts = hotspot_features(login_verified(Client(), analyst), 15, SECRET_XY)

    assert members == []
    # the cell of the 23, and its neighbours, hot through it (Gi* counts the eight around a cell)
    counts = [f["properties"]["count"] for f in analysts]
    assert max(counts) == sum(counts) == 23
    assert all(f["properties"]["class"] > 0 for f in analysts)
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ_SENSITIVE)
    assert (event.user, event.channel, event.object_type, event.count) == (
        analyst, "tiles", "hotspots", 23
    )  # fmt: skip
