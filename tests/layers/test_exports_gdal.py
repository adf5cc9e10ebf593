"""Every export opens in GDAL whole: each collection as GeoJSON and CSV, each walk's and each plan's
GeoPackage, on the demo data; and GDAL's /vsicurl/ reads /export/tathet.tif from a live server in byte
ranges, as a Cloud Optimized GeoTIFF (issue 10; core.downloads, docs/decisions/0641).

Before: /export/walk/{id}.gpkg was a 500 for every demo walk (a walk's start time is a ``time``, which
json.dumps refused), /export/walks.geojson a 200 whose body stopped after ``"features": [``, and
/vsicurl/ gave up on tathet.tif ("Range downloading not supported by this server").
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.test import Client

from geo.crs import STORAGE_SRID
from layers.exports import SURROUNDINGS_M
from layers.models import ContextFeature, Detaljplan, Incident
from layers.ogc import registry
from mapapp import demo
from surveys.models import Action, Observation, Trygghetsvandring
from tests.conftest import login_verified
from tests.factories import VASBY_CENTRUM, IncidentFactory, user_with_role

pytestmark = pytest.mark.slow


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


def gdal(*args: str) -> str:
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, f"{' '.join(args)}: {result.stderr[-2000:]}"
    return result.stdout


def feature_counts(path: Path, *open_options: str) -> dict[str, int]:
    """{layer: feature count} as GDAL's ogrinfo reads the file (it must read every feature)."""
    out = gdal("ogrinfo", "-ro", "-al", "-so", *open_options, str(path))
    names = re.findall(r"^Layer name: (.+)$", out, flags=re.M)
    counts = [int(n) for n in re.findall(r"^Feature Count: (\d+)$", out, flags=re.M)]
    assert len(names) == len(counts), out
    # -so may report a count GDAL estimated from the header; make GDAL read the features too.
    full = gdal("ogrinfo", "-ro", "-al", "-q", *open_options, str(path))
    for name, count in zip(names, counts, strict=True):
        assert full.count(f"OGRFeature({name}):") == count, name
    return dict(zip(names, counts, strict=True))


@pytest.fixture
def demo_analyst(db: None) -> User:
    demo.load_demo(today=date.today())
    return User.objects.get(username="analytiker")


@pytest.mark.django_db
def test_every_collection_exports_whole_as_geojson_and_csv_that_gdal_reads(
    client: Client, demo_analyst: User, tmp_path: Path
) -> None:
    login_verified(client, demo_analyst)
    checked = []

    for collection in registry.collections_for(demo_analyst):
        listed = client.get(f"/ogc/collections/{collection.id}/items", {"limit": 1}).json()
        expected = listed["numberMatched"]
        for fmt, options in (("geojson", ()), ("csv", ("-oo", "GEOM_POSSIBLE_NAMES=geometry_wkt"))):
            response = client.get(f"/export/{collection.id}.{fmt}")
            assert response.status_code == 200, (collection.id, fmt, response.status_code)
            content = body(response)
            assert int(response["Content-Length"]) == len(content)  # sent whole, and says so
            path = tmp_path / f"{collection.id}.{fmt}"
            path.write_bytes(content)

            counts = feature_counts(path, *options)

            assert list(counts.values()) == [expected], (collection.id, fmt, counts, expected)
            checked.append((collection.id, fmt, expected))
    ids = {c for c, _, _ in checked}
    assert {"walks", "observations", "actions", "incidents", "detaljplaner", "hotspot-cells"} <= ids
    assert all(n > 0 for c, _, n in checked if c in {"walks", "observations", "incidents"})


@pytest.mark.django_db
def test_every_walks_geopackage_holds_its_route_observations_and_actions(
    client: Client, demo_analyst: User, tmp_path: Path
) -> None:
    login_verified(client, demo_analyst)
    walks = list(Trygghetsvandring.objects.all())
    assert len(walks) == 5

    for walk in walks:
        response = client.get(f"/export/walk/{walk.pk}.gpkg")
        assert response.status_code == 200, (walk.name, response.status_code)
        path = tmp_path / f"walk-{walk.pk}.gpkg"
        path.write_bytes(body(response))

        counts = feature_counts(path)

        assert counts == {
            "rutt": 1,
            "observationer": Observation.objects.filter(walk=walk).count(),
            "atgarder": Action.objects.filter(observation__walk=walk).count(),
        }, walk.name


