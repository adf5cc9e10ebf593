"""Save a detaljplan drawn or edited on the map: its plan area and use zones, in one transaction.

The edit page sends GeoJSON in WGS 84; geometries are checked (finite, polygonal), repaired, moved to
SWEREF 99 TM, and zones are clipped to the plan area. Zones keep their id, so the regulations and
bestämmelseområden of an imported zone survive a redrawn boundary.
"""

from __future__ import annotations

import json
import re
from typing import Any

import shapely
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.gis.db.models.functions import NumPoints
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.crs import STORAGE_SRID, WEB_SRID, transformer
from geo.validation import GeometryRejected, check_finite, repair_polygon
from layers.geometry import to_shapely
from layers.importers.vector import geometry_reason, stored_multipolygon
from layers.models import Detaljplan, Municipality, PlanZone, RegulationArea
from layers.plan_size import MAX_PLAN_VERTICES, geojson_positions, too_large_message

USE_CODE_FORM = re.compile(r"^[A-ZÅÄÖ][A-ZÅÄÖ0-9 ]{0,29}$")
MAX_ZONES = 500
MIN_ZONE_AREA_M2 = 1.0


class PlanInvalid(ValueError):
    """The drawn plan cannot be saved; ``fields`` names what is wrong (safe to show)."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


def _polygon(value: Any, field: str) -> BaseGeometry:
    """A valid (Multi)Polygon in SWEREF 99 TM from a GeoJSON geometry in WGS 84."""
    if not isinstance(value, dict):
        raise PlanInvalid(_("Ytan saknas"), {field: _("rita en yta")})
    try:
        geom = shape(value)
        check_finite(geom)
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        shapely.errors.GEOSException,
    ) as e:
        raise PlanInvalid(_("Ytan är inte giltig GeoJSON"), {field: str(e)[:200]}) from e
    if geom.geom_type not in {"Polygon", "MultiPolygon"}:
        raise PlanInvalid(_("Ytan måste vara en polygon"), {field: geom.geom_type})
    coords = shapely.get_coordinates(geom)
    if not (
        (-180 <= coords[:, 0]).all()
        and (coords[:, 0] <= 180).all()
        and (-90 <= coords[:, 1]).all()
        and (coords[:, 1] <= 90).all()
    ):
        raise PlanInvalid(
            _("Ytan ska vara i WGS 84 (longitud, latitud)"), {field: _("utanför WGS 84")}
        )
    t = transformer(WEB_SRID, STORAGE_SRID)
    moved = shapely.transform(geom, t.transform, interleaved=False)
    try:
        return repair_polygon(moved)
    except GeometryRejected as e:
        raise PlanInvalid(_("Ytan kunde inte lagas"), {field: geometry_reason(e)}) from e


def parse_payload(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise PlanInvalid(_("Förfrågan är inte JSON")) from e
    if not isinstance(data, dict):
        raise PlanInvalid(_("Förfrågan ska vara ett JSON-objekt"))
    return data


@transaction.atomic
def save_plan(
    municipality: Municipality,
    plan: Detaljplan | None,
    data: dict[str, Any],
    *,
    user: User | AnonymousUser | None = None,
) -> tuple[Detaljplan, list[int]]:
    """Create (``plan`` None) or update a plan from the edit page's payload; raises ``PlanInvalid``.

    Returns the plan and the ids of its zones in the order they were sent.
    """
    meta = data.get("plan") if isinstance(data.get("plan"), dict) else {}
    assert isinstance(meta, dict)
    errors: dict[str, str] = {}
    plan_id = str(meta.get("plan_id", "")).strip()[:60]
    name = str(meta.get("name", "")).strip()[:300]
    status = str(meta.get("status") or Detaljplan.Status.ONGOING)
    kind = str(meta.get("kind") or Detaljplan.Kind.NEW)
    description = str(meta.get("description", ""))[:5000]
    if not plan_id:
        errors["plan_id"] = _("ange ett plan-id")
    elif (
        Detaljplan.objects.filter(municipality=municipality, plan_id=plan_id)
        .exclude(pk=plan.pk if plan else 0)
        .exists()
    ):
        errors["plan_id"] = _("det finns redan en plan med detta plan-id")
    if not name:
        errors["name"] = _("ange planens namn")
    if status not in Detaljplan.Status.values:
        errors["status"] = _("okänd status")
    if kind not in Detaljplan.Kind.values:
        errors["kind"] = _("okänd plantyp")
    if errors:
        raise PlanInvalid(_("Planen kunde inte sparas"), errors)
    zones_in = data.get("zones") or []
    if not isinstance(zones_in, list) or len(zones_in) > MAX_ZONES:
        raise PlanInvalid(_("Områdena ska vara en lista (högst %(n)s)") % {"n": MAX_ZONES})
    _check_size(plan_id, plan, data.get("area"), zones_in)
    area = _polygon(data.get("area"), "area")
    boundary = to_shapely(municipality.boundary)
    if not boundary.intersects(area):
        raise PlanInvalid(
            _("Planområdet ligger utanför kommunen"),
            {"area": _("rita planområdet i %(muni)s") % {"muni": municipality.name}},
        )
    shapely.prepare(area)
    cleaned: list[tuple[int | None, str, str, str, BaseGeometry]] = []
    for number, zone in enumerate(zones_in, start=1):
        cleaned.append(_clean_zone(number, zone, area))

    if plan is None:
        plan = Detaljplan(municipality=municipality)
    plan.plan_id, plan.name, plan.status, plan.kind = plan_id, name, status, kind
    plan.description = description
    plan.area = stored_multipolygon(area)
    plan.save()
    existing = {z.pk: z for z in plan.zones.all()}
    saved: list[int] = []
    for zone_id, code, label, scenario, geom in cleaned:
        zone = existing.get(zone_id) if zone_id is not None else None
        if zone is None:
            zone = PlanZone(municipality=municipality, plan=plan)
        zone.use_code, zone.label, zone.scenario = code, label, scenario
        zone.area = stored_multipolygon(geom)
        zone.save()
        saved.append(zone.pk)
    # Zones no longer on the map go; their bestämmelseområden stay, without a zone (SET_NULL).
    plan.zones.exclude(pk__in=saved).delete()
    return plan, saved


def _clean_zone(
    number: int, zone: Any, area: BaseGeometry
) -> tuple[int | None, str, str, str, BaseGeometry]:
    """One zone of the payload, checked and clipped to the plan area: (id, use code, label,
    scenario, geometry); raises ``PlanInvalid`` naming the zone."""
    key = f"zones.{number}"
    if not isinstance(zone, dict):
        raise PlanInvalid(_("Område %(n)s är inte ett objekt") % {"n": number}, {key: "?"})
    code = " ".join(str(zone.get("use_code", "")).upper().split())
    if code and not USE_CODE_FORM.match(code):
        raise PlanInvalid(_("Område %(n)s: ogiltig användningskod") % {"n": number}, {key: code})
    scenario = str(zone.get("scenario") or PlanZone.Scenario.PLANNED)
    if scenario not in PlanZone.Scenario.values:
        raise PlanInvalid(_("Område %(n)s: okänt scenario") % {"n": number}, {key: scenario})
    geom = _polygon(zone.get("geometry"), key)
    clipped = geom.intersection(area)
    if clipped.area < MIN_ZONE_AREA_M2:
        raise PlanInvalid(
            _("Område %(n)s ligger utanför planområdet") % {"n": number},
            {key: _("rita området inom plangränsen")},
        )
    if not clipped.equals(geom):
        try:
            geom = repair_polygon(_polygonal(clipped))
        except GeometryRejected as e:
            raise PlanInvalid(
                _("Område %(n)s kunde inte lagas") % {"n": number}, {key: geometry_reason(e)}
            ) from e
    raw_id = zone.get("id")
    zone_id = (
        int(raw_id)
        if (isinstance(raw_id, int) and not isinstance(raw_id, bool))
        # ASCII digits only: "²".isdigit() is true but int("²") fails
        or (isinstance(raw_id, str) and raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 19)
        else None
    )
    return zone_id, code, str(zone.get("label", "")).strip()[:200], scenario, geom


def _check_size(plan_id: str, plan: Detaljplan | None, area: Any, zones: list[Any]) -> None:
    """Refuse a plan of more than ``MAX_PLAN_VERTICES`` (its area, the zones sent and the
    bestämmelseområden it keeps), counted before any geometry is built or repaired."""
    sent = geojson_positions(area) + sum(
        geojson_positions(z.get("geometry")) for z in zones if isinstance(z, dict)
    )
    kept = 0
    if plan is not None:
        kept = int(
            RegulationArea.objects.filter(plan=plan).aggregate(n=Sum(NumPoints("area")))["n"] or 0
        )
    if sent + kept > MAX_PLAN_VERTICES:
        message = too_large_message(plan_id, sent + kept)
        raise PlanInvalid(message, {"area": message})


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygonal parts of an intersection (which may hold lines where edges touch)."""
    if geom.geom_type in {"Polygon", "MultiPolygon"}:
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in {"Polygon", "MultiPolygon"}]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def plan_as_geojson(plan: Detaljplan) -> dict[str, Any]:
    """The plan, its zones and bestämmelseområden for the edit page, in WGS 84."""
    t = transformer(STORAGE_SRID, WEB_SRID)

    def out(geom: Any) -> Any:
        moved = shapely.transform(to_shapely(geom), t.transform, interleaved=False)
        return json.loads(shapely.to_geojson(shapely.set_precision(moved, 1e-7)))

    return {
        "plan": {
            "id": plan.pk,
            "plan_id": plan.plan_id,
            "name": plan.name,
            "status": plan.status,
            "kind": plan.kind,
            "description": plan.description,
        },
        "area": out(plan.area),
        "zones": [
            {
                "id": z.pk,
                "use_code": z.use_code,
                "label": z.label,
                "scenario": z.scenario,
                "regulations": len(z.regulations),
                "geometry": out(z.area),
            }
            for z in plan.zones.order_by("scenario", "pk")
        ],
        "regulation_areas": [
            {
                "source_ref": r.source_ref,
                "codes": [str(x.get("code") or "") for x in r.regulations],
                "texts": [str(x.get("text") or "") for x in r.regulations],
                "geometry": out(r.area),
            }
            for r in plan.regulation_areas.all()
        ],
    }
