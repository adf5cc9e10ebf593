"""Criteria of what happens in the area: mix of functions, and life at all hours."""

from __future__ import annotations

import math
from collections import Counter

from geo import swedish as sv
from geo.criteria import osm
from geo.criteria.base import (
    KULTUR_FRITID,
    SAMHALLSBYGGNAD,
    CriterionResult,
    Measure,
    clip01,
)
from geo.criteria.context import Context
from geo.criteria.inputs import without_data

EVENING_MINUTE = 20 * 60  # "open in the evening": open at 20:00
NIGHT_MINUTE = 23 * 60  # "open at night": open at 23:00
EVENING_TARGET_PER_HA = 0.5  # places open at 20:00 (7 days a week) per hectare of study area
NIGHT_TARGET_PER_HA = 0.15
RESIDENTS_TARGET_PER_HA = 100.0  # a town-centre block (docs/method.md)


def shannon_evenness(counts: dict[str, float], categories: int = len(osm.FUNCTIONS)) -> float:
    """Shannon entropy of ``counts`` divided by ln(categories): 0 one function only, 1 all equal.

    >>> shannon_evenness({"bostad": 1, "handel": 1}, categories=2)
    1.0
    >>> round(shannon_evenness({"bostad": 3, "handel": 1}, categories=2), 3)
    0.811
    >>> shannon_evenness({})
    0.0
    """
    total = sum(v for v in counts.values() if v > 0)
    if total <= 0 or categories < 2:
        return 0.0
    h = -sum((v / total) * math.log(v / total) for v in counts.values() if v > 0)
    return max(0.0, h / math.log(categories))


def mix_of_functions(ctx: Context) -> CriterionResult:
    """Diversity of land use (by area) and of POIs (by count) over six functions.

    value = 100 × (0.5 × land-use evenness + 0.5 × POI evenness), evenness = Shannon H / ln 6.

    >>> from shapely.geometry import box, Point
    >>> ctx = Context(area=box(0, 0, 100, 100), study=box(0, 0, 100, 100),
    ...     landuse=[(box(0, 0, 50, 100), {"landuse": "residential"}),
    ...              (box(50, 0, 100, 100), {"landuse": "retail"})],
    ...     pois=[(Point(10, 10), {"shop": "bakery"}), (Point(20, 20), {"amenity": "cafe"})])
    >>> r = mix_of_functions(ctx)  # two equal functions each: H = ln 2, evenness ln 2 / ln 6 = 0.387
    >>> r.value
    38.7
    """
    neutral = without_data(ctx, "mix_of_functions")
    if neutral is not None:
        return neutral
    land: dict[str, float] = {}
    for g, p in ctx.landuse:
        function = osm.landuse_function(p)
        if function and g.intersects(ctx.study):
            land[function] = land.get(function, 0.0) + float(g.intersection(ctx.study).area)
    pois: Counter[str] = Counter()
    for g, p in ctx.pois:
        function = osm.poi_function(p)
        if function and ctx.study.covers(g):
            pois[function] += 1
    e_land, e_poi = shannon_evenness(dict(land)), shannon_evenness(dict(pois))
    value = 100 * (0.5 * e_land + 0.5 * e_poi)
    land_total = sum(land.values())
    present = sorted(set(land) | set(pois))
    evidence: dict[str, object] = {
        "landuse_shares": {k: round(v / land_total, 3) for k, v in sorted(land.items())}
        if land_total
        else {},
        "poi_counts": dict(sorted(pois.items())),
        "landuse_evenness": round(e_land, 3),
        "poi_evenness": round(e_poi, 3),
        "functions_present": present,
    }
    missing = [f for f in osm.FUNCTIONS if f not in land and f not in pois]
    why = (
        f"{sv.number(len(present))} av sex funktioner finns i och kring området "
        f"(markanvändningens jämnhet {sv.number(e_land, 2)}, målpunkternas {sv.number(e_poi, 2)})"
        + (
            ": blandningen ger folk anledning att vara här under dygnets olika timmar."
            if value >= 60
            else ": en ensidig användning lämnar platsen tom stora delar av dygnet."
            if len(present) < 3
            else ", men fördelningen är ojämn, så platsen är tom de tider den dominerande "
            "funktionen inte används."
        )
    )
    measures: list[Measure] = []
    if value < 60:
        measures.append(
            Measure(
                "Blanda bostäder med handel, service och arbetsplatser i samma kvarter (användning B och C).",
                SAMHALLSBYGGNAD,
            )
        )
    if "rekreation" in missing or "mat_noje" in missing:
        measures.append(
            Measure(
                "Planera mötesplatser för fritid och kultur som används även kvällstid.",
                KULTUR_FRITID,
            )
        )
    confidence = "hög" if land and pois else ("medel" if land or pois else "låg")
    return CriterionResult("mix_of_functions", value, evidence, why, measures, {}, confidence)


