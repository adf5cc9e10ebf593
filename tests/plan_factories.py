"""Plans, zones and urban context for the scoring tests, placed around Väsby centrum (SWEREF 99 TM).

Until the context importer lands, context features are made here with OSM-like properties.
"""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import GEOSGeometry, LineString, MultiPolygon, Point, Polygon

from geo.crs import STORAGE_SRID
from layers.models import ContextFeature, ContextLayer, Detaljplan, Municipality, PlanZone
from tests.factories import VASBY_CENTRUM, MunicipalityFactory

CX, CY = VASBY_CENTRUM


def rect(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    """A rectangle in metres relative to Väsby centrum."""
    ring = (
        (CX + x0, CY + y0),
        (CX + x1, CY + y0),
        (CX + x1, CY + y1),
        (CX + x0, CY + y1),
        (CX + x0, CY + y0),
    )
    return MultiPolygon(Polygon(ring), srid=STORAGE_SRID)


def line(*pts: tuple[float, float]) -> LineString:
    return LineString([(CX + x, CY + y) for x, y in pts], srid=STORAGE_SRID)


def point(x: float, y: float) -> Point:
    return Point(CX + x, CY + y, srid=STORAGE_SRID)


def context_layer(municipality: Municipality | None = None, name: str = "Test-OSM") -> ContextLayer:
    municipality = municipality or MunicipalityFactory()
    layer, _ = ContextLayer.objects.get_or_create(
        municipality=municipality, name=name, defaults={"source": "test", "licence": "ODbL"}
    )
    return layer


def feature(
    layer: ContextLayer, kind: str, geom: GEOSGeometry, **properties: Any
) -> ContextFeature:
    return ContextFeature.objects.create(
        municipality=layer.municipality, layer=layer, kind=kind, geom=geom, properties=properties
    )


def small_town(layer: ContextLayer) -> None:
    """A street grid around the plan: streets, a footway, lamps on one street, buildings, POIs, a stop."""
    for y in (-150, 0, 150):
        feature(layer, "street", line((-400, y), (400, y)), highway="residential", lit="no")
    for x in (-300, 300):
        feature(layer, "street", line((x, -400), (x, 400)), highway="residential")
    feature(layer, "street", line((0, 0), (0, 400)), highway="residential")  # stops at the block
    feature(layer, "path", line((-150, -150), (-150, 150)), highway="footway")
    for x in range(-375, 400, 50):  # lamps every 50 m along y = 150
        feature(layer, "lamp", point(x, 150), highway="street_lamp")
    for x0 in (-280, -130, 20, 170):
        feature(
            layer,
            "building",
            rect(x0, 160, x0 + 100, 190),
            building="apartments",
            **{"building:levels": "5"},
        )
    feature(layer, "building", rect(20, 10, 120, 40), building="retail")
    feature(layer, "building", rect(-280, -140, -200, -120), building="garages")
    feature(layer, "poi", point(60, 25), amenity="restaurant", opening_hours="Mo-Su 11:00-22:00")
    feature(layer, "poi", point(90, 25), amenity="pub")
    feature(layer, "poi", point(-100, 170), shop="convenience", opening_hours="Mo-Su 07:00-23:00")
    feature(layer, "landuse", rect(-300, 150, 300, 300), landuse="residential")
    feature(layer, "park", rect(150, -140, 290, -10), natural="wood")
    feature(layer, "bus_stop", point(5, 155), highway="bus_stop", name="Centrum")


def rebuilt_plan(municipality: Municipality | None = None, plan_id: str = "TEST-1") -> Detaljplan:
    """A rebuilt block south of the centre street: today a car park and a mall, as planned housing
    over shops facing the street, a square and a path through the block."""
    municipality = municipality or MunicipalityFactory()
    plan = Detaljplan.objects.create(
        municipality=municipality,
        plan_id=plan_id,
        name="Kvarteret Test",
        kind=Detaljplan.Kind.REBUILT,
        area=rect(-140, -140, 140, -10),
    )
    zones = [
        ("idag", "P", "Markparkering", rect(-140, -140, 140, -75), []),
        ("idag", "C", "Köpcentrum", rect(-140, -75, 140, -10), []),
        ("planerat", "B", "Bostäder", rect(-140, -140, -10, -10), []),
        (
            "planerat",
            "B",
            "Bostäder med lokaler",
            rect(10, -140, 140, -10),
            [
                {
                    "kind": "egenskap",
                    "code": "f1",
                    "text": "Bottenvåning mot gata ska inrymma lokaler",
                }
            ],
        ),
        ("planerat", "GÅNG", "Gångväg", rect(-10, -140, 10, -10), []),
    ]
    for scenario, code, label, area, regulations in zones:
        PlanZone.objects.create(
            municipality=municipality,
            plan=plan,
            scenario=scenario,
            use_code=code,
            label=label,
            area=area,
            regulations=regulations,
        )
    return plan
