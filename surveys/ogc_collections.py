"""Walks, observations and actions as OGC API collections (found by layers.ogc.registry)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from layers.models import Municipality
from layers.ogc.registry import Collection, register
from layers.ogc.sources import ModelSource, Queryable, TimeFields
from layers.roles import AnyUser
from surveys.models import Action, Light, Observation, Trygghetsvandring

S: dict[str, Any] = {"type": "string"}
I: dict[str, Any] = {"type": "integer"}
B: dict[str, Any] = {"type": "boolean"}
S_NULL: dict[str, Any] = {"type": ["string", "null"]}
I_NULL: dict[str, Any] = {"type": ["integer", "null"]}


def _all(model: Any) -> Any:
    def rows(user: AnyUser, municipality: Municipality) -> QuerySet[Any]:
        return model.objects.all()

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
                "name": S,
                "walked_on": {"type": "string", "format": "date"},
                "start_time": S_NULL,
                "light": _enum(Light),
                "status": _enum(Trygghetsvandring.Status),
                "district": S_NULL,
                "generated": B,
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
                "walk": I,
                "walk_name": S,
                "category": _enum(Observation.Category),
                "feeling": I,
                "severity": I,
                "note": S,
                "recorded_at": {"type": "string", "format": "date-time"},
                "raised_by_gender": S,
                "raised_by_age": S,
                "generated": B,
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
                "title": S,
                "status": _enum(Action.Status),
                "office": S,
                "due_date": {"type": ["string", "null"], "format": "date"},
                "observation": I_NULL,
                "walk": I_NULL,
                "created_at": {"type": "string", "format": "date-time"},
                "generated": B,
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
