"""Each criterion on a small hand-made case, the expected value worked out in the test."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import LineString, Point, box

from geo import criteria
from geo.criteria import Context, IncidentEvidence, SurveyEvidence
from geo.criteria.opening_hours import days_open_at, parse

# A 200 m × 100 m study area (2 ha) with one east–west footway along y = 0 through its middle.
STUDY = box(0, -50, 200, 50)
FOOTWAY = (LineString([(0, 0), (200, 0)]), {"highway": "footway"})


def ctx(**kw: object) -> Context:
    return Context(area=STUDY, study=STUDY, **kw)  # type: ignore[arg-type]


def test_lighting_counts_the_lit_share_and_takes_five_points_per_dark_gap() -> None:
    # Lamps at x = 25 and x = 175 light 0–50 and 150–200 (reach 25 m): lit 100 of 200 m.
    # The unlit 50–150 is one dark gap of 100 m (> 50 m). Value = 100 × 0.5 − 5 × 1 = 45.
    c = ctx(paths=[FOOTWAY], lamps=[(Point(25, 0), {}), (Point(175, 0), {})])

    r = criteria.lighting(c)

    assert r.evidence["lit_share"] == pytest.approx(0.5, abs=1e-3)
    assert r.evidence["dark_gaps"] == 1
    assert r.evidence["longest_dark_gap_m"] == pytest.approx(100, abs=0.5)
    assert r.value == pytest.approx(45.0, abs=0.2)
    assert len(r.geometries["dark_gaps"]) == 1
    assert "1\xa0mörk sträcka på 100\xa0m" in r.explanation
    assert {m.office for m in r.measures} == {"Kontoret för samhällsbyggnad"}


def test_lighting_counts_a_way_tagged_lit_as_lit_without_lamps() -> None:
    # The footway is tagged lit=yes: all 200 m lit, no gaps: 100.
    c = ctx(paths=[(FOOTWAY[0], {"highway": "footway", "lit": "yes"})])

    assert criteria.lighting(c).value == 100.0


def test_natural_surveillance_weighs_overlooked_and_active_frontage() -> None:
    # Houses (windows, not active) along 0–100 m, 5 m from the path: the 20 m buffer reaches the path
    # from x = 0 to 100 + √(20² − 5²) = 119.36 m → overlooked 0.5968. A shop 150–170, 5 m south:
    # overlooked and active 150 − 19.36 to 170 + 19.36 = 130.64–189.36 (58.73 m).
    # Overlooked = (119.36 + 58.73) / 200 = 0.8904; active = 58.73 / 200 = 0.2936.
    # Value = 100 × (0.6 × 0.8904 + 0.4 × 0.2936) = 65.17 (buffers are polygons: ±0.3).
    c = ctx(
        paths=[FOOTWAY],
        buildings=[
            (box(0, 5, 100, 20), {"building": "apartments"}),
            (box(150, -20, 170, -5), {"building": "yes", "shop": "bakery"}),
        ],
    )

    r = criteria.natural_surveillance(c)

    assert r.evidence["overlooked_share"] == pytest.approx(0.8904, abs=0.003)
    assert r.evidence["active_frontage_share"] == pytest.approx(0.2936, abs=0.003)
    assert r.value == pytest.approx(65.2, abs=0.3)
    assert r.evidence["blind_stretches"] == 0  # the longest gap, 119–131 m, is shorter than 50 m


def test_natural_surveillance_marks_a_garage_row_as_blind_facade() -> None:
    # Garages (blind walls) along 0–120 m and nothing else: nothing is overlooked, value 0;
    # the stretch past the garages (0–139 m) is a blind facade, the whole path a blind stretch.
    c = ctx(paths=[FOOTWAY], buildings=[(box(0, 5, 120, 15), {"building": "garages"})])

    r = criteria.natural_surveillance(c)

    assert r.value == 0.0
    assert r.evidence["blind_facades"] == 1
    assert r.geometries["blind_facades"][0].length == pytest.approx(139.4, abs=0.5)
    assert r.evidence["blind_stretches"] == 1


def test_mix_of_functions_is_the_mean_shannon_evenness_of_land_use_and_pois() -> None:
    # Land use: housing 1.5 ha, retail 0.5 ha → p = (0.75, 0.25),
    # H = −(0.75 ln 0.75 + 0.25 ln 0.25) = 0.5623, evenness 0.5623 / ln 6 = 0.3138.
    # POIs: one café, one school, one shop → three equal: ln 3 / ln 6 = 0.6131.
    # Value = 100 × (0.3138 + 0.6131) / 2 = 46.35.
    c = ctx(
        landuse=[
            (box(0, -50, 150, 50), {"landuse": "residential"}),
            (box(150, -50, 200, 50), {"landuse": "retail"}),
        ],
        pois=[
            (Point(10, 10), {"amenity": "cafe"}),
            (Point(20, 10), {"amenity": "school"}),
            (Point(30, 10), {"shop": "clothes"}),
        ],
    )

    r = criteria.mix_of_functions(c)

    h = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) / math.log(6)
    assert r.evidence["landuse_evenness"] == pytest.approx(h, abs=1e-3)
    assert r.value == pytest.approx(100 * (h + math.log(3) / math.log(6)) / 2, abs=0.1)


def test_life_at_all_hours_counts_evening_and_night_opening_and_residents() -> None:
    # Study area 2 ha. A bar (no opening_hours: evening and night every day) counts 1 + 1;
    # a grocer "Mo-Sa 08:00-22:00" is open at 20:00 on 6 days (6/7 = 0.857) and not at 23:00.
    # Evening 1.857 / 2 ha = 0.93 per ha (target 0.5 → 1); night 1 / 2 = 0.5 (target 0.15 → 1).
    # Residents: 40 × 25 m block, 3 storeys: 1000 × 3 × 0.8 / 42 = 57.14 → 28.57 per ha (target 100).
    # Value = 100 × (0.35 + 0.25 + 0.4 × 0.2857) = 71.43.
    c = ctx(
        pois=[
            (Point(10, 10), {"amenity": "bar"}),
            (Point(20, 10), {"shop": "convenience", "opening_hours": "Mo-Sa 08:00-22:00"}),
        ],
        buildings=[(box(100, 10, 140, 35), {"building": "apartments", "building:levels": "3"})],
    )

    r = criteria.life_at_all_hours(c)

    assert r.evidence["evening_places"] == pytest.approx(1 + 6 / 7, abs=1e-3)
    assert r.evidence["night_places"] == pytest.approx(1.0)
    assert r.evidence["residents"] == pytest.approx(57.1, abs=0.1)
    assert r.value == pytest.approx(71.4, abs=0.1)


def test_connectivity_finds_dead_ends_and_detours_in_a_cul_de_sac() -> None:
    # A T: a 200 m street along y = 0 (its ends on the study boundary: cut, not dead ends) and a
    # 40 m stub north from x = 100 ending inside the area: 1 intersection, 1 dead end.
    # CNR = 1 / 2 = 0.5. Intersections per km² = 1 / 0.02 = 50 → 0.5 of the target 100.
    # Node pairs ≥ 100 m apart among the junction and the stub end: none → detour 1.
    # Value = 100 × (0.4 × 0.5 + 0.3 × 0.5 + 0.3 × 1) = 65.
    c = ctx(paths=[FOOTWAY, (LineString([(100, 0), (100, 40)]), {"highway": "service"})])

    r = criteria.connectivity(c)

    assert (r.evidence["intersections"], r.evidence["dead_ends"]) == (1, 1)
    assert r.evidence["connected_node_ratio"] == 0.5
    assert r.value == pytest.approx(65.0, abs=0.1)


def test_connectivity_measures_the_detour_around_a_barrier() -> None:
    # Two dead-end stubs 120 m apart, joined only by a U via y = 100: A(0,0)→(0,100)→(120,100)→B(120,0).
    # Network 320 m against 120 m straight: detour 2.667 → clip(2 − 2.667) = 0.
    study = box(-50, -50, 170, 150)
    u = LineString([(0, 0), (0, 100), (120, 100), (120, 0)])
    c = Context(area=study, study=study, paths=[(u, {"highway": "footway"})])

    r = criteria.connectivity(c)

    assert r.evidence["dead_ends"] == 2
    assert r.evidence["mean_detour"] == pytest.approx(320 / 120, abs=1e-3)


def test_hidden_spots_penalise_vegetation_beside_paths_and_tunnels() -> None:
    # Scrub from x = 50 to 100, 2 m north of the path: within 5 m from 50 − √(5² − 2²) = 45.42 to
    # 104.58 → 59.17 m of the 230 m network. The 30 m tunnel is lit (a lamp over it) and weighs
    # 2 m a metre: hidden = 59.17 + 60 = 119.17. Value = 100 × (1 − 119.17 / 230) = 48.19.
    tunnel = LineString([(200, 0), (200, 30)])
    study = box(0, -50, 210, 50)
    c = Context(
        area=study,
        study=study,
        paths=[FOOTWAY, (tunnel, {"highway": "footway", "tunnel": "yes"})],
        parks=[(box(50, 2, 100, 30), {"natural": "scrub"})],
        lamps=[(Point(200, 15), {})],
    )

    r = criteria.hidden_spots(c)

    assert r.evidence["beside_vegetation_m"] == pytest.approx(59.17, abs=0.3)
    assert (r.evidence["tunnels"], r.evidence["lit_tunnels"]) == (1, 1)
    assert r.evidence["lit_tunnel_length_m"] == pytest.approx(30.0)
    assert r.value == pytest.approx(100 * (1 - (59.17 + 2 * 30) / 230), abs=0.3)
    assert len(r.geometries["hidden_spots"]) == 2


def test_maintenance_takes_points_for_severity_and_open_actions() -> None:
    # Two maintenance observations, severity 3 and 1 (8 × 4 = 32), one open action (5): 100 − 37 = 63.
    obs = [
        (Point(10, 0), {"category": "skotsel", "severity": 3, "feeling": 2}),
        (Point(20, 0), {"category": "skotsel", "severity": 1, "feeling": 3}),
        (Point(30, 0), {"category": "belysning", "severity": 3, "feeling": 1}),
        (Point(500, 0), {"category": "skotsel", "severity": 3, "feeling": 1}),  # outside
    ]
    c = ctx(observations=obs, open_actions=1, walks_nearby=1)

    r = criteria.maintenance(c)

    assert r.value == 63.0
    assert r.evidence["maintenance_observations"] == 2


def test_maintenance_is_neutral_and_says_so_without_any_walk() -> None:
    r = criteria.maintenance(ctx())

    assert (r.value, r.confidence) == (50.0, "låg")
    assert r.explanation.startswith("Underlag saknas: trygghetsvandringar")


def test_exposure_compares_the_area_rate_with_the_municipality() -> None:
    # 6 incidents in 3 years in 0.02 km² = 100 per km² and year; the municipality 400: RR 0.25.
    # Value = 100 / 1.25 = 80. One of two cells reaches the hot-spot threshold 4.
    ev = IncidentEvidence(
        count=6,
        years=3,
        reference_per_km2_year=400,
        cells=[(box(0, -50, 100, 50), 4), (box(100, -50, 200, 50), 2)],
        hot_threshold=4,
    )

    r = criteria.exposure_to_crime(ctx(incidents=ev))

    assert r.evidence["relative_rate"] == 0.25
    assert r.value == 80.0
    assert r.evidence["hot_cells"] == 1


def test_perceived_safety_blends_walk_feelings_and_survey_priorities() -> None:
    # Feelings 1, 2, 2, 5 → mean 2.5 → 100 × 1.5 / 4 = 37.5. Survey priority 7 against the
    # municipality's 8: 50 + 50 × 1 / 8 = 56.25. Value = 0.7 × 37.5 + 0.3 × 56.25 = 43.125.
    obs = [(Point(10 * i, 0), {"feeling": f}) for i, f in enumerate((1, 2, 2, 5), start=1)]
    c = ctx(observations=obs, survey=SurveyEvidence(area_mean=7, municipality_mean=8, responses=12))

    r = criteria.perceived_safety(c)

    assert r.value == pytest.approx(43.1, abs=0.1)
    assert r.evidence["unsafe_observations"] == 3
    assert "lägre än kommunen" in r.explanation


def test_transport_walks_the_network_to_the_stop_and_measures_the_lit_share() -> None:
    # From the plan area at x = 0, the stop is 300 m along a footway (access 1 within 400 m).
    # Lamps light 0–100 m (two lamps at 25 and 75): lit share 100 / 300 = 0.333.
    # A station 1500 m away is out of reach (no line to it): only the bus counts.
    # Value = 100 × (0.5 × 1 + 0.5 × 0.3333) = 66.67.
    study = box(-100, -100, 400, 100)
    c = Context(
        area=box(-20, -10, 0, 10),
        study=study,
        paths=[(LineString([(0, 0), (300, 0)]), {"highway": "footway"})],
        lamps=[(Point(25, 0), {}), (Point(75, 0), {})],
        bus_stops=[
            (Point(300, 3), {"highway": "bus_stop"}),
            (Point(1500, 0), {"railway": "station"}),
        ],
    )

    r = criteria.transport(c)

    assert r.evidence["bus_distance_m"] == pytest.approx(303, abs=0.1)  # 300 m + 3 m to the pole
    assert r.evidence["station_distance_m"] is None
    assert r.value == pytest.approx(66.7, abs=0.1)


def test_transport_reaches_a_stop_beside_a_long_street_far_from_any_junction() -> None:
    # The demo's case: a street along y = 0 with junctions only at x = 0 and x = 360 (the plan area's
    # corner at x = 0) and a stop 9 m beside it at x = 250, 110 m from the nearest junction. The walk
    # is 250 m along the street + 9 m to the pole = 259 m (access 1 within 400 m); the street is
    # tagged lit=yes, so the whole way is lit. Value = 100 × (0.5 × 1 + 0.5 × 1) = 100.
    street = {"highway": "residential", "lit": "yes"}
    c = Context(
        area=box(-100, -50, 0, 50),
        study=box(-300, -250, 560, 250),
        paths=[
            (LineString([(-100, 0), (0, 0), (360, 0), (500, 0)]), street),
            (LineString([(0, -200), (0, 200)]), street),
            (LineString([(360, -200), (360, 200)]), street),
        ],
        bus_stops=[(Point(250, 9), {"highway": "bus_stop"})],
    )

    r = criteria.transport(c)

    assert r.evidence["bus_distance_m"] == pytest.approx(259.0, abs=0.1)
    assert r.evidence["route_length_m"] == pytest.approx(250.0, abs=0.1)
    assert r.value == 100.0
    assert "259\xa0m" in r.explanation


def test_transport_walks_through_the_nearer_end_of_the_stops_street() -> None:
    # The street runs from x = 0 to a junction at x = 400 inside the plan area; the stop is 9 m beside
    # x = 300. Through the junction (the edge's far end) it is 100 + 9 = 109 m; through the near end
    # (x = 0, itself 400 m from the plan) it would be 400 + 300 + 9 = 709 m.
    c = Context(
        area=box(400, -20, 440, 20),
        study=box(-50, -150, 500, 150),
        paths=[
            (LineString([(0, 0), (400, 0)]), {"highway": "footway"}),
            (LineString([(400, -100), (400, 100)]), {"highway": "footway"}),
        ],
        bus_stops=[(Point(300, -9), {"highway": "bus_stop"})],
    )

    r = criteria.transport(c)

    assert r.evidence["bus_distance_m"] == pytest.approx(109.0, abs=0.1)


def test_transport_starts_where_a_street_leaves_the_plan_area_without_a_junction_inside() -> None:
    # The demo plan today: Centralvägen crosses the plan area (x −160 to 160) with its junctions
    # outside it (x = ±180), and the only node inside is the end of a footpath stub that leads away
    # south. The walk starts where the street leaves the area (x = 160): 90 m to x = 250 and 9 m to
    # the pole = 99 m, not the long way round from the stub.
    street = {"highway": "secondary", "lit": "yes"}
    c = Context(
        area=box(-160, -125, 160, 125),
        study=box(-360, -325, 360, 325),
        paths=[
            (LineString([(-330, 0), (-180, 0)]), street),
            (LineString([(-180, 0), (180, 0)]), street),
            (LineString([(180, 0), (330, 0)]), street),
            (LineString([(-180, -145), (-180, 145)]), street),
            (LineString([(180, -145), (180, 145)]), street),
            (LineString([(-180, -145), (180, -145)]), street),
            (LineString([(0, -125), (0, -145)]), {"highway": "footway", "lit": "yes"}),
        ],
        bus_stops=[(Point(250, -9), {"highway": "bus_stop"})],
    )

    r = criteria.transport(c)

    assert r.evidence["bus_distance_m"] == pytest.approx(99.0, abs=0.1)
    assert r.value == 100.0


def test_ways_closed_to_pedestrians_are_not_walked_nor_counted_as_tunnels() -> None:
    # A truck service tunnel (foot=no) and a private service road beside the footway: neither is
    # part of the walkable network, so the footway's 200 m is all there is and no tunnel counts.
    c = ctx(
        paths=[
            FOOTWAY,
            (
                LineString([(0, 20), (200, 20)]),
                {"highway": "service", "tunnel": "yes", "foot": "no"},
            ),
            (LineString([(0, -20), (200, -20)]), {"highway": "service", "access": "private"}),
        ],
        landuse=[(STUDY, {"landuse": "residential"})],
        lamps=[(Point(100, 0), {})],
    )

    hidden = criteria.hidden_spots(c)
    lighting = criteria.lighting(c)

    assert hidden.evidence["tunnels"] == 0
    assert lighting.evidence["walkable_length_m"] == pytest.approx(200.0)


def test_connectivity_does_not_depend_on_the_order_the_ways_come_in() -> None:
    # A 10 × 10 grid of 50 m blocks has 121 nodes, more than the 80 sampled for the detour: the
    # sample must be the same whichever order the database or the file gives the ways in.
    lines = [LineString([(0, 50 * i), (500, 50 * i)]) for i in range(11)]
    lines += [LineString([(50 * i, 0), (50 * i, 500)]) for i in range(11)]
    lines.append(LineString([(0, 0), (500, 500)]))  # a diagonal, so not every route is a staircase
    study = box(-10, -10, 510, 510)
    forward = Context(area=study, study=study, paths=[(g, {"highway": "footway"}) for g in lines])
    backward = Context(
        area=study, study=study, paths=[(g, {"highway": "footway"}) for g in reversed(lines)]
    )

    a, b = criteria.connectivity(forward), criteria.connectivity(backward)

    assert a.evidence == b.evidence
    assert a.value == b.value


def test_every_criterion_returns_a_value_evidence_and_a_sentence_on_an_empty_area() -> None:
    results = criteria.score_all(ctx())

    assert list(results) == list(criteria.CRITERIA)
    for r in results.values():
        assert 0 <= r.value <= 100
        assert r.explanation.endswith(".")
        assert isinstance(r.evidence, dict)


def test_the_default_weights_sum_to_one_and_cover_every_criterion() -> None:
    assert set(criteria.DEFAULT_WEIGHTS) == set(criteria.CRITERIA) == set(criteria.LABELS)
    assert sum(criteria.DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("spec", "minute", "days"),
    [
        ("Mo-Fr 08:00-17:00", 20 * 60, 0),
        ("Mo-Su 10:00-22:00", 20 * 60, 7),
        ("Mo-Th 11:00-23:00; Fr-Sa 11:00-03:00; Su off", 23 * 60 + 30, 2),
        ("Mo-Fr 07:00-22:00; Sa,Su 09:00-20:00; PH off", 20 * 60, 5),
        ("10:00-14:00,16:00-21:00", 20 * 60, 7),
        ("Mo-Fr 10-20", 19 * 60, 5),
        ("Fr-Sa 22:00-04:00", 2 * 60, 2),  # Saturday and Sunday mornings
        ("24/7", 3 * 60, 7),
    ],
)
def test_opening_hours_read_the_common_forms(spec: str, minute: int, days: int) -> None:
    schedule = parse(spec)

    assert schedule is not None
    assert days_open_at(schedule, minute) == days


def test_opening_hours_that_cannot_be_read_give_none() -> None:
    assert parse("sunrise-sunset") is None
    assert parse("") is None


def test_every_criterion_without_its_data_is_neutral_low_and_says_what_to_import() -> None:
    results = criteria.score_all(ctx())

    for key, r in results.items():
        assert (r.value, r.confidence) == (50.0, "låg"), key
        assert r.explanation.startswith("Underlag saknas: "), (key, r.explanation)
        assert "importera eller ta fram" in r.explanation, key
        assert r.evidence["missing_data"], key
        assert any(m.text.startswith("Ta fram underlag") for m in r.measures), key


def test_paths_without_lamps_vegetation_or_stops_do_not_look_certain() -> None:
    # The reported case: a footway and nothing else. Before: Belysning 0 "hög", Skymda platser 100
    # "hög", Kollektivtrafik 0 "medel".
    results = criteria.score_all(ctx(paths=[FOOTWAY]))

    for key, words in (
        ("lighting", "gatlampor eller vägar märkta som belysta"),
        ("hidden_spots", "markanvändning och vegetation"),
        ("transport", "hållplatser och stationer"),
    ):
        r = results[key]
        assert (r.value, r.confidence) == (50.0, "låg"), key
        assert f"Underlag saknas: {words}" in r.explanation, key


def test_a_way_tagged_unlit_is_light_data_and_scores_zero() -> None:
    c = ctx(paths=[(FOOTWAY[0], {"highway": "footway", "lit": "no"})])

    r = criteria.lighting(c)

    assert (r.value, r.confidence) == (0.0, "hög")


def test_no_stop_near_a_municipality_that_has_stops_is_a_real_zero() -> None:
    # The data layer says the municipality has stops (``available``), none is near: no transit.
    r = criteria.transport(ctx(paths=[FOOTWAY], available=frozenset({"stops"})))

    assert (r.value, r.confidence) == (0.0, "medel")
    assert "saknar kollektivtrafik på gångavstånd" in r.explanation


def test_perceived_safety_calls_equal_shown_survey_means_equal_and_scores_them_fifty() -> None:
    # 9.94 and 9.86 are both shown as 9,9: the sentence said "lägre än … (9.9)" and scored 29.
    c = ctx(survey=SurveyEvidence(area_mean=9.86, municipality_mean=9.94, responses=30))

    r = criteria.perceived_safety(c)

    assert r.value == 50.0
    assert "9,9 av 14, lika högt som kommunen i stort (9,9)" in r.explanation
    assert r.evidence["survey_safety_priority"] == r.evidence["survey_safety_priority_municipality"]


@pytest.mark.parametrize(("feeling", "area_mean"), [(0, 7.0), (6, 7.0), (3, 15.0), ("x", -1.0)])
def test_perceived_safety_leaves_out_values_off_their_scale_instead_of_crashing(
    feeling: object, area_mean: float
) -> None:
    obs = [(Point(10, 0), {"feeling": feeling}), (Point(20, 0), {"feeling": 4})]
    c = ctx(observations=obs, survey=SurveyEvidence(area_mean, 8.0, responses=5))

    r = criteria.perceived_safety(c)

    assert 0 <= r.value <= 100
    assert r.evidence["ignored_values"] >= 1
