"""Criteria from what people report and experience: maintenance, exposure to crime, perceived safety."""

from __future__ import annotations

from geo import swedish as sv
from geo.criteria.base import (
    KOMMUNLEDNING,
    POLISEN,
    SAMHALLSBYGGNAD,
    VASBYHEM,
    CriterionResult,
    Measure,
    clip01,
)
from geo.criteria.context import Context
from geo.criteria.inputs import INPUTS, neutral, without_data

MAINTENANCE_CATEGORIES = {"skotsel"}  # litter, graffiti, vandalism (surveys.Observation.Category)
SEVERITY_POINTS = 8.0  # points off per severity step of a maintenance observation
OPEN_ACTION_POINTS = 5.0  # points off per open action (any category) in the area
SURVEY_MIN = 0  # the 2015 survey's priority codes run 0–14 (decision 0354)
SURVEY_MAX = 14.0
SURVEY_DECIMALS = 1  # survey means are shown, and compared, with one decimal
FEELINGS = range(1, 6)  # an observation's feeling: 1 very unsafe … 5 very safe
OBSERVATION_WEIGHT = 0.7  # walk observations against survey answers, when both exist


def maintenance(ctx: Context) -> CriterionResult:
    """Walk observations of litter, graffiti and vandalism, and actions still open, in the study area.

    value = 100 − 8 × (sum of the severities 1–3 of maintenance observations) − 5 × open actions,
    within 0–100; a neutral 50 (confidence low) when no walk has passed the area.

    >>> from shapely.geometry import box, Point
    >>> ctx = Context(area=box(0, 0, 100, 100), study=box(0, 0, 100, 100), walks_nearby=1,
    ...     observations=[(Point(10, 10), {"category": "skotsel", "severity": 3, "feeling": 2}),
    ...                   (Point(20, 10), {"category": "belysning", "severity": 2, "feeling": 2})],
    ...     open_actions=2)
    >>> maintenance(ctx).value  # 100 − 8 × 3 − 5 × 2
    66.0
    """
    obs = [(g, p) for g, p in ctx.observations if ctx.study.covers(g)]
    upkeep = [p for _, p in obs if p.get("category") in MAINTENANCE_CATEGORIES]
    severity = sum(int(p.get("severity", 2)) for p in upkeep)
    evidence = {
        "walks_nearby": ctx.walks_nearby,
        "observations": len(obs),
        "maintenance_observations": len(upkeep),
        "maintenance_severity_sum": severity,
        "open_actions": ctx.open_actions,
    }
    missing = without_data(ctx, "maintenance", evidence)
    if missing is not None:
        return missing
    value = max(0.0, 100 - SEVERITY_POINTS * severity - OPEN_ACTION_POINTS * ctx.open_actions)
    open_text = (
        f"{sv.count(ctx.open_actions, 'åtgärd', 'åtgärder')} som ännu inte "
        f"{sv.plural(ctx.open_actions, 'är klar', 'är klara')}"
    )
    why = (
        f"{sv.count(len(upkeep), 'observation', 'observationer')} av nedskräpning, klotter eller "
        f"skadegörelse och {open_text} finns i och kring området: "
        + (
            "platsen ser omhändertagen ut."
            if value >= 70
            else "en sliten plats signalerar att ingen bryr sig, och det lockar till mer."
        )
    )
    measures: list[Measure] = []
    if upkeep:
        measures.append(
            Measure("Sanera klotter inom 24 timmar och töm papperskorgar oftare.", SAMHALLSBYGGNAD)
        )
        measures.append(Measure("Laga skadegörelse och städa på bostadsgårdarna.", VASBYHEM))
    if ctx.open_actions:
        measures.append(
            Measure("Följ upp de öppna åtgärderna från trygghetsvandringarna.", KOMMUNLEDNING)
        )
    return CriterionResult(
        "maintenance", value, evidence, why, measures, {}, "hög" if len(obs) >= 3 else "medel"
    )


