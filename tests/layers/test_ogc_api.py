"""OGC API – Features at /ogc/: core resources, parameters, CRS, permissions and the audit log."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from geo.crs import STORAGE_SRID
from layers.models import AuditEvent, Detaljplan, Incident
from layers.ogc import auth as ogc_auth
from layers.ogc.crs import CRS84, EPSG_PREFIX
from tests.factories import (
    VASBY_CENTRUM,
    CategoryFactory,
    DistrictFactory,
    IncidentFactory,
    MunicipalityFactory,
    ObservationFactory,
    WalkFactory,
    in_published_year,
    sensitive_category,
    square,
    user_with_role,
)

pytestmark = pytest.mark.django_db

EPSG_3006 = f"{EPSG_PREFIX}3006"
EPSG_4326 = f"{EPSG_PREFIX}4326"


def items(client: Client, collection: str, **params: str) -> dict:
    response = client.get(f"/ogc/collections/{collection}/items", params)
    assert response.status_code == 200, response.content
    return response.json()


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture(autouse=True)
def _forget_basic_logins() -> None:
    ogc_auth.forget_all()


def test_landing_page_links_the_api_document_conformance_and_collections(
    bra_client: Client,
) -> None:
    MunicipalityFactory()

    body = bra_client.get("/ogc/", headers={"Accept": "application/json"}).json()

    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels["service-desc"].endswith("/ogc/api")
    assert rels["conformance"].endswith("/ogc/conformance")
    assert rels["data"].endswith("/ogc/collections")


def test_landing_page_is_html_for_a_browser_and_lists_the_layers(bra_client: Client) -> None:
    MunicipalityFactory()

    response = bra_client.get("/ogc/", headers={"Accept": "text/html,application/xhtml+xml"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="ogc-landing"' in html
    assert "/export/incidents.geojson" in html
    assert "OAPIF:" in html


def test_conformance_declares_core_geojson_oas30_and_crs() -> None:
    client = Client()
    client.force_login(user_with_role("planerare"))

    conforms = client.get("/ogc/conformance").json()["conformsTo"]

    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conforms
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conforms
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in conforms
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conforms


def test_collections_list_every_layer_with_crs_list_and_storage_crs(bra_client: Client) -> None:
    MunicipalityFactory()

    collections = {c["id"]: c for c in bra_client.get("/ogc/collections").json()["collections"]}

    expected = {
        "districts",
        "nyko-areas",
        "incidents",
        "sensitive-incident-cells",
        "walks",
        "observations",
        "actions",
        "detaljplaner",
        "plan-zones",
        "context-street",
        "context-building",
        "context-lamp",
    }
    assert expected <= set(collections)
    incidents = collections["incidents"]
    assert incidents["storageCrs"] == EPSG_3006
    assert incidents["crs"][0] == CRS84 and EPSG_3006 in incidents["crs"]
    assert incidents["extent"]["spatial"]["crs"] == CRS84
    minx, miny, maxx, maxy = incidents["extent"]["spatial"]["bbox"][0]
    assert 17.7 < minx < maxx < 18.1 and 59.4 < miny < maxy < 59.7  # around Väsby


def test_items_are_geojson_in_crs84_with_content_crs_header(bra_client: Client) -> None:
    incident = IncidentFactory()

    response = bra_client.get("/ogc/collections/incidents/items")

    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Crs"] == f"<{CRS84}>"
    feature = response.json()["features"][0]
    assert feature["id"] == incident.pk
    lon, lat = feature["geometry"]["coordinates"]
    assert 17.8 < lon < 18.0 and 59.4 < lat < 59.6


def test_items_in_epsg_3006_are_northing_easting_and_match_the_database(bra_client: Client) -> None:
    incident = IncidentFactory(location=Point(664772.123, 6601411.456, srid=STORAGE_SRID))

    response = bra_client.get("/ogc/collections/incidents/items", {"crs": EPSG_3006})

    assert response["Content-Crs"] == f"<{EPSG_3006}>"
    northing, easting = response.json()["features"][0]["geometry"]["coordinates"]
    assert (easting, northing) == (incident.location.x, incident.location.y)


def test_items_in_epsg_4326_are_latitude_first(bra_client: Client) -> None:
    IncidentFactory()

    lat, lon = items(bra_client, "incidents", crs=EPSG_4326)["features"][0]["geometry"][
        "coordinates"
    ]

    assert 59.4 < lat < 59.6 and 17.8 < lon < 18.0


def test_bbox_keeps_only_features_inside_in_crs84_and_in_bbox_crs_3006(bra_client: Client) -> None:
    x, y = VASBY_CENTRUM
    inside = IncidentFactory(location=Point(x, y, srid=STORAGE_SRID))
    IncidentFactory(location=Point(x + 3000, y, srid=STORAGE_SRID))

    in_degrees = items(bra_client, "incidents", bbox="17.90,59.50,17.94,59.53")
    in_metres = items(
        bra_client,
        "incidents",
        bbox=f"{y - 100},{x - 100},{y + 100},{x + 100}",  # EPSG:3006 axis order: northing first
        **{"bbox-crs": EPSG_3006},
    )

    assert [f["id"] for f in in_degrees["features"]] == [inside.pk]
    assert [f["id"] for f in in_metres["features"]] == [inside.pk]


@pytest.mark.parametrize(
    ("datetime_param", "expected"),
    [
        ("2025-03-10T12:00:00Z", {"instant", "interval"}),
        ("2025-03-10", {"instant", "interval"}),
        ("2025-03-01T00:00:00Z/2025-03-05T00:00:00Z", {"early"}),
        ("../2025-03-05T00:00:00Z", {"early"}),
        ("2025-03-11T00:00:00Z/..", {"interval"}),
        ("2025-03-12T00:00:00Z/", {"interval"}),
    ],
)
def test_datetime_takes_instants_dates_and_intervals_with_open_ends(
    bra_client: Client, datetime_param: str, expected: set[str]
) -> None:
    at = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)
    IncidentFactory(source_ref="instant", occurred_from=at)
    IncidentFactory(source_ref="interval", occurred_from=at - dt.timedelta(hours=2),
                    occurred_to=at + dt.timedelta(days=3))  # fmt: skip
    IncidentFactory(source_ref="early", occurred_from=at - dt.timedelta(days=8))
    refs = {i.pk: i.source_ref for i in Incident.objects.all()}

    found = items(bra_client, "incidents", datetime=datetime_param)["features"]

    assert {refs[f["id"]] for f in found} == expected


def test_limit_defaults_to_100_and_next_and_prev_links_page_through(bra_client: Client) -> None:
    for _ in range(105):
        IncidentFactory()

    first = items(bra_client, "incidents")
    second = bra_client.get(next(lk["href"] for lk in first["links"] if lk["rel"] == "next")).json()

    assert (first["numberReturned"], first["numberMatched"]) == (100, 105)
    assert second["numberReturned"] == 5
    assert not any(link["rel"] == "next" for link in second["links"])
    assert any(link["rel"] == "prev" for link in second["links"])
    assert {f["id"] for f in first["features"]}.isdisjoint({f["id"] for f in second["features"]})


def test_properties_filter_by_queryables(bra_client: Client) -> None:
    IncidentFactory()
    other = IncidentFactory(category=CategoryFactory(code="skadegorelse", label="Skadegörelse"))

    found = items(bra_client, "incidents", category="skadegorelse")["features"]
    queryables = bra_client.get("/ogc/collections/incidents/queryables").json()

    assert [f["id"] for f in found] == [other.pk]
    assert {"category", "focus_area", "source", "generated"} <= set(queryables["properties"])


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=-5",
        "limit=many",
        "offset=-1",
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=18,60,17,59",
        "bbox=0,0,1,1e309",
        "bbox-crs=EPSG:9999&bbox=1,2,3,4",
        "crs=http://www.opengis.net/def/crs/EPSG/0/2000",
        "datetime=yesterday",
        "datetime=2025-01-01T00:00:00",
        "datetime=2025-02-01T00:00:00Z/2025-01-01T00:00:00Z",
        "datetime=../..",
        "datetime=2025-13-45",
        "focus_area=two",
        "generated=maybe",
        "colour=red",
        "limit=1&limit=2",
        "f=xml",
    ],
)
def test_bad_parameters_get_400_naming_the_parameter(bra_client: Client, query: str) -> None:
    IncidentFactory()

    response = bra_client.get(f"/ogc/collections/incidents/items?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "InvalidParameterValue"
    assert set(body["fields"]) & {query.split("=")[0], "limit", "bbox", "bbox-crs"}


def test_single_item_and_unknown_ids_and_collections(bra_client: Client) -> None:
    incident = IncidentFactory()

    found = bra_client.get(f"/ogc/collections/incidents/items/{incident.pk}")
    missing = bra_client.get("/ogc/collections/incidents/items/999999")
    not_a_number = bra_client.get("/ogc/collections/incidents/items/abc")
    no_collection = bra_client.get("/ogc/collections/nothing/items")

    assert found.status_code == 200
    assert found.json()["id"] == incident.pk
    assert found["Content-Crs"] == f"<{CRS84}>"
    assert (missing.status_code, not_a_number.status_code, no_collection.status_code) == (
        404,
        404,
        404,
    )


def test_bra_member_gets_sensitive_incidents_only_as_cells(bra_client: Client) -> None:
    visible = IncidentFactory()
    hidden = [
        IncidentFactory(category=sensitive_category(), occurred_from=in_published_year())
        for _ in range(6)
    ]

    points = items(bra_client, "incidents")["features"]
    single = bra_client.get(f"/ogc/collections/incidents/items/{hidden[0].pk}")
    cells = items(bra_client, "sensitive-incident-cells")["features"]
    asked = items(bra_client, "incidents", sensitive="true")["features"]

    assert [f["id"] for f in points] == [visible.pk]
    assert single.status_code == 404
    assert asked == []
    assert [c["properties"]["count"] for c in cells] == [6]
    assert cells[0]["properties"]["period_from"] == f"{in_published_year().year}-01-01"
    assert cells[0]["geometry"]["type"] == "Polygon"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.READ_SENSITIVE).exists()


def test_cells_under_k_are_left_out(bra_client: Client) -> None:
    for _ in range(4):
        IncidentFactory(category=sensitive_category())

    assert items(bra_client, "sensitive-incident-cells")["features"] == []


def test_a_narrow_bbox_keeps_the_whole_cell_count(bra_client: Client) -> None:
    x, y = VASBY_CENTRUM
    for i in range(6):
        IncidentFactory(
            category=sensitive_category(),
            location=Point(x + i * 10, y, srid=STORAGE_SRID),
            occurred_from=in_published_year(),
        )
    box = f"{y - 1},{x - 1},{y + 1},{x + 1}"  # around the first incident only

    cells = items(bra_client, "sensitive-incident-cells", bbox=box, **{"bbox-crs": EPSG_3006})

    assert [c["properties"]["count"] for c in cells["features"]] == [6]


def test_analyst_gets_sensitive_points_and_the_read_is_audited(
    analyst_client: Client, analyst: User
) -> None:
    IncidentFactory()
    hidden = IncidentFactory(category=sensitive_category())

    page = items(analyst_client, "incidents")
    single = analyst_client.get(f"/ogc/collections/incidents/items/{hidden.pk}")

    assert {f["id"] for f in page["features"]} == set(Incident.objects.values_list("pk", flat=True))
    assert single.status_code == 200 and single.json()["properties"]["sensitive"] is True
    events = AuditEvent.objects.filter(action=AuditEvent.Action.READ_SENSITIVE, channel="ogc")
    assert [(e.user, e.count) for e in events.order_by("at")] == [(analyst, 1), (analyst, 1)]


def test_walks_observations_actions_and_plans_are_served(bra_client: Client) -> None:
    walk = WalkFactory()
    observation = ObservationFactory(walk=walk)
    municipality = walk.municipality
    Detaljplan.objects.create(
        municipality=municipality, plan_id="P1", name="Centrum", area=square(*VASBY_CENTRUM, 100)
    )
    DistrictFactory(municipality=municipality)

    walks = items(bra_client, "walks", datetime=f"{walk.walked_on.isoformat()}")
    observations = items(bra_client, "observations", walk=str(walk.pk))
    plans = items(bra_client, "detaljplaner", status="pagaende")
    districts = items(bra_client, "districts")

    assert walks["features"][0]["geometry"]["type"] == "LineString"
    assert [f["id"] for f in observations["features"]] == [observation.pk]
    assert plans["features"][0]["properties"]["plan_id"] == "P1"
    assert districts["numberMatched"] == 1


def test_without_login_a_program_gets_401_with_a_basic_challenge() -> None:
    response = Client().get("/ogc/collections", headers={"Accept": "application/json"})

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


def test_without_login_a_browser_is_sent_to_the_login_page() -> None:
    response = Client().get("/ogc/", headers={"Accept": "text/html"})

    assert response.status_code == 302
    assert "/konto/logga-in/" in response["Location"]


def test_http_basic_with_the_users_own_login_opens_the_api() -> None:
    IncidentFactory()
    user_with_role("bra_ledamot", username="birgitta")

    ok = Client().get(
        "/ogc/collections/incidents/items", headers=basic("birgitta", "x-test-password-1")
    )
    wrong = Client().get("/ogc/collections/incidents/items", headers=basic("birgitta", "wrong"))

    assert ok.status_code == 200 and ok.json()["numberMatched"] == 1
    assert wrong.status_code == 401
    failed = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert failed.channel == "basic" and failed.detail["username"] == "birgitta"


def test_an_inactive_user_is_refused_even_with_the_right_password() -> None:
    user = user_with_role("bra_ledamot", username="gone")
    user.is_active = False
    user.save()

    response = Client().get("/ogc/collections", headers=basic("gone", "x-test-password-1"))

    assert response.status_code == 401


def test_a_user_without_a_role_sees_no_collections() -> None:
    MunicipalityFactory()
    client = Client()
    client.force_login(User.objects.create_user("nobody", password="x-test-password-1"))

    response = client.get("/ogc/collections")

    assert response.json()["collections"] == []
    assert client.get("/ogc/collections/incidents/items").status_code == 404


def test_times_in_items_are_iso_8601(bra_client: Client) -> None:
    IncidentFactory(occurred_from=timezone.now())

    feature = items(bra_client, "incidents")["features"][0]

    assert dt.datetime.fromisoformat(feature["properties"]["occurred_from"]).tzinfo is not None


@pytest.mark.parametrize("role", ["analytiker", "administrator"])
def test_basic_is_refused_for_users_who_must_give_a_second_factor(role: str) -> None:
    # Basic carries no TOTP code: an analyst's password alone must not open sensitive points to QGIS.
    IncidentFactory(category=sensitive_category(), source_ref="S-1")
    user_with_role(role, username="ali")

    for path in (
        "/ogc/collections/incidents/items",
        "/tiles/incidents/14/9010/4680.mvt",
        "/export/incidents.geojson",
    ):
        response = Client().get(path, headers=basic("ali", "x-test-password-1"))

        assert response.status_code == 403, path
        assert "second factor" in response.json()["error"]
    refused = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, channel="basic")
    assert refused.count() == 3 and refused.first().detail["reason"].startswith("second factor")


# --- conformance details (issue 10) ---------------------------------------------------------------


def test_a_limit_above_the_maximum_is_capped_to_it_not_refused(bra_client: Client) -> None:
    for _ in range(3):
        IncidentFactory()

    page = bra_client.get("/ogc/collections/incidents/items", {"limit": "20000"})
    huge = bra_client.get("/ogc/collections/incidents/items", {"limit": "9" * 30})

    assert page.status_code == 200 and huge.status_code == 200
    assert page.json()["numberReturned"] == 3
    self_link = next(lk["href"] for lk in page.json()["links"] if lk["rel"] == "self")
    assert "limit=10000" in self_link  # the link says the limit used


def test_every_ogc_answer_varies_on_authorization_and_cookie(bra_client: Client) -> None:
    IncidentFactory()
    user_with_role("bra_ledamot", username="birgitta")

    answers = {
        "items": bra_client.get("/ogc/collections/incidents/items"),
        "landing": bra_client.get("/ogc/", {"f": "json"}),
        "api": bra_client.get("/ogc/api"),
        "not found": bra_client.get("/ogc/collections/no-such-layer"),
        "bad request": bra_client.get("/ogc/collections/incidents/items", {"limit": "0"}),
        "basic": Client().get(
            "/ogc/collections/incidents/items", headers=basic("birgitta", "x-test-password-1")
        ),
        "401": Client().get("/ogc/collections", headers={"Accept": "application/json"}),
    }

    for name, response in answers.items():
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",")}
        assert {"authorization", "cookie"} <= vary, (name, response.status_code, vary)


def test_the_ogc_document_offers_a_personal_api_key_as_bearer(bra_client: Client) -> None:
    document = bra_client.get("/ogc/api").json()

    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["type"] == "http" and schemes["bearerAuth"]["scheme"] == "bearer"
    assert {"bearerAuth": []} in document["security"]
    items_responses = document["paths"]["/collections/incidents/items"]["get"]["responses"]
    assert {"400", "401", "404"} <= set(items_responses)
