"""Walks, observations and actions as OGC API collections (found by layers.ogc.registry)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet

from layers.models import Municipality
from layers.ogc.registry import Collection, register
from layers.ogc.sources import ModelSource, Queryable, TimeFields
from layers.roles import AnyUser
from surveys.models import Action, Light, Observation, Trygghetsvandring

STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
STRING_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}
INTEGER_OR_NULL: dict[str, Any] = {"type": ["integer", "null"]}


def _all(model: type[Model]) -> Callable[[AnyUser, Municipality], QuerySet[Any]]:
    def rows(user: AnyUser, municipality: Municipality) -> QuerySet[Any]:
        return model._default_manager.all()

    return rows


def _enum(choices: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [str(v) for v in choices.values]}


register(
    Collection(
        id="walks",
        title="Trygghetsvandringar",
        description="Trygghetsvandringarnas planerade rutter med datum, ljus och status.",
        permission="surveys.view_trygghetsvandring",
        order=80,
        source=ModelSource(
            rows=_all(Trygghetsvandring),
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
                "light": _enum(Light),
                "status": _enum(Trygghetsvandring.Status),
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
            rows=_all(Observation),
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
                "category": _enum(Observation.Category),
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
            rows=_all(Action),
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
                "status": _enum(Action.Status),
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
