"""Reads of the spatial layers for pages and the API. Geometry leaves the database as GeoJSON in WGS 84."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.db.models import BooleanField, Case, QuerySet, Value, When

from geo.crs import WEB_SRID
from layers.models import (
    SENSITIVE_INCIDENT,
    Detaljplan,
    District,
    Incident,
    Municipality,
    StatisticalArea,
)
from layers.roles import AnyUser, can_view_sensitive

Feature = dict[str, Any]
FeatureCollection = dict[str, Any]


def default_municipality() -> Municipality | None:
    """The municipality to work in: the request user's own inside a request (``layers.tenancy``), the
    first one loaded outside a request (commands, the demo)."""
    from layers.tenancy import current_municipality

    return current_municipality()


def visible_incidents(user: AnyUser) -> QuerySet[Incident]:
    """Incidents ``user`` may see as points: every channel starts here (docs/security.md)."""
    qs = Incident.objects.placed()
    if can_view_sensitive(user):
        return qs
    return qs.non_sensitive()


def feature_collection(features: list[Feature]) -> FeatureCollection:
    return {"type": "FeatureCollection", "features": features}


def district_features(municipality: Municipality, *, precision: int = 6) -> FeatureCollection:
    # SELECT id, code, name, ST_AsGeoJSON(ST_Transform(area, 4326), 6) FROM layers_district WHERE ...
    rows = (
        District.objects.filter(municipality=municipality)
        .annotate(geojson=AsGeoJSON(Transform("area", WEB_SRID), precision=precision))
        .values("id", "code", "name", "nyko_prefix", "geojson")
    )
    return feature_collection(
        [
            {
                "type": "Feature",
                "id": r["id"],
                "geometry": json.loads(r["geojson"]),
                "properties": {
                    "code": r["code"],
                    "name": r["name"],
                    "nyko_prefix": r["nyko_prefix"],
                },
            }
            for r in rows
        ]
    )


def plan_outlines(municipality: Municipality) -> QuerySet[Detaljplan]:
    """The plans with their outline (``Detaljplan.outline``, at most about 2,000 vertices each) as
    GeoJSON in WGS 84, for maps of many plans; the exact area is never read (docs/decisions/0642)."""
    # SELECT id, plan_id, name, kind, status, ST_AsGeoJSON(ST_Transform(outline, 4326), 6)
    # FROM layers_detaljplan WHERE municipality_id = %s ORDER BY municipality_id, plan_id
    return (
        Detaljplan.objects.filter(municipality=municipality)
        .only("id", "plan_id", "name", "kind", "status", "municipality_id")
        .annotate(outline_geojson=AsGeoJSON(Transform("outline", WEB_SRID), precision=6))
    )


def statistical_area_features(
    municipality: Municipality, *, precision: int = 6
) -> FeatureCollection:
    rows = (
        StatisticalArea.objects.filter(municipality=municipality)
        .annotate(geojson=AsGeoJSON(Transform("area", WEB_SRID), precision=precision))
        .values("id", "code", "name", "district__code", "geojson")
    )
    return feature_collection(
        [
            {
                "type": "Feature",
                "id": r["id"],
                "geometry": json.loads(r["geojson"]),
                "properties": {
                    "code": r["code"],
                    "name": r["name"],
                    "district": r["district__code"],
                },
            }
            for r in rows
        ]
    )


def incident_features(
    user: AnyUser, municipality: Municipality, *, limit: int = 20000
) -> FeatureCollection:
    rows = (
        visible_incidents(user)
        .filter(municipality=municipality)
        .annotate(
            geojson=AsGeoJSON(Transform("location", WEB_SRID), precision=6),
            sensitive=Case(
                When(SENSITIVE_INCIDENT, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values(
            "id",
            "occurred_from",
            "category__code",
            "category__label",
            "source",
            "generated",
            "sensitive",
            "geojson",
        )
        .order_by("-occurred_from")[:limit]
    )
    return feature_collection(
        [
            {
                "type": "Feature",
                "id": r["id"],
                "geometry": json.loads(r["geojson"]),
                "properties": {
                    "category": r["category__code"],
                    "category_label": r["category__label"],
                    "occurred_from": r["occurred_from"].isoformat(),
                    "source": r["source"],
                    "generated": r["generated"],
                    "sensitive": r["sensitive"],
                },
            }
            for r in rows
        ]
    )


def incidents_for_admin(user: AnyUser, qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """The admin's incident list: without the permission, sensitive incidents are not listed at all."""
    return qs if can_view_sensitive(user) else qs.exclude(SENSITIVE_INCIDENT)
