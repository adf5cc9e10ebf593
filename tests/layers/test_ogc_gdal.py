"""GDAL's own OGC API client (the OAPIF driver of ogrinfo and ogr2ogr) reads a running Trygg server.

The server is Django's live_server (a real threaded HTTP server on a free port, on the test database);
GDAL logs in with HTTP Basic (GDAL_HTTP_USERPWD), as QGIS does.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import Point

from geo.crs import STORAGE_SRID
from layers.analysis import hotspot_cells, hotspots_for
from layers.models import Incident, Municipality
from layers.ogc import auth as ogc_auth
from tests.factories import VASBY_CENTRUM, IncidentFactory, sensitive_category, user_with_role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PASSWORD = "x-test-password-1"  # tests.factories.user_with_role


def gdal(*args: str, user: str = "birgitta", secret: str = PASSWORD) -> str:
    result = subprocess.run(
        [
            *args,
            "--config",
            "GDAL_HTTP_USERPWD",
            f"{user}:{secret}",
            "--config",
            "GDAL_HTTP_TIMEOUT",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def incidents() -> list[Incident]:
    ogc_auth.forget_all()
    user_with_role("bra_ledamot", username="birgitta")
    x, y = VASBY_CENTRUM
    made = [
        IncidentFactory(location=Point(x + 7.123 * i, y - 3.456 * i, srid=STORAGE_SRID))
        for i in range(130)  # more than one page of 50, so GDAL follows the next links
    ]
    for _ in range(6):
        IncidentFactory(category=sensitive_category())
    return made


def test_ogrinfo_lists_the_collections(live_server: Any, incidents: list[Incident]) -> None:
    out = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{live_server.url}/ogc")

    for name in ("districts", "nyko-areas", "incidents", "sensitive-incident-cells", "hotspot-cells",
                 "walks", "observations", "actions", "detaljplaner", "plan-zones",
                 "context-building"):  # fmt: skip
        assert f": {name} (" in out, out


def test_ogr2ogr_copies_incidents_into_a_geopackage_in_epsg_3006_within_a_centimetre(
    live_server: Any, incidents: list[Incident], tmp_path: Path
) -> None:
    target = tmp_path / "incidents.gpkg"

    gdal(
        "ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{live_server.url}/ogc", "incidents",
        "-oo", "PAGE_SIZE=50", "-preserve_fid", "-t_srs", f"EPSG:{STORAGE_SRID}",
    )  # fmt: skip
    layer = DataSource(str(target))[0]

    assert layer.srs is not None and layer.srs.srid == STORAGE_SRID
    # A BRÅ member's copy holds every incident it may see as a point, and no sensitive one.
    assert len(layer) == Incident.objects.non_sensitive().count() == 130
    stored = {i.pk: i.location for i in Incident.objects.all()}
    worst_m = max(
        stored[feature.fid].distance(Point(feature.geom.x, feature.geom.y, srid=STORAGE_SRID))
        for feature in layer
    )
    assert worst_m < 0.01, f"a coordinate moved {worst_m:.4f} m"


def test_an_analysts_personal_api_key_lets_ogr2ogr_copy_the_sensitive_points(
    live_server: Any, incidents: list[Incident], tmp_path: Path
) -> None:
    # QGIS and GDAL send the key as the Basic password; the analyst's password alone is refused (0012).
    from accounts import api_tokens

    analyst = user_with_role("analytiker", username="anna")
    _token, key = api_tokens.issue(analyst, name="QGIS")
    target = tmp_path / "all.gpkg"

    gdal(
        "ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{live_server.url}/ogc", "incidents",
        user="anna", secret=key,
    )  # fmt: skip

    assert len(DataSource(str(target))[0]) == Incident.objects.count() == 136


def test_ogrinfo_reads_a_layer_with_a_personal_api_key_sent_as_bearer(
    live_server: Any, incidents: list[Incident]
) -> None:
    # As docs/api.md shows: GDAL_HTTP_HEADERS (GDAL ≥ 3.6) carries the key; PAGE_SIZE=1000 as advised.
    from accounts import api_tokens

    birgitta = User.objects.get(username="birgitta")
    _token, key = api_tokens.issue(birgitta, name="GDAL")
    result = subprocess.run(
        [
            "ogrinfo", "-ro", "-so", "-oo", "PAGE_SIZE=1000", f"OAPIF:{live_server.url}/ogc",
            "incidents", "--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {key}",
            "--config", "GDAL_HTTP_TIMEOUT", "60",
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    refused = subprocess.run(
        [
            "ogrinfo", "-ro", "-so", f"OAPIF:{live_server.url}/ogc", "incidents",
            "--config", "GDAL_HTTP_HEADERS", "Authorization: Bearer tryggapi_revoked_or_made_up",
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "Feature Count: 130" in result.stdout  # the BRÅ member's view: no sensitive incident
    assert refused.returncode != 0


def test_ogrinfo_reads_the_feature_count_and_a_filter(
    live_server: Any, incidents: list[Incident]
) -> None:
    out = gdal(
        "ogrinfo", "-ro", "-so", f"OAPIF:{live_server.url}/ogc", "incidents", "-where", "category = 'misshandel'"
    )  # fmt: skip

    assert "Feature Count: 130" in out
    assert "Geometry: Point" in out


def test_ogr2ogr_copies_the_hot_spot_cells_with_the_engines_count_and_values(
    live_server: Any, incidents: list[Incident], tmp_path: Path
) -> None:
    target = tmp_path / "hotspots.gpkg"
    member = User.objects.get(username="birgitta")
    result = hotspots_for(member, Municipality.objects.get(), {})
    engine = {c["id"]: c for c in hotspot_cells(result, only_significant=False)}

    gdal(
        "ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{live_server.url}/ogc", "hotspot-cells",
        "-oo", "PAGE_SIZE=500", "-t_srs", f"EPSG:{STORAGE_SRID}",
    )  # fmt: skip
    layer = DataSource(str(target))[0]
    copied = {feature.get("id"): feature for feature in layer}

    assert layer.srs is not None and layer.srs.srid == STORAGE_SRID
    assert len(layer) == len(engine) > 100  # every cell of the study area
    assert set(copied) == set(engine)
    hot = [i for i, c in engine.items() if c["class"] > 0]
    assert hot, "130 incidents in a line make a hot spot"
    for cell_id in hot:
        assert copied[cell_id].get("count") == engine[cell_id]["count"]
        assert copied[cell_id].get("class") == engine[cell_id]["class"]
        assert abs(copied[cell_id].get("z") - engine[cell_id]["z"]) < 1e-9
        minx, miny, maxx, maxy = engine[cell_id]["bounds"]
        extent = copied[cell_id].geom.extent  # within a centimetre of the engine's square
        assert max(abs(a - b) for a, b in zip(extent, (minx, miny, maxx, maxy), strict=True)) < 0.01
