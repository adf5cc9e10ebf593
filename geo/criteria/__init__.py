"""The ten criteria that score a plan area for situational crime prevention and stadsmässighet.

Each is a pure function ``Context -> CriterionResult`` (no Django). ``score_all`` runs them all;
``overall`` weighs them. Formulas, thresholds and sources: docs/method.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from geo.criteria.base import CriterionResult, Measure
from geo.criteria.context import Context, Feature, IncidentEvidence, SurveyEvidence
from geo.criteria.experience import exposure_to_crime, maintenance, perceived_safety
from geo.criteria.functions import life_at_all_hours, mix_of_functions
from geo.criteria.physical import (
    connectivity,
    hidden_spots,
    lighting,
    natural_surveillance,
    transport,
)

__all__ = [
    "CRITERIA",
    "DEFAULT_WEIGHTS",
    "LABELS",
    "Context",
    "CriterionResult",
    "Feature",
    "IncidentEvidence",
    "Measure",
    "SurveyEvidence",
    "overall",
    "score_all",
]

CRITERIA: dict[str, Callable[[Context], CriterionResult]] = {
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
}

# Swedish names (the interface translates them; see locale/en/translations/planning.json).
LABELS: dict[str, str] = {
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
}

# Default weights (sum 1): the physical criteria Boverket and Brå stress most weigh most; see
# docs/method.md and docs/decisions/0351-criteria-and-default-weights.md. A municipality may set its own.
DEFAULT_WEIGHTS: dict[str, float] = {
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
}


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
