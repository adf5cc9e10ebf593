"""The five criteria of method 2026.12 move the right way in the inputs docs/method.md names for them.

As in test_criteria_monotone.py: hypothesis draws small scenes in a 300 m square, adds one more of an
input, and checks the value never moves the wrong way; the inputs are present in every example, and
examples are bounded so the file runs in seconds.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from geo import criteria
from geo.criteria import Context, Feature, PlanEvidence
from geo.criteria.osm import child_destination
from tests.geo.test_criteria_monotone import (
    AREA,
    PROPERTY,
    SLACK,
    STUDY,
    building,
    coord,
    ctx,
    grid_network,
    lamps,
    point,
    value,
)

APARTMENTS = {"building": "apartments"}
GRID = range(30, 300, 60)  # the grid of test_criteria_monotone.grid_network: 30, 90, … 270


def full_grid(highway: str = "footway") -> list[Feature]:
    """Every edge of the 60 m grid: a connected network, so every place can be reached."""
    xs = list(GRID)
    edges = [((x, y), (x + 60, y)) for x in xs[:-1] for y in xs]
    edges += [((x, y), (x, y + 60)) for x in xs for y in xs[:-1]]
    return [(LineString([a, b]), {"highway": highway}) for a, b in edges]


lot = st.builds(
    lambda x, y, w, h: box(x, y, x + w, y + h),
    coord,
    coord,
    st.integers(10, 40),
    st.integers(10, 30),
)
scrub = st.builds(
    lambda x, y, w, h: box(x, y, x + w, y + h), coord, coord, st.integers(5, 80), st.integers(5, 80)
)


# --- Parkering: a lamp, a lit tag or a window never lowers it; vegetation never raises it ---------


def near(data: st.DataObject, g: Any, reach: float = 30.0) -> Point:
    """A point in or up to ``reach`` metres around the box of ``g``: a lamp there lights part of it."""
    x0, y0, x1, y1 = g.bounds
    return Point(
        data.draw(st.floats(x0 - reach, x1 + reach)), data.draw(st.floats(y0 - reach, y1 + reach))
    )


@st.composite
def parking_scene(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "paths": draw(grid_network()),
        "landuse": [
            (g, {"amenity": "parking"}) for g in draw(st.lists(lot, min_size=1, max_size=2))
        ],
        "buildings": [(g, APARTMENTS) for g in draw(st.lists(building, min_size=1, max_size=4))],
        "lamps": lamps(draw(st.lists(point, min_size=1, max_size=4))),
    }


@PROPERTY
@given(parking_scene(), st.data())
def test_a_new_lamp_never_lowers_parking(scene: dict[str, Any], data: st.DataObject) -> None:
    g, _ = data.draw(st.sampled_from(scene["landuse"]))
    pole = near(data, g) if data.draw(st.booleans()) else data.draw(point)

    before = value(criteria.parking, ctx(**scene))
    after = value(criteria.parking, ctx(**{**scene, "lamps": [*scene["lamps"], (pole, {})]}))

    assert after >= before - SLACK


@PROPERTY
@given(parking_scene(), st.data())
def test_a_lit_car_park_never_scores_lower_in_parking_than_the_same_car_park_unlit(
    scene: dict[str, Any], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(scene["landuse"]) - 1))
    lit = [
        (g, {**p, "lit": "yes"}) if j == i else (g, p) for j, (g, p) in enumerate(scene["landuse"])
    ]

    before = value(criteria.parking, ctx(**scene))
    after = value(criteria.parking, ctx(**{**scene, "landuse": lit}))

    assert after >= before - SLACK


@PROPERTY
@given(parking_scene(), building, st.sampled_from(["office", "retail", "school"]))
def test_a_building_with_windows_that_is_not_a_home_never_lowers_parking(
    scene: dict[str, Any], shop: Any, kind: str
) -> None:
    before = value(criteria.parking, ctx(**scene))
    after = value(
        criteria.parking,
        ctx(**{**scene, "buildings": [*scene["buildings"], (shop, {"building": kind})]}),
    )

    assert after >= before - SLACK


@PROPERTY
@given(parking_scene(), scrub)
def test_more_dense_vegetation_never_raises_parking(scene: dict[str, Any], bush: Any) -> None:
    before = value(criteria.parking, ctx(**scene))
    after = value(
        criteria.parking,
        ctx(**{**scene, "landuse": [*scene["landuse"], (bush, {"natural": "scrub"})]}),
    )

    assert after <= before + SLACK


# --- Revir och ansvar: a stated huvudman never lowers it, a new public path never raises it -------


@st.composite
def plan_scene(draw: st.DrawFn) -> tuple[list[Feature], list[Feature]]:
    """Zones in 100 m columns (housing, a street, a park or an unknown use) and some footways."""
    codes = draw(
        st.lists(
            st.sampled_from(["B", "C", "K", "GATA", "PARK", "NATUR", ""]), min_size=3, max_size=3
        )
    )
    zones: list[Feature] = [
        (box(100 * i, 0, 100 * (i + 1), 300), {"use_code": c, "regulations": []})
        for i, c in enumerate(codes)
    ]
    return zones, draw(grid_network())


def plan_ctx(zones: list[Feature], paths: list[Feature], **plan: Any) -> Context:
    return Context(area=STUDY, study=STUDY, paths=paths, plan=PlanEvidence(zones=zones, **plan))


@PROPERTY
@given(
    plan_scene(),
    st.sampled_from(["Kommunen är huvudman för allmän plats.", "Huvudmannaskapet är enskilt."]),
)
def test_stating_the_huvudman_never_lowers_territoriality(
    scene: tuple[list[Feature], list[Feature]], text: str
) -> None:
    zones, paths = scene

    before = value(criteria.territoriality, plan_ctx(zones, paths))
    after = value(
        criteria.territoriality,
        plan_ctx(zones, paths, regulations=[{"kind": "administrativ", "text": text}]),
    )

    assert after >= before - SLACK


@PROPERTY
@given(plan_scene(), point, point, st.booleans())
def test_a_new_public_path_never_raises_territoriality(
    scene: tuple[list[Feature], list[Feature]], a: Point, b: Point, across: bool
) -> None:
    zones, paths = scene
    # Half the time a path right across the plan, through every block.
    line = LineString([(-10, a.y), (310, b.y)]) if across else LineString([a, b])
    new = (line, {"highway": "footway"})

    before = value(criteria.territoriality, plan_ctx(zones, paths))
    after = value(criteria.territoriality, plan_ctx(zones, [*paths, new]))

    assert after <= before + SLACK


@PROPERTY
@given(plan_scene(), st.data())
def test_gating_a_path_never_lowers_territoriality(
    scene: tuple[list[Feature], list[Feature]], data: st.DataObject
) -> None:
    zones, paths = scene
    i = data.draw(st.integers(0, len(paths) - 1))
    gated = [
        (g, {**p, "access": "private"}) if j == i else (g, p) for j, (g, p) in enumerate(paths)
    ]

    before = value(criteria.territoriality, plan_ctx(zones, paths))
    after = value(criteria.territoriality, plan_ctx(zones, gated))

    assert after >= before - SLACK


# --- Konfliktande användningar: a venue never raises it, a buffer never lowers it -----------------

venue_tags = st.sampled_from(
    [{"amenity": "pub"}, {"amenity": "nightclub"}, {"amenity": "bus_station"}, {"leisure": "pitch"}]
)
west_home = st.builds(
    lambda x, y, w, h: box(x, y, x + w, y + h),
    st.integers(0, 60),
    st.integers(10, 270),
    st.integers(8, 30),
    st.integers(8, 30),
)


@st.composite
def conflict_scene(draw: st.DrawFn) -> dict[str, Any]:
    """Homes in the west (x < 100), venues in the east (x ≥ 110), and some other buildings."""
    homes = [(g, APARTMENTS) for g in draw(st.lists(west_home, min_size=1, max_size=4))]
    venues = [
        (Point(draw(st.integers(110, 290)), draw(st.integers(10, 290))), draw(venue_tags))
        for _ in range(draw(st.integers(1, 3)))
    ]
    return {"buildings": homes, "pois": venues}


@PROPERTY
@given(conflict_scene(), point, venue_tags)
def test_another_venue_never_raises_conflicting_uses(
    scene: dict[str, Any], at: Point, tags: dict[str, str]
) -> None:
    before = value(criteria.conflicting_uses, ctx(**scene))
    after = value(criteria.conflicting_uses, ctx(**{**scene, "pois": [*scene["pois"], (at, tags)]}))

    assert after <= before + SLACK


@PROPERTY
@given(conflict_scene(), st.data(), st.integers(1, 150))
def test_moving_a_venue_further_from_the_homes_never_lowers_conflicting_uses(
    scene: dict[str, Any], data: st.DataObject, dx: int
) -> None:
    # Homes lie west of x = 100 and venues east of it: moving a venue east lengthens the distance
    # to every home. This is the buffer the criterion asks for.
    i = data.draw(st.integers(0, len(scene["pois"]) - 1))
    moved = [
        (Point(g.x + dx, g.y), p) if j == i else (g, p) for j, (g, p) in enumerate(scene["pois"])
    ]

    before = value(criteria.conflicting_uses, ctx(**scene))
    after = value(criteria.conflicting_uses, ctx(**{**scene, "pois": moved}))

    assert after >= before - SLACK


@PROPERTY
@given(conflict_scene(), building)
def test_a_screening_building_never_lowers_conflicting_uses(
    scene: dict[str, Any], screen: Any
) -> None:
    before = value(criteria.conflicting_uses, ctx(**scene))
    after = value(
        criteria.conflicting_uses,
        ctx(**{**scene, "buildings": [*scene["buildings"], (screen, {"building": "office"})]}),
    )

    assert after >= before - SLACK


# --- Genomsläpplighet bakom bostäder, and in balance with Koppling och orientering ---------------

north_home = st.builds(
    lambda x, w: box(x, 240, x + w, 255), st.integers(10, 240), st.integers(10, 40)
)


@st.composite
def terrace(draw: st.DrawFn) -> dict[str, Any]:
    """Houses in a northern row (y 240–255), each with its front door on the south side, on the
    grid network (a random part of it) with streets along y = 210."""
    houses = draw(st.lists(north_home, min_size=1, max_size=4))
    doors = [(Point((g.bounds[0] + g.bounds[2]) / 2, 240), {"entrance": "main"}) for g in houses]
    street = (LineString([(0, 210), (300, 210)]), {"highway": "residential"})
    return {
        "paths": [street, *draw(grid_network())],
        "buildings": [(g, {"building": "terrace"}) for g in houses],
        "entrances": doors,
    }


@PROPERTY
@given(terrace(), point, point)
def test_a_new_public_path_never_raises_rear_access(
    scene: dict[str, Any], a: Point, b: Point
) -> None:
    new = (LineString([a, b]), {"highway": "footway"})

    before = value(criteria.rear_access, ctx(**scene))
    after = value(criteria.rear_access, ctx(**{**scene, "paths": [*scene["paths"], new]}))

    assert after <= before + SLACK


@PROPERTY
@given(terrace(), st.data())
def test_gating_a_path_never_lowers_rear_access(scene: dict[str, Any], data: st.DataObject) -> None:
    paths = scene["paths"]
    i = data.draw(st.integers(0, len(paths) - 1))
    gated = [
        (g, {**p, "access": "private"}) if j == i else (g, p) for j, (g, p) in enumerate(paths)
    ]

    before = value(criteria.rear_access, ctx(**scene))
    after = value(criteria.rear_access, ctx(**{**scene, "paths": gated}))

    assert after >= before - SLACK


def balance(c: Context) -> float:
    """Koppling och orientering and Genomsläpplighet bakom bostäder as overall() weighs them."""
    w = criteria.METHOD.weights
    values = {k: value(criteria.ALL_CRITERIA[k], c) for k in ("connectivity", "rear_access")}
    return criteria.overall(values, {k: w[k] for k in values})


@PROPERTY
@given(terrace(), st.data())
def test_a_new_link_that_passes_behind_no_home_never_lowers_connectivity_and_rear_access_together(
    scene: dict[str, Any], data: st.DataObject
) -> None:
    # The houses' backs lie north of y = 247; links between grid nodes at y ≤ 210 pass behind none.
    nodes = {c for g, _ in scene["paths"][1:] for c in (g.coords[0], g.coords[-1])}
    links = [
        ((x, y), (x + dx, y + dy))
        for x, y in nodes
        for dx, dy in ((60, 0), (0, 60))
        if (x + dx, y + dy) in nodes
        and max(y, y + dy) <= 210
        and not any(
            {g.coords[0], g.coords[-1]} == {(x, y), (x + dx, y + dy)} for g, _ in scene["paths"]
        )
    ]
    if not links:
        return
    a, b = data.draw(st.sampled_from(links))
    link = (LineString([a, b]), {"highway": "footway"})

    before, after = ctx(**scene), ctx(**{**scene, "paths": [*scene["paths"], link]})

    assert value(criteria.rear_access, after) == value(criteria.rear_access, before)
    assert balance(after) >= balance(before) - SLACK


# --- Barns vägar: light and a new place never lower it; vegetation and a main road never raise it --


@st.composite
def childhood(draw: st.DrawFn) -> dict[str, Any]:
    """A house in the plan area on the full footway grid; a street (x = 120) across it; preschools,
    schools and playgrounds at grid nodes; some lamps and land use (so vegetation data exists)."""
    kinds = [{"amenity": "kindergarten"}, {"amenity": "school"}, {"leisure": "playground"}]
    places = [
        (
            Point(draw(st.sampled_from(GRID)), draw(st.sampled_from(GRID))),
            draw(st.sampled_from(kinds)),
        )
        for _ in range(draw(st.integers(1, 4)))
    ]
    street = (LineString([(120, 0), (120, 300)]), {"highway": "residential", "name": "Gata"})
    return {
        "paths": [*full_grid(), street],
        "buildings": [(box(135, 135, 165, 165), {"building": "house"})],
        "pois": places,
        "lamps": lamps(draw(st.lists(point, min_size=1, max_size=5))),
        "landuse": [(STUDY, {"landuse": "residential"})],
    }


def kid(**kw: Any) -> Context:
    return Context(area=AREA, study=STUDY, **kw)


@PROPERTY
@given(childhood(), point)
def test_a_new_lamp_never_lowers_childrens_routes(scene: dict[str, Any], pole: Point) -> None:
    before = value(criteria.children_routes, kid(**scene))
    after = value(
        criteria.children_routes, kid(**{**scene, "lamps": [*scene["lamps"], (pole, {})]})
    )

    assert after >= before - SLACK


@PROPERTY
@given(childhood(), scrub)
def test_more_dense_vegetation_never_raises_childrens_routes(
    scene: dict[str, Any], bush: Any
) -> None:
    before = value(criteria.children_routes, kid(**scene))
    after = value(
        criteria.children_routes,
        kid(**{**scene, "landuse": [*scene["landuse"], (bush, {"natural": "wood"})]}),
    )

    assert after <= before + SLACK


@PROPERTY
@given(childhood(), st.sampled_from(["secondary", "primary", "tertiary"]))
def test_making_a_street_a_main_road_never_raises_childrens_routes_and_signals_never_lower_them(
    scene: dict[str, Any], highway: str
) -> None:
    # The same network: only the street's tags change, so the routes stay and gain crossings.
    main = [
        (g, {**p, "highway": highway}) if p.get("name") == "Gata" else (g, p)
        for g, p in scene["paths"]
    ]
    crosses = LineString([(120, 0), (120, 300)])
    signals = [
        (g, {**p, "crossing": "traffic_signals"})
        if p.get("highway") == "footway" and g.crosses(crosses)
        else (g, p)
        for g, p in main
    ]

    calm = value(criteria.children_routes, kid(**scene))
    busy = value(criteria.children_routes, kid(**{**scene, "paths": main}))
    signalled = value(criteria.children_routes, kid(**{**scene, "paths": signals}))

    assert busy <= calm + SLACK
    assert signalled >= busy - SLACK


@PROPERTY
@given(
    childhood(),
    st.sampled_from(list(GRID)),
    st.sampled_from(list(GRID)),
    st.sampled_from(
        [{"amenity": "kindergarten"}, {"amenity": "school"}, {"leisure": "playground"}]
    ),
)
def test_a_new_place_for_children_never_lowers_childrens_routes(
    scene: dict[str, Any], x: int, y: int, tags: dict[str, str]
) -> None:
    kinds = {child_destination(p) for _, p in scene["pois"]}
    if child_destination(tags) not in kinds:
        return  # the first place of a kind is the step from "no data" (docs/method.md)

    before = value(criteria.children_routes, kid(**scene))
    after = value(
        criteria.children_routes, kid(**{**scene, "pois": [*scene["pois"], (Point(x, y), tags)]})
    )

    assert after >= before - SLACK
