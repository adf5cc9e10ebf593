"""Each criterion moves the right way in the inputs docs/method.md names for it (property-based).

Hypothesis draws small networks, lamps, vegetation, buildings, stops and observations in a 300 m square
study area, adds one more of an input, and checks the value never moves the wrong way. Examples are
bounded (``settings`` below) so the file runs in a few seconds. The inputs are present in every example
(a lamp, a land-cover polygon …): the step from "no data" (a neutral 50) to the first datum is no
monotonicity claim (docs/method.md, "Monotonicity").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from geo import criteria
from geo.criteria import Context, Feature, IncidentEvidence, SurveyEvidence

STUDY = box(0, 0, 300, 300)
AREA = box(100, 100, 200, 200)
SLACK = 1e-9  # values are rounded to 0.1 by CriterionResult; compare with no tolerance beyond that

PROPERTY = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
LAND = [(STUDY, {"landuse": "residential"})]  # land cover is present, so hidden spots are scored

coord = st.integers(min_value=10, max_value=290)
point = st.builds(lambda x, y: Point(x, y), coord, coord)


@st.composite
def grid_network(draw: st.DrawFn, tunnels: bool = False) -> list[Feature]:
    """Ways along a 60 m grid inside the study area: a random subset of the grid's edges."""
    xs = range(30, 300, 60)
    edges = [((x, y), (x + 60, y)) for x in xs[:-1] for y in xs] + [
        ((x, y), (x, y + 60)) for x in xs for y in xs[:-1]
    ]
    chosen = draw(st.lists(st.sampled_from(edges), min_size=2, max_size=14, unique=True))
    out: list[Feature] = []
    for a, b in chosen:
        props: dict[str, Any] = {"highway": "footway"}
        if tunnels and draw(st.booleans()):
            props["tunnel"] = "yes"
        out.append((LineString([a, b]), props))
    return out


@st.composite
def long_ways(draw: st.DrawFn) -> list[Feature]:
    """One to three long straight ways (200–280 m), where lamps leave long dark gaps to split."""
    out: list[Feature] = []
    for y in draw(st.lists(st.sampled_from([40, 150, 260]), min_size=1, max_size=3, unique=True)):
        start = draw(st.integers(10, 80))
        out.append(
            (
                LineString([(start, y), (start + draw(st.integers(200, 210)), y)]),
                {"highway": "footway"},
            )
        )
    if draw(st.booleans()):
        out.append((LineString([(150, 20), (150, 280)]), {"highway": "footway"}))
    return out


def ctx(**kw: Any) -> Context:
    return Context(area=AREA, study=STUDY, **kw)


def value(fn: Any, c: Context) -> float:
    return float(fn(replace(c, extra={})).value)


def lamps(points: Sequence[Point]) -> list[Feature]:
    return [(p, {}) for p in points]


# --- Belysning: more lamps, more ways tagged lit, never lower it ----------------------------------


def beside(data: st.DataObject, paths: list[Feature]) -> Point:
    """A point up to 24 m beside one of ``paths``: a lamp there lights a piece of it."""
    g, _ = data.draw(st.sampled_from(paths))
    at = g.interpolate(data.draw(st.floats(0, 1)), normalized=True)
    dx, dy = (data.draw(st.floats(-24.9, 24.9)) for _ in range(2))
    return Point(at.x + dx, at.y + dy)


@PROPERTY
@given(st.one_of(long_ways(), grid_network()), st.data())
def test_a_new_lamp_never_lowers_lighting(paths: list[Feature], data: st.DataObject) -> None:
    existing = [beside(data, paths) for _ in range(data.draw(st.integers(1, 5)))]
    new = beside(data, paths)
    before = ctx(paths=paths, lamps=lamps(existing))
    after = ctx(paths=paths, lamps=lamps([*existing, new]))

    assert value(criteria.lighting, after) >= value(criteria.lighting, before) - SLACK


@PROPERTY
@given(grid_network(), st.lists(point, min_size=1, max_size=4), st.data())
def test_tagging_a_way_lit_never_lowers_lighting(
    paths: list[Feature], existing: list[Point], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(paths) - 1))
    lit = [(g, {**p, "lit": "yes"}) if j == i else (g, p) for j, (g, p) in enumerate(paths)]

    before = value(criteria.lighting, ctx(paths=paths, lamps=lamps(existing)))
    after = value(criteria.lighting, ctx(paths=lit, lamps=lamps(existing)))

    assert after >= before - SLACK


