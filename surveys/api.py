"""JSON API for walks and observations, under /api/v1/."""

from __future__ import annotations

from django.http import JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request

from layers.api import GEOJSON, geojson_response, municipality_or_404
from surveys import queries


@extend_schema(
    summary="Walk observations as GeoJSON in WGS 84",
    responses={(200, GEOJSON): OpenApiTypes.OBJECT},
    tags=["surveys"],
)
@api_view(["GET"])
def observations(request: Request) -> JsonResponse:
    return geojson_response(queries.observation_features(municipality_or_404()))