@pytest.mark.django_db
def test_every_plans_geopackage_holds_its_layers_and_the_density_raster(
    client: Client, demo_analyst: User, tmp_path: Path
) -> None:
    login_verified(client, demo_analyst)
    plans = list(Detaljplan.objects.all())
    assert plans

    for plan in plans:
        response = client.get(f"/export/plan/{plan.pk}.gpkg")
        assert response.status_code == 200, (plan.plan_id, response.status_code)
        path = tmp_path / f"plan-{plan.pk}.gpkg"
        path.write_bytes(body(response))
        around = plan.area.buffer(SURROUNDINGS_M)

        counts = feature_counts(path)
        raster = gdal("gdalinfo", f"GPKG:{path}:tathet")

        assert counts["planomrade"] == 1
        assert counts["anvandningsomraden"] == plan.zones.count() > 0
        assert (
            counts["observationer"]
            == Observation.objects.filter(location__intersects=around).count()
        )
        # Never sensitive points in a package, for anyone (docs/decisions/0403).
        placed = Incident.objects.placed().non_sensitive().filter(location__intersects=around)
        assert counts["handelser"] == placed.count() > 0
        for kind in (
            ContextFeature.objects.filter(geom__intersects=around)
            .values_list("kind", flat=True)
            .distinct()
        ):
            expected = ContextFeature.objects.filter(kind=kind, geom__intersects=around).count()
            assert counts[f"stadsmiljo_{kind.replace('-', '_')}"] == expected, kind
        assert "Size is" in raster and 'EPSG",3006' in raster.replace(" ", "")


@pytest.mark.django_db(transaction=True)
def test_gdal_reads_the_density_geotiff_from_a_live_server_in_byte_ranges(
    live_server: Any, tmp_path: Path
) -> None:
    from accounts import api_tokens

    x, y = VASBY_CENTRUM
    for i in range(60):
        IncidentFactory(location=Point(x + 37.0 * (i % 8), y + 41.0 * (i // 8), srid=STORAGE_SRID))
    planner = user_with_role("planerare", username="petra")
    _token, key = api_tokens.issue(planner, name="GDAL")
    url = f"/vsicurl/{live_server.url}/export/tathet.tif?from=2020-01-01"
    # A personal API key as docs/api.md says: the Bearer header (GDAL_HTTP_HEADERS, GDAL >= 3.6).
    config = ["--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {key}",
              "--config", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS", ".tif",
              "--config", "GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR"]  # fmt: skip

    info = gdal("gdalinfo", *config, "-checksum", url)
    downloaded = Client()
    downloaded.force_login(planner)
    whole = tmp_path / "tathet.tif"
    whole.write_bytes(downloaded.get("/export/tathet.tif", {"from": "2020-01-01"}).content)
    local = gdal("gdalinfo", "-checksum", str(whole))

    assert "LAYOUT=COG" in info, info
    assert "TRYGG_INCIDENTS=60" in info
    # The pixels GDAL read in parts over HTTP are the pixels of the whole file.
    checksums = re.findall(r"Checksum=(\d+)", info)
    assert checksums and checksums == re.findall(r"Checksum=(\d+)", local)
    assert any(c != "0" for c in checksums)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/export/tathet.tif", "/bra/export/tathet.tif"])
def test_the_density_geotiff_answers_byte_ranges_with_206_and_416(client: Client, url: str) -> None:
    # The BRÅ page's download is the same file as the programs' one, so it answers Range the same way.
    IncidentFactory()
    client.force_login(user_with_role("bra_ledamot" if url.startswith("/bra/") else "planerare"))

    whole = client.get(url)
    size = len(whole.content)
    part = client.get(url, headers={"Range": "bytes=0-15"})
    tail = client.get(url, headers={"Range": "bytes=-10"})
    beyond = client.get(url, headers={"Range": f"bytes={size}-"})
    stale = client.get(url, headers={"Range": "bytes=0-15", "If-Range": '"other"'})

    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert part.status_code == 206 and part.content == whole.content[:16]
    assert part["Content-Range"] == f"bytes 0-15/{size}" and part["Content-Length"] == "16"
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{size}"
    assert stale.status_code == 200 and stale.content == whole.content
    assert part["ETag"] == whole["ETag"]
