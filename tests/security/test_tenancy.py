"""Roles per municipality: a user works in their own municipality, and sees nothing of another."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.test import Client

from geo.crs import STORAGE_SRID
from layers.models import AuditEvent, Incident, Membership, Municipality
from layers.roles import Role
from layers.services import ensure_reference_data
from layers.tenancy import municipality_for
from surveys.models import DeviceToken, Observation
from tests.conftest import login_verified
from tests.factories import (
    VASBY_CENTRUM,
    DistrictFactory,
    IncidentFactory,
    MunicipalityFactory,
    ObservationFactory,
    WalkFactory,
    sensitive_category,
    square,
    user_with_role,
)
from tests.layers.import_helpers import MUNICIPAL_SAMPLE
from tests.plan_factories import rebuilt_plan
from tests.surveys.conftest import observation_payload

pytestmark = pytest.mark.django_db

# Sollentuna lies next door; a square 20 km east stands in for it.
OTHER_CENTRE = (VASBY_CENTRUM[0] + 20_000, VASBY_CENTRUM[1])


def two_municipalities() -> tuple[Municipality, Municipality]:
    vasby = MunicipalityFactory()
    other = MunicipalityFactory(
        kommunkod="0163", name="Sollentuna", boundary=square(*OTHER_CENTRE, 5000)
    )
    DistrictFactory(municipality=vasby)
    DistrictFactory(municipality=other, code="s-centrala", area=square(*OTHER_CENTRE, 2000))
    IncidentFactory(municipality=vasby, source_ref="V-1")
    IncidentFactory(
        municipality=other, source_ref="S-1", location=Point(*OTHER_CENTRE, srid=STORAGE_SRID)
    )
    IncidentFactory(municipality=vasby, source_ref="V-SECRET", category=sensitive_category())
    IncidentFactory(
        municipality=other,
        source_ref="S-SECRET",
        category=sensitive_category(),
        location=Point(*OTHER_CENTRE, srid=STORAGE_SRID),
    )
    return vasby, other


def member(role: str, municipality: Municipality, username: str) -> User:
    user = user_with_role(role, username=username)
    Membership.objects.create(user=user, municipality=municipality)
    return user


def test_a_member_works_in_their_own_municipality_and_a_stranger_in_none() -> None:
    _vasby, other = two_municipalities()
    petra = member(Role.PLANNER, other, "petra")
    stranger = user_with_role(Role.PLANNER, username="nobody")

    assert municipality_for(petra) == other
    assert municipality_for(stranger) is None  # two municipalities, no membership: no data


def test_an_analyst_sees_only_their_own_municipalitys_incidents_on_every_read_channel() -> None:
    vasby, _other = two_municipalities()
    client = login_verified(Client(), member(Role.ANALYST, vasby, "ali"))

    api = client.get("/api/v1/incidents/").json()
    ogc = client.get("/ogc/collections/incidents/items?limit=100").json()
    exported = client.get("/export/incidents.geojson")
    export = json.loads(
        b"".join(exported.streaming_content) if exported.streaming else exported.content
    )

    for payload in (api, ogc, export):
        lons = [f["geometry"]["coordinates"][0] for f in payload["features"]]
        assert len(lons) == 2  # Väsby's open and sensitive incident, nothing of Sollentuna
        assert all(
            lon < 18.1 for lon in lons
        )  # Sollentuna's stand-in lies 20 km east, at lon ≈ 18.27


def test_another_municipalitys_plan_walk_and_observation_are_not_found() -> None:
    vasby, other = two_municipalities()
    their_plan = rebuilt_plan(other)
    their_walk = WalkFactory(municipality=other, route=None)
    their_observation = ObservationFactory(walk=their_walk)
    client = Client()
    client.force_login(member(Role.PLANNER, vasby, "petra"))

    assert client.get(f"/plan/{their_plan.pk}/").status_code == 404
    assert client.get(f"/plan/{their_plan.pk}/karta.json").status_code == 404
    assert client.get(f"/export/plan/{their_plan.pk}.gpkg").status_code == 404
    assert client.get(f"/vandringar/{their_walk.pk}/").status_code == 404
    assert client.get(f"/export/walk/{their_walk.pk}.gpkg").status_code == 404
    assert client.get(f"/api/v1/observations/{their_observation.client_uuid}/").status_code == 404


def test_a_user_of_no_municipality_gets_no_data_when_there_are_several() -> None:
    two_municipalities()
    client = Client()
    client.force_login(user_with_role(Role.BRA_MEMBER, username="nobody"))

    assert client.get("/api/v1/incidents/").status_code == 404
    assert client.get("/ogc/collections/incidents/items").status_code == 404


def test_changing_a_users_municipality_is_in_the_audit_log() -> None:
    vasby, other = two_municipalities()
    user = member(Role.BRA_MEMBER, vasby, "birgitta")

    Membership.objects.filter(user=user).update(municipality=other)  # bulk: no signal
    membership = Membership.objects.get(user=user)
    membership.municipality = vasby
    membership.save()

    changes = AuditEvent.objects.filter(
        action=AuditEvent.Action.PERMISSION_CHANGE, detail__what="Membership"
    )
    assert changes.count() == 2  # created, then changed
    assert changes.order_by("pk").last().detail == {
        "what": "Membership",
        "target": "birgitta",
        "municipality": "0114",
        "action": "changed",
        "before": "0163",  # the bulk update sent no signal, but the row said so when saved
        "after": "0114",
    }


# --- writes: device tokens, the sync API, imports (issue 10) ---------------------------------------


def issued_token(username: str, *extra: str) -> str:
    out = io.StringIO()
    call_command("issue_device_token", "--user", username, "--name", "Platta 1", *extra, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_a_device_token_of_another_municipalitys_user_cannot_read_or_write_vasbys_walks() -> None:
    vasby, other = two_municipalities()
    ensure_reference_data(vasby)
    vasby_walk = WalkFactory(municipality=vasby, name="Väsbys vandring")
    member(Role.FIELD_STAFF, other, "sigrid")  # field staff of Sollentuna
    bearer = {"Authorization": f"Bearer {issued_token('sigrid')}"}
    client = Client()

    listed = client.get("/api/v1/walks/", headers=bearer)
    one = client.get(f"/api/v1/walks/{vasby_walk.pk}/", headers=bearer)
    recorded = client.post(
        "/api/v1/observations/",
        json.dumps(observation_payload(vasby_walk)),
        content_type="application/json",
        headers=bearer,
    )
    status = client.post(
        f"/api/v1/walks/{vasby_walk.pk}/status/",
        json.dumps({"status": "pagar"}),
        content_type="application/json",
        headers=bearer,
    )

    assert listed.status_code == 200 and vasby_walk.pk not in [w["id"] for w in listed.json()]
    assert one.status_code == 404
    assert recorded.status_code == 422 and "walk" in recorded.json()["fields"]
    assert status.status_code == 404
    assert not Observation.objects.filter(walk=vasby_walk).exists()
    vasby_walk.refresh_from_db()
    assert vasby_walk.status == "planerad"
    assert DeviceToken.objects.get().municipality == other  # the user's, not the first one


def test_issuing_a_token_for_a_user_of_no_municipality_is_refused_with_a_clear_message() -> None:
    two_municipalities()
    user_with_role(Role.FIELD_STAFF, username="nobody")
    User.objects.create_superuser("root", password="x-test-password-1")

    with pytest.raises(CommandError, match="hör inte till någon kommun: ge användaren"):
        issued_token("nobody")
    with pytest.raises(CommandError, match="ange vilken"):
        issued_token("root")  # a superuser of no municipality, among two: must name one
    assert DeviceToken.objects.count() == 0
    assert issued_token("root", "--municipality", "0163").startswith("trygg_")
    assert DeviceToken.objects.get().municipality.kommunkod == "0163"


def test_a_token_cannot_name_another_municipality_than_its_users() -> None:
    vasby, _other = two_municipalities()
    member(Role.FIELD_STAFF, vasby, "fia")

    with pytest.raises(CommandError, match="arbetar i Upplands Väsby"):
        issued_token("fia", "--municipality", "0163")
    assert DeviceToken.objects.count() == 0


def test_a_token_stops_when_its_user_moves_to_another_municipality() -> None:
    vasby, other = two_municipalities()
    ensure_reference_data(vasby)
    walk = WalkFactory(municipality=vasby)
    fia = member(Role.FIELD_STAFF, vasby, "fia")
    bearer = {"Authorization": f"Bearer {issued_token('fia')}"}
    assert Client().get(f"/api/v1/walks/{walk.pk}/", headers=bearer).status_code == 200

    Membership.objects.filter(user=fia).update(municipality=other)
    response = Client().get(f"/api/v1/walks/{walk.pk}/", headers=bearer)

    assert response.status_code == 401
    assert "municipality" in response.json()["error"]


def test_the_admin_refuses_a_device_token_for_a_user_of_another_municipality() -> None:
    vasby, other = two_municipalities()
    sigrid = member(Role.FIELD_STAFF, other, "sigrid")
    root = User.objects.create_superuser("root", password="x-test-password-1")
    admin_client = login_verified(Client(), root)

    response = admin_client.post(
        "/admin/surveys/devicetoken/add/",
        {"municipality": vasby.pk, "name": "Platta", "user": sigrid.pk},
    )

    assert response.status_code == 200  # the form again
    assert "arbetar inte i Upplands Väsby" in response.content.decode()
    assert DeviceToken.objects.count() == 0


def test_the_import_command_refuses_to_import_for_a_user_into_another_municipality() -> None:
    vasby, _other = two_municipalities()
    member(Role.ANALYST, vasby, "ali")
    before = Incident.objects.count()

    with pytest.raises(CommandError, match=r"arbetar i Upplands Väsby \(0114\), inte i Sollentuna"):
        call_command(
            "import_incidents",
            str(MUNICIPAL_SAMPLE),
            "--profile",
            "kommun_incidentrapport",
            "--municipality",
            "0163",
            "--user",
            "ali",
            "--no-progress",
        )
    assert Incident.objects.count() == before


def test_an_administrator_who_is_not_a_superuser_sees_only_their_municipality_in_the_admin() -> (
    None
):
    vasby, other = two_municipalities()
    ensure_reference_data(vasby)
    ensure_reference_data(other)
    theirs = WalkFactory(municipality=other, name="Deras vandring")
    ours = WalkFactory(municipality=vasby, name="Vår vandring")
    admin_user = member(Role.ADMIN, vasby, "adam")
    admin_user.is_staff = True
    admin_user.save()
    sigrid = member(Role.FIELD_STAFF, other, "sigrid")
    client = login_verified(Client(), admin_user)

    walks = client.get("/admin/surveys/trygghetsvandring/").content.decode()
    their_page = client.get(f"/admin/surveys/trygghetsvandring/{theirs.pk}/change/")
    users = client.get("/admin/auth/user/").content.decode()
    token_form = client.get("/admin/surveys/devicetoken/add/").content.decode()
    offices = client.get("/admin/layers/office/").content.decode()

    assert "Vår vandring" in walks and "Deras vandring" not in walks
    assert their_page.status_code == 302  # as for a missing id
    assert "adam" in users and "sigrid" not in users
    assert f'value="{sigrid.pk}"' not in token_form and f'value="{other.pk}"' not in token_form
    assert "Sollentuna" not in offices
    assert ours.pk != theirs.pk