def test_a_lamp_that_splits_a_dark_gap_in_two_raises_lighting() -> None:
    # A 1 km footway lit everywhere but a 130 m gap (x 400–530). A lamp 24 m off the path lights
    # 2 × √(25² − 24²) = 14 m in the gap's middle: two gaps of 58 m remain. Counted per gap (before)
    # this lowered the value, 82.0 → 78.4; by dark length it rises, 80.5 → 82.6.
    path = [(LineString([(0, 150), (1000, 150)]), {"highway": "footway"})]
    poles = [Point(x, 150) for x in range(25, 400, 50)] + [
        Point(x, 150) for x in range(555, 1000, 50)
    ]
    study = box(0, 0, 1000, 300)
    before = Context(area=study, study=study, paths=path, lamps=lamps(poles))
    after = Context(area=study, study=study, paths=path, lamps=lamps([*poles, Point(465, 174)]))

    a, b = criteria.lighting(before), criteria.lighting(after)

    assert (a.evidence["dark_gaps"], b.evidence["dark_gaps"]) == (1, 2)
    assert b.value > a.value


# --- Skymda platser: more vegetation or tunnel never raises it; a lamp never lowers it ------------


@PROPERTY
@given(
    grid_network(tunnels=True),
    st.builds(
        lambda x, y, w, h: box(x, y, x + w, y + h),
        coord,
        coord,
        st.integers(5, 80),
        st.integers(5, 80),
    ),
)
def test_more_dense_vegetation_never_raises_hidden_spots(paths: list[Feature], scrub: Any) -> None:
    before = ctx(paths=paths, landuse=LAND)
    after = ctx(paths=paths, landuse=[*LAND, (scrub, {"natural": "scrub"})])

    assert value(criteria.hidden_spots, after) <= value(criteria.hidden_spots, before) + SLACK


@PROPERTY
@given(grid_network(tunnels=True), st.data())
def test_making_a_way_a_tunnel_never_raises_hidden_spots(
    paths: list[Feature], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(paths) - 1))
    tunnelled = [
        (g, {**p, "tunnel": "yes"}) if j == i else (g, p) for j, (g, p) in enumerate(paths)
    ]
    scrub = [(box(40, 40, 120, 70), {"natural": "wood"})]

    before = value(criteria.hidden_spots, ctx(paths=paths, landuse=[*LAND, *scrub]))
    after = value(criteria.hidden_spots, ctx(paths=tunnelled, landuse=[*LAND, *scrub]))

    assert after <= before + SLACK


@PROPERTY
@given(grid_network(tunnels=True), coord, coord, st.integers(5, 120), st.booleans())
def test_a_new_tunnel_never_raises_hidden_spots(
    paths: list[Feature], x: int, y: int, length: int, lit: bool
) -> None:
    tunnel = (
        LineString([(x, y), (x, min(299, y + length))]),
        {"highway": "footway", "tunnel": "yes"},
    )
    extra_lamp = lamps([Point(x, y)]) if lit else []

    before = value(criteria.hidden_spots, ctx(paths=paths, landuse=LAND, lamps=extra_lamp))
    after = value(
        criteria.hidden_spots, ctx(paths=[*paths, tunnel], landuse=LAND, lamps=extra_lamp)
    )

    assert after <= before + SLACK


@PROPERTY
@given(grid_network(tunnels=True), point)
def test_a_lamp_never_lowers_hidden_spots(paths: list[Feature], lamp: Point) -> None:
    before = value(criteria.hidden_spots, ctx(paths=paths, landuse=LAND))
    after = value(criteria.hidden_spots, ctx(paths=paths, landuse=LAND, lamps=lamps([lamp])))

    assert after >= before - SLACK


def test_joining_two_tunnels_lowers_hidden_spots() -> None:
    # Two 30 m underpasses 20 m apart on one footway; the 20 m between them becomes tunnel too.
    # Counted per tunnel system (before) joining them raised the value (two penalties became one).
    footway = {"highway": "footway"}
    tunnel = {"highway": "footway", "tunnel": "yes"}
    ways = [
        (LineString([(0, 150), (100, 150)]), footway),
        (LineString([(100, 150), (130, 150)]), tunnel),
        (LineString([(150, 150), (180, 150)]), tunnel),
        (LineString([(180, 150), (300, 150)]), footway),
    ]
    apart = [*ways, (LineString([(130, 150), (150, 150)]), footway)]
    joined = [*ways, (LineString([(130, 150), (150, 150)]), tunnel)]

    a = criteria.hidden_spots(ctx(paths=apart, landuse=LAND))
    b = criteria.hidden_spots(ctx(paths=joined, landuse=LAND))

    assert (a.evidence["tunnels"], b.evidence["tunnels"]) == (2, 1)
    assert b.value < a.value


# --- Naturlig övervakning: buildings with windows and active ground floors never lower it ---------

building = st.builds(
    lambda x, y, w, h: box(x, y, x + w, y + h), coord, coord, st.integers(8, 40), st.integers(8, 40)
)


