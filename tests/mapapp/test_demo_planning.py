"""The planner review and the calibration on the demo data (`make demo`), now that the demo has context.

The demo is loaded once for the module inside a transaction that is rolled back at the end; each test
runs in a savepoint of its own within it.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client

from geo import criteria
from layers import calibration, scoring
from layers.geometry import from_shapely, to_shapely
from layers.models import Detaljplan, Incident, RiskCalibration
from mapapp import demo
from surveys.evidence import people_evidence
from surveys.models import Action, Observation

TODAY = datetime.date(2026, 11, 26)


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


def test_the_demo_plan_reaches_the_bus_stops_on_centralvagen(plan: Detaljplan) -> None:
    # The generated town has stops 9 m beside Centralvägen at 250 m east and west of the plan's
    # centre; the plan area reaches 160 m out, and the street crosses it with no junction inside.
    # The walk leaves the area on the street: 250 − 160 = 90 m along it, 9 m to the pole.
    scores = scoring.score_plan(plan, people=people_evidence)

    for scenario, s in scores.items():
        transport = s.results["transport"]
        assert transport.evidence["bus_distance_m"] == pytest.approx(99.0, abs=1.0), scenario
        assert transport.evidence["route_lit_share"] == 1.0  # Centralvägen is lit=yes
        assert transport.value == 100.0, scenario
        assert "99\xa0m" in transport.explanation


def test_the_demo_plans_maintenance_and_life_values_follow_from_the_demo_data(
    plan: Detaljplan,
) -> None:
    study = to_shapely(plan.area).buffer(scoring.STUDY_BUFFER_M)
    evidence = people_evidence(plan.municipality, study)
    upkeep_nearby = Observation.objects.filter(
        municipality=plan.municipality,
        category=Observation.Category.MAINTENANCE,
        location__intersects=from_shapely(study),
    ).count()
    open_nearby = Action.objects.filter(
        municipality=plan.municipality,
        observation__location__intersects=from_shapely(study),
        status__in=Action.OPEN_STATUSES,
    ).count()

    today = scoring.score_plan(plan, people=people_evidence)["idag"].results

    # The two walks past the centre logged lighting, vegetation and people, but no litter, graffiti
    # or vandalism (skötsel) inside the study area: 0 is right. The open actions from the other
    # observations take 5 points each.
    maintenance = today["maintenance"]
    assert upkeep_nearby == maintenance.evidence["maintenance_observations"] == 0
    assert maintenance.evidence["open_actions"] == open_nearby == evidence.open_actions > 0
    assert maintenance.value == 100 - 5 * open_nearby
    # Three places in the study area are open at 20 every day (Närbutik, Grillen, Gymmet), none
    # at 23: the pub stands 14 m outside the study area.
    life = today["life_at_all_hours"]
    assert life.evidence["evening_places"] == pytest.approx(3.0)
    assert life.evidence["night_places"] == 0.0


def test_calibration_on_the_demo_gives_finite_risks_and_a_pai_on_the_held_out_year(
    demo_data: None, db: None
) -> None:
    municipality = Detaljplan.objects.get(plan_id="DEMO-2026:1").municipality

    row = calibration.run(municipality)

    assert row.factors
    for f in row.factors:
        assert all(math.isfinite(float(f[k])) for k in ("rr", "rr_low", "rr_high", "p")), f
        assert f["rr_low"] <= f["rr"] <= f["rr_high"]
    # The 12 months up to the newest incident (the demo's run to the end of last month) are held out.
    last = (
        Incident.objects.placed()
        .non_sensitive()
        .filter(municipality=municipality)
        .latest("occurred_from")
        .occurred_from
    )
    held_out_from = last - datetime.timedelta(days=365)
    assert f"{last:%Y-%m}" == "2026-10"
    assert row.summary["period_test"] == f"{held_out_from:%Y-%m}–{last:%Y-%m}"
    assert row.test_year == last.year
    assert row.summary["test_incidents"] > 100 and row.summary["train_incidents"] > 500
    assert row.accuracy["pai"] > 0 and math.isfinite(row.accuracy["pai"])
    assert row.accuracy["cells"] == max(1, round(0.05 * row.summary["cells"]))
    # The generated town covers about 1 km² of 84: the result says it speaks for that part only.
    coverage = row.summary["coverage"]
    assert coverage["cells"] == row.summary["cells"]
    assert coverage["area_share"] < 0.05
    assert 0 < coverage["incident_share"] < 0.5
    assert coverage["limited"] is True
    assert row.summary["generated_data"] is True
    assert {f["key"] for f in row.summary["untested_factors"]} == {
        "station_400m",  # the generated town has no station
        "vegetation_path_m",  # nor woodland or scrub
    }
    assert sum(row.weights.values()) == pytest.approx(1.0, abs=1e-3)
    # The plan-only criteria have no factor on the grid: they keep their default weight whatever the
    # fit did to the others (decision 0740); every criterion of the method in use has a weight.
    assert set(row.weights) == set(criteria.CRITERIA)
    for key in criteria.PLAN_ONLY:
        assert row.weights[key] == pytest.approx(criteria.DEFAULT_WEIGHTS[key], abs=1e-4), key


def test_the_calibration_page_renders_the_demo_fit_and_says_how_little_it_covers(
    planner_client: Client,
) -> None:
    ran = planner_client.post("/plan/kalibrering/", {"action": "run"}, follow=True)

    page = ran.content.decode()
    assert ran.status_code == 200
    assert RiskCalibration.objects.count() == 1
    assert 'data-testid="pai"' in page
    assert 'data-testid="coverage"' in page and "km²" in page
    assert 'data-testid="coverage-warning"' in page
    assert 'data-testid="generated-warning"' in page
    assert 'data-testid="plan-only-note"' in page and 'data-plan-only="true"' in page
    assert "Inom 400 m från en station" in page  # listed as not tested


def test_the_overview_maps_plan_layer_links_the_demo_plan_and_needs_a_login(
    planner_client: Client, plan: Detaljplan
) -> None:
    anonymous = Client().get("/plan/planomraden.geojson")

    data = planner_client.get("/plan/planomraden.geojson").json()

    assert anonymous.status_code == 302
    (feature,) = data["features"]
    assert feature["properties"]["plan_id"] == "DEMO-2026:1"
    assert feature["properties"]["url"] == f"/plan/{plan.pk}/"
    lon, lat = feature["geometry"]["coordinates"][0][0][0]  # a MultiPolygon
    assert 17.8 < lon < 18.0 and 59.4 < lat < 59.6  # WGS 84, (lon, lat)
