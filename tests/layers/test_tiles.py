"""Vector tiles at /tiles/<layer>/<z>/<x>/<y>.mvt, decoded with mapbox-vector-tile."""

from __future__ import annotations

import math
import random

import mapbox_vector_tile
import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.test import Client

from geo.crs import STORAGE_SRID, transform_xy
from layers import tiles
from layers.models import AuditEvent, Incident
from tests.factories import (
    VASBY_CENTRUM,
    CategoryFactory,
    FocusAreaFactory,
    IncidentFactory,
    ObservationFactory,
    in_published_year,
    sensitive_category,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cells() -> None:
    cache.clear()  # the releases are cached by their id, which a rolled-back test may reuse


def tile_of(x: float, y: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding a SWEREF 99 TM point at zoom z."""
    (lon,), (lat,) = transform_xy([x], [y], from_srid=STORAGE_SRID, to_srid=4326)
    n = 1 << z
    tx = int((lon + 180) / 360 * n)
    ty = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return tx, ty


def get_tile(
    client: Client, layer: str, z: int, x: float = VASBY_CENTRUM[0], y: float = VASBY_CENTRUM[1]
):  # type: ignore[no-untyped-def]
    tx, ty = tile_of(x, y, z)
    return client.get(f"/tiles/{layer}/{z}/{tx}/{ty}.mvt")


def decode(content: bytes) -> dict:
    return mapbox_vector_tile.decode(content) if content else {}


def test_a_zoom_14_tile_holds_the_incidents_as_points_with_their_category(
    bra_client: Client,
) -> None:
    first = IncidentFactory()
    second = IncidentFactory(
        location=Point(VASBY_CENTRUM[0] + 30, VASBY_CENTRUM[1], srid=STORAGE_SRID)
    )

    response = get_tile(bra_client, "incidents", 14)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    features = decode(response.content)["incidents"]["features"]
    assert {f["id"] for f in features} == {first.pk, second.pk}
    assert {f["properties"]["category"] for f in features} == {"misshandel"}
    assert all(f["geometry"]["type"] == "Point" for f in features)


def test_a_low_zoom_tile_counts_incidents_per_square(bra_client: Client) -> None:
    x, y = VASBY_CENTRUM
    for i in range(7):  # within one 320 m square at zoom 12 (the centre is 92 m from its edge)
        IncidentFactory(location=Point(x - 80 + i * 10, y, srid=STORAGE_SRID))

    features = decode(get_tile(bra_client, "incidents", 12).content)["incidents"]["features"]

    assert [f["properties"]["count"] for f in features] == [7]
    assert features[0]["properties"]["cell_size_m"] == tiles.BIN_SIZE_M[12]


def test_zoomed_out_counts_follow_new_incidents(bra_client: Client) -> None:
    IncidentFactory()
    before = decode(get_tile(bra_client, "incidents", 11).content)["incidents"]["features"]

    IncidentFactory(location=Point(VASBY_CENTRUM[0] + 5, VASBY_CENTRUM[1], srid=STORAGE_SRID))
    after = decode(get_tile(bra_client, "incidents", 11).content)["incidents"]["features"]

    assert [f["properties"]["count"] for f in before] == [1]
    assert [f["properties"]["count"] for f in after] == [2]


@pytest.mark.parametrize("role", ["bra_member", "analyst"])
def test_pre_aggregated_squares_count_the_same_as_the_points(
    role: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(role)
    rng = random.Random(7)
    x, y = VASBY_CENTRUM
    by_focus_area = CategoryFactory(
        code="hot_medarbetare",
        label="Hot mot medarbetare",
        focus_area=FocusAreaFactory(
            number=4, name="Hot mot medarbetare", name_en="x", sensitive=True
        ),
        sensitive=False,  # sensitive through its focus area only
    )
    categories = [CategoryFactory(), sensitive_category(), by_focus_area]
    for i in range(300):
        IncidentFactory(
            category=categories[i % 3],
            location=Point(
                x + rng.uniform(-3000, 3000), y + rng.uniform(-3000, 3000), srid=STORAGE_SRID
            ),
        )
    municipality = Incident.objects.first().municipality  # type: ignore[union-attr]
    tx, ty = tile_of(x, y, 12)

    tiles.fresh_bins()
    name, params = tiles.incidents_tile_plan(user, municipality, 12, tx, ty)
    from_view = decode(tiles.run_tile_sql(name, params).data)["incidents"]["features"]
    from_points = decode(tiles.run_tile_sql("tile_incident_bins_raw", params).data)["incidents"][
        "features"
    ]

    assert name == "tile_incident_bins"
    key = lambda f: (tuple(f["geometry"]["coordinates"]), f["properties"]["count"])  # noqa: E731
    assert sorted(map(key, from_view)) == sorted(map(key, from_points))
    total = sum(f["properties"]["count"] for f in from_view)
    assert total > 50
    # a third of the incidents are plain: a BRÅ member's counts hold only those
    assert (total < 150) == (role == "bra_member")


def test_a_category_turned_sensitive_leaves_the_zoomed_out_counts(bra_client: Client) -> None:
    incident = IncidentFactory()
    before = decode(get_tile(bra_client, "incidents", 11).content)["incidents"]["features"]

    category = incident.category
    category.sensitive = True
    category.save()
    after = decode(get_tile(bra_client, "incidents", 11).content)

    assert [f["properties"]["count"] for f in before] == [1]
    assert after == {}


def test_a_crowded_high_zoom_tile_counts_per_small_square_instead_of_points(
    bra_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tiles, "MAX_POINTS", 3)
    for i in range(5):
        IncidentFactory(location=Point(VASBY_CENTRUM[0] + i, VASBY_CENTRUM[1], srid=STORAGE_SRID))

    features = decode(get_tile(bra_client, "incidents", 14).content)["incidents"]["features"]

    assert [f["properties"]["count"] for f in features] == [5]
    assert features[0]["properties"]["cell_size_m"] == tiles.BIN_SIZE_M[14]


def test_a_bra_member_never_gets_sensitive_incidents_in_points_or_counts(
    bra_client: Client,
) -> None:
    IncidentFactory()
    for _ in range(6):  # in the newest published year: the cells tiles show its release
        IncidentFactory(category=sensitive_category(), occurred_from=in_published_year())

    points = decode(get_tile(bra_client, "incidents", 15).content)["incidents"]["features"]
    counts = decode(get_tile(bra_client, "incidents", 11).content)["incidents"]["features"]
    cell_tile = get_tile(bra_client, "sensitive-cells", 13)
    cells = decode(cell_tile.content)["sensitive_cells"]["features"]

    assert len(points) == 1
    assert sum(f["properties"]["count"] for f in counts) == 1
    assert [c["properties"]["count"] for c in cells] == [6]
    assert cells[0]["properties"]["period"] == str(in_published_year().year)
    assert cell_tile["Trygg-Release-Periods"] == (
        f"{in_published_year().year}-01-01/{in_published_year().year}-12-31"
    )
    assert cells[0]["geometry"]["type"] == "Polygon"


def test_an_analyst_gets_sensitive_points_and_the_read_is_audited(
    analyst_client: Client, analyst: User
) -> None:
    IncidentFactory()
    IncidentFactory(category=sensitive_category())

    features = decode(get_tile(analyst_client, "incidents", 16).content)["incidents"]["features"]

    assert len(features) == 2
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ_SENSITIVE)
    assert (event.user, event.channel, event.count) == (analyst, "tiles", 1)


@pytest.mark.parametrize("zoom", [12, 15, 16])
def test_a_bra_members_tiles_leave_out_exactly_the_sensitive_incidents(
    bra_client: Client, zoom: int
) -> None:
    # The SQL writes SENSITIVE_INCIDENT once more (the category or its focus area sensitive): these tiles
    # must leave out exactly the incidents Incident.objects.sensitive() names, however they are marked.
    plain = CategoryFactory()
    by_category = sensitive_category()
    by_focus_area = CategoryFactory(
        code="hot_medarbetare",
        label="Hot mot medarbetare",
        focus_area=FocusAreaFactory(
            number=4, name="Hot mot medarbetare", name_en="x", sensitive=True
        ),
        sensitive=False,  # sensitive through its focus area only
    )
    marked = CategoryFactory(code="markerad", label="Markerad", focus_area=None, sensitive=True)
    x, y = VASBY_CENTRUM
    for i, category in enumerate((plain, by_category, by_focus_area, marked) * 3):
        IncidentFactory(category=category, location=Point(x + 3 * i, y, srid=STORAGE_SRID))

    features = decode(get_tile(bra_client, "incidents", zoom).content)["incidents"]["features"]

    shown = sum(f["properties"].get("count", 1) for f in features)
    assert shown == Incident.objects.non_sensitive().count() == 3
    if zoom >= 16:
        assert {f["id"] for f in features} == set(
            Incident.objects.non_sensitive().values_list("pk", flat=True)
        )


def test_observations_tile_holds_the_observations(bra_client: Client) -> None:
    observation = ObservationFactory()

    features = decode(get_tile(bra_client, "observations", 15).content)["observations"]["features"]

    assert [(f["id"], f["properties"]["feeling"]) for f in features] == [(observation.pk, 2)]


@pytest.mark.parametrize(
    "path",
    ["/tiles/incidents/23/0/0.mvt", "/tiles/incidents/2/4/0.mvt", "/tiles/incidents/2/0/4.mvt"],
)
def test_a_tile_outside_the_matrix_or_over_zoom_22_is_400(bra_client: Client, path: str) -> None:
    IncidentFactory()

    response = bra_client.get(path)

    assert response.status_code == 400
    assert "fields" in response.json()


def test_an_unknown_layer_is_404(bra_client: Client) -> None:
    assert bra_client.get("/tiles/secrets/1/0/0.mvt").status_code == 404


def test_tiles_need_a_login() -> None:
    response = Client().get("/tiles/incidents/1/0/0.mvt")

    assert response.status_code == 401


def test_tiles_carry_an_etag_private_cache_control_and_answer_304(bra_client: Client) -> None:
    IncidentFactory()
    tx, ty = tile_of(*VASBY_CENTRUM, 14)
    url = f"/tiles/incidents/14/{tx}/{ty}.mvt"

    first = bra_client.get(url)
    again = bra_client.get(url, headers={"If-None-Match": first["ETag"]})
    IncidentFactory(location=Point(VASBY_CENTRUM[0] + 20, VASBY_CENTRUM[1], srid=STORAGE_SRID))
    changed = bra_client.get(url, headers={"If-None-Match": first["ETag"]})

    assert first["Cache-Control"].startswith("private")
    assert "Cookie" in first["Vary"] and "Authorization" in first["Vary"]
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


@pytest.mark.parametrize("role", ["bra_member", "analyst"])
@pytest.mark.parametrize("zoom", [14, 15])
def test_crowded_tiles_count_from_the_fine_squares_as_from_the_points(
    role: str, zoom: int, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tiles, "MAX_POINTS", 20)
    user = request.getfixturevalue(role)
    rng = random.Random(3)
    x, y = VASBY_CENTRUM
    categories = [CategoryFactory(), sensitive_category()]
    for i in range(200):
        IncidentFactory(
            category=categories[i % 2],
            location=Point(
                x + rng.uniform(-300, 300), y + rng.uniform(-300, 300), srid=STORAGE_SRID
            ),
        )
    municipality = Incident.objects.first().municipality  # type: ignore[union-attr]
    tx, ty = tile_of(x, y, zoom)
    tiles.fresh_bins()

    name, params = tiles.incidents_tile_plan(user, municipality, zoom, tx, ty)
    from_squares = tiles.run_tile_sql(name, params)
    from_points = tiles.run_tile_sql(*tiles.crowded_tile_plan(params, zoom))

    key = lambda f: (tuple(f["geometry"]["coordinates"]), f["properties"]["count"])  # noqa: E731
    squares = decode(from_squares.data)["incidents"]["features"]
    assert all("count" in f["properties"] for f in squares)  # crowded: counts, no points
    assert sorted(map(key, squares)) == sorted(
        map(key, decode(from_points.data)["incidents"]["features"])
    )
    assert from_squares.sensitive == from_points.sensitive
    assert (from_squares.sensitive > 0) == (role == "analyst")


def test_a_client_that_has_the_tile_gets_304_without_the_tile_being_drawn(
    bra_client: Client,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    IncidentFactory()
    tx, ty = tile_of(*VASBY_CENTRUM, 12)
    url = f"/tiles/incidents/12/{tx}/{ty}.mvt"
    first = bra_client.get(url)

    with CaptureQueriesContext(connection) as queries:
        again = bra_client.get(url, headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert not any("ST_AsMVT" in q["sql"] for q in queries.captured_queries)


def test_the_incidents_etag_differs_between_users_who_see_different_incidents(
    bra_client: Client, analyst: User
) -> None:
    from tests.conftest import login_verified

    IncidentFactory()
    IncidentFactory(category=sensitive_category())
    tx, ty = tile_of(*VASBY_CENTRUM, 12)
    url = f"/tiles/incidents/12/{tx}/{ty}.mvt"

    members = bra_client.get(url)
    analysts = login_verified(Client(), analyst).get(url)

    assert members["ETag"] != analysts["ETag"]
    assert bra_client.get(url, headers={"If-None-Match": analysts["ETag"]}).status_code == 200


def test_an_analysts_zoomed_out_tile_counting_sensitive_incidents_is_audited(
    analyst_client: Client, analyst: User
) -> None:
    IncidentFactory()
    IncidentFactory(category=sensitive_category())
    IncidentFactory(category=sensitive_category())

    features = decode(get_tile(analyst_client, "incidents", 11).content)["incidents"]["features"]

    assert sum(f["properties"]["count"] for f in features) == 3
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ_SENSITIVE)
    assert (event.user, event.channel, event.object_type, event.count) == (
        analyst,
        "tiles",
        "incidents",
        2,
    )