@PROPERTY
@given(grid_network(), st.lists(building, min_size=1, max_size=4), building, st.booleans())
def test_a_building_with_windows_never_lowers_natural_surveillance(
    paths: list[Feature], existing: list[Any], new: Any, shop: bool
) -> None:
    houses = [(b, {"building": "apartments"}) for b in existing]
    added = (new, {"building": "retail" if shop else "apartments"})

    before = value(criteria.natural_surveillance, ctx(paths=paths, buildings=houses))
    after = value(criteria.natural_surveillance, ctx(paths=paths, buildings=[*houses, added]))

    assert after >= before - SLACK


@PROPERTY
@given(grid_network(), st.lists(building, min_size=1, max_size=4), building, point)
def test_a_blind_building_never_raises_natural_surveillance(
    paths: list[Feature], existing: list[Any], garage: Any, shop: Point
) -> None:
    houses = [(b, {"building": "apartments"}) for b in existing]
    # A shop at the garage's corner (and one elsewhere) does not make the garage an active front.
    corner = Point(garage.bounds[0], garage.bounds[1])
    pois = [(shop, {"shop": "convenience"}), (corner, {"shop": "convenience"})]
    added = (garage, {"building": "garages"})

    before = value(criteria.natural_surveillance, ctx(paths=paths, buildings=houses, pois=pois))
    after = value(
        criteria.natural_surveillance, ctx(paths=paths, buildings=[*houses, added], pois=pois)
    )

    assert after <= before + SLACK


# --- Liv under dygnets alla timmar, Blandning av funktioner ---------------------------------------

poi_tags = st.sampled_from(
    [
        {"amenity": "pub"},
        {"amenity": "restaurant"},
        {"shop": "bakery"},
        {"amenity": "school"},
        {"amenity": "cafe", "opening_hours": "Mo-Su 08:00-22:00"},
        {"office": "company"},
    ]
)


@PROPERTY
@given(
    st.lists(st.tuples(point, poi_tags), min_size=1, max_size=6),
    point,
    poi_tags,
    building,
    st.integers(1, 8),
)
def test_a_place_open_late_or_more_residents_never_lower_life_at_all_hours(
    pois: list[Any], at: Point, tags: dict[str, str], home: Any, storeys: int
) -> None:
    houses = [(box(0, 0, 20, 20), {"building": "apartments"})]
    more_homes = [*houses, (home, {"building": "apartments", "building:levels": str(storeys)})]

    base = value(criteria.life_at_all_hours, ctx(pois=pois, buildings=houses))
    with_place = value(criteria.life_at_all_hours, ctx(pois=[*pois, (at, tags)], buildings=houses))
    with_homes = value(criteria.life_at_all_hours, ctx(pois=pois, buildings=more_homes))

    assert with_place >= base - SLACK
    assert with_homes >= base - SLACK


@PROPERTY
@given(st.lists(st.tuples(point, poi_tags), min_size=1, max_size=8), point, poi_tags)
def test_a_place_of_a_function_not_yet_there_never_lowers_the_mix(
    pois: list[Any], at: Point, tags: dict[str, str]
) -> None:
    from geo.criteria.osm import poi_function

    if poi_function(tags) in {poi_function(t) for _, t in pois}:
        return  # only a function that is new is claimed to help (docs/method.md)
    land = [(STUDY, {"landuse": "residential"})]

    before = value(criteria.mix_of_functions, ctx(pois=pois, landuse=land))
    after = value(criteria.mix_of_functions, ctx(pois=[*pois, (at, tags)], landuse=land))

    assert after >= before - SLACK


# --- Koppling och orientering: a new link between two nodes never lowers it -----------------------


@PROPERTY
@given(grid_network(), st.data())
def test_a_new_link_between_two_nodes_never_lowers_connectivity(
    paths: list[Feature], data: st.DataObject
) -> None:
    nodes = {c for g, _ in paths for c in (g.coords[0], g.coords[-1])}
    links = [
        ((x, y), (x + dx, y + dy))
        for x, y in nodes
        for dx, dy in ((60, 0), (0, 60))
        if (x + dx, y + dy) in nodes
        and not any({g.coords[0], g.coords[-1]} == {(x, y), (x + dx, y + dy)} for g, _ in paths)
    ]
    if not links:
        return
    a, b = data.draw(st.sampled_from(links))

    before = value(criteria.connectivity, ctx(paths=paths))
    after = value(
        criteria.connectivity, ctx(paths=[*paths, (LineString([a, b]), {"highway": "footway"})])
    )

    assert after >= before - SLACK


# --- Kollektivtrafik: a new stop or a new lamp never lowers it ------------------------------------


