"""The effect follow-up pages and JSON: saving drawn and picked areas, refusing bad input by field,
one municipality per evaluation, sensitive incidents only for those who may see them, the plain
Swedish result and the "too few" rule."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import MultiPolygon, Point
from django.test import Client
from pyproj import Transformer

from followup.models import Evaluation
from geo.crs import STORAGE_SRID
from layers.models import AuditEvent, StatisticalArea
from layers.roles import Role
from tests.conftest import login_verified
from tests.factories import (
    CategoryFactory,
    IncidentFactory,
    MunicipalityFactory,
    ObservationFactory,
    OfficeFactory,
    WalkFactory,
    sensitive_category,
    square,
    user_with_role,
)
from tests.followup.towns import COMPARISON, CX, CY, TARGET

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("Europe/Stockholm")
TO_WGS84 = Transformer.from_crs(STORAGE_SRID, 4326, always_xy=True)


def geojson(area: MultiPolygon) -> dict[str, Any]:
    ring = [list(TO_WGS84.transform(x, y)) for x, y in area[0][0].coords]
    return {"type": "Polygon", "coordinates": [ring]}


def payload(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Ny belysning i gångtunneln",
        "start_date": "2024-03-01",
        "months": 12,
        "gap_months": 0,
        "buffer_m": 300,
        "variance": "poisson",
        "target": {"kind": "ritat", "geometry": geojson(TARGET)},
        "comparison": {"kind": "ritat", "geometry": geojson(COMPARISON)},
    }
    body.update(over)
    return body


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def incident(area: str, when: datetime, category: Any = None, dx: float = 0.0) -> None:
    centre = {"target": (CX, CY), "buffer": (CX + 350, CY), "comparison": (CX + 2000, CY)}[area]
    IncidentFactory(
        category=category or CategoryFactory(),
        location=Point(centre[0] + dx, centre[1], srid=STORAGE_SRID),
        occurred_from=when,
    )


@pytest.fixture
def bra(db: None) -> Client:
    MunicipalityFactory()
    client = Client()
    client.force_login(user_with_role(Role.BRA_MEMBER))
    return client


def test_a_bra_member_saves_a_drawn_evaluation_and_reads_the_result_in_swedish(bra: Client) -> None:
    before, after = datetime(2023, 6, 10, 12, tzinfo=LOCAL), datetime(2024, 6, 10, 12, tzinfo=LOCAL)
    for i in range(40):
        incident("target", before, dx=i)
        incident("comparison", before, dx=i)
        incident("comparison", after, dx=i)
        incident("buffer", before, dx=i)
        incident("buffer", after, dx=i)
    for i in range(10):
        incident("target", after, dx=i)

    response = post(bra, "/uppfoljning/ny/spara/", payload())
    assert response.status_code == 201, response.content
    evaluation = Evaluation.objects.get()
    assert evaluation.buffer_area is not None
    # The ring: 300 m around the target, the target itself left out.
    assert evaluation.buffer_area.area == pytest.approx(
        evaluation.target_area.buffer(300).area - evaluation.target_area.area, rel=0.01
    )

    page = bra.get(response.json()["url"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "Minskning i åtgärdsområdet jämfört med jämförelseområdet" in text
    assert "-75 %" in text.replace("\u00a0", " ")  # 40 → 10 in the target
    assert "Känsliga händelser (t.ex. våld i nära relationer) ingår inte" in text
    data = bra.get(f"/uppfoljning/{evaluation.pk}/resultat.json").json()
    counts = {a["area"]: (a["before"], a["after"]) for a in data["areas"]}
    assert counts == {"target": (40, 10), "buffer": (40, 40), "comparison": (40, 40)}
    assert data["verdict"] == "reduction" and data["variance"] == "poisson"
    assert data["relative_effect"]["res"] == pytest.approx(4.0)
    assert data["wdd"]["local"]["estimate"] == -30


def test_under_the_floor_the_page_says_too_few_and_shows_no_effect(bra: Client) -> None:
    for i in range(11):
        incident("target", datetime(2023, 6, 10, tzinfo=LOCAL), dx=i)
        incident("comparison", datetime(2023, 6, 10, tzinfo=LOCAL), dx=i)
        incident("comparison", datetime(2024, 6, 10, tzinfo=LOCAL), dx=i)
    pk = post(bra, "/uppfoljning/ny/spara/", payload()).json()["id"]

    data = bra.get(f"/uppfoljning/{pk}/resultat.json").json()
    page = bra.get(f"/uppfoljning/{pk}/").content.decode()

    assert data["verdict"] == "too_few" and "relative_effect" not in data and "wdd" not in data
    assert "För få händelser för att säga något." in page


def test_sensitive_incidents_count_for_an_analyst_only_and_the_read_is_audited(bra: Client) -> None:
    hidden = sensitive_category()
    for i in range(15):
        incident("target", datetime(2023, 6, 10, tzinfo=LOCAL), hidden, dx=i)
    incident("target", datetime(2023, 6, 11, tzinfo=LOCAL))
    pk = post(bra, "/uppfoljning/ny/spara/", payload()).json()["id"]
    analyst = login_verified(Client(), user_with_role(Role.ANALYST))

    seen_by_bra = bra.get(f"/uppfoljning/{pk}/resultat.json").json()
    seen_by_analyst = analyst.get(f"/uppfoljning/{pk}/resultat.json").json()

    assert seen_by_bra["areas"][0]["before"] == 1 and not seen_by_bra["sensitive_included"]
    assert seen_by_analyst["areas"][0]["before"] == 16 and seen_by_analyst["sensitive_count"] == 15
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ_SENSITIVE)
    assert event.count == 15 and event.object_type == "evaluation"


def test_bad_input_is_refused_naming_the_field(bra: Client) -> None:
    cases = [
        (payload(title=""), "title"),
        (payload(start_date="1 mars"), "start_date"),
        (payload(months=0), "months"),
        (payload(buffer_m=-5), "buffer_m"),
        (payload(target=None), "target"),
        (
            payload(
                target={"kind": "ritat", "geometry": {"type": "Point", "coordinates": [17.9, 59.5]}}
            ),
            "target",
        ),
        (payload(comparison={"kind": "nyko", "codes": ["0000"]}), "comparison"),
        (
            payload(comparison={"kind": "ritat", "geometry": geojson(square(CX + 100, CY, 200))}),
            "comparison",
        ),
        (
            payload(comparison={"kind": "ritat", "geometry": geojson(square(CX + 450, CY, 100))}),
            "comparison",
        ),
        (payload(variance="angiven", dispersion="0.5"), "dispersion"),
        (payload(categories=["finns_inte"]), "categories"),
    ]
    for body, field in cases:
        response = post(bra, "/uppfoljning/ny/spara/", body)
        assert response.status_code == 400, (field, response.content)
        assert field in response.json()["fields"], (field, response.json())
    assert (
        bra.post("/uppfoljning/ny/spara/", b"{", content_type="application/json").status_code == 400
    )
    assert not Evaluation.objects.exists()


def test_nyko_areas_and_grid_cells_can_be_picked(bra: Client) -> None:
    municipality = MunicipalityFactory()
    StatisticalArea.objects.create(
        municipality=municipality, code="0114001", name="Jämförbo", area=square(CX + 3000, CY, 400)
    )
    body = payload(
        target={"kind": "rutor", "cells": [list(TO_WGS84.transform(CX, CY))]},
        comparison={"kind": "nyko", "codes": ["0114001"]},
    )
    response = post(bra, "/uppfoljning/ny/spara/", body)
    assert response.status_code == 201, response.content
    evaluation = Evaluation.objects.get()
    assert evaluation.target_kind == "rutor" and evaluation.target_area.area == pytest.approx(
        500 * 500
    )
    assert evaluation.target_area.contains(Point(CX, CY, srid=STORAGE_SRID))
    assert evaluation.comparison_refs == ["0114001"]


def test_another_municipalitys_evaluation_is_not_found(bra: Client) -> None:
    pk = post(bra, "/uppfoljning/ny/spara/", payload()).json()["id"]
    other = MunicipalityFactory(kommunkod="0115", name="Vallentuna")
    stranger = user_with_role(Role.BRA_MEMBER, "annan-bra")
    from layers.models import Membership

    Membership.objects.create(user=stranger, municipality=other)
    client = Client()
    client.force_login(stranger)
    for url in (f"/uppfoljning/{pk}/", f"/uppfoljning/{pk}/resultat.json"):
        assert client.get(url).status_code == 404
    assert post(client, f"/uppfoljning/{pk}/spara/", payload()).status_code == 404
    assert client.get("/uppfoljning/").content.decode().count("Ny belysning") == 0


def test_field_staff_read_but_do_not_write(bra: Client) -> None:
    pk = post(bra, "/uppfoljning/ny/spara/", payload()).json()["id"]
    field = Client()
    field.force_login(user_with_role(Role.FIELD_STAFF))
    assert field.get(f"/uppfoljning/{pk}/").status_code == 200
    assert post(field, f"/uppfoljning/{pk}/spara/", payload()).status_code == 403
    assert field.get("/uppfoljning/ny/").status_code == 403


def test_an_evaluation_links_to_its_action_and_the_action_page_links_back(bra: Client) -> None:
    from surveys.models import Action

    municipality = MunicipalityFactory()
    action = Action.objects.create(
        municipality=municipality,
        office=OfficeFactory(municipality=municipality),
        title="Tänd tunneln",
    )
    new_page = bra.get(f"/uppfoljning/ny/?atgard={action.pk}").content.decode()
    assert "Tänd tunneln" in new_page
    pk = post(bra, "/uppfoljning/ny/spara/", payload(action=action.pk)).json()["id"]
    assert Evaluation.objects.get(pk=pk).action == action
    staff = Client()
    staff.force_login(user_with_role(Role.PLANNER))
    action_page = staff.get(f"/atgarder/{action.pk}/").content.decode()
    assert f"/uppfoljning/{pk}/" in action_page
    assert f"/uppfoljning/ny/?atgard={action.pk}" in action_page


def test_walk_observations_give_the_share_felt_unsafe_per_area_and_period(bra: Client) -> None:
    walk = WalkFactory()
    for feeling, when in (
        (1, date(2023, 9, 1)),
        (2, date(2023, 9, 1)),
        (4, date(2023, 9, 1)),
        (4, date(2024, 9, 1)),
    ):
        ObservationFactory(
            walk=walk,
            location=Point(CX + 10, CY, srid=STORAGE_SRID),
            feeling=feeling,
            recorded_at=datetime(when.year, when.month, when.day, 20, tzinfo=LOCAL),
        )
    pk = post(bra, "/uppfoljning/ny/spara/", payload()).json()["id"]
    data = bra.get(f"/uppfoljning/{pk}/resultat.json").json()
    target = data["areas"][0]["observations"]
    assert target["before"]["all"] == 3 and target["before"]["unsafe"] == 2
    assert target["after"]["all"] == 1 and target["after"]["unsafe"] == 0
    assert target["before"]["unsafe_share_text"].replace("\u00a0", " ") == "67 %"


def test_trygg_suggests_similar_nyko_areas_that_do_not_touch_the_buffer(bra: Client) -> None:
    municipality = MunicipalityFactory()
    for code, dx in (("like", 3000), ("near", 400), ("empty", -3000)):
        StatisticalArea.objects.create(
            municipality=municipality, code=code, name=code, area=square(CX + dx, CY, 150)
        )
    for i in range(24):
        month = date(2023, 3 + i % 10, 5)
        when = datetime(month.year, month.month, month.day, tzinfo=LOCAL)
        incident("target", when, dx=i)
        IncidentFactory(location=Point(CX + 3000 + i, CY, srid=STORAGE_SRID), occurred_from=when)
        IncidentFactory(location=Point(CX + 400 + i, CY, srid=STORAGE_SRID), occurred_from=when)

    response = post(bra, "/uppfoljning/forslag/", payload())
    assert response.status_code == 200, response.content
    ranked = response.json()["candidates"]
    assert [c["code"] for c in ranked] == [
        "like"
    ]  # "near" touches the buffer, "empty" is below the floor
    assert ranked[0]["before_count"] == 24


def test_the_admin_lists_and_opens_evaluations(bra: Client) -> None:
    from django.contrib.auth.models import User

    pk = post(bra, "/uppfoljning/ny/spara/", payload()).json()["id"]
    admin = login_verified(
        Client(), User.objects.create_superuser("root", password="x-test-password-1")
    )
    assert admin.get("/admin/followup/evaluation/").status_code == 200
    change = admin.get(f"/admin/followup/evaluation/{pk}/change/")
    assert change.status_code == 200 and "Ny belysning i gångtunneln" in change.content.decode()
