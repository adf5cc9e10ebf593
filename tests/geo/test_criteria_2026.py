"""The five criteria of method 2026.12 on small hand-made cases, the expected values worked out here;
what they say without their data; the methods, their weights and the version."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import LineString, Point, Polygon, box

from geo import criteria
from geo.criteria import Context, PlanEvidence
from geo.criteria.osm import M2_PER_RESIDENT, NET_FLOOR_SHARE

NEW = ("parking", "territoriality", "conflicting_uses", "rear_access", "children_routes")
APARTMENTS = {"building": "apartments"}


def residents(footprint_m2: float, storeys: float) -> float:
    return footprint_m2 * storeys * NET_FLOOR_SHARE / M2_PER_RESIDENT


# --- Parkering -----------------------------------------------------------------------------------


def parking_place(**extra: object) -> Context:
    """A 40 × 20 m car park whose exit path meets a street 10 m south, and two blocks of flats
    whose front doors are 25 m up footways from the street, 90 m and 190 m east of the exit."""
    street = (LineString([(-50, 0), (300, 0)]), {"highway": "residential"})
    exit_path = (LineString([(20, 10), (20, 0)]), {"highway": "footway"})
    door_paths = [
        (LineString([(110, 25), (110, 0)]), {"highway": "footway"}),
        (LineString([(210, 25), (210, 0)]), {"highway": "footway"}),
    ]
    kw: dict[str, object] = {
        "paths": [street, exit_path, *door_paths],
        "landuse": [(box(0, 10, 40, 30), {"amenity": "parking"})],
        "buildings": [(box(100, 25, 120, 45), APARTMENTS), (box(200, 25, 220, 45), APARTMENTS)],
        "entrances": [
            (Point(110, 25), {"entrance": "main"}),
            (Point(210, 25), {"entrance": "main"}),
        ],
        "lamps": [(Point(20, 20), {})],
    }
    kw.update(extra)
    study = box(-50, -50, 300, 100)
    return Context(area=study, study=study, **kw)  # type: ignore[arg-type]


def test_parking_weighs_overlook_light_and_the_walk_to_the_doors_it_serves() -> None:
    # No window within 20 m of the car park: O = 0. The lamp at its middle lights all of it (the
    # corners are 22.4 m away): L = 1. Both blocks have it as their nearest car park (within 250 m).
    # Walk to the first door: 10 m exit path + 90 m street + 25 m footway = 125 m, access
    # (200 − 125) / 100 = 0.75; lit only near the lamp and watched only on the last 20 m of the
    # footway, never both: all of it is exposed, so 0.5 × 0.75 + 0.5 × 0 = 0.375. Walk to the second:
    # 10 + 190 + 25 = 225 m, access 0, exposed: 0. W = (0.375 + 0) / 2 = 0.1875.
    # V = 0.35 × 0 + 0.35 × 1 + 0.3 × 0.1875 = 0.40625.
    r = criteria.parking(parking_place())

    assert r.evidence["overlooked_share"] == 0.0
    assert r.evidence["lit_share"] == 1.0
    assert r.evidence["homes_served"] == 2
    assert r.evidence["mean_walk_m"] == pytest.approx((125 + 225) / 2, abs=0.1)
    assert r.evidence["walk_exposed_share"] == pytest.approx(1.0, abs=1e-3)
    assert r.value == pytest.approx(40.6, abs=0.1)
    assert r.confidence == "hög"
    assert len(r.geometries["parking_walks"]) == 2
    assert len(r.geometries["parking_unwatched"]) == 1
    assert r.explanation.startswith("1\xa0parkering i och kring området, 800\xa0m²: 0\xa0% av ytan")
    assert "närmaste parkering för 2\xa0bostadshus" in r.explanation
    assert {m.office for m in r.measures} >= {"Kontoret för samhällsbyggnad"}


def test_parking_overlooked_by_a_shop_and_a_lit_walk_score_higher() -> None:
    # A shop 5 m north of the car park overlooks its northern 15 m of 20 (its windows reach 20 m):
    # O = 0.75. A lamp every 50 m along the street lights the walks, which windows still overlook
    # only on the door footways. Both must raise the value.
    shop = (box(0, 35, 40, 45), {"building": "retail"})
    lamps = [(Point(x, 0), {}) for x in range(-25, 300, 50)] + [(Point(20, 20), {})]
    before = criteria.parking(parking_place())
    after = criteria.parking(
        parking_place(
            buildings=[*parking_place().buildings, shop],
            lamps=lamps,
        )
    )

    assert after.evidence["overlooked_share"] == pytest.approx(0.75, abs=1e-3)
    assert after.evidence["walk_dark_share"] < before.evidence["walk_dark_share"]
    assert after.value > before.value


def test_parking_judges_a_garage_at_its_entrance() -> None:
    # An underground garage (its area mapped) with one entrance: judged as a 10 m disc at the door.
    garage = (box(0, 10, 40, 30), {"amenity": "parking", "parking": "underground"})
    door = (Point(40, 20), {"amenity": "parking_entrance"})
    r = criteria.parking(parking_place(landuse=[garage], pois=[door]))

    assert (r.evidence["lots"], r.evidence["garages"], r.evidence["garage_entrances"]) == (0, 1, 0)
    assert r.evidence["parking_area_m2"] == pytest.approx(306.1, abs=0.5)  # a 16-sided 10 m disc
    assert any("garageinfarter" in m.text for m in r.measures)


def test_parking_leaves_out_a_car_park_without_area() -> None:
    flat = (
        box(0, 10, 40, 10),
        {"amenity": "parking"},
    )  # a polygon of no area, as a bad import makes

    r = criteria.parking(parking_place(landuse=[flat], available=frozenset({"parking"})))

    assert (r.value, r.evidence["parking_places"]) == (50.0, 0)


def test_parking_without_any_car_park_nearby_is_neutral_and_says_why() -> None:
    # Car parks exist in the data (``available``), none in the study area: nothing to judge.
    r = criteria.parking(parking_place(landuse=[], available=frozenset({"parking"})))

    assert (r.value, r.confidence) == (50.0, "medel")
    assert r.explanation.startswith("Ingen parkering eller garageinfart")


# --- Revir och ansvar ----------------------------------------------------------------------------


def plan_zones() -> list[tuple[Polygon, dict[str, object]]]:
    return [
        (box(0, 0, 80, 100), {"use_code": "B", "label": "Bostäder 1", "regulations": []}),
        (box(80, 0, 140, 100), {"use_code": "B", "label": "Bostäder 2", "regulations": []}),
        (
            box(140, 0, 160, 100),
            {
                "use_code": "C",
                "regulations": [
                    {
                        "kind": "egenskap",
                        "code": "x1",
                        "text": "Markreservat för allmännyttig gångtrafik.",
                    }
                ],
            },
        ),
        (box(160, 0, 180, 100), {"use_code": "GATA", "regulations": []}),
        (
            box(180, 0, 220, 60),
            {
                "use_code": "PARK",
                "regulations": [
                    {
                        "kind": "egenskap",
                        "text": "Huvudmannaskapet är enskilt för den allmänna platsen.",
                    }
                ],
            },
        ),
        (box(180, 60, 220, 100), {"use_code": "", "regulations": []}),
    ]


def test_territoriality_reads_huvudmannaskap_and_through_paths_from_the_plan() -> None:
    # Plan area 220 × 100 = 22 000 m². The plan says "Kommunen är huvudman för allmän plats": the
    # GATA zone (2 000 m²) has the municipality, the PARK zone (2 400 m²) its own enskilt
    # huvudman; kvartersmark (B 8 000 + 6 000, C 2 000) the owner. The zone without a code
    # (1 600 m²) is unclear: S = 20 400 / 22 000 = 0.92727.
    # Residential blocks 8 000 + 6 000 + 2 000 m²: a footway crosses the first (from its west edge
    # to x = 79, inside 3 m of its east edge: 74 m inside), the C block is an x-area for public
    # walking; the second is closed. C = 6 000 / 16 000 = 0.375.
    # Value = 100 × (0.5 × 0.92727 + 0.5 × 0.375) = 65.11.
    general = [{"kind": "administrativ", "text": "Kommunen är huvudman för allmän plats."}]
    c = Context(
        area=box(0, 0, 220, 100),
        study=box(-200, -200, 420, 300),
        paths=[(LineString([(-10, 50), (79, 50)]), {"highway": "footway"})],
        plan=PlanEvidence(zones=plan_zones(), regulations=general),
    )

    r = criteria.territoriality(c)

    assert r.evidence["responsibility_stated_share"] == pytest.approx(20400 / 22000, abs=1e-3)
    assert r.evidence["huvudman_kommunalt_m2"] == 2000.0
    assert r.evidence["huvudman_enskilt_m2"] == 2400.0
    assert r.evidence["zones_without_code"] == 1
    assert (r.evidence["residential_blocks"], r.evidence["blocks_with_through_paths"]) == (3, 2)
    assert r.evidence["planned_passages"] == 1
    assert r.evidence["through_path_length_m"] == pytest.approx(74.0, abs=0.1)
    assert r.value == pytest.approx(100 * (0.5 * 20400 / 22000 + 0.5 * 0.375), abs=0.1)
    assert r.explanation.startswith("Kriteriet bygger på detaljplanens bestämmelser och finns bara")
    assert "gården i 2 av 3\xa0bostadskvarter" in r.explanation


def test_territoriality_without_a_stated_huvudman_counts_allman_plats_as_unclear() -> None:
    # No general regulation and no default by law: GATA's 2 000 m² are unclear too.
    c = Context(
        area=box(0, 0, 220, 100),
        study=box(-200, -200, 420, 300),
        plan=PlanEvidence(zones=plan_zones()),
    )
    by_law = Context(
        area=c.area,
        study=c.study,
        plan=PlanEvidence(zones=plan_zones(), huvudman_default="kommunalt"),
    )

    r, r_law = criteria.territoriality(c), criteria.territoriality(by_law)

    assert r.evidence["huvudman_not_stated_m2"] == 2000.0
    assert r.evidence["responsibility_stated_share"] == pytest.approx(18400 / 22000, abs=1e-3)
    assert "anger planen ingen huvudman" in r.explanation
    assert r_law.evidence["huvudman_not_stated_m2"] == 0.0
    assert r_law.value > r.value


def test_territoriality_outside_a_plan_is_neutral_and_says_it_exists_only_in_plans() -> None:
    r = criteria.territoriality(Context(area=box(0, 0, 10, 10), study=box(0, 0, 10, 10)))

    assert (r.value, r.confidence) == (50.0, "låg")
    assert r.explanation.startswith("Underlag saknas: detaljplanens användningsområden")
    assert "finns bara inom en detaljplan" in r.explanation


# --- Konfliktande användningar -------------------------------------------------------------------


def test_conflicting_uses_weighs_homes_by_residents_distance_and_screens() -> None:
    # Flats (400 m², 3 storeys: 22.86 residents) 80 m from a pub: ramp (150 − 80) / 100 = 0.7, halved
    # by an office between them: 0.35. A house (400 m², 2 storeys by default: 15.24 residents) 150 m
    # from a bus station: (200 − 150) / 100 = 0.5. Exposed share = (22.86 × 0.35 + 15.24 × 0.5) /
    # 38.10 = 0.41, value 59.0.
    flats = (box(0, 0, 20, 20), {"building": "apartments", "building:levels": "3"})
    house = (box(300, 0, 320, 20), {"building": "house"})
    office = (box(50, 5, 60, 15), {"building": "office"})
    c = Context(
        area=box(-50, -50, 520, 70),
        study=box(-50, -50, 520, 70),
        buildings=[flats, house, office],
        pois=[(Point(100, 10), {"amenity": "pub"}), (Point(470, 10), {"amenity": "bus_station"})],
    )

    r = criteria.conflicting_uses(c)

    a, b = residents(400, 3), residents(400, 2)
    share = (a * 0.35 + b * 0.5) / (a + b)
    assert r.evidence["exposed_residents_share"] == pytest.approx(share, abs=1e-3)
    assert r.evidence["screened_pairs"] == 1
    assert r.evidence["sources_near_homes"] == {"buss": 1, "natt": 1}
    assert r.value == pytest.approx(100 * (1 - share), abs=0.1)
    assert "1\xa0bussterminal och 1\xa0nattöppen verksamhet" in r.explanation
    assert {m.office for m in r.measures} >= {"Polisen", "Kollektivtrafikoperatören"}


def test_conflicting_uses_count_a_bar_open_two_nights_as_two_sevenths() -> None:
    # A bar open Friday and Saturday nights, 40 m from a house: ramp 1 × 2/7.
    c = Context(
        area=box(0, 0, 100, 100),
        study=box(0, 0, 100, 100),
        buildings=[(box(0, 0, 20, 20), {"building": "house"})],
        pois=[(Point(60, 10), {"amenity": "bar", "opening_hours": "Fr-Sa 18:00-02:00"})],
    )

    assert criteria.conflicting_uses(c).value == pytest.approx(100 * (1 - 2 / 7), abs=0.1)


def test_conflicting_uses_without_homes_in_the_data_is_neutral_and_low() -> None:
    c = Context(
        area=box(0, 0, 100, 100),
        study=box(0, 0, 100, 100),
        buildings=[(box(0, 0, 20, 20), {"building": "yes"})],
        pois=[(Point(60, 10), {"amenity": "pub"})],
    )

    r = criteria.conflicting_uses(c)

    assert (r.value, r.confidence) == (50.0, "låg")
    assert "märkt som bostad" in r.explanation


# --- Genomsläpplighet bakom bostäder -------------------------------------------------------------


def test_rear_access_finds_the_houses_a_public_path_runs_behind() -> None:
    # Street along y = 0. House A (10–30, 10–25) faces it; a footway at y = 40 from x = 0 runs 15 m
    # behind it: within its 20 m back from x = 0 to 30 + √(20² − 15²) = 43.2 m. House B has its front door on the
    # north side, towards the footway: for B the footway is in front and the street behind (a street
    # is never a back path). House C (130–150) is past the footway's end. House D is 70 m from the
    # street and has no entrance: not judged. 1 of 3 judged houses is open at the back: 66.7.
    c = Context(
        area=box(-20, -20, 200, 100),
        study=box(-20, -20, 200, 100),
        paths=[
            (LineString([(-20, 0), (200, 0)]), {"highway": "residential"}),
            (LineString([(0, 40), (100, 40)]), {"highway": "footway"}),
        ],
        buildings=[
            (box(10, 10, 30, 25), {"building": "house"}),
            (box(60, 10, 80, 25), {"building": "house"}),
            (box(130, 10, 150, 25), {"building": "house"}),
            (box(160, 70, 175, 80), {"building": "house"}),
        ],
        entrances=[(Point(70, 25), {"entrance": "main"})],
    )

    r = criteria.rear_access(c)

    assert (r.evidence["homes"], r.evidence["homes_judged"]) == (4, 3)
    assert r.evidence["homes_open_at_back"] == 1
    assert r.evidence["front_from_entrances"] == 1
    assert r.evidence["rear_path_length_m"] == pytest.approx(30 + math.sqrt(20**2 - 15**2), abs=0.2)
    assert r.value == pytest.approx(66.7, abs=0.1)
    assert r.explanation.startswith("1 av 3\xa0bedömda bostadshus har en allmän gång")
    assert "för 1\xa0hus finns ingen gata eller entré inom 60\xa0m" in r.explanation


def test_rear_access_leaves_out_sidewalks_and_gated_paths() -> None:
    # A footway 8 m from the street behind a corner house is the street's sidewalk; a private path
    # behind the other is gated. Neither opens a back.
    c = Context(
        area=box(-20, -20, 200, 100),
        study=box(-20, -20, 200, 100),
        paths=[
            (LineString([(-20, 0), (200, 0)]), {"highway": "residential"}),
            (LineString([(40, -20), (40, 100)]), {"highway": "residential"}),
            (LineString([(48, -20), (48, 100)]), {"highway": "footway"}),
            (LineString([(100, 40), (180, 40)]), {"highway": "footway", "access": "private"}),
        ],
        buildings=[
            (box(10, 10, 30, 25), {"building": "house"}),
            (box(120, 10, 140, 25), {"building": "house"}),
        ],
    )

    assert criteria.rear_access(c).evidence["homes_open_at_back"] == 0


# --- Barns vägar ---------------------------------------------------------------------------------


def school_walks(**extra: object) -> Context:
    """One house in the plan; a footway from x = −450 to 600 along y = 0 (the part west of the house
    tagged lit), lamps every 50 m up to x = 300, scrub beside it at x = 400–450, Storgatan (a
    secondary road) across it at x = 300 with a signalled crossing, and places east and west."""
    crossing = {"highway": "footway", "footway": "crossing", "crossing": "traffic_signals"}
    kw: dict[str, object] = {
        "paths": [
            (LineString([(-450, 0), (0, 0)]), {"highway": "footway", "lit": "yes"}),
            (LineString([(0, 0), (295, 0)]), {"highway": "footway"}),
            (LineString([(295, 0), (305, 0)]), crossing),
            (LineString([(305, 0), (600, 0)]), {"highway": "footway"}),
            (LineString([(300, -100), (300, 100)]), {"highway": "secondary", "name": "Storgatan"}),
        ],
        "buildings": [(Polygon([(0, 10), (10, 20), (0, 30), (-10, 20)]), {"building": "house"})],
        "lamps": [(Point(x, 0), {}) for x in range(25, 300, 50)],
        "landuse": [(box(400, 3, 450, 20), {"natural": "scrub"})],
        "pois": [
            (Point(600, 5), {"amenity": "school", "name": "Skolan"}),
            (Point(-400, 5), {"amenity": "kindergarten", "name": "Förskolan Väst"}),
            (Point(350, 5), {"amenity": "kindergarten", "name": "Förskolan Öst"}),
        ],
    }
    kw.update(extra)
    return Context(area=box(-20, 0, 20, 40), study=box(-450, -100, 700, 100), **kw)  # type: ignore[arg-type]


def test_childrens_routes_score_distance_light_vegetation_and_crossings() -> None:
    # Skola: 10 m to the footway, 600 m along it, 5 m to the school: 615 m (access 1 within 1 000 m).
    # Of the 600 m walked on the network, 0–300 lit (lamps 25 m either side), 300–600 dark: lit share
    # 0.5; 396–454 beside the scrub (within 5 m of it, 3 m off the path: √(5² − 3²) = 4): hidden
    # 58 / 600. One signalled crossing of Storgatan: −0.075.
    # score = 0.4 + 0.3 × 0.5 + 0.3 × (1 − 58 / 600) − 0.075 = 0.746.
    # Förskola: Öst is nearer (365 m) but 50 of its 350 m are dark and Storgatan is crossed:
    # 0.4 + 0.3 × 300 / 350 + 0.3 − 0.075 = 0.882; Väst (415 m, all lit, no crossing) scores 1 and is
    # the one kept. No place for lek och fritid in the data: the kinds weigh 0.3 (förskola) and 0.4
    # (skola): value = 100 × (0.3 × 1 + 0.4 × 0.746) / 0.7 = 85.5.
    r = criteria.children_routes(school_walks())

    routes = {route["kind"]: route for route in r.evidence["routes"]}
    skola, forskola = routes["skola"], routes["förskola"]
    s = 0.4 + 0.3 * 0.5 + 0.3 * (1 - 58 / 600) - 0.075
    assert set(routes) == {"skola", "förskola"}
    assert skola["destination"] == "Skolan"
    assert skola["length_m"] == pytest.approx(615.0, abs=0.1)
    assert skola["dark_m"] == pytest.approx(300.0, abs=0.5)
    assert skola["hidden_m"] == pytest.approx(58.0, abs=0.5)
    assert (skola["crossings"], skola["signalled_crossings"]) == (1, 1)
    assert skola["crossing_points"] == [
        {"x": 300.0, "y": 0.0, "road": "Storgatan", "signalled": True, "carriageways": 1}
    ]
    assert skola["score"] == pytest.approx(100 * s, abs=0.2)
    assert forskola["destination"] == "Förskolan Väst"  # the best route, not the nearest place
    assert forskola["score"] == 100.0
    assert r.value == pytest.approx(100 * (0.3 * 1 + 0.4 * s) / 0.7, abs=0.2)
    # The route drawn runs from the house to the school: the 600 m walked and the 10 + 5 m steps.
    assert r.geometries["child_routes"][skola["geometry"]].length == pytest.approx(615.0, abs=0.1)
    assert len(r.geometries["child_crossings"]) == 1
    assert len(r.geometries["child_dark"]) == 1  # the 300 m after the last lamp
    assert r.evidence["kinds"] == ["förskola", "skola"]


def test_childrens_routes_count_an_unsignalled_crossing_fully_and_a_bridge_not_at_all() -> None:
    plain = {"highway": "footway", "footway": "crossing"}
    bridge = {"highway": "footway", "bridge": "yes", "layer": "1"}
    base = school_walks().paths

    def skola(crossing_tags: dict[str, str]) -> dict[str, object]:
        paths = [(g, crossing_tags) if i == 2 else (g, p) for i, (g, p) in enumerate(base)]
        r = criteria.children_routes(school_walks(paths=paths))
        return next(route for route in r.evidence["routes"] if route["kind"] == "skola")

    unsignalled, over = skola(plain), skola(bridge)

    assert (unsignalled["crossings"], unsignalled["signalled_crossings"]) == (1, 0)
    assert over["crossings"] == 0
    assert over["score"] - unsignalled["score"] == pytest.approx(15.0, abs=0.2)


def test_childrens_routes_cross_a_road_once_for_its_carriageways_side_by_side() -> None:
    # Storgatan as two carriageways 8 m apart (each a way of its own): one crossing, two carriageways.
    paths = [p for p in school_walks().paths if p[1].get("name") != "Storgatan"]
    road = {"highway": "secondary", "name": "Storgatan", "oneway": "yes"}
    paths += [
        (LineString([(296, -100), (296, 100)]), road),
        (LineString([(304, -100), (304, 100)]), road),
    ]

    r = criteria.children_routes(school_walks(paths=paths))

    skola = next(route for route in r.evidence["routes"] if route["kind"] == "skola")
    assert skola["crossings"] == 1
    assert skola["crossing_points"][0]["carriageways"] == 2


def test_childrens_routes_walking_along_a_main_road_is_not_crossing_it() -> None:
    # The route joins Storgatan's line and leaves it on the same side: no crossing.
    road = (LineString([(-450, 0), (600, 0)]), {"highway": "secondary", "name": "Storgatan"})
    r = criteria.children_routes(
        school_walks(
            paths=[road, *[p for p in school_walks().paths if p[1].get("highway") != "secondary"]]
        )
    )

    assert r.evidence["crossings"] == 0


def test_childrens_routes_without_homes_in_the_plan_are_neutral() -> None:
    house_elsewhere = [(box(500, 50, 520, 70), {"building": "house"})]

    r = criteria.children_routes(school_walks(buildings=house_elsewhere))

    assert (r.value, r.confidence) == (50.0, "låg")
    assert r.explanation.startswith("Planområdet har inga byggnader märkta som bostäder")


def test_childrens_routes_with_places_only_beyond_the_data_read_are_zero() -> None:
    # The data layer says there are places for children (``available``), but none within reach.
    c = school_walks(pois=[], available=frozenset({"child_destinations"}))

    r = criteria.children_routes(c)

    assert (r.value, r.confidence) == (0.0, "medel")
    assert r.explanation.startswith("Ingen skola, förskola eller plats för lek och fritid nås")


def test_childrens_routes_give_zero_for_a_kind_that_cannot_be_reached() -> None:
    # A playground on an island of footway, not joined to the network the house is on.
    island = (LineString([(600, 80), (650, 80)]), {"highway": "footway"})
    playground = (Point(625, 85), {"leisure": "playground", "name": "Lekplatsen"})
    c = school_walks(paths=[*school_walks().paths, island], pois=[*school_walks().pois, playground])

    r = criteria.children_routes(c)

    fritid = next(route for route in r.evidence["routes"] if route["kind"] == "fritid")
    assert (fritid["destination"], fritid["score"]) == (None, 0.0)
    assert "lek och fritid nås inte längs gångnätet" in r.explanation
    assert r.confidence == "medel"


# --- Without their data --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "context", "words"),
    [
        (
            "parking",
            {
                "paths": [(LineString([(0, 0), (100, 0)]), {"highway": "footway", "lit": "no"})],
                "buildings": [(box(0, 5, 20, 20), APARTMENTS)],
            },
            "parkeringsplatser och garageinfarter",
        ),
        ("territoriality", {}, "detaljplanens användningsområden och bestämmelser"),
        (
            "conflicting_uses",
            {"buildings": [(box(0, 5, 20, 20), APARTMENTS)]},
            "verksamheter och målpunkter",
        ),
        (
            "rear_access",
            {"paths": [(LineString([(0, 0), (100, 0)]), {"highway": "footway"})]},
            "byggnader inom 800",
        ),
        (
            "children_routes",
            {
                "paths": [(LineString([(0, 0), (100, 0)]), {"highway": "footway", "lit": "no"})],
                "buildings": [(box(0, 5, 20, 20), APARTMENTS)],
                "landuse": [(box(0, 0, 100, 100), {"landuse": "residential"})],
            },
            "skolor, förskolor och platser för lek och fritid",
        ),
    ],
)
def test_each_new_criterion_without_its_data_is_neutral_low_and_says_what_to_import(
    key: str, context: dict[str, object], words: str
) -> None:
    c = Context(area=box(0, 0, 100, 100), study=box(0, 0, 100, 100), **context)  # type: ignore[arg-type]

    r = criteria.ALL_CRITERIA[key](c)

    assert (r.value, r.confidence) == (50.0, "låg")
    assert r.explanation.startswith("Underlag saknas: ")
    assert words in r.explanation
    assert any(m.text.startswith("Ta fram underlag") for m in r.measures)


def test_the_whole_method_on_an_empty_area_is_neutral_and_says_what_to_import() -> None:
    results = criteria.METHOD.score(Context(area=box(0, 0, 10, 10), study=box(0, 0, 10, 10)))

    assert list(results) == list(criteria.METHOD.keys)
    for key, r in results.items():
        assert (r.value, r.confidence) == (50.0, "låg"), key
        assert r.explanation.startswith("Underlag saknas: "), key
        assert r.evidence["missing_data"], key


def test_the_data_layer_can_vouch_for_car_parks_and_childrens_places_nearby() -> None:
    c = Context(
        area=box(0, 0, 10, 10),
        study=box(0, 0, 10, 10),
        available=frozenset({"parking", "child_destinations"}),
    )

    from geo.criteria.inputs import present

    assert present(c, "parking") and present(c, "child_destinations")


# --- Methods, weights, version -------------------------------------------------------------------


def test_method_2026_12_adds_five_criteria_with_labels_and_weights_summing_to_one() -> None:
    method = criteria.METHODS["2026.12"]

    assert method.keys[:10] == criteria.METHODS["2026.11"].keys
    assert method.keys[10:] == NEW
    assert set(method.labels) == set(method.keys) == set(criteria.ALL_CRITERIA)
    assert method.labels["children_routes"] == "Barns vägar"
    assert sum(method.weights.values()) == pytest.approx(1.0)
    assert sum(method.weights[k] for k in NEW) == pytest.approx(0.2)
    for k, w in criteria.METHODS["2026.11"].weights.items():
        assert method.weights[k] == pytest.approx(0.8 * w)  # the ten keep their proportions


def test_the_apps_run_the_method_in_use_and_the_newest_is_2026_12() -> None:
    assert criteria.METHOD_VERSION == "2026.12"
    assert criteria.METHOD is criteria.METHODS[criteria.METHOD_VERSION]
    assert list(criteria.CRITERIA) == list(criteria.METHODS[criteria.IN_USE_VERSION].keys)
    assert criteria.DEFAULT_WEIGHTS == dict(criteria.METHODS[criteria.IN_USE_VERSION].weights)


def test_plan_only_criteria_keep_their_default_weight_when_a_municipality_calibrates() -> None:
    # A calibration that doubled lighting (as geo.calibration.calibrated_weights scales: all / 1.104)
    # would shrink parking and territoriality too; held, they keep 4 % and 3 %.
    defaults = dict(criteria.METHOD.weights)
    raw = {k: w * (2.0 if k == "lighting" else 1.0) for k, w in defaults.items()}
    calibrated = {k: w / sum(raw.values()) for k, w in raw.items()}

    held = criteria.hold_plan_only(calibrated, defaults, criteria.PLAN_ONLY)

    assert held["parking"] == 0.04 and held["territoriality"] == 0.03
    assert sum(held.values()) == pytest.approx(1.0)
    assert held["lighting"] / held["transport"] == pytest.approx(
        calibrated["lighting"] / calibrated["transport"]
    )


def test_weights_stored_for_the_ten_are_completed_with_the_new_criteria_defaults() -> None:
    stored = {**criteria.METHODS["2026.11"].weights, "lighting": 0.5}

    w = criteria.complete(stored, criteria.METHOD.weights)

    assert set(w) == set(criteria.METHOD.keys)
    assert sum(w.values()) == pytest.approx(1.0)
    assert w["children_routes"] == 0.06
    assert w["lighting"] / w["transport"] == pytest.approx(0.5 / 0.08)


# --- Koppling och orientering against Genomsläpplighet bakom bostäder -----------------------------


def terrace(*extra: tuple[LineString, dict[str, str]]) -> Context:
    """Four terraced houses facing a street, two footway stubs 30 m beyond the row's ends."""
    street = (LineString([(-80, 0), (120, 0)]), {"highway": "residential"})
    stubs = [
        (LineString([(-30, 0), (-30, 30)]), {"highway": "footway"}),
        (LineString([(70, 0), (70, 30)]), {"highway": "footway"}),
    ]
    study = box(-80, -40, 120, 60)
    return Context(
        area=study,
        study=study,
        paths=[street, *stubs, *extra],
        buildings=[(box(10 * i, 10, 10 * i + 10, 20), {"building": "terrace"}) for i in range(4)],
        entrances=[(Point(10 * i + 5, 10), {"entrance": "main"}) for i in range(4)],
    )


def test_a_path_behind_the_homes_that_closes_two_dead_ends_costs_more_than_it_connects() -> None:
    # The footway along the row's backs joins the two stubs: connectivity rises from 76.8 (2 dead
    # ends, CNR 0.5, detour 1.27) to 96.3 (none, CNR 1, detour 1.12), and every house is open at the
    # back: 100 → 0. At the default weights (0.064 and 0.03) the pair falls by
    # 0.064 × 19.5 − 0.03 × 100 = −1.75 points of the overall score (docs/method.md).
    rear = (LineString([(-30, 30), (70, 30)]), {"highway": "footway"})
    w = criteria.METHOD.weights

    before, after = terrace(), terrace(rear)
    con = [criteria.connectivity(c).value for c in (before, after)]
    back = [criteria.rear_access(c).value for c in (before, after)]

    assert con == [76.8, 96.3]
    assert back == [100.0, 0.0]
    change = w["connectivity"] * (con[1] - con[0]) + w["rear_access"] * (back[1] - back[0])
    assert change == pytest.approx(-1.752, abs=1e-3)
