"""Actions as tasks (issue 15): title, place and street name, due date, assignee, routing to every office,
plan-review measures as actions, and the weekly digest."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import LineString, Point
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from geo.crs import STORAGE_SRID
from layers import reference
from layers.models import (
    ContextFeature,
    ContextLayer,
    Membership,
    Municipality,
    Office,
    StatisticalArea,
)
from layers.roles import Role
from layers.scoring import assess
from surveys import services
from surveys.models import Action, ActionDigest, Observation, OfficeStaff, Trygghetsvandring
from tests.factories import VASBY_CENTRUM, ObservationFactory, square, user_with_role
from tests.plan_factories import rebuilt_plan

pytestmark = pytest.mark.django_db

X, Y = VASBY_CENTRUM


def office(municipality: Municipality, name: str) -> Office:
    return Office.objects.get(municipality=municipality, name=name)


def street(municipality: Municipality, name: str, dx: float, dy: float) -> ContextFeature:
    """A 200 m east-west street ``dy`` metres north of the centre, starting ``dx`` metres east of it."""
    layer, _ = ContextLayer.objects.get_or_create(municipality=municipality, name="OSM")
    return ContextFeature.objects.create(
        municipality=municipality,
        layer=layer,
        kind=ContextFeature.Kind.STREET,
        geom=LineString((X + dx, Y + dy), (X + dx + 200, Y + dy), srid=STORAGE_SRID),
        name=name,
    )


def nyko(municipality: Municipality, name: str = "Centrum") -> StatisticalArea:
    return StatisticalArea.objects.create(
        municipality=municipality, code="210000", name=name, area=square(X, Y, 1000)
    )


def at(dx: float, dy: float) -> Point:
    return Point(X + dx, Y + dy, srid=STORAGE_SRID)


# --- routing covers every office of the strategy ----------------------------------------------------


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("ungdomsgrupp", reference.SOCIAL_OMSORG),
        ("utsatthet", reference.SOCIAL_OMSORG),
        ("skolvag", reference.UTBILDNING),
        ("skolgard", reference.UTBILDNING),
    ],
)
def test_youth_gatherings_and_school_routes_go_to_social_services_and_schools(
    municipality: Municipality, walk: Trygghetsvandring, category: str, expected: str
) -> None:
    action = services.propose_action(ObservationFactory(walk=walk, category=category))

    assert action.office.name == expected
    assert action.title == services.TITLE_BY_CATEGORY[category]


def test_every_office_named_in_the_strategy_receives_some_category() -> None:
    named = {name for area in reference.FOCUS_AREAS for name in area.offices}
    routed = set(services.SUGGESTED_OFFICE_BY_CATEGORY.values())

    assert named - routed == set()
    assert set(Observation.Category.values) == set(services.TITLE_BY_CATEGORY)


# --- title, place, due date -----------------------------------------------------------------------


def test_a_new_action_is_a_task_with_the_nearest_street_and_a_due_date_by_severity(
    municipality: Municipality, walk: Trygghetsvandring
) -> None:
    street(municipality, "Stationsgatan", -100, 40)
    street(municipality, "Drabantvägen", -100, 120)
    nyko(municipality)
    observation = ObservationFactory(
        walk=walk,
        category="belysning",
        severity=Observation.Severity.HIGH,
        note="Trasig lampa vid cykelstället",
        location=at(0, 10),
    )

    action = services.propose_action(observation)

    assert action.title == "Laga eller komplettera belysningen"
    assert action.description == "Trasig lampa vid cykelstället"
    assert action.location.equals(observation.location)
    assert (action.place_name, action.place_kind) == ("Stationsgatan", "gata")
    assert action.due_date == timezone.localdate() + datetime.timedelta(days=14)
    assert action.history.get().changes["due_date"] == ["", action.due_date.isoformat()]


def test_without_a_street_near_the_place_is_named_by_its_nyko_area(
    municipality: Municipality, walk: Trygghetsvandring
) -> None:
    street(municipality, "Långt bort-vägen", -100, 400)  # 390 m from the place: too far
    nyko(municipality, "Väsby centrum")
    low = ObservationFactory(walk=walk, severity=Observation.Severity.LOW, location=at(0, 10))

    action = services.propose_action(low)

    assert (action.place_name, action.place_kind) == ("Väsby centrum", "nyko")
    assert action.place_label == "NYKO-område Väsby centrum"
    assert action.due_date == timezone.localdate() + datetime.timedelta(days=90)


def test_the_title_and_due_date_are_editable_and_kept_in_the_history(
    walk: Trygghetsvandring, field_client: Client
) -> None:
    action = services.propose_action(ObservationFactory(walk=walk))

    response = field_client.post(
        f"/atgarder/{action.pk}/",
        {
            "title": "Byt armaturen vid entrén",
            "office": action.office_id,
            "status": "planerad",
            "due_date": "2027-02-01",
        },
    )

    action.refresh_from_db()
    assert response.status_code == 302
    assert action.title == "Byt armaturen vid entrén"
    assert action.due_date == datetime.date(2027, 2, 1)
    changes = action.history.order_by("-pk").first().changes
    assert changes["title"][1] == "Byt armaturen vid entrén"


# --- the assignee ---------------------------------------------------------------------------------


def staff_of(office: Office, username: str) -> User:
    user = user_with_role(Role.PLANNER, username)
    user.first_name, user.last_name, user.email = (
        "Sara",
        "Samhällsbyggare",
        f"{username}@example.se",
    )
    user.save()
    Membership.objects.create(user=user, municipality=office.municipality)
    OfficeStaff.objects.create(office=office, user=user)
    return user


def test_the_assignee_works_at_the_office_and_leaves_with_the_action(
    municipality: Municipality, walk: Trygghetsvandring, field_client: Client
) -> None:
    sbk = office(municipality, reference.SAMHALLSBYGGNAD)
    sara = staff_of(sbk, "sara")
    ulla = staff_of(office(municipality, reference.UTBILDNING), "ulla")
    action = services.propose_action(ObservationFactory(walk=walk, category="belysning"))

    refused = field_client.post(
        f"/atgarder/{action.pk}/",
        {"office": sbk.pk, "status": "ny", "assignee": ulla.pk},
    )
    action.refresh_from_db()
    assert refused.status_code == 400 and action.assignee is None
    assert "arbetar inte på det ansvariga kontoret" in refused.content.decode()

    accepted = field_client.post(
        f"/atgarder/{action.pk}/", {"office": sbk.pk, "status": "ny", "assignee": sara.pk}
    )
    action.refresh_from_db()
    assert accepted.status_code == 302 and action.assignee == sara
    assert services.assignable_users(sbk) == [sara]

    services.update_action(action, office=office(municipality, reference.POLISEN))
    action.refresh_from_db()
    assert action.assignee is None
    assert action.history.order_by("-pk").first().changes["assignee"] == [
        "Sara Samhällsbyggare",
        "",
    ]
    with pytest.raises(ValueError, match="assignee"):
        services.update_action(action, assignee=sara)


# --- plan-review measures as actions --------------------------------------------------------------


@pytest.fixture
def planner_client(municipality: Municipality) -> Client:
    client = Client()
    client.force_login(user_with_role(Role.PLANNER, "planerare-test"))
    return client


def first_measure(plan_assessments: dict[str, object]) -> tuple[str, str, int, dict[str, str]]:
    for scenario, assessment in plan_assessments.items():
        for result in assessment.results:  # type: ignore[attr-defined]
            if result.get("measures"):
                return scenario, result["key"], 0, result["measures"][0]
    raise AssertionError("the plan's review suggests no measure")


def test_a_measure_becomes_an_action_of_its_office_once(
    municipality: Municipality, planner_client: Client
) -> None:
    plan = rebuilt_plan(municipality, plan_id="ATG-1")
    from mapapp.planning import ensure_assessments

    scenario, criterion, index, measure = first_measure(ensure_assessments(plan))
    body = {"criterion": criterion, "scenario": scenario, "index": index}

    first = planner_client.post(f"/plan/{plan.pk}/atgard/", body)
    again = planner_client.post(f"/plan/{plan.pk}/atgard/", body)
    page = planner_client.get(f"/plan/{plan.pk}/").content.decode()

    action = Action.objects.get(plan=plan)
    assert first.status_code == 302 and again.status_code == 302
    assert (action.criterion, action.measure) == (criterion, measure["text"])
    assert action.office.name == measure["office"]
    assert action.title == measure["text"].rstrip(".")
    assert action.location is not None and plan.area.contains(action.location)
    assert action.due_date == timezone.localdate() + datetime.timedelta(days=90)
    assert f'href="/atgarder/{action.pk}/"' in page


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"criterion": "lighting", "scenario": "planerat", "index": "x"}, "index"),
        ({"criterion": "lighting", "scenario": "imorgon", "index": "0"}, "scenario"),
        ({"criterion": "finns_inte", "scenario": "planerat", "index": "0"}, "criterion"),
        ({"criterion": "lighting", "scenario": "planerat", "index": "99"}, "index"),
    ],
)
def test_a_measure_that_is_not_in_the_review_is_400_naming_the_field(
    municipality: Municipality, planner_client: Client, body: dict[str, str], field: str
) -> None:
    plan = rebuilt_plan(municipality, plan_id="ATG-2")
    assess(plan)

    response = planner_client.post(f"/plan/{plan.pk}/atgard/", body)

    assert response.status_code == 400
    assert field in response.content.decode()
    assert not Action.objects.filter(plan=plan).exists()


# --- the weekly digest ----------------------------------------------------------------------------


@pytest.fixture
def locmem(settings: object) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]


def test_the_digest_goes_weekly_to_offices_that_turned_it_on(
    municipality: Municipality, walk: Trygghetsvandring, locmem: None
) -> None:
    sbk = office(municipality, reference.SAMHALLSBYGGNAD)
    sbk.email = "samhallsbyggnad@example.se"
    sbk.save()
    staff_of(sbk, "sara")
    street(municipality, "Stationsgatan", -100, 40)
    late = services.propose_action(ObservationFactory(walk=walk, location=at(0, 10)))
    Action.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - datetime.timedelta(1))
    ActionDigest.objects.create(office=office(municipality, reference.POLISEN), enabled=False)
    ActionDigest.objects.create(office=sbk, enabled=True)
    out = StringIO()

    call_command("send_action_digest", stdout=out)
    call_command("send_action_digest", stdout=out)  # the same week: not again

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["samhallsbyggnad@example.se", "sara@example.se"]
    assert "1 försenade" in message.subject
    assert "Laga eller komplettera belysningen – Stationsgatan – klart senast" in message.body
    assert f"/atgarder/{late.pk}/" in message.body
    assert "inget skickat (skickat senast" in out.getvalue()

    call_command("send_action_digest", "--force", stdout=out)
    assert len(mail.outbox) == 2


def test_the_office_page_turns_the_digest_on(
    municipality: Municipality, field_client: Client
) -> None:
    sbk = office(municipality, reference.SAMHALLSBYGGNAD)

    response = field_client.post(f"/atgarder/kontor/{sbk.pk}/veckobrev/", {"enabled": "1"})
    bad = field_client.post(f"/atgarder/kontor/{sbk.pk}/veckobrev/", {"enabled": "ja"})

    assert response.status_code == 302
    assert ActionDigest.objects.get(office=sbk).enabled
    assert bad.status_code == 400 and "enabled" in bad.content.decode()


def test_places_named_before_the_streets_were_imported_are_named_again(
    municipality: Municipality, walk: Trygghetsvandring
) -> None:
    nyko(municipality)
    action = services.propose_action(ObservationFactory(walk=walk, location=at(0, 10)))
    assert action.place_kind == "nyko"
    street(municipality, "Stationsgatan", -100, 40)

    changed = services.refresh_action_places(municipality)

    action.refresh_from_db()
    assert changed == 1 and (action.place_name, action.place_kind) == ("Stationsgatan", "gata")
    assert action.history.count() == 1
    assert services.refresh_action_places(municipality) == 0


def test_the_action_list_csv_has_the_place_and_the_assignee(
    municipality: Municipality, walk: Trygghetsvandring, field_client: Client
) -> None:
    sbk = office(municipality, reference.SAMHALLSBYGGNAD)
    sara = staff_of(sbk, "sara")
    street(municipality, "Stationsgatan", -100, 40)
    action = services.propose_action(ObservationFactory(walk=walk, location=at(0, 10)))
    services.update_action(action, assignee=sara)

    exported = field_client.get("/atgarder/atgarder.csv").getvalue().decode().lstrip("\ufeff")

    header, row = (line.split(";") for line in exported.strip().splitlines())
    assert header[-3:] == ["Plats", "Handläggare", "Detaljplan"]
    assert row[-3:] == ["Stationsgatan", "Sara Samhällsbyggare", ""]


def test_gallring_keeps_a_tasks_title_and_clears_an_old_title_that_copied_the_note(
    walk: Trygghetsvandring,
) -> None:
    from surveys.retention import walk_free_text

    old = timezone.now() - datetime.timedelta(days=2000)
    new_style = services.propose_action(
        ObservationFactory(walk=walk, recorded_at=old, note="Anna S. i porten")
    )
    old_style = services.propose_action(ObservationFactory(walk=walk, recorded_at=old, note=""))
    Action.objects.filter(pk=old_style.pk).update(title="Belysning: Anna S. bor i porten")
    Action.objects.filter(pk__in=[new_style.pk, old_style.pk]).update(status="atgardad")
    cutoff = timezone.now() - datetime.timedelta(days=1000)

    counted = walk_free_text(cutoff, dry_run=True)
    removed = walk_free_text(cutoff, dry_run=False)

    new_style.refresh_from_db()
    old_style.refresh_from_db()
    assert (new_style.title, new_style.description) == ("Laga eller komplettera belysningen", "")
    assert old_style.title == "Belysning"
    assert counted == removed == 3  # one observation note and two actions
    assert walk_free_text(cutoff, dry_run=True) == 0