def exposure_to_crime(ctx: Context) -> CriterionResult:
    """Incident density in and around the area against the municipality's reference rate.

    value = 100 / (1 + RR), RR = (incidents per km² and year in the study area) / (the municipality's
    incidents per km² and year over its reference area): RR 1 (as usual) gives 50, none gives 100.
    Cells at or above the municipality's hot-spot threshold are returned as geometries.

    >>> from shapely.geometry import box
    >>> from geo.criteria.context import IncidentEvidence
    >>> ctx = Context(area=box(0, 0, 500, 500), study=box(0, 0, 1000, 1000),  # 1 km²
    ...     incidents=IncidentEvidence(count=60, years=3, reference_per_km2_year=10,
    ...         cells=[(box(0, 0, 250, 250), 12), (box(250, 0, 500, 250), 2)], hot_threshold=10))
    >>> r = exposure_to_crime(ctx)  # 60 / 3 / 1 = 20 per km² and year; RR = 2; 100 / 3
    >>> r.value, r.evidence["relative_rate"], r.evidence["hot_cells"]
    (33.3, 2.0, 1)
    """
    missing = without_data(ctx, "exposure_to_crime", {"incidents": 0})
    if missing is not None:
        return missing
    ev = ctx.incidents
    assert ev is not None  # present() says so
    km2 = float(ctx.study.area) / 1e6
    rate = ev.count / ev.years / km2 if km2 else 0.0
    rr = rate / ev.reference_per_km2_year
    value = 100 / (1 + rr)
    hot = [g for g, n in ev.cells if n >= ev.hot_threshold]
    evidence = {
        "incidents": round(ev.count, 1),
        "sensitive_from_cells": round(ev.sensitive_from_cells, 1),
        "years": ev.years,
        "per_km2_year": round(rate, 1),
        "municipality_per_km2_year": round(ev.reference_per_km2_year, 1),
        "relative_rate": round(rr, 2),
        "hot_cells": len(hot),
        "hot_threshold": ev.hot_threshold if ev.hot_threshold != float("inf") else None,
    }
    # Compared as shown (one decimal), so "ungefär lika många (1,1 gånger)" never becomes "fler (1,1)".
    shown = round(rr, 1)
    compare = "fler" if shown > 1.1 else "färre" if shown < 0.9 else "ungefär lika många"
    hot_text = (
        f", och {sv.count(len(hot), 'ruta är en brottskoncentration', 'rutor är brottskoncentrationer')}."
        if hot
        else "."
    )
    why = (
        f"{sv.count(ev.count, 'händelse', 'händelser')} på {sv.count(ev.years, 'år', 'år')} i och kring "
        f"området, {sv.unit(rate, 'per km² och år')}: {compare} än i kommunens bebyggda delar "
        f"({sv.number(rr, 1)} gånger){hot_text}"
    )
    measures: list[Measure] = []
    if shown > 1.1 or hot:
        measures.append(
            Measure(
                "Analysera brottskoncentrationerna med polisen och planera platsens utformning därefter.",
                POLISEN,
            )
        )
        measures.append(
            Measure(
                "Undvik att förlägga nya entréer, cykelrum och parkering vid brottskoncentrationerna utan "
                "insyn och belysning.",
                SAMHALLSBYGGNAD,
            )
        )
    return CriterionResult(
        "exposure_to_crime",
        value,
        evidence,
        why,
        measures,
        {"hot_cells": hot},
        "hög" if ev.count >= 10 else "medel",
    )


def survey_score(area_mean: float, municipality_mean: float) -> float:
    """The survey's safety priority in the area against the whole municipality, as 0–100.

    50 when the area is as the municipality, 100 at priority 0 and 0 at the scale's top (14),
    linear on each side. The survey asks what to invest in, so it is read against the municipality,
    not as a fear measure (docs/decisions/0682).

    >>> survey_score(9.9, 9.9), survey_score(0, 9.9), survey_score(14, 9.9)
    (50.0, 100.0, 0.0)
    >>> round(survey_score(10.5, 9.8), 2)  # 50 − 50 × 0.7 / 4.2
    41.67
    """
    if area_mean <= municipality_mean:
        if municipality_mean <= 0:
            return 50.0
        return 50.0 + 50.0 * (municipality_mean - area_mean) / municipality_mean
    return 50.0 - 50.0 * (area_mean - municipality_mean) / (SURVEY_MAX - municipality_mean)


