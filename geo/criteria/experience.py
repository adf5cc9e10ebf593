"""Criteria from what people report and experience: maintenance, exposure to crime, perceived safety."""

from __future__ import annotations

from geo.criteria.base import (
    KOMMUNLEDNING,
    POLISEN,
    SAMHALLSBYGGNAD,
    VASBYHEM,
    CriterionResult,
    Measure,
)
from geo.criteria.context import Context

MAINTENANCE_CATEGORIES = {"skotsel"}  # litter, graffiti, vandalism (surveys.Observation.Category)
SEVERITY_POINTS = 8.0  # points off per severity step of a maintenance observation
OPEN_ACTION_POINTS = 5.0  # points off per open action (any category) in the area
SURVEY_MAX = 14.0  # the 2015 survey's priority codes run 0–14
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
    if ctx.walks_nearby == 0 and not obs:
        return CriterionResult(
            "maintenance",
            50.0,
            evidence,
            "Ingen trygghetsvandring har gått genom området ännu, så skötseln är inte bedömd.",
            [
                Measure(
                    "Gör en trygghetsvandring i området, gärna kvällstid och med boende.",
                    KOMMUNLEDNING,
                )
            ],
            confidence="låg",
        )
    value = max(0.0, 100 - SEVERITY_POINTS * severity - OPEN_ACTION_POINTS * ctx.open_actions)
    why = (
        f"{len(upkeep)} observationer av nedskräpning, klotter eller skadegörelse och "
        f"{ctx.open_actions} åtgärder som ännu inte är klara finns i och kring området: "
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
    ev = ctx.incidents
    if ev is None or ev.reference_per_km2_year <= 0 or ev.years <= 0:
        return CriterionResult(
            "exposure_to_crime",
            50.0,
            {"incidents": 0},
            "Det finns inga platsbestämda händelser i kommunen att jämföra med.",
            [],
            confidence="låg",
        )
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
    compare = "fler" if rr > 1.1 else "färre" if rr < 0.9 else "ungefär lika många"
    why = (
        f"{ev.count:.0f} händelser på {ev.years:.0f} år i och kring området, {rate:.0f} per km² och år: "
        f"{compare} än i kommunens bebyggda delar ({rr:.1f} gånger)"
        + (f", och {len(hot)} rutor är brottskoncentrationer." if hot else ".")
    )
    measures: list[Measure] = []
    if rr > 1.1 or hot:
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


def perceived_safety(ctx: Context) -> CriterionResult:
    """How safe people feel: walk observations' feeling (1–5) and the survey's safety priorities.

    observations: 100 × (mean feeling − 1) / 4; survey: 100 × (1 − mean priority of X9a–X9c / 14);
    value = 0.7 × observations + 0.3 × survey when both exist, else the one that exists, else 50.

    >>> from shapely.geometry import box, Point
    >>> from geo.criteria.context import SurveyEvidence
    >>> ctx = Context(area=box(0, 0, 100, 100), study=box(0, 0, 100, 100),
    ...     observations=[(Point(10, 10), {"feeling": 2}), (Point(20, 20), {"feeling": 4})],
    ...     survey=SurveyEvidence(area_mean=10.5, municipality_mean=9.8, responses=40))
    >>> perceived_safety(ctx).value  # 0.7 × 100 × (3 − 1) / 4 + 0.3 × 100 × (1 − 10.5 / 14) = 35 + 7.5
    42.5
    """
    feelings = [
        int(p["feeling"])
        for g, p in ctx.observations
        if ctx.study.covers(g) and p.get("feeling") is not None
    ]
    obs_part = 100 * (sum(feelings) / len(feelings) - 1) / 4 if feelings else None
    sv = ctx.survey if ctx.survey and ctx.survey.responses > 0 else None
    survey_part = 100 * (1 - sv.area_mean / SURVEY_MAX) if sv else None
    if obs_part is not None and survey_part is not None:
        value = OBSERVATION_WEIGHT * obs_part + (1 - OBSERVATION_WEIGHT) * survey_part
    elif obs_part is not None:
        value = obs_part
    elif survey_part is not None:
        value = survey_part
    else:
        value = 50.0
    unsafe = sum(1 for f in feelings if f <= 2)
    evidence = {
        "observations": len(feelings),
        "mean_feeling": round(sum(feelings) / len(feelings), 2) if feelings else None,
        "unsafe_observations": unsafe,
        "survey_responses": sv.responses if sv else 0,
        "survey_safety_priority": round(sv.area_mean, 2) if sv else None,
        "survey_safety_priority_municipality": round(sv.municipality_mean, 2) if sv else None,
    }
    parts = []
    if feelings:
        parts.append(
            f"{unsafe} av {len(feelings)} observationer från trygghetsvandringar upplevdes "
            f"som otrygga (medel {sum(feelings) / len(feelings):.1f} på skalan 1–5)"
        )
    if sv:
        more = "högre" if sv.area_mean > sv.municipality_mean else "lägre"
        parts.append(
            f"de {sv.responses} som svarat på medborgarenkäten här prioriterar trygghet "
            f"{sv.area_mean:.1f} av 14, {more} än kommunen i stort ({sv.municipality_mean:.1f})"
        )
    why = (
        ("; ".join(parts) + ".")
        if parts
        else (
            "Det finns varken observationer eller enkätsvar från området; upplevd trygghet är inte bedömd."
        )
    )
    why = why[0].upper() + why[1:]
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
    confidence = "hög" if len(feelings) >= 5 else ("medel" if feelings or sv else "låg")
    return CriterionResult("perceived_safety", value, evidence, why, measures, {}, confidence)
