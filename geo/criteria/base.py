"""What every criterion returns, and the offices that answer for the measures it recommends.

A criterion is a pure function of plain geometry and numbers (shapely 2, numpy): no Django, no database.
It returns a :class:`CriterionResult`: a value 0–100 (higher is safer), the evidence it rests on
(counts, lengths, shares), one plain-Swedish sentence why, measures with the office that answers for
them, and the geometries that explain it on the map (dark gaps, blind stretches, hidden spots).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

# The offices and partners measures are addressed to (DOMAIN.md: the strategy's responsible offices).
SAMHALLSBYGGNAD = "Kontoret för samhällsbyggnad"
VASBYHEM = "AB Väsbyhem"
POLISEN = "Polisen"
KULTUR_FRITID = "Kultur- och fritidskontoret"
KOMMUNLEDNING = "Kommunledningskontoret"
SOCIAL_OMSORG = "Social- och omsorgskontoret"
UTBILDNING = "Utbildningskontoret"
TRAFIKOPERATOR = "Kollektivtrafikoperatören"
FASTIGHETSAGARE = "Fastighetsägare"


@dataclass(frozen=True)
class Measure:
    """A recommended measure and the office (or partner) that answers for it."""

    text: str
    office: str

    def as_dict(self) -> dict[str, str]:
        return {"text": self.text, "office": self.office}


@dataclass
class CriterionResult:
    """One criterion's verdict on one area.

    ``confidence`` says how much data the value rests on: ``"hög"``, ``"medel"`` or ``"låg"`` (no or
    very little data: the value is then a neutral default, and the sentence says so).
    """

    key: str
    value: float
    evidence: dict[str, Any]
    explanation: str
    measures: list[Measure] = field(default_factory=list)
    geometries: dict[str, list[BaseGeometry]] = field(default_factory=dict)
    confidence: str = "hög"

    def __post_init__(self) -> None:
        if not 0.0 <= self.value <= 100.0:
            raise ValueError(f"{self.key}: value {self.value} is outside 0–100")
        self.value = round(float(self.value), 1)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (no geometry): what ``score_plan --json`` prints and an assessment stores."""
        return {
            "key": self.key,
            "value": self.value,
            "evidence": self.evidence,
            "explanation": self.explanation,
            "measures": [m.as_dict() for m in self.measures],
            "confidence": self.confidence,
        }


def clip01(x: float) -> float:
    """Clamp to [0, 1].

    >>> clip01(-0.2), clip01(0.4), clip01(3.0)
    (0.0, 0.4, 1.0)
    """
    return max(0.0, min(1.0, float(x)))
