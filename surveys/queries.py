"""Reads of walks and observations for pages and the API."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.gis.db.models.functions import AsGeoJSON, Transform

from geo.crs import WEB_SRID
from layers.models import Municipality
from layers.queries import FeatureCollection, feature_collection
from surveys.models import Observation


def observation_features(municipality: Municipality, *, limit: int = 20000) -> FeatureCollection:
    rows = (
        Observation.objects.filter(municipality=municipality)
        .annotate(geojson=AsGeoJSON(Transform("location", WEB_SRID), precision=6))
        .values(
            "id",
            "client_uuid",
            "category",
            "feeling",
            "severity",
            "note",
            "recorded_at",
            "walk_id",
            "walk__name",
            "generated",
            "geojson",
        )
        .order_by("-recorded_at")[:limit]
    )
    labels = dict(Observation.Category.choices)
    feelings = dict(Observation.Feeling.choices)
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "id": r["id"],
            "geometry": json.loads(r["geojson"]),
            "properties": {
                "uuid": str(r["client_uuid"]),
                "category": r["category"],
                "category_label": labels.get(r["category"], r["category"]),
                "feeling": r["feeling"],
                "feeling_label": feelings.get(r["feeling"], ""),
                "severity": r["severity"],
                "note": r["note"],
                "recorded_at": r["recorded_at"].isoformat(),
                "walk_id": r["walk_id"],
                "walk": r["walk__name"],
                "generated": r["generated"],
            },
        }
        for r in rows
    ]
    return feature_collection(features)
