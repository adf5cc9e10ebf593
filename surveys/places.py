"""What a place is called, for an action: the nearest named street of the context, else the NYKO area.

One rule (docs/decisions/0821-action-place-name.md), used by new actions and by the data migration that gives
existing actions their place (the migration passes its historical models).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D

# How far a street may be from the place and still name it (metres, SWEREF 99 TM). Farther than a block
# away, a street name misleads: the NYKO area says more.
STREET_RADIUS_M = 150.0
# Context feature kinds that are streets with names a reader knows (ContextFeature.Kind.STREET).
STREET_KINDS = ("street",)


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # "gata", "nyko" or "" (PlaceKind)


NO_PLACE = Place("", "")


def place_of(
    municipality_id: int,
    point: Point | None,
    *,
    features: Any = None,
    areas: Any = None,
) -> Place:
    """The street within ``STREET_RADIUS_M`` of ``point`` (nearest first), else the NYKO area holding it.

    ``features`` and ``areas`` are the ContextFeature and StatisticalArea models (historical ones in a
    migration); by default the current ones.
    """
    if point is None:
        return NO_PLACE
    if features is None or areas is None:
        from layers.models import ContextFeature, StatisticalArea

        features = features or ContextFeature
        areas = areas or StatisticalArea
    # SELECT name FROM layers_contextfeature WHERE municipality_id = %s AND kind = 'street' AND name <> ''
    #   AND ST_DWithin(geom, point, 150) ORDER BY ST_Distance(geom, point), name LIMIT 1
    street = (
        features.objects.filter(
            municipality_id=municipality_id,
            kind__in=STREET_KINDS,
            geom__dwithin=(point, D(m=STREET_RADIUS_M)),
        )
        .exclude(name="")
        .annotate(distance=Distance("geom", point))
        .order_by("distance", "name")
        .values_list("name", flat=True)
        .first()
    )
    if street:
        return Place(str(street)[:200], "gata")
    area = (
        areas.objects.filter(municipality_id=municipality_id, area__contains=point)
        .order_by("code")
        .values_list("name", flat=True)
        .first()
    )
    if area:
        return Place(str(area)[:200], "nyko")
    return NO_PLACE
