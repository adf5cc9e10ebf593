"""The action list's rules: who is suggested, and every change kept in the history."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.test import Client

from geo.crs import STORAGE_SRID
from layers import reference
from layers.models import ContextFeature, ContextLayer, Detaljplan, Municipality, Office, PlanZone
from surveys import services
from surveys.models import Action, ActionEvent, Trygghetsvandring
from tests.factories import VASBY_CENTRUM, ObservationFactory, square

pytestmark = pytest.mark.django_db

# A block 100 m east of Väsby centrum; observations placed in it or outside it.
INSIDE = Point(VASBY_CENTRUM[0] + 100, VASBY_CENTRUM[1], srid=STORAGE_SRID)
OUTSIDE = Point(VASBY_CENTRUM[0] - 300, VASBY_CENTRUM[1], srid=STORAGE_SRID)


def vasbyhem_land(municipality: Municipality, **properties: str) -> ContextFeature:
    layer = ContextLayer.objects.create(municipality=municipality, name="Fastigheter")
    return ContextFeature.objects.create(
        municipality=municipality,
        layer=layer,
        kind=ContextFeature.Kind.LANDUSE,
        geom=square(VASBY_CENTRUM[0] + 100, VASBY_CENTRUM[1], 50),
        name="Kvarteret Bävern",
        properties=properties or {"owner": "AB Väsbyhem"},
    )


def office(municipality: Municipality, name: str) -> Office:
    return Office.objects.get(municipality=municipality, name=name)


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("belysning", reference.SAMHALLSBYGGNAD),
        ("folkliv", reference.KULTUR_FRITID),
        ("kollektivtrafik", reference.KOLLEKTIVTRAFIK),
        ("bevakning", reference.POLISEN),
        ("ovrigt", reference.KOMMUNLEDNING),
    ],
)
def test_the_suggested_office_follows_the_category(
    municipality: Municipality, category: str, expected: str
) -> None:
    suggestion = services.suggest_office(municipality, category, OUTSIDE)

    assert suggestion.office.name == expected
    assert suggestion.reason.startswith("kategorin")


def test_a_lamp_on_vasbyhem_land_is_suggested_to_vasbyhem(municipality: Municipality) -> None:
    vasbyhem_land(municipality)

    inside = services.suggest_office(municipality, "belysning", INSIDE)
    outside = services.suggest_office(municipality, "belysning", OUTSIDE)

    assert inside.office.name == reference.VASBYHEM
    assert "Kvarteret Bävern" in inside.reason
    assert outside.office.name == reference.SAMHALLSBYGGNAD


def test_the_land_owner_may_be_named_by_short_name_or_swedish_key(
    municipality: Municipality,
) -> None:
    vasbyhem_land(municipality, markägare="Väsbyhem")

    assert (
        services.suggest_office(municipality, "skotsel", INSIDE).office.name == reference.VASBYHEM
    )


def test_public_transport_stays_with_sl_even_on_vasbyhem_land(municipality: Municipality) -> None:
    vasbyhem_land(municipality)

    assert (
        services.suggest_office(municipality, "kollektivtrafik", INSIDE).office.name
        == reference.KOLLEKTIVTRAFIK
    )


def test_a_plan_zone_naming_the_land_owner_decides_too(municipality: Municipality) -> None:
    plan = Detaljplan.objects.create(
        municipality=municipality,
        plan_id="T-1",
        name="Testplan",
        area=square(VASBY_CENTRUM[0] + 100, VASBY_CENTRUM[1], 80),
    )
    PlanZone.objects.create(
        municipality=municipality,
        plan=plan,
        use_code="B",
        area=square(VASBY_CENTRUM[0] + 100, VASBY_CENTRUM[1], 80),
        regulations=[{"kind": "markägare", "text": "AB Väsbyhem"}],
    )

    suggestion = services.suggest_office(municipality, "vegetation", INSIDE)

    assert suggestion.office.name == reference.VASBYHEM
    assert "T-1" in suggestion.reason


def test_a_new_observation_on_vasbyhem_land_gets_a_vasbyhem_action(
    municipality: Municipality, walk: Trygghetsvandring
) -> None:
    vasbyhem_land(municipality)
    observation = ObservationFactory(walk=walk, location=INSIDE.clone(), category="belysning")

    action = services.propose_action(observation)

    assert action.office.name == reference.VASBYHEM
    assert action.suggested_office == action.office
    assert services.propose_action(observation) == action  # one per observation


def test_changing_office_status_and_due_date_is_one_history_row_saying_what_changed(
    municipality: Municipality, walk: Trygghetsvandring, field_user: User
) -> None:
    action = services.propose_action(ObservationFactory(walk=walk))
    police = office(municipality, reference.POLISEN)
    default_due = action.due_date.isoformat()  # by severity (decision 0822)

    services.update_action(
        action,
        by=field_user,
        status=Action.Status.PLANNED,
        office=police,
        due_date=datetime.date(2026, 5, 1),
        note="Polisen tar det",
    )

    action.refresh_from_db()
    event = action.history.order_by("-pk").first()
    assert action.office == police and action.status == "planerad"
    assert event is not None and event.by == field_user
    assert (event.from_status, event.to_status) == ("ny", "planerad")
    assert event.changes["office"] == [reference.SAMHALLSBYGGNAD, reference.POLISEN]
    assert event.changes["due_date"] == [default_due, "2026-05-01"]
    assert event.note == "Polisen tar det"
    assert action.history.count() == 2  # proposed, then this change


def test_rejecting_needs_a_reason_and_keeps_it(walk: Trygghetsvandring) -> None:
    action = services.propose_action(ObservationFactory(walk=walk))

    with pytest.raises(ValueError, match="reason"):
        services.update_action(action, status=Action.Status.REJECTED)
    services.update_action(
        action,
        status=Action.Status.REJECTED,
        rejection_reason="Privat mark, fastighetsägaren meddelad",
    )

    action.refresh_from_db()
    assert action.status == "avslagen"
    assert action.rejection_reason == "Privat mark, fastighetsägaren meddelad"


def test_reopening_a_rejected_action_clears_the_reason_in_the_history(
    walk: Trygghetsvandring,
) -> None:
    action = services.propose_action(ObservationFactory(walk=walk))
    services.update_action(action, status=Action.Status.REJECTED, rejection_reason="Fel plats")

    services.update_action(action, status=Action.Status.ONGOING, note="Ny bedömning")

    action.refresh_from_db()
    last = ActionEvent.objects.filter(action=action).order_by("-pk").first()
    assert action.status == "pagar" and action.rejection_reason == ""
    assert last is not None and last.changes["rejection_reason"] == ["Fel plats", ""]


def test_an_office_of_another_municipality_is_refused(walk: Trygghetsvandring) -> None:
    from tests.factories import MunicipalityFactory, OfficeFactory

    action = services.propose_action(ObservationFactory(walk=walk))
    foreign = OfficeFactory(municipality=MunicipalityFactory(kommunkod="0115"), name="Annat kontor")

    with pytest.raises(ValueError, match="another municipality"):
        services.update_action(action, office=foreign)


def test_an_action_past_its_due_date_is_overdue_only_while_open(walk: Trygghetsvandring) -> None:
    action = services.propose_action(ObservationFactory(walk=walk))
    action.due_date = datetime.date(2020, 1, 1)

    assert action.is_overdue
    action.status = Action.Status.DONE
    assert not action.is_overdue


def test_changing_an_action_in_the_admin_is_kept_in_its_history(
    admin_client: Client, walk: Trygghetsvandring, municipality: Municipality
) -> None:
    action = services.propose_action(ObservationFactory(walk=walk))
    police = Office.objects.get(municipality=municipality, name=reference.POLISEN)

    response = admin_client.post(
        f"/admin/surveys/action/{action.pk}/change/",
        {
            "municipality": municipality.pk,
            "observation": action.observation_id,
            "office": police.pk,
            "title": action.title,
            "description": "",
            "status": "pagar",
            "rejection_reason": "",
            "due_date": "",
            "history-TOTAL_FORMS": "1",
            "history-INITIAL_FORMS": "1",
            "history-MIN_NUM_FORMS": "0",
            "history-MAX_NUM_FORMS": "1000",
            "history-0-id": action.history.get().pk,
            "history-0-action": action.pk,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    last = action.history.order_by("-pk").first()
    assert last is not None and (last.from_status, last.to_status) == ("ny", "pagar")
    assert last.changes["office"][1] == reference.POLISEN