@PROPERTY
@given(
    grid_network(),
    st.lists(point, min_size=1, max_size=3),
    point,
    st.lists(point, max_size=5),
    point,
    st.booleans(),
)
def test_a_new_stop_or_lamp_never_lowers_transport(
    paths: list[Feature],
    stops: list[Point],
    new_stop: Point,
    poles: list[Point],
    new_pole: Point,
    station: bool,
) -> None:
    tags = {"railway": "station"} if station else {"highway": "bus_stop"}
    have = [(s, {"highway": "bus_stop"}) for s in stops]

    base = value(criteria.transport, ctx(paths=paths, bus_stops=have, lamps=lamps(poles)))
    more_stops = value(
        criteria.transport,
        ctx(paths=paths, bus_stops=[*have, (new_stop, tags)], lamps=lamps(poles)),
    )
    more_light = value(
        criteria.transport, ctx(paths=paths, bus_stops=have, lamps=lamps([*poles, new_pole]))
    )

    assert more_stops >= base - SLACK
    assert more_light >= base - SLACK


def test_a_nearer_but_dark_stop_does_not_lower_transport() -> None:
    # A lit 300 m walk to a bus stop gives 100. A stop 100 m the other way on an unlit path used to
    # become "the" stop (nearest) and halve the lit share: 50. The best stop keeps 100.
    ways = [
        (LineString([(150, 150), (450, 150)]), {"highway": "footway", "lit": "yes"}),
        (LineString([(150, 150), (50, 150)]), {"highway": "footway"}),
    ]
    area = box(140, 140, 160, 160)
    study = box(0, 0, 500, 300)
    lit_stop = [(Point(450, 150), {"highway": "bus_stop"})]
    dark_stop = [(Point(50, 150), {"highway": "bus_stop"})]

    before = criteria.transport(Context(area=area, study=study, paths=ways, bus_stops=lit_stop))
    after = criteria.transport(
        Context(area=area, study=study, paths=ways, bus_stops=[*lit_stop, *dark_stop])
    )

    assert before.value == 100.0
    assert after.value == 100.0
    assert after.evidence["bus_distance_m"] < before.evidence["bus_distance_m"]


# --- Skötsel, Utsatthet, Upplevd trygghet ----------------------------------------------------------


@PROPERTY
@given(
    st.lists(st.tuples(point, st.integers(1, 3)), max_size=5),
    point,
    st.integers(1, 3),
    st.integers(0, 6),
)
def test_more_maintenance_reports_or_open_actions_never_raise_maintenance(
    reports: list[Any], at: Point, severity: int, open_actions: int
) -> None:
    obs = [(p, {"category": "skotsel", "severity": s, "feeling": 3}) for p, s in reports]
    base = value(
        criteria.maintenance, ctx(observations=obs, walks_nearby=1, open_actions=open_actions)
    )
    one_more = value(
        criteria.maintenance,
        ctx(
            observations=[*obs, (at, {"category": "skotsel", "severity": severity, "feeling": 3})],
            walks_nearby=1,
            open_actions=open_actions,
        ),
    )
    more_open = value(
        criteria.maintenance, ctx(observations=obs, walks_nearby=1, open_actions=open_actions + 1)
    )

    assert one_more <= base + SLACK
    assert more_open <= base + SLACK


@PROPERTY
@given(st.floats(0, 500), st.floats(0.1, 100), st.floats(0.5, 5), st.floats(1, 1000))
def test_more_incidents_never_raise_exposure(
    count: float, more: float, years: float, reference: float
) -> None:
    def ev(n: float) -> IncidentEvidence:
        return IncidentEvidence(count=n, years=years, reference_per_km2_year=reference)

    before = value(criteria.exposure_to_crime, ctx(incidents=ev(count)))
    after = value(criteria.exposure_to_crime, ctx(incidents=ev(count + more)))

    assert after <= before + SLACK


@PROPERTY
@given(
    st.lists(st.integers(1, 5), min_size=1, max_size=8),
    st.data(),
    st.floats(0, 14),
    st.floats(0, 14),
    st.floats(0, 14),
)
def test_worse_feelings_or_a_higher_safety_priority_never_raise_perceived_safety(
    feelings: list[int], data: st.DataObject, area: float, higher: float, municipality: float
) -> None:
    i = data.draw(st.integers(0, len(feelings) - 1))
    worse = [max(1, f - 1) if j == i else f for j, f in enumerate(feelings)]
    high = max(area, higher)

    def c(fs: list[int], mean: float) -> Context:
        obs = [(Point(10 + 5 * k, 10), {"feeling": f}) for k, f in enumerate(fs)]
        return ctx(
            observations=obs,
            survey=SurveyEvidence(area_mean=mean, municipality_mean=municipality, responses=20),
        )

    base = value(criteria.perceived_safety, c(feelings, area))

    assert value(criteria.perceived_safety, c(worse, area)) <= base + SLACK
    assert value(criteria.perceived_safety, c(feelings, high)) <= base + SLACK
