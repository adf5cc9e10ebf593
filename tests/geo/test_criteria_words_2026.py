"""The sentences and measures of the five criteria of method 2026.12, over many small scenes, are
written in Swedish numbers and grammar (the checker of test_criteria_words.py).

The scenes are drawn so the counts the new sentences name (car parks, homes served, houses open at
the back, venues by kind, crossings, groups of homes, blocks crossed, zones without a code) are
often exactly 0, 1 or 2.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from geo import criteria
from geo.criteria import Context, PlanEvidence
from tests.geo.test_criteria_words import areas, errors

small = st.integers(0, 3)
VENUES = [
    {"amenity": "pub"},
    {"amenity": "bus_station"},
    {"leisure": "pitch"},
    {"amenity": "bar", "opening_hours": "Fr-Sa 20:00-02:00"},
]
PLACES = [
    {"amenity": "school", "name": "Skolan"},
    {"amenity": "kindergarten"},
    {"leisure": "playground"},
]


@st.composite
def scenes(draw: st.DrawFn) -> Context:
    base = draw(areas())
    homes = [
        (box(125 + 25 * k, 125, 145 + 25 * k, 140), {"building": "apartments", "name": f"Hus {k}"})
        for k in range(draw(small))
    ]
    lots = [
        (box(20 + 50 * k, 200, 50 + 50 * k, 230), {"amenity": "parking"})
        for k in range(draw(small))
    ]
    entrances = [(Point(135 + 25 * k, 125), {"entrance": "main"}) for k in range(draw(small))]
    venues = [(Point(40 + 60 * k, 280), draw(st.sampled_from(VENUES))) for k in range(draw(small))]
    places = [(Point(20 + 90 * k, 10), draw(st.sampled_from(PLACES))) for k in range(draw(small))]
    roads = [
        (
            LineString([(100 + 40 * k, 0), (100 + 40 * k, 300)]),
            {"highway": "secondary", "name": f"Väg {k}"},
        )
        for k in range(draw(small))
    ]
    rear = (
        [(LineString([(120, 150), (200, 150)]), {"highway": "footway"})]
        if draw(st.booleans())
        else []
    )
    plan = None
    if draw(st.booleans()):
        codes = draw(
            st.lists(st.sampled_from(["B", "C", "GATA", "PARK", ""]), min_size=1, max_size=3)
        )
        regs = (
            [{"kind": "administrativ", "text": "Kommunen är huvudman för allmän plats."}]
            if draw(st.booleans())
            else []
        )
        zones = [
            (box(120 + 20 * i, 120, 140 + 20 * i, 180), {"use_code": c, "regulations": []})
            for i, c in enumerate(codes)
        ]
        plan = PlanEvidence(zones=zones, regulations=regs)
    extra: dict[str, Any] = {
        "paths": [*base.paths, *roads, *rear],
        "buildings": [*base.buildings, *homes],
        "landuse": [*base.landuse, *lots],
        "pois": [*base.pois, *venues, *places],
        "entrances": entrances,
        "plan": plan,
    }
    return replace(base, **extra)


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(scenes())
def test_every_new_sentence_has_swedish_numbers_and_agreeing_nouns(c: Context) -> None:
    for key in ("parking", "territoriality", "conflicting_uses", "rear_access", "children_routes"):
        r = criteria.ALL_CRITERIA[key](replace(c, extra={}))
        for text in [r.explanation, *(m.text for m in r.measures)]:
            assert not errors(text), (key, text, errors(text))
            assert text.endswith("."), (key, text)
