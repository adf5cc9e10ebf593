"""Scoring a plan from PostGIS: scenarios, plan features, sensitive incidents, score_plan --json."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from geo import criteria
from layers import release, scoring
from layers.models import Detaljplan, PlanAssessment, PlanFeature, PublishedRelease, ScoringWeights
from surveys.evidence import people_evidence
from tests.factories import (
    CategoryFactory,
    IncidentFactory,
    MunicipalityFactory,
    ObservationFactory,
    WalkFactory,
    in_published_year,
    sensitive_category,
)
from tests.plan_factories import (
    context_layer,
    feature,
    line,
    point,
    rebuilt_plan,
    rect,
    small_town,
)

pytestmark = pytest.mark.django_db


def test_a_rebuilt_area_is_scored_today_and_as_planned_side_by_side() -> None:
    small_town(context_layer())
    plan = rebuilt_plan()

    scores = scoring.score_plan(plan, people=people_evidence)

    assert list(scores) == ["idag", "planerat"]
    today, planned = scores["idag"].results, scores["planerat"].results
    # Today the block is a car park and a mall; as planned, housing with premises and a path through.
    assert (
        planned["life_at_all_hours"].evidence["residents"]
        > today["life_at_all_hours"].evidence["residents"]
    )
    assert planned["natural_surveillance"].evidence["active_buildings"] >= 1
    assert (
        planned["connectivity"].evidence["intersections"]
        > today["connectivity"].evidence["intersections"]
    )
    for s in scores.values():
        assert set(s.results) == set(criteria.CRITERIA)
        assert 0 <= s.overall <= 100


def test_a_new_area_is_scored_as_planned_only() -> None:
    plan = rebuilt_plan()
    Detaljplan.objects.filter(pk=plan.pk).update(kind=Detaljplan.Kind.NEW)
    plan.refresh_from_db()

    assert list(scoring.score_plan(plan)) == ["planerat"]


def test_lamps_the_plan_adds_light_the_planned_scenario_only() -> None:
    layer = context_layer()
    small_town(layer)
    plan = rebuilt_plan()
    before = scoring.score_plan(plan)["planerat"].results["lighting"].evidence["lit_share"]
    for y in range(-130, 0, 30):  # lamps along the new path through the block
        PlanFeature.objects.create(
            municipality=plan.municipality, plan=plan, kind="lamp", geom=point(0, y)
        )

    scores = scoring.score_plan(plan)

    assert scores["planerat"].results["lighting"].evidence["lit_share"] > before
    assert (
        scores["idag"].results["lighting"].evidence["lamps"]
        < scores["planerat"].results["lighting"].evidence["lamps"]
    )


def test_sensitive_incidents_count_only_through_the_releases_printed_cells() -> None:
    municipality = MunicipalityFactory()
    small_town(context_layer(municipality))
    plan = rebuilt_plan(municipality)
    now = timezone.now()
    for i in range(10):  # public-space incidents in the block
        IncidentFactory(municipality=municipality, location=point(-50 + 10 * i, -60))
    # Four sensitive incidents in the block: under k = 5, so not counted at all.
    for i in range(4):
        IncidentFactory(
            municipality=municipality,
            category=sensitive_category(),
            location=point(10 * i, -80),
            occurred_from=in_published_year(),
        )

    few = scoring.incident_evidence(
        municipality, scoring.to_shapely(plan.area).buffer(200), now=now
    )
    for i in range(2):  # a sixth in the same 500 m cell: the cell now holds 6 ≥ k
        IncidentFactory(
            municipality=municipality,
            category=sensitive_category(),
            location=point(5 + i, -85),
            occurred_from=in_published_year(),
        )
    frozen = scoring.incident_evidence(
        municipality, scoring.to_shapely(plan.area).buffer(200), now=now
    )
    year = release.latest_periods(1)[0]  # an administrator republishes the corrected year
    release.republish(municipality, PublishedRelease.Kind.SENSITIVE, year)
    more = scoring.incident_evidence(
        municipality, scoring.to_shapely(plan.area).buffer(200), now=now
    )

    assert few is not None and more is not None and frozen is not None
    assert few.sensitive_from_cells == 0
    assert frozen.sensitive_from_cells == 0  # the published year is frozen: late imports wait
    assert few.count == 10
    assert (
        0 < more.sensitive_from_cells <= 6
    )  # apportioned by the cell's overlap with the study area
    assert more.count == pytest.approx(10 + more.sensitive_from_cells)


def test_exposure_is_high_where_incidents_crowd_against_the_municipality() -> None:
    municipality = MunicipalityFactory()
    plan = rebuilt_plan(municipality)
    category = CategoryFactory()
    for i in range(40):  # crowded in the plan's block
        IncidentFactory(
            municipality=municipality, category=category, location=point(-100 + 5 * i, -50)
        )
    for i in range(40):  # spread thinly elsewhere in town, one per 250 m cell
        IncidentFactory(
            municipality=municipality, category=category, location=point(-3000 + 250 * i, 2500)
        )

    result = scoring.score_plan(plan)["planerat"].results["exposure_to_crime"]

    assert result.evidence["relative_rate"] > 1
    assert result.value < 50
    assert result.evidence["hot_cells"] >= 1


def test_walk_observations_and_open_actions_reach_maintenance_and_perceived_safety() -> None:
    municipality = MunicipalityFactory()
    plan = rebuilt_plan(municipality)
    walk = WalkFactory(municipality=municipality, route=line((-200, -50), (200, -50)))
    ObservationFactory(walk=walk, location=point(0, -50), category="skotsel", severity=3, feeling=1)
    ObservationFactory(
        walk=walk, location=point(30, -50), category="belysning", severity=2, feeling=2
    )

    results = scoring.score_plan(plan, people=people_evidence)["idag"].results

    assert results["maintenance"].evidence["walks_nearby"] == 1
    assert results["maintenance"].value == 100 - 8 * 3
    assert results["perceived_safety"].evidence["mean_feeling"] == 1.5


def test_the_municipalitys_own_weights_make_the_overall_score() -> None:
    plan = rebuilt_plan()
    only_lighting = {k: 0.0 for k in criteria.CRITERIA} | {"lighting": 1.0}
    ScoringWeights.objects.create(municipality=plan.municipality, weights=only_lighting)

    scores = scoring.score_plan(plan)

    for s in scores.values():
        assert s.overall == s.results["lighting"].value
        assert s.weights_source == ScoringWeights.Source.MANUAL


def test_weights_stored_for_the_ten_are_completed_with_the_five_new_criteria() -> None:
    # Weights a municipality stored under method 2026.11 (all on lighting and transport, 3 : 1): each
    # new criterion takes its default weight, and the stored ones keep their proportions in the rest.
    plan = rebuilt_plan()
    stored = {k: 0.0 for k in criteria.METHODS["2026.11"].keys} | {
        "lighting": 0.6,
        "transport": 0.2,
    }
    ScoringWeights.objects.create(municipality=plan.municipality, weights=stored)

    weights, source = scoring.weights_for(plan.municipality)

    assert source == ScoringWeights.Source.MANUAL
    assert set(weights) == set(criteria.CRITERIA)
    new = {"parking", "territoriality", "conflicting_uses", "rear_access", "children_routes"}
    for key in new:
        assert weights[key] == pytest.approx(criteria.DEFAULT_WEIGHTS[key]), key
    assert weights["lighting"] == pytest.approx(0.8 * 0.75)
    assert weights["transport"] == pytest.approx(0.8 * 0.25)
    assert sum(weights.values()) == pytest.approx(1.0)


def test_each_assessment_records_the_method_version_and_the_wide_reads() -> None:
    small_town(context_layer())
    plan = rebuilt_plan()

    rows = scoring.assess(plan)

    for row in rows:
        assert row.method_version == criteria.IN_USE_VERSION == criteria.METHOD_VERSION
        assert [r["key"] for r in row.results] == list(criteria.METHOD.keys)
        assert row.parameters["wide_buffer_m"] == scoring.WIDE_BUFFER_M


def test_score_plan_json_has_every_criterion_with_value_evidence_and_explanation() -> None:
    small_town(context_layer())
    plan = rebuilt_plan()
    out = StringIO()

    call_command("score_plan", str(plan.pk), "--json", stdout=out)

    report = json.loads(out.getvalue())
    assert report["plan"]["plan_id"] == "TEST-1"
    assert set(report["scenarios"]) == {"idag", "planerat"}
    for scenario in report["scenarios"].values():
        assert [c["key"] for c in scenario["criteria"]] == list(criteria.CRITERIA)
        assert scenario["method_version"] == "2026.12"
        assert {"parking", "territoriality", "children_routes"} <= {
            c["key"] for c in scenario["criteria"]
        }
        assert sum(scenario["weights"].values()) == pytest.approx(1.0)
        assert 0 <= scenario["overall"] <= 100
        for c in scenario["criteria"]:
            assert 0 <= c["value"] <= 100
            assert isinstance(c["evidence"], dict) and c["evidence"]
            assert c["explanation"]
            assert all(m["office"] for m in c["measures"])
    assert PlanAssessment.objects.filter(plan=plan).count() == 2  # stored, one per scenario


def test_score_plan_finds_a_plan_by_its_plan_id_and_refuses_an_unknown_one() -> None:
    rebuilt_plan()
    out = StringIO()

    call_command("score_plan", "TEST-1", "--no-store", stdout=out)

    assert "Belysning" in out.getvalue()
    assert PlanAssessment.objects.count() == 0
    with pytest.raises(Exception, match="no detaljplan"):
        call_command("score_plan", "NO-SUCH", stdout=StringIO())


def test_stored_assessments_carry_the_criteria_map_layers_in_wgs84() -> None:
    small_town(context_layer())
    plan = rebuilt_plan()

    scoring.assess(plan)

    planned = scoring.latest_assessments(plan)["planerat"]
    dark = planned.map_layers["dark_gaps"]
    assert dark["features"], "the unlit streets are dark gaps"
    geometry = dark["features"][0]["geometry"]  # a gap over a junction is a MultiLineString
    coords = geometry["coordinates"][0]
    lon, lat = coords[0] if geometry["type"] == "MultiLineString" else coords
    assert 17 < lon < 19 and 59 < lat < 60


def test_a_plan_outside_the_mapped_context_gets_neutral_low_values_naming_what_to_import() -> None:
    # The town's lamps and stop lie 5 km away: around the plan the data holds one street (no lit
    # tag) and the plan's own zones, which say what is planned inside it, not what is around.
    municipality = MunicipalityFactory()
    layer = context_layer(municipality)
    feature(layer, "street", line((-400, -75), (400, -75)), highway="residential")
    for x in range(5000, 5400, 50):
        feature(layer, "lamp", point(x, 0))
    feature(layer, "bus_stop", point(5000, 10), highway="bus_stop")
    plan = rebuilt_plan(municipality)

    planned = scoring.score_plan(plan)["planerat"].results

    # Before: Belysning 0 "hög" and Skymda platser near 100 "hög" on the plan's path alone.
    for key in ("lighting", "hidden_spots", "life_at_all_hours"):
        assert (planned[key].value, planned[key].confidence) == (50.0, "låg"), key
        assert planned[key].explanation.startswith("Underlag saknas: "), key
    # Stops exist in the municipality, none near: a real "no transit on foot", not missing data.
    assert planned["transport"].value == 0.0
    assert planned["transport"].confidence == "medel"


def test_context_within_800_m_counts_as_data_even_where_the_study_area_has_none() -> None:
    municipality = MunicipalityFactory()
    layer = context_layer(municipality)
    plan = rebuilt_plan(municipality)
    # Wood and a lamp 600 m out: outside the study area (200 m), inside the reach (800 m).
    feature(layer, "park", rect(600, 0, 700, 100), natural="wood")
    feature(layer, "lamp", point(650, 0))
    feature(layer, "street", line((-500, -500), (500, -500)), highway="residential", lit="no")

    available = scoring.fetch_available_inputs(
        municipality.pk, scoring.to_shapely(plan.area).buffer(scoring.REACH_BUFFER_M)
    )
    planned = scoring.score_plan(plan)["planerat"].results

    assert {"land_cover", "lamps", "paths"} <= available
    assert "stops" not in available and "buildings" not in available
    assert planned["lighting"].confidence == "hög"  # the plan's path is dark: a real 0
    assert planned["lighting"].value == 0.0
    assert planned["hidden_spots"].confidence == "hög"
