"""JSON API for the spatial layers, under /api/v1/ (OpenAPI at /api/v1/schema/)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from layers import audit, queries
from layers.models import AuditEvent

GEOJSON = "application/geo+json"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Give every API error one shape: {"error": "...", "fields"?: {...}} (STYLE.md §6)."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"error": "invalid fields", "fields": fields}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"error": str(response.data["detail"])}
    return response


def geojson_response(data: dict[str, Any], status_code: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status_code, content_type=GEOJSON)


def municipality_or_404() -> Any:
    municipality = queries.default_municipality()
    if municipality is None:
        raise exceptions.NotFound("no municipality is loaded (run load_demo or an import)")
    return municipality


@extend_schema(
    summary="Kommundelar (districts) as GeoJSON in WGS 84",
    responses={(200, GEOJSON): OpenApiTypes.OBJECT},
    tags=["layers"],
)
@api_view(["GET"])
def districts(request: Request) -> JsonResponse:
    return geojson_response(queries.district_features(municipality_or_404()))


@extend_schema(
    summary="NYKO areas (statistical areas) as GeoJSON in WGS 84",
    responses={(200, GEOJSON): OpenApiTypes.OBJECT},
    tags=["layers"],
)
@api_view(["GET"])
def statistical_areas(request: Request) -> JsonResponse:
    return geojson_response(queries.statistical_area_features(municipality_or_404()))


class CanViewIncidents(BasePermission):
    """The incidents' view permission, as on the OGC API, the tiles and the pages (a role has it)."""

    message = "you need the permission layers.view_incident"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.has_perm("layers.view_incident"))


@extend_schema(
    summary="Incidents the user may see as points, as GeoJSON in WGS 84",
    description=(
        "Sensitive incidents are included only for users with the permission to see them "
        "(property sensitive); each such read is written to the audit log."
    ),
    responses={(200, GEOJSON): OpenApiTypes.OBJECT},
    tags=["layers"],
)
@api_view(["GET"])
@permission_classes([IsAuthenticated, CanViewIncidents])
def incidents(request: Request) -> JsonResponse:
    body = queries.incident_features(request.user, municipality_or_404())
    sensitive = sum(1 for f in body["features"] if f["properties"]["sensitive"])
    if sensitive:
        audit.record(
            AuditEvent.Action.READ_SENSITIVE,
            user=request.user,
            request=request._request,  # the HttpRequest under DRF's: its address
            channel="api",
            object_type="incidents",
            count=sensitive,
            detail={"path": request.path},
        )
    return geojson_response(body)


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"error": "not found"}, status=status.HTTP_404_NOT_FOUND)
