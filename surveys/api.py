"""JSON API for walks and observations under /api/v1/, including the tablets' sync API.

Sync: ``POST observations/`` with a client-made UUID stores an observation exactly once (201 new, 200 the
same again, 409 other content under a known UUID); photos follow in their own requests, also exactly once
by their own UUID. Auth: a logged-in session (CSRF applies) or ``Authorization: Bearer <device token>``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.gis.geos import LineString
from django.db.models import QuerySet
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    parser_classes,
    permission_classes,
)
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.crs import WEB_SRID
from layers import uploads
from layers.api import GEOJSON, geojson_response, municipality_or_404
from surveys import queries, services
from surveys.auth import DeviceTokenAuthentication, request_municipality
from surveys.models import Action, Observation, ObservationPhoto, Trygghetsvandring
from surveys.photos import PhotoRejected, max_bytes
from surveys.serializers import (
    ConflictOut,
    ErrorOut,
    ObservationIn,
    ObservationOut,
    PhotoIn,
    PhotoOut,
    TrackIn,
    WalkOut,
    WalkStatusIn,
)

# Bearer first: an unauthenticated request then gets 401 with WWW-Authenticate, and a bad token never
# falls back to a session.
SYNC_AUTHENTICATION = [DeviceTokenAuthentication, SessionAuthentication]


def _permission(codename: str) -> type[BasePermission]:
    class HasPermission(BasePermission):
        message = f"you need the permission {codename}"

        def has_permission(self, request: Request, view: APIView) -> bool:
            return bool(request.user and request.user.has_perm(codename))

    HasPermission.__name__ = f"Has_{codename.replace('.', '_')}"
    return HasPermission


CanRecord = _permission("surveys.add_observation")
CanAddPhoto = _permission("surveys.add_observationphoto")
CanViewWalks = _permission("surveys.view_trygghetsvandring")
CanViewObservations = _permission("surveys.view_observation")
CanChangeWalk = _permission("surveys.change_trygghetsvandring")


def _error(message: str, code: int, **extra: Any) -> Response:
    return Response({"error": message, **extra}, status=code)


def _walks_for(request: Request) -> QuerySet[Trygghetsvandring]:
    # A user or tablet without a municipality sees no walks (layers.tenancy).
    return Trygghetsvandring.objects.filter(municipality=request_municipality(request))


def _observation_for(request: Request, client_uuid: uuid.UUID) -> Observation | None:
    qs = Observation.objects.filter(
        client_uuid=client_uuid, municipality=request_municipality(request)
    )
    return qs.first()


def observation_json(
    observation: Observation, *, action: Action | None = None, new: bool = False
) -> dict[str, Any]:
    """The stored observation as the API returns it; ``new``: just created, so no photos yet."""
    lon, lat = queries.web_xy(observation.location)
    if action is None:
        action = observation.actions.select_related("office").order_by("pk").first()
    photos = (
        []
        if new
        else [
            str(u) for u in observation.photos.order_by("pk").values_list("client_uuid", flat=True)
        ]
    )
    return {
        "id": observation.pk,
        "client_uuid": str(observation.client_uuid),
        "walk": observation.walk_id,
        "lon": lon,
        "lat": lat,
        "accuracy_m": observation.accuracy_m,
        "recorded_at": observation.recorded_at.isoformat(),
        "received_at": observation.received_at.isoformat(),
        "category": observation.category,
        "feeling": observation.feeling,
        "severity": observation.severity,
        "note": observation.note,
        "raised_by_gender": observation.raised_by_gender,
        "raised_by_age": observation.raised_by_age,
        "photos": photos,
        "action": None
        if action is None
        else {
            "id": action.pk,
            "office": action.office.name,
            "status": action.status,
            "reason": action.suggestion_reason,
        },
    }


def photo_json(photo: ObservationPhoto) -> dict[str, Any]:
    def url(name: str) -> str:
        try:
            return reverse(name, args=[photo.client_uuid])
        except NoReverseMatch:  # the pages are not installed (API-only deployment)
            return ""

    return {
        "client_uuid": str(photo.client_uuid),
        "observation": str(photo.observation.client_uuid),
        "width": photo.width,
        "height": photo.height,
        "url": url("field-photo"),
        "thumbnail_url": url("field-photo-thumbnail"),
    }


@extend_schema(
    summary="Walk observations as GeoJSON in WGS 84",
    responses={(200, GEOJSON): OpenApiTypes.OBJECT},
    tags=["surveys"],
)
@api_view(["GET"])
@permission_classes([IsAuthenticated, CanViewObservations])
def observations(request: Request) -> JsonResponse:
    return geojson_response(queries.observation_features(municipality_or_404()))


@extend_schema(
    summary="Store one observation from a tablet, exactly once per client UUID",
    description=(
        "Idempotent by `client_uuid`: the first request stores the observation and its proposed action "
        "(201); the same UUID with the same content returns the stored observation (200) and never a "
        "second row; the same UUID with other content returns 409 with the stored observation, which "
        "is kept unchanged. A database UNIQUE constraint decides concurrent requests. Auth: a session "
        "(with the CSRF token) or `Authorization: Bearer <device token>`."
    ),
    request=ObservationIn,
    responses={
        201: OpenApiResponse(ObservationOut, description="stored now"),
        200: OpenApiResponse(ObservationOut, description="stored before with the same content"),
        400: OpenApiResponse(ErrorOut, description="malformed: the fields that are wrong"),
        401: OpenApiResponse(ErrorOut, description="no or a revoked device token"),
        403: OpenApiResponse(ErrorOut, description="no permission, or a session without CSRF"),
        409: OpenApiResponse(ConflictOut, description="the UUID is stored with other content"),
        422: OpenApiResponse(ErrorOut, description="well-formed, but the walk is unknown"),
    },
    examples=[
        OpenApiExample(
            "Broken lamp",
            request_only=True,
            value={
                "client_uuid": "3b0f6a4e-8d1c-4c1e-9a57-2f1f4c0e9b11",
                "walk": 7,
                "lon": 17.9115,
                "lat": 59.5183,
                "accuracy_m": 8,
                "recorded_at": "2026-10-14T19:12:00+02:00",
                "category": "belysning",
                "feeling": 2,
                "severity": 2,
                "note": "Trasig gatlampa vid gångtunneln",
                "raised_by_gender": "kvinna",
                "raised_by_age": "ungdom",
            },
        )
    ],
    tags=["sync"],
)
@api_view(["POST"])
@authentication_classes(SYNC_AUTHENTICATION)
@permission_classes([IsAuthenticated, CanRecord])
@parser_classes([JSONParser])
def create_observation(request: Request) -> Response:
    serializer = ObservationIn(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    walk = _walks_for(request).filter(pk=data["walk"]).first()
    if walk is None:
        return _error(
            f"no walk with id {data['walk']}",
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            fields={"walk": [f"no walk with id {data['walk']}"]},
        )
    user = request.user if request.user.is_authenticated else None
    try:
        recorded = services.record_observation(
            walk,
            client_uuid=data["client_uuid"],
            lon=data["lon"],
            lat=data["lat"],
            gps_lon=data["gps_lon"],
            gps_lat=data["gps_lat"],
            accuracy_m=data["accuracy_m"],
            recorded_at=data["recorded_at"],
            category=data["category"],
            feeling=data["feeling"],
            severity=data["severity"],
            note=data["note"],
            raised_by_gender=data["raised_by_gender"],
            raised_by_age=data["raised_by_age"],
            by=user,
        )
    except services.ObservationConflict as conflict:
        return _error(
            "an observation with this client_uuid is stored with other content; the stored one is kept",
            status.HTTP_409_CONFLICT,
            observation=observation_json(conflict.existing),
        )
    code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
    return Response(
        observation_json(recorded.observation, action=recorded.action, new=recorded.created),
        status=code,
    )


@extend_schema(
    summary="One observation by its client UUID",
    responses={200: ObservationOut, 404: ErrorOut},
    tags=["sync"],
)
@api_view(["GET"])
@authentication_classes(SYNC_AUTHENTICATION)
@permission_classes([IsAuthenticated, CanViewObservations])
def observation_detail(request: Request, client_uuid: uuid.UUID) -> Response:
    observation = _observation_for(request, client_uuid)
    if observation is None:
        return _error(f"no observation {client_uuid}", status.HTTP_404_NOT_FOUND)
    return Response(observation_json(observation))


@extend_schema(
    summary="Add a photo to an observation, exactly once per photo UUID",
    description=(
        "Multipart form with `client_uuid` (the photo's own UUID) and `image`. The observation must be "
        "stored first (404 until it is). EXIF and all other metadata are removed, the picture is resized "
        "to at most 2048 px and gets a thumbnail. The same photo UUID with the same file returns 200; "
        "with another file 409. Too large: 413; not a JPEG, PNG or WebP: 415; unreadable: 422."
    ),
    request={"multipart/form-data": PhotoIn},
    responses={
        201: PhotoOut,
        200: PhotoOut,
        400: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: ErrorOut,
    },
    tags=["sync"],
)
@api_view(["POST"])
@authentication_classes(SYNC_AUTHENTICATION)
@permission_classes([IsAuthenticated, CanAddPhoto])
@parser_classes([MultiPartParser, FormParser])
def add_photo(request: Request, client_uuid: uuid.UUID) -> Response:
    # A body announced larger than the photo limit was refused before it was read
    # (config.security.body_limits); the file is counted again as it is copied.
    limit = max_bytes()
    observation = _observation_for(request, client_uuid)
    if observation is None:
        return _error(
            f"no observation {client_uuid} yet: send the observation before its photos",
            status.HTTP_404_NOT_FOUND,
        )
    serializer = PhotoIn(data=request.data)
    serializer.is_valid(raise_exception=True)
    upload = serializer.validated_data["image"]
    try:
        with uploads.workspace() as folder:
            path = uploads.receive(
                upload, upload.name or "photo", folder, limits=uploads.Limits(max_bytes=limit)
            )
            stored = services.attach_photo(
                observation,
                client_uuid=serializer.validated_data["client_uuid"],
                path=path,
                name=f"image ({upload.name})",
            )
    except uploads.UploadRejected as e:
        return _error(f"image: {e}", e.status, fields={"image": [str(e)]})
    except PhotoRejected as e:
        return _error(str(e), e.status, fields={"image": [str(e)]})
    except services.PhotoConflict as conflict:
        return _error(
            "a photo with this client_uuid is stored with another picture or observation",
            status.HTTP_409_CONFLICT,
            photo=photo_json(conflict.existing),
        )
    code = status.HTTP_201_CREATED if stored.created else status.HTTP_200_OK
    return Response(photo_json(stored.photo), status=code)


@extend_schema(
    summary="Walks a tablet can record on (planned and ongoing, and those walked the last week)",
    responses={200: WalkOut(many=True)},
    tags=["sync"],
)
@api_view(["GET"])
@authentication_classes(SYNC_AUTHENTICATION)
@permission_classes([IsAuthenticated, CanViewWalks])
def walks(request: Request) -> Response:
    return Response(
        [queries.walk_json(w) for w in queries.active_walks(request_municipality(request))]
    )


@extend_schema(summary="One walk", responses={200: WalkOut, 404: ErrorOut}, tags=["sync"])
@api_view(["GET"])
@authentication_classes(SYNC_AUTHENTICATION)
@permission_classes([IsAuthenticated, CanViewWalks])
def walk_detail(request: Request, walk_id: int) -> Response:
    walk = get_object_or_404(_walks_for(request), pk=walk_id)
    return Response(queries.walk_json(walk))


@extend_schema(
    summary="Store the GPS track recorded on a walk",
    description="Idempotent: the track replaces the stored one unless that has more points (a late retry).",
    request=TrackIn,
    responses={200: WalkOut, 400: ErrorOut, 404: ErrorOut},
    tags=["sync"],
)
@api_view(["PUT"])
@authentication_classes(SYNC_AUTHENTICATION)
@permission_classes([IsAuthenticated, CanChangeWalk])
@parser_classes([JSONParser])
def walk_track(request: Request, walk_id: int) -> Response:
    walk = get_object_or_404(_walks_for(request), pk=walk_id)
    serializer = TrackIn(data=request.data)
    serializer.is_valid(raise_exception=True)
    coords = [(c[0], c[1]) for c in serializer.validated_data["coordinates"]]
    bad = [
        i for i, (lon, lat) in enumerate(coords) if not (-180 <= lon <= 180 and -90 <= lat <= 90)
    ]
    if bad:
        return _error(
            "invalid fields",
            status.HTTP_400_BAD_REQUEST,
            fields={"coordinates": [f"position {bad[0]} is not a [lon, lat] pair"]},
        )
    try:
        services.set_walk_track(walk, LineString(coords, srid=WEB_SRID))
    except ValueError as e:
        return _error(
            str(e), status.HTTP_422_UNPROCESSABLE_ENTITY, fields={"coordinates": [str(e)]}
        )
    walk.refresh_from_db()
    return Response(queries.walk_json(walk))


@extend_schema(
    summary="Start or finish a walk",
    request=WalkStatusIn,
    responses={200: WalkOut, 400: ErrorOut, 404: ErrorOut},
    tags=["sync"],
)
@api_view(["POST"])
@authentication_classes(SYNC_AUTHENTICATION)
@permission_classes([IsAuthenticated, CanChangeWalk])
@parser_classes([JSONParser])
def walk_status(request: Request, walk_id: int) -> Response:
    walk = get_object_or_404(_walks_for(request), pk=walk_id)
    serializer = WalkStatusIn(data=request.data)
    serializer.is_valid(raise_exception=True)
    services.set_walk_status(walk, serializer.validated_data["status"])
    return Response(queries.walk_json(walk))
