"""Input and output shapes of the sync API (also what the OpenAPI document at /api/v1/schema/ shows)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from surveys.models import AgeGroup, Gender, Observation, Trygghetsvandring

# SWEREF 99 TM's area of use (EPSG:3006): a fix outside it is a broken GPS or a test value, not Sweden.
LON_RANGE = (10.03, 24.17)
LAT_RANGE = (54.96, 69.07)


class ObservationIn(serializers.Serializer[dict[str, Any]]):
    client_uuid = serializers.UUIDField(
        help_text="Made by the tablet when the observation is recorded; the same UUID is stored once."
    )
    walk = serializers.IntegerField(min_value=1, help_text="The walk (trygghetsvandring) id.")
    lon = serializers.FloatField(help_text="WGS 84 longitude of the place (after any correction).")
    lat = serializers.FloatField(help_text="WGS 84 latitude of the place.")
    gps_lon = serializers.FloatField(
        required=False, allow_null=True, default=None, help_text="Where the GPS put it, if moved."
    )
    gps_lat = serializers.FloatField(required=False, allow_null=True, default=None)
    accuracy_m = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=0, max_value=100_000
    )
    recorded_at = serializers.DateTimeField(help_text="When it was recorded, ISO 8601 with offset.")
    category = serializers.ChoiceField(choices=Observation.Category.choices)
    feeling = serializers.IntegerField(
        min_value=1, max_value=5, help_text="1 mycket otryggt … 5 mycket tryggt"
    )
    severity = serializers.IntegerField(min_value=1, max_value=3, default=2)
    note = serializers.CharField(allow_blank=True, max_length=4000, default="")
    raised_by_gender = serializers.ChoiceField(
        choices=[("", "—"), *Gender.choices], allow_blank=True, default=""
    )
    raised_by_age = serializers.ChoiceField(
        choices=[("", "—"), *AgeGroup.choices], allow_blank=True, default=""
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        for lon_key, lat_key in (("lon", "lat"), ("gps_lon", "gps_lat")):
            lon, lat = attrs.get(lon_key), attrs.get(lat_key)
            if lon is None or lat is None:
                if (lon is None) != (lat is None):
                    errors[lon_key if lon is None else lat_key] = [
                        f"{lon_key} and {lat_key} come together"
                    ]
                continue
            if not LON_RANGE[0] <= lon <= LON_RANGE[1]:
                errors[lon_key] = [
                    f"{lon} is outside Sweden ({LON_RANGE[0]}–{LON_RANGE[1]}); lon comes first"
                ]
            if not LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
                errors[lat_key] = [f"{lat} is outside Sweden ({LAT_RANGE[0]}–{LAT_RANGE[1]})"]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ActionBrief(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    office = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField(help_text="Why this office was suggested.")


class ObservationOut(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    client_uuid = serializers.UUIDField()
    walk = serializers.IntegerField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    accuracy_m = serializers.FloatField(allow_null=True)
    recorded_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    category = serializers.CharField()
    feeling = serializers.IntegerField()
    severity = serializers.IntegerField()
    note = serializers.CharField()
    raised_by_gender = serializers.CharField()
    raised_by_age = serializers.CharField()
    photos = serializers.ListField(child=serializers.UUIDField())
    action = ActionBrief(allow_null=True)


# "fields" cannot be a declared field (Serializer.fields is taken), so the error shape is built inline.
ErrorOut = inline_serializer(
    name="Error",
    fields={
        "error": serializers.CharField(),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="per field, what is wrong with it",
        ),
    },
)


class ConflictOut(serializers.Serializer[dict[str, Any]]):
    error = serializers.CharField()
    observation = ObservationOut()


class PhotoIn(serializers.Serializer[dict[str, Any]]):
    client_uuid = serializers.UUIDField(
        help_text="Made by the tablet; the same UUID is stored once."
    )
    image = serializers.FileField(
        help_text="JPEG, PNG or WebP; EXIF is removed, resized to 2048 px."
    )


class PhotoOut(serializers.Serializer[dict[str, Any]]):
    client_uuid = serializers.UUIDField()
    observation = serializers.UUIDField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.CharField()
    thumbnail_url = serializers.CharField()


class TrackIn(serializers.Serializer[dict[str, Any]]):
    coordinates = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=3),
        min_length=2,
        max_length=50_000,
        help_text="[[lon, lat], …] in WGS 84, in the order walked.",
    )


class WalkStatusIn(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=Trygghetsvandring.Status.choices)


class WalkOut(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    walked_on = serializers.DateField()
    # Local (Swedish) time as the walk page shows it, "19:00": typed as a string with its pattern, since
    # OpenAPI's format "time" would promise seconds and an offset.
    start_time = serializers.RegexField(
        r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        allow_null=True,
        help_text="Start time, local time (Europe/Stockholm), HH:MM",
    )
    light = serializers.CharField()
    status = serializers.CharField()
    district = serializers.CharField(allow_null=True)
    route = serializers.DictField(allow_null=True, help_text="GeoJSON LineString in WGS 84")
    track = serializers.DictField(allow_null=True, help_text="GeoJSON LineString in WGS 84")
    checklist = serializers.ListField(child=serializers.CharField())
    follow_up_of = serializers.IntegerField(allow_null=True)
