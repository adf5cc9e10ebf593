"""The tablets' sync API: every observation stored exactly once, conflicts refused, the right errors."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from layers.models import Membership, Municipality
from surveys.models import Action, ActionEvent, Observation, Trygghetsvandring
from tests.factories import MunicipalityFactory, WalkFactory
from tests.surveys.conftest import lon_lat, observation_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/observations/"


def post(client: Client, payload: dict[str, Any], **headers: str) -> Any:
    return client.post(URL, json.dumps(payload), content_type="application/json", headers=headers)


def test_a_new_observation_is_stored_with_its_proposed_action(
    field_client: Client, walk: Trygghetsvandring, field_user: User
) -> None:
    payload = observation_payload(walk)

    response = post(field_client, payload)

    assert response.status_code == 201, response.content
    body = response.json()
    observation = Observation.objects.get(client_uuid=payload["client_uuid"])
    assert body["client_uuid"] == payload["client_uuid"]
    assert body["id"] == observation.pk
    assert observation.created_by == field_user
    assert observation.location.srid == 3006
    assert abs(body["lon"] - payload["lon"]) < 1e-6 and abs(body["lat"] - payload["lat"]) < 1e-6
    assert observation.raised_by_gender == "kvinna" and observation.raised_by_age == "ungdom"
    action = Action.objects.get(observation=observation)
    assert action.office.name == "Kontoret för samhällsbyggnad"
    assert body["action"]["office"] == action.office.name
    assert ActionEvent.objects.filter(action=action).count() == 1


def test_the_same_payload_posted_three_times_gives_one_row(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    payload = observation_payload(walk)

    codes = [post(field_client, payload).status_code for _ in range(3)]

    assert codes == [201, 200, 200]
    assert Observation.objects.filter(client_uuid=payload["client_uuid"]).count() == 1
    assert Action.objects.filter(observation__client_uuid=payload["client_uuid"]).count() == 1


def test_the_same_observation_in_another_json_spelling_is_the_same(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    payload = observation_payload(walk)
    post(field_client, payload)
    # The same instant written in UTC, and the coordinates 1e-9 degrees (0.1 mm) off.
    again = dict(
        payload,
        recorded_at="2026-10-14T17:12:00Z",
        lon=payload["lon"] + 1e-9,
        client_uuid=payload["client_uuid"].upper(),
    )

    response = post(field_client, again)

    assert response.status_code == 200
    assert Observation.objects.count() == 1


def test_a_changed_payload_with_a_known_uuid_is_409_and_keeps_the_original(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    payload = observation_payload(walk)
    post(field_client, payload)

    response = post(field_client, dict(payload, note="Något helt annat", feeling=5))

    assert response.status_code == 409
    assert "other content" in response.json()["error"]
    assert response.json()["observation"]["note"] == payload["note"]
    stored = Observation.objects.get(client_uuid=payload["client_uuid"])
    assert stored.note == payload["note"] and stored.feeling == 2
    assert Observation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_five_parallel_posts_with_one_uuid_give_one_row_and_the_same_answer(
    live_server: Any, field_user: User
) -> None:
    municipality = MunicipalityFactory()
    from layers.services import ensure_reference_data
    from surveys.auth import issue_device_token

    ensure_reference_data(municipality)
    walk = WalkFactory(municipality=municipality)
    _token, raw = issue_device_token(municipality, name="Platta", user=field_user)
    payload = json.dumps(observation_payload(walk)).encode()
    barrier = threading.Barrier(5)
    results: list[tuple[int, dict[str, Any]]] = []
    lock = threading.Lock()

    def send() -> None:
        request = urllib.request.Request(  # noqa: S310  (http to the live server)
            live_server.url + URL,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {raw}"},
        )
        barrier.wait()  # all five leave together
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                result = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as e:
            result = (e.code, json.loads(e.read()))
        with lock:
            results.append(result)

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    codes = sorted(code for code, _ in results)
    assert len(results) == 5
    assert set(codes) <= {200, 201} and codes.count(201) == 1, codes
    assert len({body["id"] for _, body in results}) == 1
    assert Observation.objects.count() == 1
    assert Action.objects.count() == 1


def test_a_session_without_the_csrf_token_is_refused(
    field_user: User, walk: Trygghetsvandring
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(field_user)

    response = post(client, observation_payload(walk))

    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]
    assert Observation.objects.count() == 0


def test_a_session_with_the_csrf_token_may_post(field_user: User, walk: Trygghetsvandring) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(field_user)
    client.get("/falt/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value

    response = post(client, observation_payload(walk), **{"X-CSRFToken": token})

    assert response.status_code == 201


def test_a_device_token_posts_without_session_or_csrf(
    walk: Trygghetsvandring, device_token: str, field_user: User
) -> None:
    client = Client(enforce_csrf_checks=True)

    response = post(client, observation_payload(walk), Authorization=f"Bearer {device_token}")

    assert response.status_code == 201
    assert Observation.objects.get().created_by == field_user


def test_a_revoked_device_token_is_401(walk: Trygghetsvandring, device_token: str) -> None:
    from surveys.auth import hash_token, revoke_device_token
    from surveys.models import DeviceToken

    revoke_device_token(DeviceToken.objects.get(token_sha256=hash_token(device_token)))

    response = post(Client(), observation_payload(walk), Authorization=f"Bearer {device_token}")

    assert response.status_code == 401
    assert "revoked" in response.json()["error"]
    assert Observation.objects.count() == 0


def test_an_unknown_device_token_is_401(walk: Trygghetsvandring) -> None:
    response = post(Client(), observation_payload(walk), Authorization="Bearer trygg_not-a-token")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_without_a_login_the_api_answers_401(walk: Trygghetsvandring) -> None:
    response = post(Client(), observation_payload(walk))

    assert response.status_code == 401


def test_a_user_without_the_permission_to_record_is_403(
    bra_client: Client, walk: Trygghetsvandring
) -> None:
    response = post(bra_client, observation_payload(walk))

    assert response.status_code == 403
    assert Observation.objects.count() == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"feeling": 7}, "feeling"),
        ({"category": "fika"}, "category"),
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
        ({"lon": 59.5, "lat": 17.9}, "lon"),  # lat/lon swapped
        ({"recorded_at": "igår"}, "recorded_at"),
        ({"severity": 0}, "severity"),
        ({"raised_by_age": "bebis"}, "raised_by_age"),
    ],
)
def test_a_malformed_observation_is_400_naming_the_field(
    field_client: Client, walk: Trygghetsvandring, override: dict[str, Any], field: str
) -> None:
    response = post(field_client, observation_payload(walk, **override))

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Observation.objects.count() == 0


def test_a_body_that_is_not_json_is_400(field_client: Client) -> None:
    response = field_client.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "error" in response.json()


def test_an_unknown_walk_is_422(field_client: Client, walk: Trygghetsvandring) -> None:
    response = post(field_client, observation_payload(walk, walk=walk.pk + 1000))

    assert response.status_code == 422
    assert "walk" in response.json()["fields"]


def test_a_device_token_cannot_reach_another_municipalitys_walk(
    walk: Trygghetsvandring, device_token: str, field_user: User
) -> None:
    # With two municipalities a user works only where they are a member (layers.tenancy).
    Membership.objects.create(user=field_user, municipality=walk.municipality)
    other = MunicipalityFactory(kommunkod="0115", name="Vallentuna")
    other_walk = WalkFactory(municipality=other)

    response = post(
        Client(), observation_payload(other_walk), Authorization=f"Bearer {device_token}"
    )

    assert response.status_code == 422
    assert response.json()["fields"]["walk"] == [f"no walk with id {other_walk.pk}"]


def test_a_device_token_of_a_user_of_no_municipality_stops_when_a_second_one_arrives(
    walk: Trygghetsvandring, device_token: str
) -> None:
    MunicipalityFactory(kommunkod="0115", name="Vallentuna")  # now the user works in none

    response = post(Client(), observation_payload(walk), Authorization=f"Bearer {device_token}")

    assert response.status_code == 401


def test_a_corrected_position_keeps_the_gps_fix_too(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    gps_lon, gps_lat = lon_lat(0, 0)
    lon, lat = lon_lat(15, 0)

    response = post(
        field_client, observation_payload(walk, lon=lon, lat=lat, gps_lon=gps_lon, gps_lat=gps_lat)
    )

    observation = Observation.objects.get()
    assert response.status_code == 201
    assert observation.gps_location is not None
    assert 14 < observation.location.distance(observation.gps_location) < 16  # metres


def test_the_first_observation_starts_a_planned_walk(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    assert walk.status == Trygghetsvandring.Status.PLANNED

    post(field_client, observation_payload(walk))

    walk.refresh_from_db()
    assert walk.status == Trygghetsvandring.Status.ONGOING


def test_a_stored_observation_can_be_read_back_by_its_uuid(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    payload = observation_payload(walk)
    post(field_client, payload)

    response = field_client.get(f"{URL}{payload['client_uuid']}/")
    missing = field_client.get(f"{URL}{uuid.uuid4()}/")

    assert response.status_code == 200
    assert response.json()["note"] == payload["note"]
    assert missing.status_code == 404


def test_the_track_is_stored_and_a_shorter_late_retry_does_not_replace_it(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    long_track = [list(lon_lat(10 * i, 0)) for i in range(10)]
    short_track = long_track[:3]

    first = field_client.put(
        f"/api/v1/walks/{walk.pk}/track/",
        json.dumps({"coordinates": long_track}),
        content_type="application/json",
    )
    second = field_client.put(
        f"/api/v1/walks/{walk.pk}/track/",
        json.dumps({"coordinates": short_track}),
        content_type="application/json",
    )

    walk.refresh_from_db()
    assert first.status_code == 200 and second.status_code == 200
    assert walk.track is not None and walk.track.num_points == 10
    assert 85 < walk.track.length < 95


def test_a_walk_can_be_finished_through_the_api(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    response = field_client.post(
        f"/api/v1/walks/{walk.pk}/status/",
        json.dumps({"status": "avslutad"}),
        content_type="application/json",
    )

    walk.refresh_from_db()
    assert response.status_code == 200
    assert walk.status == Trygghetsvandring.Status.DONE


def test_the_tablet_walk_list_has_planned_walks_with_their_routes(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    response = field_client.get("/api/v1/walks/")

    assert response.status_code == 200
    listed = {w["id"]: w for w in response.json()}
    assert walk.pk in listed
    assert listed[walk.pk]["route"]["type"] == "LineString"


def test_the_openapi_document_describes_the_sync_api(bra_client: Client) -> None:
    response = bra_client.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    paths = schema["paths"]
    create = paths["/api/v1/observations/"]["post"]
    assert {"200", "201", "409"} <= set(create["responses"])
    assert "/api/v1/observations/{client_uuid}/photos/" in paths
    assert {"200", "201", "409", "413"} <= set(
        paths["/api/v1/observations/{client_uuid}/photos/"]["post"]["responses"]
    )
    assert schema["components"]["securitySchemes"]["deviceToken"]["scheme"] == "bearer"


def test_municipality_fixture_has_the_reference_offices(municipality: Municipality) -> None:
    assert municipality.offices.filter(name="AB Väsbyhem").exists()
