"""Demo rows for the walk pages: land owned by AB Väsbyhem (so suggested offices follow the land owner)
and a planned follow-up walk for the tablet page. Generated and labelled like the rest of the demo
(docs/decisions/0006); idempotent: each row has a natural key and is created only when missing.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import transaction

from geo.crs import STORAGE_SRID
from layers import reference
from layers.models import (
    ContextFeature,
    ContextLayer,
    District,
    Municipality,
    Office,
    StatisticalArea,
)
from surveys.models import Light, Trygghetsvandring, WalkParticipants

LAND_OWNER_LAYER = "Fastigheter, AB Väsbyhem (genererad demo)"
PLANNED_WALK = "Uppföljning: Trygghetsvandring Runby"
EARLIER_WALK = "Trygghetsvandring Runby"
RUNBY_NYKO = "111000"


def _runby_centre(municipality: Municipality) -> tuple[float, float]:
    area = StatisticalArea.objects.get(municipality=municipality, code=RUNBY_NYKO).area
    point = area.point_on_surface
    return float(point.x), float(point.y)


@transaction.atomic
def load_land_owners(municipality: Municipality) -> None:
    """A block of AB Väsbyhem's housing on the east side of the Runby walk's loop (generated)."""
    layer, created = ContextLayer.objects.get_or_create(
        municipality=municipality,
        name=LAND_OWNER_LAYER,
        defaults={
            "source": "Genererad demodata: inte AB Väsbyhems verkliga fastigheter",
            "licence": "CC0",
        },
    )
    if not created and layer.features.exists():
        return
    cx, cy = _runby_centre(municipality)
    x0, y0, x1, y1 = cx + 120, cy - 260, cx + 460, cy + 260
    ring = ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
    ContextFeature.objects.create(
        municipality=municipality,
        layer=layer,
        kind=ContextFeature.Kind.LANDUSE,
        geom=MultiPolygon(Polygon(ring), srid=STORAGE_SRID),
        name="Väsbyhem, Runby (demo)",
        source_ref="demo-vasbyhem-runby",
        properties={"landuse": "residential", "owner": reference.VASBYHEM, "generated": True},
    )


@transaction.atomic
def load_planned_walk(municipality: Municipality, today: date) -> Trygghetsvandring | None:
    """A planned follow-up of the Runby walk, a week ahead when first loaded, for the tablet page."""
    existing = Trygghetsvandring.objects.filter(
        municipality=municipality, name=PLANNED_WALK
    ).first()
    if existing is not None:
        return existing
    earlier = (
        Trygghetsvandring.objects.filter(municipality=municipality, name=EARLIER_WALK)
        .order_by("-walked_on")
        .first()
    )
    if earlier is None or earlier.route is None:
        return None
    walk = Trygghetsvandring.objects.create(
        municipality=municipality,
        district=District.objects.filter(municipality=municipality, code="vastra").first(),
        name=PLANNED_WALK,
        walked_on=today + timedelta(days=7),
        start_time=time(19, 0),
        light=Light.DUSK,
        status=Trygghetsvandring.Status.PLANNED,
        route=earlier.route.clone(),
        follow_up_of=earlier,
        checklist=[str(item) for item in earlier.checklist],
        notes="Genererad demovandring: uppföljning av vandringen i Runby. Öppna den på /falt/.",
        generated=True,
    )
    walk.partners.set(
        Office.objects.filter(
            municipality=municipality, name__in=[reference.VASBYHEM, reference.POLISEN]
        )
    )
    for (gender, age), count in {
        ("kvinna", "vuxen"): 4,
        ("man", "vuxen"): 2,
        ("kvinna", "barn"): 2,
        ("kvinna", "senior"): 1,
    }.items():
        WalkParticipants.objects.create(walk=walk, gender=gender, age_group=age, count=count)
    return walk
