"""The planner's import pages and the plan edit endpoint, over HTTP (real PostGIS)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from geo.crs import transform_xy
from layers.models import ContextFeature, Detaljplan, ImportBatch, PlanZone, RegulationArea
from layers.roles import Role
from tests.factories import VASBY_CENTRUM, MunicipalityFactory, user_with_role
from tests.mapapp.test_pages import local_refs_only
from tests.paths import TEST_DATA

pytestmark = pytest.mark.django_db

SHARED = TEST_DATA
XML = (
    SHARED / "detaljplan_ss637040_exempel_kristianstad" / "plankarta_oppmanna_tollarp_ss637040.xml"
)


@pytest.fixture
def planner_client(client: Client) -> Client:
    MunicipalityFactory()
    client.force_login(user_with_role(Role.PLANNER))
    return client


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def vasby_plan_geojson(code: str = "B") -> bytes:
    cx, cy = VASBY_CENTRUM
    ring = [[cx, cy], [cx + 100, cy], [cx + 100, cy + 80], [cx, cy + 80], [cx, cy]]
    return json.dumps(
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "EPSG:3006"}},
            "features": [
                {
                    "type": "Feature",
                    "properties": {"kod": code, "id": "kv1"},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            ],
        }
    ).encode()


def nothing_stored() -> bool:
    return not (
        ImportBatch.objects.exists()
        or Detaljplan.objects.exists()
        or PlanZone.objects.exists()
        or ContextFeature.objects.exists()
    )


def test_the_import_pages_ask_for_a_login_and_a_planner(client: Client) -> None:
    MunicipalityFactory()
    assert client.get("/plan/importera/").status_code == 302
    client.force_login(user_with_role(Role.BRA_MEMBER))

    assert client.get("/plan/importera/").status_code == 403
    assert client.get("/plan/kontext/importera/").status_code == 403
    assert client.get("/plan/ny/").status_code == 403


def test_a_planner_imports_a_plan_and_reads_the_report(planner_client: Client) -> None:
    page = planner_client.get("/plan/importera/")
    assert page.status_code == 200 and local_refs_only(page.content.decode()) == []

    response = planner_client.post(
        "/plan/importera/",
        {
            "file": upload("kvarter.geojson", vasby_plan_geojson()),
            "plan_id": "DP 1",
            "kind": "ombyggnad",
        },
    )

    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plan/importera/{batch.pk}/"
    report = planner_client.get(response["Location"]).content.decode()
    plan = Detaljplan.objects.get(plan_id="DP 1")
    assert "SWEREF 99 TM" in report and "Bostäder" in report
    assert f'href="/plan/{plan.pk}/"' in report and f'href="/plan/{plan.pk}/redigera/"' in report
    assert plan.kind == "ombyggnad" and batch.created_by is not None


def test_the_upload_answers_json_for_the_progress_script(planner_client: Client) -> None:
    response = planner_client.post(
        "/plan/importera/",
        {"file": upload("kvarter.geojson", vasby_plan_geojson())},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 201
    assert response.json()["report_url"].startswith("/plan/importera/")


def test_an_xml_with_an_external_entity_is_422_and_stores_nothing(planner_client: Client) -> None:
    hostile = XML.read_bytes().replace(
        b'<?xml version="1.0" encoding="utf-8"?>',
        b'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    )

    response = planner_client.post("/plan/importera/", {"file": upload("plan.xml", hostile)})

    assert response.status_code == 422
    assert "plan.xml" in response.content.decode() and "DTD" in response.content.decode()
    assert nothing_stored()


def test_a_zip_with_a_path_outside_its_folder_is_422_and_stores_nothing(
    planner_client: Client,
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../evil.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96)

    response = planner_client.post(
        "/plan/importera/", {"file": upload("plan.zip", buffer.getvalue())}
    )
    context_response = planner_client.post(
        "/plan/kontext/importera/", {"file": upload("ctx.zip", buffer.getvalue())}
    )

    assert response.status_code == 422 and context_response.status_code == 422
    assert "utanför sin mapp" in response.content.decode()
    assert nothing_stored()


def test_a_geojson_with_nan_coordinates_is_422_and_stores_nothing(planner_client: Client) -> None:
    content = vasby_plan_geojson().replace(
        b"[664772.0, 6601411.0], [664872.0", b"[NaN, 6601411.0], [664872.0"
    )
    assert b"NaN" in content

    response = planner_client.post("/plan/importera/", {"file": upload("nan.geojson", content)})
    context_response = planner_client.post(
        "/plan/kontext/importera/", {"file": upload("nan.geojson", content), "mapping": "kind=park"}
    )

    assert response.status_code == 422 and context_response.status_code == 422
    assert "NaN" in response.content.decode() and "nan.geojson" in response.content.decode()
    assert nothing_stored()


def test_a_file_without_a_crs_is_422_and_names_the_problem(planner_client: Client) -> None:
    content = json.dumps(
        {k: v for k, v in json.loads(vasby_plan_geojson()).items() if k != "crs"}
    ).encode()  # projected coordinates, no crs member: RFC 7946 would mean WGS 84

    response = planner_client.post(
        "/plan/importera/", {"file": upload("utan_crs.geojson", content)}
    )
    csv_response = planner_client.post(
        "/plan/kontext/importera/",
        {"file": upload("lampor.csv", b"id,x,y\n1,664772,6601411\n"), "mapping": "kind=lamp"},
    )

    assert response.status_code == 422
    assert "saknar koordinatsystem" in response.content.decode()
    assert csv_response.status_code == 422 and "koordinatsystem" in csv_response.content.decode()
    assert nothing_stored()


def test_a_file_passed_off_under_another_name_is_415(planner_client: Client) -> None:
    response = planner_client.post(
        "/plan/importera/", {"file": upload("plan.gpkg", XML.read_bytes())}
    )

    assert response.status_code == 415
    assert nothing_stored()


def test_a_missing_file_is_400(planner_client: Client) -> None:
    response = planner_client.post("/plan/importera/", {"plan_id": "x"})

    assert response.status_code == 400


def test_a_planner_imports_a_lamp_register_and_undoes_it(planner_client: Client) -> None:
    cx, cy = VASBY_CENTRUM
    register = f"LAMPID;E;N\nL1;{cx};{cy}\nL2;{cx + 30};{cy}\nL3;inte ett tal;{cy}\n".encode()

    response = planner_client.post(
        "/plan/kontext/importera/",
        {
            "file": upload("lampor.csv", register),
            "layer_name": "Belysning",
            "mapping": "kind=lamp,x=E,y=N,srid=3006,id=LAMPID",
        },
    )
    batch = ImportBatch.objects.get()
    report = planner_client.get(response["Location"]).content.decode()
    undo = planner_client.post(f"/plan/kontext/importera/{batch.pk}/angra/")

    assert response.status_code == 302
    assert batch.rows_stored == 2 and batch.rows_rejected == 1, batch.rejected
    assert "inte ett tal" in report and "Gatubelysning" in report
    assert undo.status_code == 302
    assert not ContextFeature.objects.exists()
    assert ImportBatch.objects.get().status == "angrad"


def test_the_plan_import_report_offers_undo_and_undo_removes_the_plan(
    planner_client: Client,
) -> None:
    planner_client.post(
        "/plan/importera/", {"file": upload("kvarter.geojson", vasby_plan_geojson())}
    )
    batch = ImportBatch.objects.get()

    response = planner_client.post(f"/plan/importera/{batch.pk}/angra/")

    assert response.status_code == 302
    assert not Detaljplan.objects.exists()
    assert "ångrades" in planner_client.get(f"/plan/importera/{batch.pk}/").content.decode()


def square_wgs84(cx: float, cy: float, half: float) -> dict[str, object]:
    xs, ys = transform_xy(
        [cx - half, cx + half, cx + half, cx - half, cx - half],
        [cy - half, cy - half, cy + half, cy + half, cy - half],
        from_srid=3006,
        to_srid=4326,
    )
    return {
        "type": "Polygon",
        "coordinates": [[[float(x), float(y)] for x, y in zip(xs, ys, strict=True)]],
    }


def test_a_planner_draws_a_new_plan_and_then_edits_its_zones(planner_client: Client) -> None:
    cx, cy = VASBY_CENTRUM
    payload = {
        "plan": {"plan_id": "RITAD-1", "name": "Ritad plan", "status": "samrad", "kind": "ny"},
        "area": square_wgs84(cx, cy, 100),
        "zones": [
            {
                "use_code": "B",
                "label": "Bostäder",
                "scenario": "planerat",
                "geometry": square_wgs84(cx - 50, cy, 50),
            },
            # reaches 50 m past the plan boundary: clipped to it
            {
                "use_code": "PARK",
                "label": "",
                "scenario": "planerat",
                "geometry": square_wgs84(cx + 100, cy, 100),
            },
        ],
    }

    created = planner_client.post("/plan/ny/spara/", payload, content_type="application/json")
    plan = Detaljplan.objects.get(plan_id="RITAD-1")
    park = plan.zones.get(use_code="PARK")
    payload["zones"] = [
        {
            "id": created.json()["zone_ids"][0],
            "use_code": "C",
            "label": "Centrum",
            "scenario": "planerat",
            "geometry": square_wgs84(cx - 50, cy, 50),
        }
    ]
    edited = planner_client.post(
        f"/plan/{plan.pk}/redigera/spara/", payload, content_type="application/json"
    )

    assert created.status_code == 201
    assert created.json()["review_url"] == f"/plan/{plan.pk}/"
    assert park.area.area == pytest.approx(
        100 * 200, rel=0.01
    )  # clipped to the plan: 100 m × 200 m
    assert plan.area.area == pytest.approx(200 * 200, rel=0.01)
    assert edited.status_code == 200
    assert list(plan.zones.values_list("use_code", "label")) == [("C", "Centrum")]
    assert plan.zones.get().pk == created.json()["zone_ids"][0]  # kept its id (and its regulations)


@pytest.mark.parametrize("zone_id", ["²", "٣", "1" * 40, True, "x"])
def test_a_zone_id_that_is_not_a_plain_number_is_a_new_zone_never_a_500(
    planner_client: Client, zone_id: object
) -> None:
    cx, cy = VASBY_CENTRUM
    zone = {"use_code": "B", "label": "", "scenario": "planerat"}
    payload = {
        "plan": {"plan_id": "RITAD-2", "name": "Ritad"},
        "area": square_wgs84(cx, cy, 100),
        "zones": [{**zone, "geometry": square_wgs84(cx, cy, 50)}],
    }
    created = planner_client.post("/plan/ny/spara/", payload, content_type="application/json")
    plan = Detaljplan.objects.get(plan_id="RITAD-2")
    payload["zones"] = [{**zone, "id": zone_id, "geometry": square_wgs84(cx, cy, 40)}]

    edited = planner_client.post(
        f"/plan/{plan.pk}/redigera/spara/", payload, content_type="application/json"
    )

    assert created.status_code == 201 and edited.status_code == 200
    assert plan.zones.count() == 1
    assert plan.zones.get().pk != created.json()["zone_ids"][0]


def test_the_edit_page_refuses_a_bad_plan_with_named_fields(planner_client: Client) -> None:
    cx, cy = VASBY_CENTRUM
    far_away = square_wgs84(cx + 500_000, cy, 100)

    no_id = planner_client.post(
        "/plan/ny/spara/",
        {"plan": {"name": "x"}, "area": square_wgs84(cx, cy, 50)},
        content_type="application/json",
    )
    outside = planner_client.post(
        "/plan/ny/spara/",
        {"plan": {"plan_id": "X", "name": "x"}, "area": far_away},
        content_type="application/json",
    )
    nan = planner_client.post(
        "/plan/ny/spara/",
        b'{"plan": {"plan_id": "X", "name": "x"}, "area": {"type": "Polygon", "coordinates": [[[NaN, 59], [18, 59], [18, 60], [NaN, 59]]]}}',
        content_type="application/json",
    )

    assert no_id.status_code == 422 and "plan_id" in no_id.json()["fields"]
    assert outside.status_code == 422 and "area" in outside.json()["fields"]
    assert nan.status_code == 422
    assert not Detaljplan.objects.exists()


def test_the_edit_page_of_an_imported_plan_carries_its_zones_and_regulation_areas(
    client: Client, tmp_path: Path
) -> None:
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from layers.importers.detaljplan import import_detaljplan
    from layers.models import Membership, Municipality

    MunicipalityFactory()  # Väsby too: the planner must be Kristianstad's to see its plan (0013)

    x, y = transform_xy([198800.0], [6228100.0], from_srid=3008, to_srid=3006)
    kristianstad = Municipality.objects.create(
        kommunkod="1290",
        name="Kristianstad",
        boundary=MultiPolygon(
            Polygon.from_bbox((x[0] - 5000, y[0] - 5000, x[0] + 5000, y[0] + 5000)), srid=3006
        ),
    )
    path = tmp_path / XML.name
    path.write_bytes(XML.read_bytes())
    import_detaljplan(path, municipality=kristianstad)
    plan = Detaljplan.objects.get()
    planner = user_with_role(Role.PLANNER)
    Membership.objects.create(user=planner, municipality=kristianstad)
    client.force_login(planner)

    page = client.get(f"/plan/{plan.pk}/redigera/")

    html = page.content.decode()
    data = json.loads(
        html.split('id="plan-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    )
    assert page.status_code == 200 and local_refs_only(html) == []
    assert sorted(z["use_code"] for z in data["zones"]) == [
        "E",
        "GATA",
        "GÅNG CYKEL",
        "NATUR",
        "R S",
    ]
    assert len(data["regulation_areas"]) == RegulationArea.objects.count() == 6
    lon, lat = data["area"]["coordinates"][0][0][0]
    assert 14.2 < lon < 14.4 and 56.1 < lat < 56.2  # WGS 84, lon before lat


def test_context_features_for_the_edit_map_need_a_small_bbox(planner_client: Client) -> None:
    bad = planner_client.get("/plan/kontext/objekt.json?bbox=a,b")
    empty = planner_client.get("/plan/kontext/objekt.json?bbox=17.90,59.51,17.92,59.52")

    assert bad.status_code == 400
    assert empty.status_code == 200 and empty.json()["features"] == []


def test_the_import_pages_link_back_and_the_nav_shows_import_to_planners(
    planner_client: Client, bra_member: User
) -> None:
    html = planner_client.get("/plan/kontext/importera/").content.decode()

    assert 'href="/plan/importera/"' in html  # the nav link
    assert "kind=lamp,x=E,y=N,srid=3011" in html
