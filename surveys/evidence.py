"""What walks and surveys say about a place, as evidence for scoring a plan (layers.scoring).

Observations are walk points, not incidents: they are not sensitive and are shown to every role.
"""

from __future__ import annotations

from django.db.models import Q
from shapely.geometry.base import BaseGeometry

from geo.criteria import Feature, SurveyEvidence
from layers.geometry import from_shapely, to_shapely
from layers.models import Municipality
from layers.scoring import PeopleEvidence
from surveys.models import Action, CitizenSurveyResponse, Observation, Trygghetsvandring

SURVEY = "medborgarenkat-2015"
SAFETY_ITEMS = ("X9a", "X9b", "X9c")  # station area, police in the centre, lighting in the centre


def _safety_priority(answers: dict[str, object]) -> float | None:
    values = [
        float(v) for k, v in answers.items() if k in SAFETY_ITEMS and isinstance(v, int | float)
    ]
    return sum(values) / len(values) if values else None


def survey_evidence(municipality: Municipality, study: BaseGeometry) -> SurveyEvidence | None:
    """Mean safety priority (X9a–X9c, 0–14) of respondents living in NYKO areas the study area touches,
    against every respondent in the municipality."""
    responses = CitizenSurveyResponse.objects.filter(municipality=municipality, survey=SURVEY)
    everyone = [
        p
        for p in (_safety_priority(a) for a in responses.values_list("answers", flat=True))
        if p is not None
    ]
    if not everyone:
        return None
    here = [
        p
        for p in (
            _safety_priority(a)
            for a in responses.filter(
                statistical_area__area__intersects=from_shapely(study)
            ).values_list("answers", flat=True)
        )
        if p is not None
    ]
    if not here:
        return None
    return SurveyEvidence(
        area_mean=sum(here) / len(here),
        municipality_mean=sum(everyone) / len(everyone),
        responses=len(here),
    )


def people_evidence(municipality: Municipality, study: BaseGeometry) -> PeopleEvidence:
    """Observations, open actions and walks in ``study``, and the survey's safety priorities."""
    geom = from_shapely(study)
    observations: list[Feature] = [
        (
            to_shapely(o.location),
            {"category": o.category, "severity": o.severity, "feeling": o.feeling},
        )
        for o in Observation.objects.filter(municipality=municipality, location__intersects=geom)
    ]
    open_actions = Action.objects.filter(
        municipality=municipality,
        observation__location__intersects=geom,
        status__in=Action.OPEN_STATUSES,
    ).count()
    walks = (
        Trygghetsvandring.objects.filter(municipality=municipality)
        .filter(
            Q(route__intersects=geom)
            | Q(track__intersects=geom)
            | Q(observations__location__intersects=geom)
        )
        .distinct()
        .count()
    )
    return PeopleEvidence(
        observations=observations,
        open_actions=open_actions,
        walks_nearby=walks,
        survey=survey_evidence(municipality, study),
    )