def life_at_all_hours(ctx: Context) -> CriterionResult:
    """Places open in the evening (20:00) and at night (23:00), and residents, per hectare.

    value = 100 × (0.35 × min(1, evening places per ha / 0.5) + 0.25 × min(1, night places per ha
    / 0.15) + 0.4 × min(1, residents per ha / 100)). A place open at 20:00 on d days counts d / 7.

    >>> from shapely.geometry import box, Point
    >>> ctx = Context(area=box(0, 0, 100, 100), study=box(0, 0, 200, 100),  # 2 ha
    ...     pois=[(Point(10, 10), {"amenity": "pub"}),
    ...           (Point(20, 10), {"shop": "supermarket", "opening_hours": "Mo-Fr 08:00-21:00"})],
    ...     buildings=[(box(0, 50, 50, 70), {"building": "apartments", "building:levels": "5"})])
    >>> r = life_at_all_hours(ctx)
    >>> r.evidence["evening_places"], r.evidence["night_places"], r.evidence["residents"]
    (1.714, 1.0, 95.2)
    >>> r.value  # 100 × (0.35 × 1 + 0.25 × 1 + 0.4 × 47.6 / 100)
    79.0
    """
    neutral = without_data(ctx, "life_at_all_hours")
    if neutral is not None:
        return neutral
    evening = night = 0.0
    counted = 0
    for g, p in ctx.pois:
        if not ctx.study.covers(g):
            continue
        counted += 1
        evening += osm.open_days(p, EVENING_MINUTE) / 7
        night += osm.open_days(p, NIGHT_MINUTE) / 7
    people = 0.0
    for g, p in ctx.buildings:
        if g.intersects(ctx.study):
            people += osm.residents(float(g.intersection(ctx.study).area), p)
    ha = ctx.study_ha or 1.0
    e_ha, n_ha, r_ha = evening / ha, night / ha, people / ha
    value = 100 * (
        0.35 * clip01(e_ha / EVENING_TARGET_PER_HA)
        + 0.25 * clip01(n_ha / NIGHT_TARGET_PER_HA)
        + 0.4 * clip01(r_ha / RESIDENTS_TARGET_PER_HA)
    )
    evidence = {
        "places": counted,
        "evening_places": round(evening, 3),
        "night_places": round(night, 3),
        "residents": round(people, 1),
        "residents_per_ha": round(r_ha, 1),
        "study_area_ha": round(ha, 2),
    }
    quiet = [
        when
        for when, per_ha, target in (
            ("på kvällen", e_ha, EVENING_TARGET_PER_HA),
            ("på natten", n_ha, NIGHT_TARGET_PER_HA),
        )
        if per_ha < target
    ]
    few_residents = r_ha < RESIDENTS_TARGET_PER_HA / 2
    if value >= 60:
        verdict = "det finns folk i rörelse även på kvällen."
    elif quiet and few_residents:
        verdict = (
            f"få verksamheter har öppet {sv.join(quiet)} och få bor här, så platsen är glest "
            "befolkad kvällar och nätter, och ingen ser eller hör."
        )
    elif quiet:
        verdict = (
            f"många bor här, men få verksamheter har öppet {sv.join(quiet)}, så gatorna är tomma "
            "när det är mörkt."
        )
    else:
        verdict = "verksamheter har öppet kvällar och nätter, men få bor här, så platsen är tom när de stänger."
    why = (
        f"I och kring området har i snitt {sv.count(evening, 'verksamhet', 'verksamheter')} öppet "
        f"kl. 20 och {sv.number(night)} kl. 23, och omkring {sv.count(people, 'person', 'personer')} "
        f"bor här ({sv.unit(r_ha, 'per hektar')}): {verdict}"
    )
    measures: list[Measure] = []
    if e_ha < EVENING_TARGET_PER_HA:
        measures.append(
            Measure(
                "Ge plats för verksamheter med kvällsöppet (kafé, restaurang, livsmedel) mot de viktigaste stråken.",
                SAMHALLSBYGGNAD,
            )
        )
        measures.append(
            Measure(
                "Förlägg kvällsaktiviteter (fritidsgård, bibliotek, idrott) där de ger liv åt stråken.",
                KULTUR_FRITID,
            )
        )
    if r_ha < RESIDENTS_TARGET_PER_HA / 2:
        measures.append(
            Measure(
                "Pröva fler bostäder i området så att gatorna har folk dygnet runt.",
                SAMHALLSBYGGNAD,
            )
        )
    confidence = "hög" if counted and people else ("medel" if counted or people else "låg")
    return CriterionResult("life_at_all_hours", value, evidence, why, measures, {}, confidence)
