"""The spatial layers of ``layers`` as OGC API collections (found by layers.ogc.registry).

Incidents come only through ``visible_incidents(user)``; sensitive incidents reach everyone as the
releases of ``layers.release`` (a calendar year's fixed cells, protected), and as points only where
``can_view_sensitive`` says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, Case, QuerySet, Value, When

from layers import release
from layers.models import (
    BOVERKET_USE_CODES,
    SENSITIVE_INCIDENT,
    ContextFeature,
    Detaljplan,
    District,
    Incident,
    Municipality,
    PlanZone,
    StatisticalArea,
)
from layers.ogc.hotspots import HotSpotSource
from layers.ogc.params import Interval
from layers.ogc.registry import Collection, register
from layers.ogc.sources import (
    BOOLEAN,
    INTEGER_OR_NULL,
    STRING,
    STRING_OR_NULL,
    CellSource,
    ModelSource,
    Queryable,
    TimeFields,
    all_rows,
    model_values,
)
from layers.queries import visible_incidents
from layers.roles import AnyUser

TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
DATE: dict[str, Any] = {"type": "string", "format": "date"}
TIME_OR_NULL: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}


register(
    Collection(
        id="districts",
        title="Kommundelar",
        description="Kommundelarna med var sitt lokalt BRÅ (västra, centrala, östra).",
        permission="layers.view_district",
        order=10,
        source=ModelSource(
            rows=all_rows(District),
            geometry_field="area",
            geometry_type="MultiPolygon",
            properties=model_values(District, "code", "name", "nyko_prefix"),
            properties_schema={"code": STRING, "name": STRING, "nyko_prefix": STRING},
            queryables=(Queryable("code", "code"),),
        ),
    )
)

register(
    Collection(
        id="nyko-areas",
        title="NYKO-områden",
        description="Kommunens statistikområden (nyckelkodsområden).",
        permission="layers.view_statisticalarea",
        order=20,
        source=ModelSource(
            rows=all_rows(StatisticalArea),
            geometry_field="area",
            geometry_type="MultiPolygon",
            properties={"code": "code", "name": "name", "district": "district__code"},
            properties_schema={"code": STRING, "name": STRING, "district": STRING_OR_NULL},
            queryables=(
                Queryable("code", "code"),
                Queryable("district", "district__code", description="kommundelens kod"),
            ),
        ),
    )
)

INCIDENT_TIME = TimeFields("occurred_from", "occurred_to")


def _visible_placed_incidents(user: AnyUser, municipality: Municipality) -> QuerySet[Incident]:
    return visible_incidents(user)


def _is_sensitive() -> Case:
    return Case(
        When(SENSITIVE_INCIDENT, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


register(
    Collection(
        id="incidents",
        title="Händelser",
        description=(
            "Händelser med plats som användaren får se som punkter. Känsliga händelser (fokusområde "
            "4, 7, 8, 9 och känsliga kategorier) ingår bara för den som har behörighet; övriga ser "
            "dem som rutor i samlingen sensitive-incident-cells."
        ),
        permission="layers.view_incident",
        audited=True,
        order=30,
        source=ModelSource(
            rows=_visible_placed_incidents,
            geometry_field="location",
            geometry_type="Point",
            properties={
                "category": "category__code",
                "category_label": "category__label",
                "focus_area": "category__focus_area__number",
                "occurred_from": "occurred_from",
                "occurred_to": "occurred_to",
                "source": "source",
                "generated": "generated",
            },
            annotations={"sensitive": _is_sensitive},
            sensitive_flag="sensitive",
            properties_schema={
                "category": STRING,
                "category_label": STRING,
                "focus_area": INTEGER_OR_NULL,
                "occurred_from": TIME,
                "occurred_to": TIME_OR_NULL,
                "source": STRING,
                "generated": BOOLEAN,
                "sensitive": BOOLEAN,
            },
            queryables=(
                Queryable("category", "category__code", description="kategorins kod"),
                Queryable("focus_area", "category__focus_area__number", "integer"),
                Queryable("source", "source"),
                Queryable("generated", "generated", "boolean"),
                Queryable(
                    "sensitive",
                    "",
                    "boolean",
                    description="känslig händelse (finns bara för den som får se känsliga)",
                    condition=lambda v: SENSITIVE_INCIDENT if v else ~SENSITIVE_INCIDENT,
                ),
            ),
            time=INCIDENT_TIME,
        ),
    )
)


def _sensitive_incident_cells(
    user: AnyUser, municipality: Municipality, interval: Interval | None
) -> Sequence[release.Cell]:
    """The cells of each published calendar year ``datetime`` touches (no ``datetime``: the newest)."""
    if interval is None:
        periods = release.latest_periods(1)
    else:
        periods = release.periods_between(interval.start, interval.end)
    return release.period_cells(release.sensitive_releases(municipality, periods))


register(
    Collection(
        id="sensitive-incident-cells",
        title="Känsliga händelser (rutor)",
        description=(
            "Känsliga händelser räknade i fasta rutor per kalenderår (datetime väljer hela år; utan "
            "datetime det senast redovisade); rutor med färre än k händelser visas inte, och ett antal "
            "som skulle avslöja ett mindre är dolt (hidden). Så ser alla utan behörighet känsliga "
            "händelser, i varje kanal."
        ),
        permission="layers.view_incident",
        order=40,
        source=CellSource(cells=_sensitive_incident_cells),
    )
)

register(
    Collection(
        id="detaljplaner",
        title="Detaljplaner",
        description="Detaljplanernas planområden (plangräns) med status och typ.",
        permission="layers.view_detaljplan",
        order=60,
        source=ModelSource(
            rows=all_rows(Detaljplan),
            geometry_field="area",
            geometry_type="MultiPolygon",
            properties=model_values(
                Detaljplan, "plan_id", "name", "status", "kind", "description", "generated"
            ),
            properties_schema={
                "plan_id": STRING,
                "name": STRING,
                "status": {"type": "string", "enum": list(Detaljplan.Status.values)},
                "kind": {"type": "string", "enum": list(Detaljplan.Kind.values)},
                "description": STRING,
                "generated": BOOLEAN,
            },
            queryables=(
                Queryable("id", "pk", "integer", description="detaljplanens id i Trygg"),
                Queryable("plan_id", "plan_id"),
                Queryable("status", "status", enum=tuple(Detaljplan.Status.values)),
                Queryable("kind", "kind", enum=tuple(Detaljplan.Kind.values)),
            ),
        ),
    )
)

register(
    Collection(
        id="plan-zones",
        title="Användningsområden i detaljplaner",
        description="Detaljplanernas användningsområden med Boverkets koder, idag och som planerat.",
        permission="layers.view_planzone",
        order=70,
        source=ModelSource(
            rows=all_rows(PlanZone),
            geometry_field="area",
            geometry_type="MultiPolygon",
            properties={
                "plan_id": "plan__plan_id",
                "scenario": "scenario",
                "use_code": "use_code",
                "label": "label",
                "regulations": "regulations",
            },
            properties_schema={
                "plan_id": STRING,
                "scenario": {"type": "string", "enum": list(PlanZone.Scenario.values)},
                "use_code": STRING,
                "label": STRING,
                "regulations": {"type": "array"},
            },
            queryables=(
                Queryable("plan_id", "plan__plan_id"),
                Queryable("plan", "plan_id", "integer", description="detaljplanens id"),
                Queryable("scenario", "scenario", enum=tuple(PlanZone.Scenario.values)),
                Queryable("use_code", "use_code", description=", ".join(BOVERKET_USE_CODES)),
            ),
        ),
    )
)


def _context_rows(kind: str) -> Any:
    def rows(user: AnyUser, municipality: Municipality) -> QuerySet[ContextFeature]:
        return ContextFeature.objects.filter(kind=kind)

    return rows


for _index, (_kind, _label) in enumerate(ContextFeature.Kind.choices):
    register(
        Collection(
            id=f"context-{_kind.replace('_', '-')}",
            title=f"Stadsmiljö: {_label}",
            description=f"Kontextobjekt av typen {_label.lower()} från kommunens kontextlager.",
            permission="layers.view_contextfeature",
            order=200 + _index,
            source=ModelSource(
                rows=_context_rows(_kind),
                geometry_field="geom",
                geometry_type="Geometry",
                properties={
                    "name": "name",
                    "layer": "layer__name",
                    "source_ref": "source_ref",
                    "attributes": "properties",
                },
                properties_schema={
                    "name": STRING,
                    "layer": STRING,
                    "source_ref": STRING,
                    "attributes": {"type": "object"},
                },
                queryables=(Queryable("layer", "layer__name"), Queryable("name", "name")),
            ),
        )
    )


register(
    Collection(
        id="hotspot-cells",
        title="Hot spots (Gi*-rutor)",
        description=(
            "Getis-Ord Gi* per fast ruta i kommunen, som på BRÅ-sidan: antal händelser, z, p och "
            "konfidensklass (hot/cold spot 99, 95, 90 %) för perioden i datetime (standard: de tolv "
            "senaste månaderna). Alla rutor i studieområdet; significant=true ger hot och cold spots. "
            "Utan behörighet beräknas rutorna utan känsliga händelser."
        ),
        permission="layers.view_incident",
        audited=True,
        order=50,
        source=HotSpotSource(),
    )
)
