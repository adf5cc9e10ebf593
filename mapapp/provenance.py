"""The sources each page, PDF and export states: the one place that picks them per kind of figure.

``layers.provenance.sentence`` writes each line; the BRÅ page, its PDF, the offline HTML map and the
GeoTIFF say the incident, walk and survey sources; the planner page and its PDF add the urban context.
"""

from __future__ import annotations

from layers.models import Municipality
from layers.provenance import Source, context_sources, incident_sources, sentence
from surveys.provenance import survey_sources, walk_sources


def for_bra(municipality: Municipality, *, sensitive: bool) -> list[Source]:
    """``sensitive``: whether the page's figures include sensitive incidents (``sees_sensitive``)."""
    return [
        *incident_sources(municipality, sensitive=sensitive),
        *walk_sources(municipality),
        *survey_sources(municipality),
    ]


def for_plan(municipality: Municipality, *, sensitive: bool) -> list[Source]:
    return [
        *context_sources(municipality),
        *incident_sources(municipality, sensitive=sensitive),
        *walk_sources(municipality),
        *survey_sources(municipality),
    ]


def lines(sources: list[Source]) -> list[str]:
    return [sentence(s) for s in sources]
