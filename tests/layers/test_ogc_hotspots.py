"""The hot-spot cells collection of the OGC API: the BRÅ page's Gi* cells, its filter and its privacy rule."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from geo.crs import STORAGE_SRID, WEB_SRID, transform_xy
from layers.analysis import hotspot_cells, hotspots_for
from layers.models import AuditEvent, Municipality
from layers.roles import Role
from tests.conftest import login_verified
from tests.factories import (
    VASBY_CENTRUM,
    IncidentFactory,
    MunicipalityFactory,
    sensitive_category,
    user_with_role,
)

pytestmark = pytest.mark.django_db

ITEMS = "/ogc/collections/hotspot-cells/items"
SECRET_XY = (VASBY_CENTRUM[0] + 2500.0, VASBY_CENTRUM[1] + 2500.0)  # a home, far from the rest
N_SECRET = 23


@pytest.fixture
def municipality() -> Municipality:
    return MunicipalityFactory()


@pytest.fixture
def scene(municipality: Municipality) -> Municipality:
    """A hot spot of 60 open incidents at the centre, and 23 sensitive ones far away at SECRET_XY."""
    rng = np.random.default_rng(11)
    for i, (dx, dy) in enumerate(rng.normal(0, 90, (60, 2))):
        IncidentFactory(
            municipality=municipality,
            location=Point(VASBY_CENTRUM[0] + dx, VASBY_CENTRUM[1] + dy, srid=STORAGE_SRID),
            source_ref=f"open-{i}",
        )
    category = sensitive_category()
    for i in range(N_SECRET):
        IncidentFactory(
            municipality=municipality,
            category=category,
            source_ref=f"secret-{i}",
            location=Point(SECRET_XY[0] + i, SECRET_XY[1] - i, srid=STORAGE_SRID),
        )
    return municipality


def member() -> Client:
    client = Client()
    client.force_login(user_with_role(Role.BRA_MEMBER, "member"))
    return client


def analyst() -> Client:
    return login_verified(Client(), user_with_role(Role.ANALYST, "analyst"))


def secret_cell_id(size: int = 200) -> str:
    return f"{size}m-{int(SECRET_XY[0] // size)}-{int(SECRET_XY[1] // size)}"


def by_id(features: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f["properties"] for f in features}


def test_the_collection_is_listed_and_holds_every_cell_of_the_study_area(
    scene: Municipality,
) -> None:
    client = member()
    engine = hotspot_cells(
        hotspots_for(User.objects.get(username="member"), scene, {}), only_significant=False
    )

    listed = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
    page = client.get(ITEMS, {"limit": 10_000}).json()

    assert "hotspot-cells" in listed
    assert page["numberMatched"] == len(engine) == page["numberReturned"]
    assert [f["id"] for f in page["features"]] == [c["id"] for c in engine]
    first = page["features"][0]
    assert first["geometry"]["type"] == "Polygon"
    assert set(first["properties"]) == {
        "count", "z", "p", "class", "label", "significant", "cell_size_m", "period_from", "period_to"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("ogc", "bra"),
    [
        ("", ""),
        ("datetime=2024-01-01/..&cell_size_m=250", "from=2024-01-01&gi_cell=250"),
        ("focus_area=2&fdr=false", "focus=2&fdr=0"),
    ],
)
def test_significant_items_agree_with_the_bra_pages_hot_spots_for_the_same_filter(
    scene: Municipality, ogc: str, bra: str
) -> None:
    client = member()

    items = client.get(f"{ITEMS}?significant=true&{ogc}").json()["features"]
    page = client.get(f"/bra/data/hotspots/?{bra}").json()["features"]

    assert items, "the scene has a hot spot"
    keys = ("count", "z", "p", "class")
    assert {i: tuple(p[k] for k in keys) for i, p in by_id(items).items()} == {
        i: tuple(p[k] for k in keys) for i, p in by_id(page).items()
    }


def test_property_filters_and_bbox_choose_cells_but_never_change_their_statistics(
    scene: Municipality,
) -> None:
    client = member()
    everything = by_id(client.get(ITEMS, {"limit": 10_000}).json()["features"])
    (lon,), (lat,) = transform_xy(
        [VASBY_CENTRUM[0] + 30], [VASBY_CENTRUM[1] + 30], from_srid=STORAGE_SRID, to_srid=WEB_SRID
    )

    hot = client.get(ITEMS, {"class": "3"}).json()["features"]
    strong = client.get(ITEMS, {"min_z": "2.5", "limit": 10_000}).json()["features"]
    cold = client.get(ITEMS, {"max_z": "-0.5", "limit": 10_000}).json()["features"]
    boxed = client.get(ITEMS, {"bbox": f"{lon},{lat},{lon + 0.0001},{lat + 0.0001}"}).json()

    assert hot and all(f["properties"]["class"] == 3 for f in hot)
    assert {f["id"] for f in strong} == {i for i, p in everything.items() if p["z"] >= 2.5}
    assert {f["id"] for f in cold} == {i for i, p in everything.items() if p["z"] <= -0.5}
    # a bbox inside one cell gives that whole cell, with the municipality-wide statistics
    assert boxed["numberMatched"] == 1
    cell = boxed["features"][0]
    assert cell["properties"] == everything[cell["id"]]


def test_datetime_is_the_period_in_whole_swedish_days(scene: Municipality) -> None:
    client = member()
    today = timezone.localdate()
    a_year_ago = today.replace(year=today.year - 1) + datetime.timedelta(days=1)

    default = client.get(ITEMS, {"limit": 10_000}).json()["features"]
    spring = client.get(
        ITEMS,
        {"limit": 10_000, "datetime": "2025-03-01T00:00:00+01:00/2025-04-01T00:00:00+02:00"},
    ).json()["features"]
    open_end = client.get(ITEMS, {"limit": 1, "datetime": "2025-06-01/.."}).json()

    first = default[0]["properties"]
    assert (first["period_from"], first["period_to"]) == (str(a_year_ago), str(today))
    assert sum(f["properties"]["count"] for f in default) == 60
    # an end at local midnight ends the day before
    period = spring[0]["properties"]
    assert (period["period_from"], period["period_to"]) == ("2025-03-01", "2025-03-31")
    # the incidents happened days ago, not in the spring of 2025
    assert sum(f["properties"]["count"] for f in spring) == 0
    assert open_end["features"][0]["properties"]["period_to"] == str(today)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("class=9", "class"),
        ("min_z=many", "min_z"),
        ("cell_size_m=300", "cell_size_m"),
        ("category=no_such_code", "category"),
        ("district=nowhere", "district"),
        ("hours=25", "hours"),
        ("light=night", "light"),
        ("datetime=2000-01-01/2020-01-01", "datetime"),
        ("datetime=2030-01-01/2020-01-01", "datetime"),
        ("datetime=9999-12-31", "datetime"),
        ("datetime=0001-01-01T00:00:00Z/0001-01-02T00:00:00Z", "datetime"),
        ("colour=red", "colour"),
    ],
)
def test_bad_parameters_get_400_naming_the_parameter(
    scene: Municipality, query: str, param: str
) -> None:
    response = member().get(f"{ITEMS}?{query}")

    assert response.status_code == 400
    assert param in response.json()["fields"]


def test_a_single_cell_is_the_same_as_in_the_items_and_takes_the_same_filter(
    scene: Municipality,
) -> None:
    client = member()
    hot = client.get(ITEMS, {"class": "3"}).json()["features"][0]
    spring = client.get(ITEMS, {"datetime": "2025-03-01/2025-03-31", "limit": 10_000}).json()

    one = client.get(f"{ITEMS}/{hot['id']}")
    one_in_spring = client.get(f"{ITEMS}/{hot['id']}", {"datetime": "2025-03-01/2025-03-31"})

    assert one.status_code == 200
    assert one.json()["properties"] == hot["properties"]
    assert one.json()["geometry"] == hot["geometry"]
    assert one_in_spring.json()["properties"] == by_id(spring["features"])[hot["id"]]
    assert client.get(f"{ITEMS}/200m-1-1").status_code == 404  # far outside the municipality
    assert client.get(f"{ITEMS}/300m-1-1").status_code == 404  # no such grid
    assert client.get(f"{ITEMS}/{hot['id']}", {"limit": "5"}).status_code == 400


def test_cells_in_epsg_3006_are_the_engines_squares_northing_first(scene: Municipality) -> None:
    hot = (
        member()
        .get(ITEMS, {"class": "3", "crs": "http://www.opengis.net/def/crs/EPSG/0/3006"})
        .json()["features"][0]
    )

    size, col, row = (int(v) for v in hot["id"].replace("m", "").split("-"))
    ring = hot["geometry"]["coordinates"][0]

    assert ring[0] == [row * size, col * size]  # (northing, easting) of the south-west corner
    assert ring[2] == [(row + 1) * size, (col + 1) * size]


def test_a_bra_members_cells_are_computed_without_sensitive_incidents(scene: Municipality) -> None:
    secret = secret_cell_id()

    members = by_id(member().get(ITEMS, {"limit": 10_000}).json()["features"])
    analysts = by_id(analyst().get(ITEMS, {"limit": 10_000}).json()["features"])

    # The same cell, seen by each: empty for the member, a hot spot of the 23 for the analyst.
    assert members[secret]["count"] == 0 and members[secret]["class"] == 0
    assert analysts[secret]["count"] == N_SECRET and analysts[secret]["class"] > 0
    assert sum(p["count"] for p in members.values()) == 60
    assert sum(p["count"] for p in analysts.values()) == 60 + N_SECRET
    assert members[secret]["z"] != analysts[secret]["z"]


def test_an_analysts_read_is_audited_and_hiding_sensitive_gives_the_members_cells(
    scene: Municipality,
) -> None:
    client = analyst()

    client.get(ITEMS, {"class": "3"})
    hidden = client.get(ITEMS, {"sensitive": "false", "limit": 10_000}).json()["features"]
    members = member().get(ITEMS, {"limit": 10_000}).json()["features"]

    event = AuditEvent.objects.get(action=AuditEvent.Action.READ_SENSITIVE)
    assert (event.username, event.channel, event.object_type, event.count) == (
        "analyst", "ogc", "hotspot-cells", N_SECRET
    )  # fmt: skip
    assert by_id(hidden) == by_id(members)


def test_an_analysts_export_of_the_cells_is_audited_as_an_export(scene: Municipality) -> None:
    response = analyst().get("/export/hotspot-cells.csv", {"significant": "true"})

    rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert rows[0].startswith("id;count;z;p;class;label;significant")
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_SENSITIVE)
    assert (event.object_type, event.count) == ("hotspot-cells", N_SECRET)
