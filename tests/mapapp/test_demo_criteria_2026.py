"""The five criteria of method 2026.12 on the demo plan (`make demo`): each has data, and its value
moves when the plan changes; the planner's page and report show them and the barnkonsekvens section.

The demo is loaded once for the module inside a transaction that is rolled back at the end; each test
runs in a savepoint of its own within it, so a test's edits of the demo plan do not leak.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import LineString, Point
from django.db import connection, transaction
from django.test import Client

from geo import criteria
from geo.criteria import CriterionResult
from layers import scoring
from layers.geometry import to_shapely
from layers.models import Detaljplan, PlanAssessment, PlanFeature, PlanZone
from mapapp import demo
from surveys.evidence import people_evidence

TODAY = datetime.date(2026, 11, 26)
NEW = ("parking", "territoriality", "conflicting_uses", "rear_access", "children_routes")


@pytest.fixture(scope="module")
def demo_data(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        with transaction.atomic():
            demo.load_demo(today=TODAY)
            yield
            transaction.set_rollback(True)
        connection.close()  # leave no session behind outside the tests (see test_scoring_helsinki)


@pytest.fixture
def plan(demo_data: None, db: None) -> Detaljplan:
    return Detaljplan.objects.get(plan_id="DEMO-2026:1")


@pytest.fixture
def planner_client(demo_data: None, db: None, client: Client) -> Client:
    client.force_login(User.objects.get(username="planerare"))
    return client


def planned(plan: Detaljplan) -> dict[str, CriterionResult]:
    return scoring.score_plan(plan, people=people_evidence)[PlanZone.Scenario.PLANNED].results


def corner(plan: Detaljplan) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = to_shapely(plan.area).bounds
    return x0, y0, x1, y1


def test_each_new_criterion_has_data_on_the_demo_plan(plan: Detaljplan) -> None:
    results = planned(plan)

    for key in NEW:
        r = results[key]
        assert "missing_data" not in r.evidence, (key, r.explanation)
        assert r.confidence in ("hög", "medel"), (key, r.explanation)
    # The residents' car park (P zone), the garage entrance and the car park east of the plan.
    assert results["parking"].evidence["lots"] >= 2
    assert results["parking"].evidence["garage_entrances"] == 1
    # Samråd: a PBL plan, so the municipality is huvudman where the plan says nothing; the planned
    # path across the southern housing block's courtyard is a through path.
    assert results["territoriality"].evidence["huvudman_by_law"] == "kommunalt"
    assert results["territoriality"].evidence["blocks_with_through_paths"] == 1
    # The pub on Centralvägen and the sports ground west of the plan.
    assert set(results["conflicting_uses"].evidence["sources_near_homes"]) == {"natt", "idrott"}
    # Fronts from the demo's entrances (the blocks beside the plan, the plan's own two doors).
    assert results["rear_access"].evidence["front_from_entrances"] >= 1
    # Children reach the preschool, the school and places for play; Centralvägen is crossed.
    routes = results["children_routes"].evidence["routes"]
    assert {r["kind"] for r in routes if r["destination"]} == {"förskola", "skola", "fritid"}
    assert {c["road"] for r in routes for c in r["crossing_points"]} == {"Centralvägen"}


def test_removing_the_courtyard_path_raises_territoriality(plan: Detaljplan) -> None:
    before = planned(plan)["territoriality"]
    PlanFeature.objects.filter(plan=plan, name="Gångväg över gården").delete()

    after = planned(plan)["territoriality"]

    assert after.evidence["blocks_with_through_paths"] == 0
    assert after.value > before.value


def test_turning_the_car_park_into_park_changes_parking(plan: Detaljplan) -> None:
    before = planned(plan)["parking"]
    PlanZone.objects.filter(plan=plan, scenario="planerat", use_code="P").update(
        use_code="PARK", label="Park"
    )

    after = planned(plan)["parking"]

    assert after.evidence["lots"] == before.evidence["lots"] - 1
    assert after.value != before.value


def test_a_planned_pub_beside_the_homes_lowers_conflicting_uses(plan: Detaljplan) -> None:
    x0, y0, _x1, _y1 = corner(plan)
    before = planned(plan)["conflicting_uses"]
    PlanFeature.objects.create(
        municipality=plan.municipality,
        plan=plan,
        kind="poi",
        name="Nattklubben",
        geom=Point(x0 + 60, y0 + 30, srid=3006),
        properties={"amenity": "nightclub"},
    )

    after = planned(plan)["conflicting_uses"]

    assert after.value < before.value
    assert after.evidence["homes_in_conflict"] > before.evidence["homes_in_conflict"]


def test_a_planned_preschool_in_the_plan_raises_childrens_routes(plan: Detaljplan) -> None:
    x0, y0, _x1, y1 = corner(plan)
    before = planned(plan)["children_routes"]
    PlanFeature.objects.create(
        municipality=plan.municipality,
        plan=plan,
        kind="poi",
        name="Förskolan i kvarteret",
        geom=Point(x0 + 100, (y0 + y1) / 2 - 12, srid=3006),
        properties={"amenity": "kindergarten"},
    )

    after = planned(plan)["children_routes"]

    preschool = [r for r in after.evidence["routes"] if r["kind"] == "förskola"]
    # The southern homes now walk to the new one; the northern ones still to Förskolan Ekorren.
    assert "Förskolan i kvarteret" in {r["destination"] for r in preschool}
    assert after.value > before.value


def test_a_public_path_behind_the_homes_lowers_rear_access(plan: Detaljplan) -> None:
    x0, y0, _x1, _y1 = corner(plan)
    before = planned(plan)["rear_access"]
    PlanFeature.objects.create(  # along the back of the southern block, away from the street
        municipality=plan.municipality,
        plan=plan,
        kind="path",
        name="Gångväg bakom husen",
        geom=LineString((x0 - 40, y0 - 5), (x0 + 200, y0 - 5), srid=3006),
        properties={"highway": "footway"},
    )

    after = planned(plan)["rear_access"]

    assert after.evidence["homes_open_at_back"] > before.evidence["homes_open_at_back"]
    assert after.value < before.value


def test_the_plan_page_shows_the_new_criteria_and_the_barnkonsekvens_section(
    plan: Detaljplan, planner_client: Client
) -> None:
    page = planner_client.get(f"/plan/{plan.pk}/").content.decode()

    for key in NEW:
        assert f'data-criterion="{key}"' in page
    for label in ("Parkering", "Revir och ansvar", "Konfliktande användningar", "Barns vägar"):
        assert label in page
    assert 'data-testid="barnkonsekvens"' in page
    assert 'data-testid="child-routes"' in page
    assert "Centralvägen (utan signal)" in page
    assert "Dragonskolan" in page and "Förskolan Ekorren" in page
    assert "Utbildningskontoret" in page or "Kontoret för samhällsbyggnad" in page
    assert "Metod 2026.12" in page
    report = planner_client.get(f"/plan/{plan.pk}/rapport/?paper=A4").content.decode()
    assert 'data-testid="barnkonsekvens"' in report and "Barnkonsekvens" in report


def test_an_assessment_of_method_2026_11_shows_the_new_criteria_as_not_scored(
    plan: Detaljplan, planner_client: Client
) -> None:
    scores = scoring.score_plan(plan, people=people_evidence)
    for scenario, s in scores.items():  # as stored before 2026.12: the ten, their weights
        ten = criteria.METHODS["2026.11"]
        PlanAssessment.objects.create(
            municipality=plan.municipality,
            plan=plan,
            scenario=scenario,
            overall=criteria.overall({k: s.results[k].value for k in ten.keys}, dict(ten.weights)),
            weights=dict(ten.weights),
            weights_source="standard",
            results=[s.results[k].as_dict() for k in ten.keys],
            method_version="2026.11",
        )

    page = planner_client.get(f"/plan/{plan.pk}/").content.decode()

    assert page.count('data-not-scored="true"') == 5 * 2  # five criteria, two scenarios
    assert "inte bedömd i metod 2026.11" in page
    assert 'data-testid="older-method"' in page
    assert 'data-testid="barnkonsekvens-not-scored"' in page
    for key in NEW:
        body = page.split(f'data-criterion="{key}"')[1].split("</tbody>")[0]
        assert "data-value=" not in body, key  # no 0, no 50: not scored
