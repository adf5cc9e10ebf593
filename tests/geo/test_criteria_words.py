"""Every criterion's sentences and measures, over many small areas, are written in Swedish numbers
and grammar: a decimal comma, spaced thousands, and a noun that agrees with its number.

The areas are drawn so that the counts the sentences name (dark gaps, tunnels, crossings, dead ends,
observations, actions, survey answers, incidents, hot cells) are often exactly 0, 1 or 2.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from geo import criteria
from geo.criteria import Context, IncidentEvidence, SurveyEvidence

STUDY = box(0, 0, 300, 300)
AREA = box(120, 120, 180, 180)

# The nouns the sentences count, in the singular: after any number but 1 they are wrong.
SINGULARS = (
    "mörk sträcka",
    "sträcka",
    "tunnel eller gångtunnel",
    "korsning",
    "återvändsgränd",
    "observation",
    "åtgärd",
    "händelse",
    "ruta",
    "verksamhet",
    "person",
    # method 2026.12
    "parkering",
    "bussterminal",
    "idrottsplats",
    "besöksanläggning",
    "trafikanläggning",
    "grupp",
    "användningsområde",
    "bedömt bostadshus",
)
NUMBER = r"(?<![\d,])(\d[\d\u00a0]*)(?:,\d+)?[ \u00a0]"
WRONG = [
    # a decimal point or an ungrouped thousand
    (re.compile(r"\d\.\d"), "decimal point"),
    (re.compile(r"\d{4,}"), "thousands not spaced"),
    # "1 mörka sträckor(na)", "1 observationer", "de 1 …"
    (re.compile(r"(?<![\d,])1[ \u00a0](?:\w+ )?\w+(?:or|ar|er|na)\b"), "plural after 1"),
    (re.compile(r"\bde 1\b"), "'de 1'"),
]


def errors(text: str) -> list[str]:
    found = [f"{why}: {m.group(0)!r}" for rx, why in WRONG for m in rx.finditer(text)]
    for m in re.finditer(NUMBER + "(" + "|".join(SINGULARS) + r")\b", text):
        digits = m.group(1).replace("\u00a0", "")
        whole_one = digits == "1" and "," not in m.group(0)
        if not whole_one:
            found.append(f"singular after {m.group(0).strip()!r}")
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("längs de 1 mörka sträckorna", 2),
        ("9.9 av 14", 1),
        ("1234 m", 1),
        ("2\u00a0observation", 1),
        ("1\u00a0mörk sträcka och 2\u00a0mörka sträckor, 1\u00a0234\u00a0m", 0),
        ("omväg på 1,00 gånger", 0),
    ],
)
def test_the_checker_finds_the_errors_it_is_meant_to(text: str, expected: int) -> None:
    assert len(errors(text)) == expected, errors(text)


small = st.integers(0, 3)


@st.composite
def areas(draw: st.DrawFn) -> Context:
    n_ways = draw(st.integers(1, 4))
    paths: list[Any] = []
    for i in range(n_ways):
        y = 30 + 70 * i
        props: dict[str, Any] = {"highway": "footway"}
        if draw(st.integers(0, 3)) == 0:
            props["tunnel"] = "yes"
        paths.append((LineString([(10, y), (290, y)]), props))
    if draw(st.booleans()):
        paths.append((LineString([(150, 10), (150, 290)]), {"highway": "residential"}))
    if draw(st.booleans()):  # a dead end
        paths.append((LineString([(150, 150), (200, 170)]), {"highway": "footway"}))
    lamps = [(Point(draw(st.integers(10, 290)), 30), {}) for _ in range(draw(small))]
    lamps += [(Point(150, 150), {})]
    buildings = [
        (
            box(20 + 60 * k, 40, 60 + 60 * k, 60),
            {
                "building": draw(st.sampled_from(["apartments", "garages", "retail"])),
                "building:levels": str(draw(st.integers(1, 9))),
            },
        )
        for k in range(draw(small))
    ] + [(box(250, 250, 260, 260), {"building": "house"})]
    pois = [
        (
            Point(20 + 30 * k, 35),
            draw(st.sampled_from([{"amenity": "pub"}, {"shop": "bakery"}, {"amenity": "school"}])),
        )
        for k in range(draw(small))
    ]
    landuse = [(box(0, 0, 150, 300), {"landuse": "residential"})]
    if draw(st.booleans()):
        landuse.append((box(150, 0, 300, 100), {"natural": "wood"}))
    observations = [
        (
            Point(100 + 10 * k, 150),
            {
                "category": draw(st.sampled_from(["skotsel", "belysning"])),
                "severity": draw(st.integers(1, 3)),
                "feeling": draw(st.integers(1, 5)),
            },
        )
        for k in range(draw(small))
    ]
    survey = None
    if draw(st.booleans()):
        municipality = draw(st.floats(0, 14))
        area_mean = draw(st.one_of(st.just(municipality), st.floats(0, 14)))
        survey = SurveyEvidence(area_mean, municipality, responses=draw(st.integers(1, 3)))
    incidents = None
    if draw(st.booleans()):
        incidents = IncidentEvidence(
            count=draw(st.sampled_from([0, 1, 2, 12345.0, 0.96])),
            years=draw(st.sampled_from([1.0, 3.0])),
            reference_per_km2_year=draw(st.floats(0.5, 20000)),
            cells=[(box(0, 0, 100, 100), 5.0)] * draw(small),
            hot_threshold=3.0,
        )
    stops = (
        [(Point(290, 30), draw(st.sampled_from([{"highway": "bus_stop"}, {"railway": "station"}])))]
        if draw(st.booleans())
        else []
    )
    return Context(
        area=AREA,
        study=STUDY,
        paths=paths,
        lamps=lamps,
        buildings=buildings,
        pois=pois,
        landuse=landuse,
        observations=observations,
        walks_nearby=draw(st.integers(0, 2)),
        open_actions=draw(small),
        survey=survey,
        incidents=incidents,
        bus_stops=stops,
        available=frozenset({"stops"}) if draw(st.booleans()) else frozenset(),
    )


@settings(
    max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(areas())
def test_every_sentence_has_swedish_numbers_and_agreeing_nouns(c: Context) -> None:
    for key, r in criteria.score_all(c).items():
        for text in [r.explanation, *(m.text for m in r.measures)]:
            assert not errors(text), (key, text, errors(text))
