"""The offline vector background on the demo's real NYKO areas and districts and its generated town,
decoded with mapbox-vector-tile as protomaps-leaflet reads it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import mapbox_vector_tile
import pytest
from django.test import Client

from geo.crs import transformer
from layers.models import Municipality
from layers.roles import Role
from layers.services import load_municipality_from_nyko
from mapapp.demo import FIXTURES, HOTSPOTS, KOMMUNKOD, _hotspot_xy
from mapapp.demo_context import CROSS_NAMES, LAYER_NAME, STREET_NAMES, generate_context
from tests.basemap.tileserver import HALF
from tests.factories import user_with_role


@pytest.fixture(scope="module")
def demo(
    django_db_setup: None, django_db_blocker: Any
) -> Iterator[tuple[Municipality, tuple[float, float]]]:
    """Upplands Väsby's NYKO areas and districts, and the generated town, for the module."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            municipality = load_municipality_from_nyko(
                FIXTURES / "nyko3_sweref99tm.geojson", kommunkod=KOMMUNKOD, name="Upplands Väsby"
            )
            centre = _hotspot_xy(municipality, HOTSPOTS[1])
            generate_context(municipality, *centre)
            yield municipality, centre
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def client(demo: Any, db: None) -> Client:
    c = Client()
    c.force_login(user_with_role(Role.FIELD_STAFF))
    return c


def tile_of(x: float, y: float, z: int) -> tuple[int, int]:
    mx, my = transformer(3006, 3857).transform(x, y)
    span = 2 * HALF / 2**z
    return int((mx + HALF) // span), int((HALF - my) // span)


def decoded(client: Client, z: int, x: int, y: int) -> dict[str, Any]:
    response = client.get(f"/karta/vektor/{z}/{x}/{y}.mvt")
    assert response.status_code in (200, 204), response.status_code
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    if response.status_code == 204:
        return {}
    return mapbox_vector_tile.decode(response.content)  # type: ignore[no-any-return]


def names(tile: dict[str, Any], layer: str, **where: Any) -> set[str]:
    return {
        f["properties"].get("name", "")
        for f in tile.get(layer, {}).get("features", [])
        if all(f["properties"].get(k) == v for k, v in where.items())
    }


def town_tiles(client: Client, centre: tuple[float, float], z: int) -> list[dict[str, Any]]:
    """Every tile at zoom z over the generated town (about 1 km × 0.7 km around ``centre``)."""
    x0, y1 = tile_of(centre[0] - 500, centre[1] - 380, z)
    x1, y0 = tile_of(centre[0] + 500, centre[1] + 380, z)
    return [decoded(client, z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def test_the_z16_tiles_of_the_demo_town_have_its_named_streets_and_say_it_is_generated(
    client: Client, demo: tuple[Municipality, tuple[float, float]]
) -> None:
    _m, centre = demo

    tiles = town_tiles(client, centre, 16)

    street_names = set().union(*(names(t, "streets") for t in tiles))
    assert set(STREET_NAMES.values()) | set(CROSS_NAMES) <= street_names
    streets = [f for t in tiles for f in t.get("streets", {}).get("features", [])]
    assert all(f["properties"]["generated"] is True for f in streets)
    assert {f["properties"]["kind"] for f in streets} >= {"secondary", "residential"}
    assert sum(len(t.get("buildings", {}).get("features", [])) for t in tiles) > 50
    assert "Parkstigen" in set().union(*(names(t, "paths") for t in tiles))
    assert LAYER_NAME in set().union(*(names(t, "places", kind="generated") for t in tiles))
    assert {"Dammen"} <= set().union(*(names(t, "water") for t in tiles))
    assert {"Dragonparken"} <= set().union(*(names(t, "parks") for t in tiles))


def test_outside_the_town_the_nyko_areas_and_districts_are_drawn_with_their_names(
    client: Client, demo: tuple[Municipality, tuple[float, float]]
) -> None:
    municipality, _centre = demo
    from layers.models import District, StatisticalArea

    whole = [tile for tile in _tiles_over(municipality, 12)]
    nyko = set().union(*(names(decoded(client, 12, x, y), "places", kind="nyko") for x, y in whole))
    districts = set().union(
        *(names(decoded(client, 12, x, y), "places", kind="district") for x, y in whole)
    )
    outlines = set().union(
        *(
            {
                f["properties"]["kind"]
                for f in decoded(client, 12, x, y).get("boundaries", {}).get("features", [])
            }
            for x, y in whole
        )
    )

    assert nyko == set(
        StatisticalArea.objects.filter(municipality=municipality).values_list("name", flat=True)
    )
    assert districts == set(
        District.objects.filter(municipality=municipality).values_list("name", flat=True)
    )
    assert outlines >= {"municipality", "district", "nyko"}


def _tiles_over(municipality: Municipality, z: int) -> Iterator[tuple[int, int]]:
    minx, miny, maxx, maxy = municipality.boundary.extent
    x0, y1 = tile_of(minx, miny, z)
    x1, y0 = tile_of(maxx, maxy, z)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            yield x, y


def test_zooms_out_of_range_and_tiles_with_nothing_are_204_never_an_error_page(
    client: Client, demo: tuple[Municipality, tuple[float, float]]
) -> None:
    _m, centre = demo
    x, y = tile_of(*centre, 9)
    far_x, far_y = tile_of(centre[0] + 200_000, centre[1], 14)

    low = client.get(f"/karta/vektor/9/{x}/{y}.mvt")
    far = client.get(f"/karta/vektor/14/{far_x}/{far_y}.mvt")
    bad = client.get("/karta/vektor/14/99999/1.mvt")

    assert (low.status_code, low.content) == (204, b"")
    assert (far.status_code, far.content) == (204, b"")
    assert bad.status_code == 400


def test_streets_and_buildings_come_in_at_their_zooms_and_the_tiles_stay_small(
    client: Client, demo: tuple[Municipality, tuple[float, float]]
) -> None:
    _m, centre = demo
    sizes = {}
    layers = {}
    for z in range(10, 19):
        x, y = tile_of(*centre, z)
        response = client.get(f"/karta/vektor/{z}/{x}/{y}.mvt")
        sizes[z] = len(response.content)
        layers[z] = set(mapbox_vector_tile.decode(response.content)) if response.content else set()

    assert "buildings" not in layers[13] and "buildings" in layers[14]
    assert "paths" not in layers[13]
    assert "streets" in layers[12] and "landuse" not in layers[11]
    assert max(sizes.values()) < 100_000, sizes


def test_the_vector_background_needs_a_login_and_revalidates_by_etag(
    client: Client, demo: tuple[Municipality, tuple[float, float]]
) -> None:
    _m, centre = demo
    x, y = tile_of(*centre, 15)
    url = f"/karta/vektor/15/{x}/{y}.mvt"

    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert Client().get(url).status_code == 401
    assert again.status_code == 304
    assert "private" in first["Cache-Control"]
