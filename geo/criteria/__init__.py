"""The criteria that score a plan area for situational crime prevention and stadsmässighet.

Each is a pure function ``Context -> CriterionResult`` (no Django). Criteria are grouped in versioned
*methods* (``METHODS``): a stored assessment records the version it was computed with
(``METHOD_VERSION``), so an old score stays readable when criteria are added. ``score_all`` runs the
criteria the apps use now (``IN_USE_VERSION``); ``METHOD.score`` runs the newest method's. ``overall``
weighs them. Formulas, thresholds and sources: docs/method.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from geo.criteria.base import CriterionResult, Measure
from geo.criteria.children import children_routes
from geo.criteria.context import Context, Feature, IncidentEvidence, PlanEvidence, SurveyEvidence
from geo.criteria.experience import exposure_to_crime, maintenance, perceived_safety
from geo.criteria.functions import life_at_all_hours, mix_of_functions
from geo.criteria.homes import conflicting_uses, parking, rear_access
from geo.criteria.physical import (
    connectivity,
    hidden_spots,
    lighting,
    natural_surveillance,
    transport,
)
from geo.criteria.territory import territoriality
from geo.criteria.weights import complete, hold_plan_only

__all__ = [
    "ALL_CRITERIA",
    "ALL_LABELS",
    "CRITERIA",
    "DEFAULT_WEIGHTS",
    "IN_USE_VERSION",
    "LABELS",
    "METHOD",
    "METHODS",
    "METHOD_VERSION",
    "PLAN_ONLY",
    "Context",
    "CriterionResult",
    "Feature",
    "IncidentEvidence",
    "Measure",
    "Method",
    "PlanEvidence",
    "SurveyEvidence",
    "complete",
    "hold_plan_only",
    "overall",
    "score_all",
]

Criterion = Callable[[Context], CriterionResult]

# Every criterion this code computes, by its machine key, in the order pages list them.
ALL_CRITERIA: dict[str, Criterion] = {
    "lighting": lighting,
    "natural_surveillance": natural_surveillance,
    "mix_of_functions": mix_of_functions,
    "life_at_all_hours": life_at_all_hours,
    "connectivity": connectivity,
    "hidden_spots": hidden_spots,
    "maintenance": maintenance,
    "exposure_to_crime": exposure_to_crime,
    "perceived_safety": perceived_safety,
    "transport": transport,
    # Method 2026.12 (issue 17, docs/decisions/0740).
    "parking": parking,
    "territoriality": territoriality,
    "conflicting_uses": conflicting_uses,
    "rear_access": rear_access,
    "children_routes": children_routes,
}

# Swedish names (the interface translates them; see locale/en/translations/planning.json).
ALL_LABELS: dict[str, str] = {
    "lighting": "Belysning",
    "natural_surveillance": "Naturlig övervakning",
    "mix_of_functions": "Blandning av funktioner",
    "life_at_all_hours": "Liv under dygnets alla timmar",
    "connectivity": "Koppling och orientering",
    "hidden_spots": "Skymda platser",
    "maintenance": "Skötsel",
    "exposure_to_crime": "Utsatthet för brott",
    "perceived_safety": "Upplevd trygghet",
    "transport": "Kollektivtrafik och målpunkter",
    "parking": "Parkering",
    "territoriality": "Revir och ansvar",
    "conflicting_uses": "Konfliktande användningar",
    "rear_access": "Genomsläpplighet bakom bostäder",
    "children_routes": "Barns vägar",
}

# Criteria that exist only inside a plan (they read its regulations and its car parks): never
# calibrated on the municipality-wide grid, held at their default weight when a municipality
# calibrates (``hold_plan_only``; docs/decisions/0740).
PLAN_ONLY = frozenset({"territoriality", "parking"})


@dataclass(frozen=True)
class Method:
    """One version of the method: its criteria, in the order pages list them, with default weights."""

    version: str
    weights: Mapping[str, float]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.weights)

    @property
    def labels(self) -> dict[str, str]:
        return {k: ALL_LABELS[k] for k in self.keys}

    @property
    def criteria(self) -> dict[str, Criterion]:
        return {k: ALL_CRITERIA[k] for k in self.keys}

    def score(self, ctx: Context) -> dict[str, CriterionResult]:
        """Every criterion of this method on ``ctx``, in its order."""
        return {k: ALL_CRITERIA[k](ctx) for k in self.keys}


METHODS: dict[str, Method] = {
    # The ten criteria (decision 0351, formulas after decision 0683). Assessments stored without a
    # method version were computed with these.
    "2026.11": Method(
        "2026.11",
        {
            "lighting": 0.13,
            "natural_surveillance": 0.14,
            "mix_of_functions": 0.08,
            "life_at_all_hours": 0.10,
            "connectivity": 0.08,
            "hidden_spots": 0.10,
            "maintenance": 0.07,
            "exposure_to_crime": 0.12,
            "perceived_safety": 0.10,
            "transport": 0.08,
        },
    ),
    # Issue 17: five criteria more; the ten keep their proportions at 80 % (each × 0.8), the five
    # share 20 % (decision 0740).
    "2026.12": Method(
        "2026.12",
        {
            "lighting": 0.104,
            "natural_surveillance": 0.112,
            "mix_of_functions": 0.064,
            "life_at_all_hours": 0.08,
            "connectivity": 0.064,
            "hidden_spots": 0.08,
            "maintenance": 0.056,
            "exposure_to_crime": 0.096,
            "perceived_safety": 0.08,
            "transport": 0.064,
            "parking": 0.04,
            "territoriality": 0.03,
            "conflicting_uses": 0.04,
            "rear_access": 0.03,
            "children_routes": 0.06,
        },
    ),
}
# The newest method. Change it (and add a METHODS entry when criteria are added or removed) whenever
# a criterion's formula, threshold, input rule, sentence or weight changes: tests/geo/
# test_method_version.py fails until the version and its fingerprint are recorded.
METHOD_VERSION = "2026.12"
METHOD = METHODS[METHOD_VERSION]

# The method the apps run and show now (layers.scoring, mapapp): the newest, since the pages show the
# five criteria of 2026.12, the report has its barnkonsekvens section and every assessment stores its
# method version (decisions 0740, 0744).
IN_USE_VERSION = METHOD_VERSION
CRITERIA: dict[str, Criterion] = METHODS[IN_USE_VERSION].criteria
LABELS: dict[str, str] = METHODS[IN_USE_VERSION].labels
# Default weights (sum 1): the physical criteria Boverket and Brå stress most weigh most; see
# docs/method.md and docs/decisions/0351-criteria-and-default-weights.md. A municipality may set its own.
DEFAULT_WEIGHTS: dict[str, float] = dict(METHODS[IN_USE_VERSION].weights)


def score_all(ctx: Context) -> dict[str, CriterionResult]:
    """Every criterion on ``ctx``, in the fixed order of ``CRITERIA``."""
    return {key: fn(ctx) for key, fn in CRITERIA.items()}


def overall(values: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    """The weighted mean of criterion values; weights need not sum to 1 (they are normalised).

    >>> overall({"lighting": 80, "transport": 40}, {"lighting": 3, "transport": 1})
    70.0
    >>> overall({"lighting": 80}, {"lighting": 0})
    Traceback (most recent call last):
    ...
    ValueError: the weights of the scored criteria sum to zero
    """
    w = weights if weights is not None else DEFAULT_WEIGHTS
    total = sum(max(0.0, float(w.get(k, 0.0))) for k in values)
    if total <= 0:
        raise ValueError("the weights of the scored criteria sum to zero")
    return round(sum(max(0.0, float(w.get(k, 0.0))) * v for k, v in values.items()) / total, 1)
