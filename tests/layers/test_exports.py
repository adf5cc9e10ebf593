"""Exports: any filtered layer as GeoJSON or CSV, and the GeoPackages of a plan review and of a walk."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import Point
from django.test import Client

from geo.crs import STORAGE_SRID
from layers.models import AuditEvent, Detaljplan, PlanZone
from surveys.models import Action
from tests.factories import (
    VASBY_CENTRUM,
    CategoryFactory,
    IncidentFactory,
    ObservationFactory,
    OfficeFactory,
    WalkFactory,
    in_published_year,
    sensitive_category,
    square,
)

pytestmark = pytest.mark.django_db


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content) if response.streaming else response.content


def gpkg_layers(content: bytes, tmp_path: Path) -> dict[str, tuple[int, int | None, list[dict]]]:
    """{layer: (feature count, EPSG code, [attributes of each feature])} read back with GDAL."""
    path = tmp_path / "out.gpkg"
    path.write_bytes(content)
    source = DataSource(str(path))
    result = {}
    for layer in source:
        srid = layer.srs.srid if layer.srs else None
        rows = [{name: feature.get(name) for name in layer.fields} for feature in layer]
        result[layer.name] = (len(layer), srid, rows)
    return result


def test_a_filtered_layer_exports_as_geojson_in_crs84_or_sweref(bra_client: Client) -> None:
    wanted = IncidentFactory(location=Point(664772.25, 6601411.75, srid=STORAGE_SRID))
    IncidentFactory(category=CategoryFactory(code="skadegorelse", label="Skadegörelse"))

    crs84 = json.loads(
        body(bra_client.get("/export/incidents.geojson", {"category": "misshandel"}))
    )
    sweref = json.loads(
        body(
            bra_client.get(
                "/export/incidents.geojson",
                {"category": "misshandel", "crs": "http://www.opengis.net/def/crs/EPSG/0/3006"},
            )
        )
    )

    assert [f["id"] for f in crs84["features"]] == [wanted.pk]
    assert "crs" not in crs84
    assert sweref["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::3006"
    assert sweref["features"][0]["geometry"]["coordinates"] == [664772.25, 6601411.75]  # x, y


def test_a_layer_exports_as_csv_with_wkt_geometry(bra_client: Client) -> None:
    ObservationFactory(note='Trasig lampa, "mörkt"')

    response = bra_client.get("/export/observations.csv")
    rows = list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig")), delimiter=";"))

    assert response["Content-Disposition"] == 'attachment; filename="trygg-observations.csv"'
    assert rows[0]["note"] == 'Trasig lampa, "mörkt"'
    assert rows[0]["geometry_wkt"].startswith("POINT (17.")


def test_a_bra_members_export_holds_no_sensitive_points(bra_client: Client) -> None:
    IncidentFactory()
    for _ in range(5):  # in the newest published year: the export's cells are its release
        IncidentFactory(category=sensitive_category(), occurred_from=in_published_year())

    points = json.loads(body(bra_client.get("/export/incidents.geojson")))
    cells = json.loads(body(bra_client.get("/export/sensitive-incident-cells.geojson")))

    assert len(points["features"]) == 1
    assert [c["properties"]["count"] for c in cells["features"]] == [5]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_SENSITIVE).exists()


def test_an_analysts_export_of_sensitive_incidents_is_audited(
    analyst_client: Client, analyst: User
) -> None:
    IncidentFactory()
    IncidentFactory(category=sensitive_category())
    IncidentFactory(category=sensitive_category())

    exported = json.loads(body(analyst_client.get("/export/incidents.geojson")))

    assert len(exported["features"]) == 3
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_SENSITIVE)
    assert (event.user, event.channel, event.count) == (analyst, "export", 2)


@pytest.mark.parametrize(
    "query", ["limit=5", "bbox=1,2", "crs=http://www.opengis.net/def/crs/EPSG/0/3857", "colour=red"]
)
def test_bad_export_parameters_get_400(bra_client: Client, query: str) -> None:
    IncidentFactory()

    assert bra_client.get(f"/export/incidents.geojson?{query}").status_code == 400


def test_unknown_layer_or_format_is_404(bra_client: Client) -> None:
    assert bra_client.get("/export/secrets.geojson").status_code == 404
    assert bra_client.get("/export/incidents.shp").status_code == 404


def test_the_plan_review_geopackage_holds_every_layer_in_sweref(
    bra_client: Client, tmp_path: Path
) -> None:
    x, y = VASBY_CENTRUM
    plan = Detaljplan.objects.create(
        municipality=IncidentFactory().municipality,
        plan_id="P1",
        name="Centrum",
        area=square(x, y, 100),
    )
    PlanZone.objects.create(
        municipality=plan.municipality, plan=plan, use_code="B", area=square(x, y, 50)
    )
    IncidentFactory(location=Point(x + 5000, y, srid=STORAGE_SRID))  # far away: left out
    for _ in range(5):
        IncidentFactory(category=sensitive_category(), occurred_from=in_published_year())
    ObservationFactory()

    response = bra_client.get(f"/export/plan/{plan.pk}.gpkg")
    layers = gpkg_layers(body(response), tmp_path)

    assert response["Content-Type"] == "application/geopackage+sqlite3"
    assert layers["planomrade"][:2] == (1, 3006)
    assert layers["planomrade"][2][0]["plan_id"] == "P1"
    assert layers["anvandningsomraden"][:2] == (1, 3006)
    assert layers["handelser"][0] == 1
    assert layers["observationer"][0] == 1
    assert layers["kansliga_handelser_rutor"][0] == 1
    assert layers["kansliga_handelser_rutor"][2][0]["count"] == 5
    assert "stadsmiljo_building" in layers


def test_the_plan_review_package_has_no_sensitive_points_even_for_an_analyst(
    analyst_client: Client, tmp_path: Path
) -> None:
    x, y = VASBY_CENTRUM
    incident = IncidentFactory(category=sensitive_category())
    plan = Detaljplan.objects.create(
        municipality=incident.municipality, plan_id="P2", name="Centrum", area=square(x, y, 100)
    )

    layers = gpkg_layers(body(analyst_client.get(f"/export/plan/{plan.pk}.gpkg")), tmp_path)

    assert layers["handelser"][0] == 0


def test_the_walk_geopackage_holds_route_observations_and_actions(
    bra_client: Client, tmp_path: Path
) -> None:
    walk = WalkFactory()
    observation = ObservationFactory(walk=walk)
    ObservationFactory()  # another walk's
    Action.objects.create(
        municipality=walk.municipality,
        observation=observation,
        office=OfficeFactory(municipality=walk.municipality),
        title="Byt lampan",
    )

    layers = gpkg_layers(body(bra_client.get(f"/export/walk/{walk.pk}.gpkg")), tmp_path)

    assert layers["rutt"][:2] == (1, 3006)
    assert layers["observationer"][:2] == (1, 3006)
    assert layers["atgarder"][0] == 1
    assert layers["atgarder"][2][0]["title"] == "Byt lampan"


def test_packages_for_missing_plans_and_walks_are_404(bra_client: Client) -> None:
    IncidentFactory()

    assert bra_client.get("/export/plan/999.gpkg").status_code == 404
    assert bra_client.get("/export/walk/999.gpkg").status_code == 404
    assert bra_client.get("/export/walk/1.gpkg?colour=red").status_code == 400


def test_exports_need_a_login() -> None:
    assert Client().get("/export/incidents.geojson").status_code == 401
