"""The walk, action and tablet pages: logins, permissions, forms, exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from layers import reference
from layers.models import Municipality, Office
from layers.roles import Role
from layers.services import ensure_reference_data
from surveys import services
from surveys.models import Action, Trygghetsvandring, WalkParticipants
from tests.factories import (
    DistrictFactory,
    MunicipalityFactory,
    ObservationFactory,
    WalkFactory,
    user_with_role,
)
from tests.mapapp.test_pages import local_refs_only
from tests.surveys.conftest import lon_lat

pytestmark = pytest.mark.django_db

ROUTE = {
    "type": "LineString",
    "coordinates": [list(lon_lat(0, 0)), list(lon_lat(300, 50)), list(lon_lat(500, 200))],
}


@pytest.fixture
def municipality() -> Municipality:
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    return municipality


@pytest.fixture
def walk(municipality: Municipality) -> Trygghetsvandring:
    walk = WalkFactory(municipality=municipality, name="Kvällsvandring Centrum")
    WalkParticipants.objects.create(walk=walk, gender="kvinna", age_group="vuxen", count=3)
    return walk


@pytest.fixture
def action(walk: Trygghetsvandring) -> Action:
    return services.propose_action(ObservationFactory(walk=walk, note="Trasig lampa"))


@pytest.fixture
def field_client(client: Client) -> Client:
    client.force_login(user_with_role(Role.FIELD_STAFF, "falt-pages"))
    return client


PAGES = [
    "/vandringar/",
    "/vandringar/ny/",
    "/vandringar/perspektiv/",
    "/atgarder/",
    "/atgarder/kontor/",
    "/falt/",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_field_page_asks_for_a_login(url: str, municipality: Municipality) -> None:
    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/konto/logga-in/")


@pytest.mark.parametrize("url", PAGES)
def test_every_field_page_is_swedish_and_loads_only_local_assets(
    url: str, field_client: Client, walk: Trygghetsvandring, action: Action
) -> None:
    response = field_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="sv">' in html
    assert local_refs_only(html) == []
    assert 'style="' not in html and "<style" not in html and " onclick=" not in html


def test_walk_pages_load_only_local_assets(
    field_client: Client, walk: Trygghetsvandring, action: Action
) -> None:
    for url in (
        f"/vandringar/{walk.pk}/",
        f"/vandringar/{walk.pk}/andra/",
        f"/vandringar/{walk.pk}/protokoll/",
        f"/atgarder/{action.pk}/",
    ):
        response = field_client.get(url)
        assert response.status_code == 200, url
        assert local_refs_only(response.content.decode()) == [], url


def test_a_bra_member_may_read_walks_and_actions_but_not_plan_record_or_change(
    bra_client: Client, walk: Trygghetsvandring, action: Action
) -> None:
    assert bra_client.get(f"/vandringar/{walk.pk}/").status_code == 200
    assert bra_client.get("/atgarder/").status_code == 200
    assert bra_client.get("/vandringar/ny/").status_code == 403
    assert bra_client.get("/falt/").status_code == 403
    response = bra_client.post(
        f"/atgarder/{action.pk}/", {"status": "atgardad", "office": action.office_id}
    )
    assert response.status_code == 403
    action.refresh_from_db()
    assert action.status == "ny"


def test_planning_a_walk_stores_route_participants_partners_and_checklist(
    field_client: Client, municipality: Municipality
) -> None:
    district = DistrictFactory(municipality=municipality, code="centrala", name="Centrala")
    police = Office.objects.get(municipality=municipality, name=reference.POLISEN)

    response = field_client.post(
        "/vandringar/ny/",
        {
            "name": "Trygghetsvandring Messingen",
            "walked_on": "2026-10-14",
            "start_time": "19:30",
            "light": "morker",
            "district": district.pk,
            "route_geojson": json.dumps(ROUTE),
            "deltagare_kvinna_ungdom": "3",
            "deltagare_man_vuxen": "2",
            "deltagare_annat_vuxen": "0",
            "partners": [police.pk],
            "checklist_items": ["Belysning", "Trafik"],
            "checklist_extra": "Cykelparkeringen\n",
            "notes": "Samling vid biblioteket",
        },
    )

    walk = Trygghetsvandring.objects.get(name="Trygghetsvandring Messingen")
    assert response.status_code == 302 and response["Location"] == f"/vandringar/{walk.pk}/"
    assert walk.status == "planerad" and walk.light == "morker" and walk.district == district
    assert walk.route is not None and walk.route.srid == 3006 and 500 < walk.route.length < 700
    counts = {(p.gender, p.age_group): p.count for p in walk.participants.all()}
    assert counts == {("kvinna", "ungdom"): 3, ("man", "vuxen"): 2}
    assert list(walk.partners.all()) == [police]
    assert walk.checklist == ["Belysning", "Trafik", "Cykelparkeringen"]


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ('{"type": "Point", "coordinates": [17.9, 59.5]}', "linje"),
        ('{"type": "LineString", "coordinates": [[17.9, 59.5]]}', "minst två"),
        ('{"type": "LineString", "coordinates": [[59.5, 17.9], [59.6, 17.9]]}', "utanför Sverige"),
        ("not json", "GeoJSON"),
    ],
)
def test_a_broken_route_is_refused_naming_the_route(
    field_client: Client, municipality: Municipality, route: str, message: str
) -> None:
    response = field_client.post(
        "/vandringar/ny/",
        {"name": "X", "walked_on": "2026-10-14", "light": "morker", "route_geojson": route},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Trygghetsvandring.objects.filter(name="X").exists()


def test_the_same_name_on_the_same_day_is_refused_not_a_500(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    response = field_client.post(
        "/vandringar/ny/",
        {"name": walk.name, "walked_on": walk.walked_on.isoformat(), "light": "morker"},
    )

    assert response.status_code == 400
    assert "redan en vandring" in response.content.decode()


def test_planning_a_follow_up_copies_the_earlier_route(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    form = field_client.get(f"/vandringar/ny/?uppfoljning_av={walk.pk}")
    response = field_client.post(
        "/vandringar/ny/",
        {
            "name": "Uppföljning",
            "walked_on": "2027-04-01",
            "light": "morker",
            "follow_up_of": walk.pk,
            "route_geojson": "",
        },
    )

    follow_up = Trygghetsvandring.objects.get(name="Uppföljning")
    assert "Uppföljning: Kvällsvandring Centrum" in form.content.decode()
    assert response.status_code == 302
    assert follow_up.follow_up_of == walk
    assert follow_up.route is not None and follow_up.route.equals_exact(walk.route, 0.001)


def test_the_walk_page_lists_its_observations_with_actions(
    field_client: Client, walk: Trygghetsvandring, action: Action
) -> None:
    response = field_client.get(f"/vandringar/{walk.pk}/")
    data = field_client.get(f"/vandringar/{walk.pk}/karta.json").json()

    html = response.content.decode()
    assert "Trasig lampa" in html and "SBK" in html  # the office's short name, linked to the action
    assert data["walk"]["route"]["type"] == "LineString"
    assert data["observations"]["features"][0]["properties"]["number"] == 1
    assert data["observations"]["features"][0]["properties"]["action_status"] == "ny"


def test_the_protocol_csv_has_every_observation_and_its_action(
    field_client: Client, walk: Trygghetsvandring, action: Action
) -> None:
    ObservationFactory(walk=walk, note='=HYPERLINK("http://evil")', category="skotsel")

    response = field_client.get(f"/vandringar/{walk.pk}/protokoll.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.getvalue().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Nr", "Registrerad", "Kategori"]
    assert len(rows) == 3
    assert rows[1][6] == "Trasig lampa" and rows[1][15] == reference.SAMHALLSBYGGNAD
    assert rows[1][16] == "Ny"
    assert rows[2][6].startswith("'=")  # a spreadsheet will not run it as a formula
    lon, lat = (float(v.replace(",", ".")) for v in rows[1][8:10])  # decimal comma, for Excel
    assert 17.9 < lon < 17.93 and 59.5 < lat < 59.53


def test_changing_an_action_on_its_page_records_the_history(
    field_client: Client, action: Action, municipality: Municipality
) -> None:
    vasbyhem = Office.objects.get(municipality=municipality, name=reference.VASBYHEM)

    response = field_client.post(
        f"/atgarder/{action.pk}/",
        {
            "office": vasbyhem.pk,
            "status": "planerad",
            "due_date": "2026-12-01",
            "note": "Väsbyhem byter lampan",
        },
    )
    page = field_client.get(f"/atgarder/{action.pk}/").content.decode()

    action.refresh_from_db()
    assert response.status_code == 302
    assert action.office == vasbyhem and action.status == "planerad"
    assert action.history.count() == 2
    assert "Väsbyhem byter lampan" in page and "AB Väsbyhem" in page


def test_rejecting_an_action_without_a_reason_is_400_and_changes_nothing(
    field_client: Client, action: Action
) -> None:
    response = field_client.post(
        f"/atgarder/{action.pk}/", {"office": action.office_id, "status": "avslagen"}
    )

    action.refresh_from_db()
    assert response.status_code == 400
    assert "Ange ett skäl" in response.content.decode()
    assert action.status == "ny" and action.history.count() == 1


def test_the_office_view_shows_what_that_office_must_do(
    field_client: Client, walk: Trygghetsvandring, municipality: Municipality
) -> None:
    lamp = services.propose_action(
        ObservationFactory(walk=walk, category="belysning", note="Lampa")
    )
    bus = services.propose_action(
        ObservationFactory(walk=walk, category="kollektivtrafik", note="Busskur")
    )
    done = services.propose_action(
        ObservationFactory(walk=walk, category="belysning", note="Klar lampa")
    )
    services.update_action(done, status=Action.Status.DONE)

    summary = field_client.get("/atgarder/kontor/").content.decode()
    page = field_client.get(f"/atgarder/kontor/{lamp.office_id}/").content.decode()

    open_part, closed_part = page.split("Avslutade")
    assert "Lampa" in open_part and "Busskur" not in page
    assert "Klar lampa" in closed_part and "Klar lampa" not in open_part
    assert bus.office.name in summary


def test_the_action_list_filters_by_status_and_exports_csv(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    a = services.propose_action(ObservationFactory(walk=walk, note="Ett"))
    services.propose_action(ObservationFactory(walk=walk, note="Två"))
    services.update_action(a, status=Action.Status.ONGOING)

    page = field_client.get("/atgarder/", {"status": "pagar"})
    exported = field_client.get("/atgarder/atgarder.csv", {"status": "pagar"})

    assert page.context["actions"].count() == 1
    rows = list(
        csv.reader(io.StringIO(exported.getvalue().decode().lstrip("\ufeff")), delimiter=";")
    )
    assert len(rows) == 2 and rows[1][2] == "Pågår"


def test_the_lens_page_filters_by_group(field_client: Client, walk: Trygghetsvandring) -> None:
    ObservationFactory(walk=walk, raised_by_gender="kvinna", raised_by_age="ungdom")
    ObservationFactory(walk=walk, raised_by_gender="man", raised_by_age="vuxen")

    response = field_client.get("/vandringar/perspektiv/", {"kon": "kvinna"})
    data = field_client.get("/vandringar/perspektiv/karta.json", {"kon": "kvinna"}).json()

    assert response.status_code == 200
    assert response.context["lens"].observations[0].raised_by_gender == "kvinna"
    assert len(data["observations"]["features"]) == 1


def test_the_follow_up_page_counts_fixed_and_remaining(
    field_client: Client, walk: Trygghetsvandring, action: Action
) -> None:
    services.update_action(action, status=Action.Status.DONE)
    services.propose_action(ObservationFactory(walk=walk, note="Kvar"))
    later = WalkFactory(municipality=walk.municipality, follow_up_of=walk)

    response = field_client.get(f"/vandringar/{later.pk}/uppfoljning/")
    not_follow_up = field_client.get(f"/vandringar/{walk.pk}/uppfoljning/")

    assert response.status_code == 200
    assert response.context["comparison"].fixed == 1
    assert response.context["comparison"].remaining == 1
    assert not_follow_up.status_code == 404


def test_the_tablet_page_lists_planned_walks_and_sets_the_csrf_cookie(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    done = WalkFactory(
        municipality=walk.municipality,
        walked_on="2020-01-01",
        status=Trygghetsvandring.Status.DONE,
        name="Gammal",
    )

    response = field_client.get("/falt/")

    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    listed = {w["id"] for w in response.context["walks"]}
    assert walk.pk in listed and done.pk not in listed
    assert "no-cache" in response["Cache-Control"]


def test_the_tablet_map_data_has_districts_routes_and_earlier_observations(
    field_client: Client, walk: Trygghetsvandring, action: Action
) -> None:
    later = WalkFactory(municipality=walk.municipality, follow_up_of=walk)

    data = field_client.get("/falt/karta.json").json()

    assert data["districts"]["type"] == "FeatureCollection"
    assert {w["id"] for w in data["walks"]} >= {walk.pk, later.pk}
    assert len(data["earlier_observations"][str(later.pk)]["features"]) == 1


def test_the_pages_speak_english_when_asked(field_client: Client, walk: Trygghetsvandring) -> None:
    response = field_client.get("/vandringar/", headers={"Accept-Language": "en"})

    html = response.content.decode()
    assert "Safety walks" in html and "Plan a new walk" in html
