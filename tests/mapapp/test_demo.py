from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from est.models import EstReport
from layers.models import Detaljplan, District, Incident, StatisticalArea
from mapapp import demo
from surveys.models import Action, CitizenSurveyResponse, Observation, Trygghetsvandring

pytestmark = pytest.mark.django_db


def test_load_demo_twice_gives_the_same_counts() -> None:
    first = demo.load_demo(today=datetime.date(2026, 11, 26)).counts

    second = demo.load_demo(today=datetime.date(2026, 11, 26)).counts

    assert first == second
    assert first["kommundelar"] == 3
    assert first["nyko_omraden"] == 43  # 44 polygons, two share code 113000
    assert first["handelser_polisen"] == 130
    assert first["handelser_genererade"] == demo.INCIDENTS_PER_YEAR * demo.YEARS
    assert first["trygghetsvandringar"] == 5  # four walked, one planned (mapapp/field_demo.py)
    assert first["observationer"] + first["est_rapporter"] == first["atgarder"]  # one action each
    assert first["observationer"] > 20 and first["est_rapporter"] == 15 * 12
    assert first["detaljplaner"] == 1
    # 1,038 rows, of which 3 (rows 439, 504 and 814 of the file) have -1 and text in item columns.
    assert first["enkatsvar_2015"] == 1035
    assert first["kontextobjekt"] > 300  # the generated town around the demo plan


def test_the_demo_est_reports_make_a_lagesbild_with_a_ranked_hot_area() -> None:
    from est import lagesbild

    municipality = demo.load_demo(today=datetime.date(2026, 11, 26)).municipality

    month = lagesbild.build(
        municipality, lagesbild.period_before(lagesbild.Kind.MONTH, datetime.date(2026, 11, 26))
    )

    assert month.total > 40 and month.reporters == 2
    assert month.ranked[0].key == "241000"  # the demo's busiest area (est/demo.py)
    assert any(
        r.rank is None and r.total > 0 for r in month.rows
    )  # some areas have too few to rank


def test_districts_follow_the_nyko_codes() -> None:
    demo.load_demo()

    for district in District.objects.all():
        codes = StatisticalArea.objects.filter(district=district).values_list("code", flat=True)
        assert codes and all(code.startswith(district.nyko_prefix) for code in codes)
    assert set(District.objects.values_list("code", flat=True)) == {"vastra", "centrala", "ostra"}


def test_police_events_are_counts_without_a_place() -> None:
    demo.load_demo()

    police = Incident.objects.filter(source="polisen")
    assert police.count() == 130
    assert not police.filter(location__isnull=False).exists()
    assert set(police.values_list("precision", flat=True)) == {Incident.Precision.MUNICIPALITY}


def test_most_survey_answers_find_their_nyko_area() -> None:
    demo.load_demo()

    answers = CitizenSurveyResponse.objects.all()
    assert answers.count() == 1035
    assert answers.filter(statistical_area__isnull=False).count() > 0.8 * 1035
    assert "X9c" in answers.exclude(answers={}).first().answers


def test_generated_data_is_labelled_as_generated() -> None:
    demo.load_demo()

    assert not Incident.objects.filter(source=demo.GENERATED_SOURCE, generated=False).exists()
    assert not Trygghetsvandring.objects.filter(generated=False).exists()
    assert not Observation.objects.filter(generated=False).exists()
    assert not Action.objects.filter(generated=False).exists()
    assert not EstReport.objects.filter(generated=False).exists()
    assert Detaljplan.objects.get().generated


def test_generated_incidents_lie_inside_the_municipality_and_cluster_near_the_station() -> None:
    summary = demo.load_demo()
    boundary = summary.municipality.boundary

    outside = Incident.objects.placed().exclude(location__within=boundary).count()
    station_x, station_y = demo._hotspot_xy(summary.municipality, demo.HOTSPOTS[0])
    from django.contrib.gis.geos import Point
    from django.contrib.gis.measure import D

    near_station = (
        Incident.objects.placed()
        .filter(location__dwithin=(Point(station_x, station_y, srid=3006), D(m=250)))
        .count()
    )
    assert outside == 0
    # 250 m around the station is ~0.2 km² of 84 km², yet holds at least 10 % of the incidents
    assert near_station > 0.1 * demo.INCIDENTS_PER_YEAR * demo.YEARS


def test_load_demo_command_prints_a_login_for_each_role(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_demo")

    out = capsys.readouterr().out
    for username, _full_name, _role in demo.DEMO_USERS:
        assert f"  {username} " in out
    assert demo.DEMO_PASSWORD in out


def test_the_generated_context_has_lamps_with_gaps_evening_places_and_stops_around_the_plan() -> (
    None
):
    from django.contrib.gis.measure import D

    from layers.models import ContextFeature
    from mapapp.demo_context import LAYER_NAME

    demo.load_demo()

    plan = Detaljplan.objects.get()
    context = ContextFeature.objects.filter(layer__name=LAYER_NAME)
    near = context.filter(geom__dwithin=(plan.area, D(m=300)))
    assert near.filter(kind="lamp").count() > 50
    assert near.filter(kind="building", properties__has_key="building:levels").count() > 10
    assert near.filter(kind="bus_stop").count() >= 2
    assert near.filter(kind="park").exists()
    assert context.filter(kind="path", properties__lit="no").exists()  # the dark park path
    evening = [
        p
        for p in context.filter(kind="poi").values_list("properties", flat=True)
        if "-2" in p.get("opening_hours", "")
    ]
    assert evening  # places open until 22:00 or later
    assert not context.exclude(properties__contains={"trygg:generated": "yes"}).exists()
    assert context.filter(geom__intersects=plan.area, kind="building").count() == 1  # today's mall
