"""Roles per municipality: a user works in their own municipality, and sees nothing of another."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.test import Client

from geo.crs import STORAGE_SRID
from layers.models import AuditEvent, Membership, Municipality
from layers.roles import Role
from layers.tenancy import municipality_for
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
from tests.plan_factories import rebuilt_plan

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
        "municipality": "0114",
        "action": "changed",
    }
