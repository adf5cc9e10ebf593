"""Density rasters: /export/tathet.tif (the BRÅ page's surface and filter) and the plan review's raster layer."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import rasterio
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.test import Client

from geo.crs import STORAGE_SRID
from layers.analysis import hotspots_for
from layers.models import AuditEvent, Detaljplan, Municipality
from layers.roles import Role
from tests.conftest import login_verified
from tests.factories import (
    VASBY_CENTRUM,
    IncidentFactory,
    MunicipalityFactory,
    sensitive_category,
    square,
    user_with_role,
)

pytestmark = pytest.mark.django_db

SECRET_XY = (VASBY_CENTRUM[0] + 2500.0, VASBY_CENTRUM[1] + 2500.0)
N_SECRET = 23


@pytest.fixture
def scene() -> Municipality:
    municipality = MunicipalityFactory()
    rng = np.random.default_rng(3)
    for i, (dx, dy) in enumerate(rng.normal(0, 120, (40, 2))):
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


def value_at(data: bytes, xy: tuple[float, float]) -> float:
    with rasterio.open(io.BytesIO(data)) as r:
        row, col = r.index(*xy)
        return float(r.read(1)[row, col])


def test_the_geotiff_reads_in_sweref_99_tm_with_the_engines_values(
    scene: Municipality, tmp_path: Path
) -> None:
    response = member().get("/export/tathet.tif", {"focus": "2"})
    path = tmp_path / "tathet.tif"
    path.write_bytes(response.content)
    surface = hotspots_for(User.objects.get(username="member"), scene, {"focus": "2"}).density

    info = subprocess.run(
        ["gdalinfo", str(path)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    with rasterio.open(path) as r:
        crs, shape, values, tags = r.crs.to_epsg(), r.shape, r.read(1), r.tags()

    assert response["Content-Type"] == "image/tiff"
    assert 'filename="tathet-' in response["Content-Disposition"]
    assert 'ID["EPSG",3006]' in info and "LAYOUT=COG" in info
    assert crs == 3006 and shape == surface.grid.shape
    np.testing.assert_allclose(values, surface.values[::-1, :], rtol=1e-6, atol=1e-6)
    assert tags["TRYGG_SENSITIVE_INCLUDED"] == "no" and tags["TRYGG_INCIDENTS"] == "40"
    assert "focus=2" in tags["TRYGG_FILTER"]
    # Its sources, their period and latest import (gdalinfo lists them too).
    assert re.search(r": 20\d\d-\d\d-\d\d – 20\d\d-\d\d-\d\d, \d+ händelser", tags["TRYGG_SOURCES"])
    assert "TRYGG_SOURCES=" in info


def test_the_export_and_the_bra_pages_download_are_one_surface(scene: Municipality) -> None:
    client = member()

    exported = client.get("/export/tathet.tif", {"from": "2024-01-01", "bandwidth": "300"})
    downloaded = client.get("/bra/export/tathet.tif", {"from": "2024-01-01", "bandwidth": "300"})

    with (
        rasterio.open(io.BytesIO(exported.content)) as a,
        rasterio.open(io.BytesIO(downloaded.content)) as b,
    ):
        assert a.transform == b.transform and a.tags() == b.tags()
        np.testing.assert_array_equal(a.read(1), b.read(1))
        assert a.tags()["TRYGG_BANDWIDTH_M"] == "300"


def test_a_bra_members_geotiff_is_computed_without_sensitive_incidents(scene: Municipality) -> None:
    members = member().get("/export/tathet.tif").content
    analysts = analyst().get("/export/tathet.tif").content

    assert value_at(members, SECRET_XY) == pytest.approx(0.0, abs=1e-6)
    assert value_at(analysts, SECRET_XY) > 50  # 23 / (2π·0.2²) ≈ 91 per km²
    with rasterio.open(io.BytesIO(analysts)) as r:
        assert r.tags()["TRYGG_SENSITIVE_INCLUDED"] == "yes"
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_SENSITIVE)
    assert (event.username, event.channel, event.object_type, event.count) == (
        "analyst", "export", "tathet.tif", N_SECRET
    )  # fmt: skip


def test_an_analyst_who_hides_sensitive_incidents_gets_the_members_surface_unaudited(
    scene: Municipality,
) -> None:
    hidden = analyst().get("/export/tathet.tif", {"sensitive": "0"}).content
    members = member().get("/export/tathet.tif").content

    with rasterio.open(io.BytesIO(hidden)) as a, rasterio.open(io.BytesIO(members)) as b:
        np.testing.assert_array_equal(a.read(1), b.read(1))
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_SENSITIVE).exists()


def test_a_bbox_cuts_the_raster_to_the_cells_it_touches(scene: Municipality) -> None:
    x, y = VASBY_CENTRUM
    # EPSG:3006's axis order is northing, easting, so the box is (y, x) pairs
    bbox = f"{y - 300},{x - 500},{y + 300},{x + 500}"

    response = member().get(
        "/export/tathet.tif",
        {"bbox": bbox, "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/3006"},
    )

    with rasterio.open(io.BytesIO(response.content)) as r:
        left, bottom, right, top = r.bounds
        assert r.crs.to_epsg() == 3006
        assert left <= x - 500 < left + 25 and right - 25 < x + 500 <= right
        assert bottom <= y - 300 < bottom + 25 and top - 25 < y + 300 <= top
        assert r.width * 25 == right - left and r.height * 25 == top - bottom


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"colour": "red"}, "colour"),
        ({"from": "yesterday"}, "from"),
        ({"from": "0001-01-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"bandwidth": "1"}, "bandwidth"),
        ({"district": "nowhere"}, "district"),
        ({"bbox": "1,2"}, "bbox"),
        ({"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/3006"}, "bbox-crs"),
        ({"bbox": "10,50,10.1,50.1"}, "bbox"),  # in Germany: misses the grid
    ],
)
def test_bad_density_parameters_get_400_naming_the_parameter(
    scene: Municipality, query: dict[str, str], param: str
) -> None:
    response = member().get("/export/tathet.tif", query)

    assert response.status_code == 400
    assert param in response.json()["fields"]


def test_the_density_export_needs_a_login_and_a_role(scene: Municipality) -> None:
    nobody = Client()
    nobody.force_login(User.objects.create_user("no-role", password="x-test-password-1"))

    assert Client().get("/export/tathet.tif").status_code == 401
    assert nobody.get("/export/tathet.tif").status_code == 404


def test_the_plan_review_package_holds_the_density_as_a_raster_without_sensitive_incidents(
    scene: Municipality, tmp_path: Path
) -> None:
    # A plan next to the sensitive incidents: an analyst's package still leaves them out of the density.
    plan = Detaljplan.objects.create(
        municipality=scene, plan_id="P9", name="Norr", area=square(*SECRET_XY, 150)
    )
    IncidentFactory(
        municipality=scene, location=Point(SECRET_XY[0] - 200, SECRET_XY[1], srid=STORAGE_SRID)
    )
    path = tmp_path / "plan.gpkg"

    response = analyst().get(f"/export/plan/{plan.pk}.gpkg")
    path.write_bytes(b"".join(response.streaming_content))
    info = subprocess.run(
        ["gdalinfo", f"GPKG:{path}:tathet"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    with rasterio.open(f"GPKG:{path}:tathet") as r:
        crs, values, (left, bottom, right, top) = r.crs.to_epsg(), r.read(1), r.bounds
        secret = values[r.index(*SECRET_XY)]
        open_one = values[r.index(SECRET_XY[0] - 200, SECRET_XY[1])]

    assert response.status_code == 200
    assert crs == 3006 and "Float32" in info
    # the plan area and 500 m around it, on the engine's 25 m cells
    assert left <= SECRET_XY[0] - 650 and right >= SECRET_XY[0] + 650
    assert (right - left) % 25 == 0 and (top - bottom) % 25 == 0
    assert open_one > 1.0  # the one open incident 200 m away is in it
    assert secret < 3.0  # and spills a little onto the sensitive place; the 23 would add about 91
    # the package's raster is the BRÅ member's surface, cut to the plan's surroundings
    members = member().get(
        "/export/tathet.tif", {"bbox": f"{bottom + 1},{left + 1},{top - 1},{right - 1}",  # N, E
                               "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/3006"}
    )  # fmt: skip
    with rasterio.open(io.BytesIO(members.content)) as r:
        np.testing.assert_allclose(r.read(1), values, rtol=1e-6)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_SENSITIVE).exists()


def test_the_landing_page_offers_the_density_geotiff(scene: Municipality) -> None:
    client = member()

    links = client.get("/ogc/", headers={"Accept": "application/json"}).json()["links"]
    html = client.get("/ogc/", {"f": "html"}).content.decode()

    tiffs = [link for link in links if link["type"].startswith("image/tiff")]
    assert [link["href"].split("/", 3)[-1] for link in tiffs] == ["export/tathet.tif"]
    assert 'data-testid="density-exports"' in html and "/export/tathet.tif" in html
