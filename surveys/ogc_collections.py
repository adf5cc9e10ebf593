"""Walks, observations and actions as OGC API collections (found by layers.ogc.registry)."""

from __future__ import annotations

from layers.ogc.registry import Collection, register
from layers.ogc.sources import (
    BOOLEAN,
    INTEGER,
    INTEGER_OR_NULL,
    STRING,
    STRING_OR_NULL,
    ModelSource,
    Queryable,
    TimeFields,
    all_rows,
    enum_schema,
)
from surveys.models import Action, Light, Observation, Trygghetsvandring

register(
    Collection(
        id="walks",
        title="Trygghetsvandringar",
        description="Trygghetsvandringarnas planerade rutter med datum, ljus och status.",
        permission="surveys.view_trygghetsvandring",
        order=80,
        source=ModelSource(
            rows=all_rows(Trygghetsvandring),
            geometry_field="route",
            geometry_type="LineString",
            properties={
                "name": "name",
                "walked_on": "walked_on",
                "start_time": "start_time",
                "light": "light",
                "status": "status",
                "district": "district__code",
                "generated": "generated",
            },
            properties_schema={
                "name": STRING,
                "walked_on": {"type": "string", "format": "date"},
                "start_time": STRING_OR_NULL,
                "light": enum_schema(Light),
                "status": enum_schema(Trygghetsvandring.Status),
                "district": STRING_OR_NULL,
                "generated": BOOLEAN,
            },
            queryables=(
                Queryable("id", "pk", "integer", description="trygghetsvandringens id"),
                Queryable("status", "status", enum=tuple(Trygghetsvandring.Status.values)),
                Queryable("district", "district__code", description="kommundelens kod"),
            ),
            time=TimeFields("walked_on", is_date=True),
        ),
    )
)

register(
    Collection(
        id="observations",
        title="Observationer från trygghetsvandringar",
        description="Platser som markerats under trygghetsvandringar, med kategori och upplevelse (1–5).",
        permission="surveys.view_observation",
        order=90,
        source=ModelSource(
            rows=all_rows(Observation),
            geometry_field="location",
            geometry_type="Point",
            properties={
                "walk": "walk_id",
                "walk_name": "walk__name",
                "category": "category",
                "feeling": "feeling",
                "severity": "severity",
                "note": "note",
                "recorded_at": "recorded_at",
                "raised_by_gender": "raised_by_gender",
                "raised_by_age": "raised_by_age",
                "generated": "generated",
            },
            properties_schema={
                "walk": INTEGER,
                "walk_name": STRING,
                "category": enum_schema(Observation.Category),
                "feeling": INTEGER,
                "severity": INTEGER,
                "note": STRING,
                "recorded_at": {"type": "string", "format": "date-time"},
                "raised_by_gender": STRING,
                "raised_by_age": STRING,
                "generated": BOOLEAN,
            },
            queryables=(
                Queryable("walk", "walk_id", "integer", description="trygghetsvandringens id"),
                Queryable("category", "category", enum=tuple(Observation.Category.values)),
                Queryable("feeling", "feeling", "integer"),
                Queryable("severity", "severity", "integer"),
            ),
            time=TimeFields("recorded_at"),
        ),
    )
)

register(
    Collection(
        id="actions",
        title="Åtgärder",
        description="Åtgärder med ansvarigt kontor och status, på platsen för sin observation.",
        permission="surveys.view_action",
        order=100,
        source=ModelSource(
            rows=all_rows(Action),
            geometry_field="observation__location",
            geometry_type="Point",
            properties={
                "title": "title",
                "status": "status",
                "office": "office__name",
                "due_date": "due_date",
                "observation": "observation_id",
                "walk": "observation__walk_id",
                "created_at": "created_at",
                "generated": "generated",
            },
            properties_schema={
                "title": STRING,
                "status": enum_schema(Action.Status),
                "office": STRING,
                "due_date": {"type": ["string", "null"], "format": "date"},
                "observation": INTEGER_OR_NULL,
                "walk": INTEGER_OR_NULL,
                "created_at": {"type": "string", "format": "date-time"},
                "generated": BOOLEAN,
            },
            queryables=(
                Queryable("status", "status", enum=tuple(Action.Status.values)),
                Queryable("office", "office__name"),
                Queryable("walk", "observation__walk_id", "integer"),
            ),
            time=TimeFields("created_at"),
        ),
    )
)