def perceived_safety(ctx: Context) -> CriterionResult:
    """How safe people feel: walk observations' feeling (1–5) and the survey's safety priorities.

    observations: 100 × (mean feeling − 1) / 4; survey: ``survey_score`` of the area's mean priority
    of X9a–X9c against the municipality's, both as shown (one decimal); value = 0.7 × observations +
    0.3 × survey when both exist, else the one that exists, else 50. Feelings outside 1–5 and survey
    means outside 0–14 cannot come from the importers; should they reach here they are left out and
    counted (``ignored_values``), never a crash.

    >>> from shapely.geometry import box, Point
    >>> from geo.criteria.context import SurveyEvidence
    >>> ctx = Context(area=box(0, 0, 100, 100), study=box(0, 0, 100, 100),
    ...     observations=[(Point(10, 10), {"feeling": 2}), (Point(20, 20), {"feeling": 4})],
    ...     survey=SurveyEvidence(area_mean=10.5, municipality_mean=9.8, responses=40))
    >>> perceived_safety(ctx).value  # 0.7 × 100 × (3 − 1) / 4 + 0.3 × 41.67 = 35 + 12.5
    47.5
    """
    ignored = 0
    feelings: list[int] = []
    for g, p in ctx.observations:
        if not ctx.study.covers(g) or p.get("feeling") is None:
            continue
        try:
            feeling = int(p["feeling"])
        except (TypeError, ValueError):
            ignored += 1
            continue
        if feeling in FEELINGS:
            feelings.append(feeling)
        else:
            ignored += 1
    sv_ev = ctx.survey if ctx.survey and ctx.survey.responses > 0 else None
    if sv_ev is not None and not all(
        0 <= m <= SURVEY_MAX for m in (sv_ev.area_mean, sv_ev.municipality_mean)
    ):
        ignored += 1
        sv_ev = None
    area_shown = round(sv_ev.area_mean, SURVEY_DECIMALS) if sv_ev else 0.0
    municipality_shown = round(sv_ev.municipality_mean, SURVEY_DECIMALS) if sv_ev else 0.0
    unsafe = sum(1 for f in feelings if f <= 2)
    evidence: dict[str, object] = {
        "observations": len(feelings),
        "mean_feeling": round(sum(feelings) / len(feelings), 2) if feelings else None,
        "unsafe_observations": unsafe,
        "survey_responses": sv_ev.responses if sv_ev else 0,
        "survey_safety_priority": area_shown if sv_ev else None,
        "survey_safety_priority_municipality": municipality_shown if sv_ev else None,
    }
    if ignored:
        evidence["ignored_values"] = ignored
    if not feelings and sv_ev is None:
        return neutral("perceived_safety", [INPUTS["walks"], INPUTS["survey"]], evidence)
    obs_part = 100 * (sum(feelings) / len(feelings) - 1) / 4 if feelings else None
    survey_part = survey_score(area_shown, municipality_shown) if sv_ev else None
    if obs_part is not None and survey_part is not None:
        value = OBSERVATION_WEIGHT * obs_part + (1 - OBSERVATION_WEIGHT) * survey_part
    elif obs_part is not None:
        value = obs_part
    else:
        assert survey_part is not None
        value = survey_part
    value = 100 * clip01(value / 100)
    parts = []
    if feelings:
        parts.append(
            f"{sv.number(unsafe)} av {sv.count(len(feelings), 'observation', 'observationer')} från "
            f"trygghetsvandringar upplevdes som {sv.plural(unsafe, 'otrygg', 'otrygga')} "
            f"(medel {sv.number(sum(feelings) / len(feelings), 1)} på skalan 1–5)"
        )
    if sv_ev:
        who = (
            "den enda som svarat"
            if sv_ev.responses == 1
            else f"de {sv.number(sv_ev.responses)} som svarat"
        )
        relation = sv.compare(area_shown, municipality_shown, SURVEY_DECIMALS)
        against = "lika högt som" if relation == "lika" else f"{relation} än"
        parts.append(
            f"{who} på medborgarenkäten här prioriterar trygghet "
            f"{sv.number(area_shown, SURVEY_DECIMALS)} av 14, {against} kommunen i stort "
            f"({sv.number(municipality_shown, SURVEY_DECIMALS)})"
        )
    why = sv.capitalise("; ".join(parts) + ".")
    measures: list[Measure] = []
    if value < 60:
        measures.append(
            Measure(
                "Gör en trygghetsvandring med kvinnor, unga och äldre och ta in deras förslag i planen.",
                KOMMUNLEDNING,
            )
        )
    if unsafe:
        measures.append(
            Measure(
                "Åtgärda platserna som upplevs otrygga först (se observationerna).", SAMHALLSBYGGNAD
            )
        )
    confidence = "hög" if len(feelings) >= 5 else "medel"
    return CriterionResult("perceived_safety", value, evidence, why, measures, {}, confidence)
