"""A generated urban context around the demo detaljplan near Väsby centrum (docs/decisions/0302).

Upplands Väsby has no open OSM extract here, so the demo draws a plausible town around the plan, in OSM
tags so the importers' conventions hold: a street grid with a main street through the plan, footpaths
(one through the park unlit), perimeter blocks of 3–7 storeys, shops and cafés in the ground floors along
the main street (some open in the evening), a pub, a gym, a library, a school and a preschool, a
sports ground, street lamps every 30 m with two dark stretches, a park with a pond, bus stops on the
main street, front doors on the blocks beside the plan, a garage entrance and a residents' car park. Inside the plan area
today: a two-storey mall and a surface car park. Seeded, so every run gives the same town; every feature
carries ``"trygg:generated": "yes"`` and the layer's name says "Genererad".
"""

from __future__ import annotations

import itertools

import numpy as np
from django.contrib.gis.geos import GEOSGeometry, LineString, Point, Polygon
from django.db import transaction

from geo.crs import STORAGE_SRID
from layers.models import ContextFeature, ContextLayer, ImportBatch, Municipality

LAYER_NAME = "Genererad stadsmiljö (demo)"
SEED = 116
LAMP_SPACING_M = 30.0
STREET_NAMES = {
    0: "Centralvägen",  # the main street, through the plan (the plan's GATA zone)
    -145: "Dragonvägen",
    145: "Stationsgatan",
    -350: "Kanalvägen",
    350: "Malmvägen",
}
CROSS_NAMES = ["Ekvägen", "Lindvägen", "Björkvägen", "Almvägen", "Lönnvägen", "Askvägen"]
SHOPS = [
    ({"shop": "supermarket", "name": "Matbutiken", "opening_hours": "Mo-Su 07:00-22:00"}),
    (
        {
            "amenity": "cafe",
            "name": "Kafé Dragonen",
            "opening_hours": "Mo-Fr 07:00-18:00; Sa-Su 09:00-17:00",
        }
    ),
    ({"amenity": "restaurant", "name": "Pizzeria Centrum", "opening_hours": "Mo-Su 11:00-22:00"}),
    (
        {
            "amenity": "pub",
            "name": "Puben vid torget",
            "opening_hours": "Mo-Th 16:00-24:00; Fr-Sa 15:00-02:00",
        }
    ),
    ({"shop": "convenience", "name": "Närbutik", "opening_hours": "Mo-Su 07:00-23:00"}),
    (
        {
            "amenity": "pharmacy",
            "name": "Apoteket",
            "opening_hours": "Mo-Fr 09:00-19:00; Sa 10:00-16:00",
        }
    ),
    (
        {
            "shop": "hairdresser",
            "name": "Frisören",
            "opening_hours": "Tu-Fr 10:00-18:00; Sa 10:00-14:00",
        }
    ),
    ({"amenity": "fast_food", "name": "Grillen", "opening_hours": "Mo-Su 10:00-23:00"}),
    (
        {
            "shop": "clothes",
            "name": "Kläder & Co",
            "opening_hours": "Mo-Fr 10:00-19:00; Sa 10:00-17:00",
        }
    ),
    ({"leisure": "fitness_centre", "name": "Gymmet", "opening_hours": "Mo-Su 05:00-23:00"}),
    (
        {
            "amenity": "library",
            "name": "Biblioteket",
            "opening_hours": "Mo-Th 10:00-20:00; Fr 10:00-18:00; Sa 11:00-15:00",
        }
    ),
    ({"shop": "bakery", "name": "Bageriet", "opening_hours": "Mo-Sa 07:00-16:00"}),
]


def _rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)), srid=STORAGE_SRID)


class _Town:
    def __init__(self, cx: float, cy: float) -> None:
        self.cx, self.cy = cx, cy
        self.rng = np.random.default_rng(SEED)
        self.features: list[tuple[str, GEOSGeometry, str, dict[str, str]]] = []

    def add(self, kind: str, geom: GEOSGeometry, name: str = "", **tags: str) -> None:
        tags = {k.replace("__", ":"): v for k, v in tags.items()}
        if name:
            tags["name"] = name
        tags["trygg:generated"] = "yes"
        self.features.append((kind, geom, name, tags))

    def lamps_along(
        self, line: LineString, offset_m: float, skip: tuple[float, float] | None = None
    ) -> None:
        """Lamps every LAMP_SPACING_M along ``line``, beside it; none between ``skip`` (metres along)."""
        (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
        length = line.length
        nx, ny = -(y1 - y0) / length, (x1 - x0) / length  # unit normal
        for d in np.arange(LAMP_SPACING_M / 2, length, LAMP_SPACING_M):
            if skip and skip[0] <= d <= skip[1]:
                continue
            t = d / length
            x, y = x0 + t * (x1 - x0) + offset_m * nx, y0 + t * (y1 - y0) + offset_m * ny
            self.add(
                "lamp",
                Point(x, y, srid=STORAGE_SRID),
                highway="street_lamp",
                lamp_mount="straight_mast",
            )


def _perimeter_blocks(
    town: _Town, xs: list[float], ys: list[float], cx: float, cy: float, shops: list[dict[str, str]]
) -> None:
    """Perimeter blocks of flats; the ones on Centralvägen have shops in the ground floor (taken
    from the front of ``shops``)."""
    rng = town.rng
    for x0, x1 in itertools.pairwise(xs):
        for y0, y1 in itertools.pairwise(ys):
            if x0 == cx - 180 and x1 == cx + 180:
                continue  # the plan area
            if x0 == cx + 180 and y0 == cy - 350:
                continue  # the park
            bx0, bx1, by0, by1 = x0 + 12, x1 - 12, y0 + 12, y1 - 12
            town.add("landuse", _rect(bx0, by0, bx1, by1), "", landuse="residential")
            on_main_street = cy in (y0, y1)
            depth = 13.0
            for side_y, toward in ((by0, 1), (by1 - depth, -1)):
                for part in range(2):
                    ax0 = bx0 + part * (bx1 - bx0) / 2 + 3
                    ax1 = bx0 + (part + 1) * (bx1 - bx0) / 2 - 3
                    levels = str(int(rng.integers(3, 8)))
                    faces_main = on_main_street and (
                        (toward == 1 and y0 == cy) or (toward == -1 and y1 == cy)
                    )
                    footprint = _rect(ax0, side_y, ax1, side_y + depth)
                    tags = {"building": "apartments", "building__levels": levels}
                    if faces_main:
                        tags["building__use"] = "residential;retail"
                    town.add("building", footprint, "", **tags)
                    if x0 == cx + 180 or x1 == cx - 180:  # the blocks beside the plan: front doors
                        door_y = side_y if toward == 1 else side_y + depth
                        town.add(
                            "poi",
                            Point((ax0 + ax1) / 2, door_y, srid=STORAGE_SRID),
                            "",
                            entrance="main",
                        )
                    if faces_main and shops:
                        spec = dict(shops.pop(0))
                        name = spec.pop("name")
                        edge_y = side_y if toward == 1 else side_y + depth
                        px = (ax0 + ax1) / 2
                        py = edge_y + 3 * toward
                        town.add("poi", Point(px, py, srid=STORAGE_SRID), name, **spec)


def _generate(cx: float, cy: float) -> _Town:
    town = _Town(cx, cy)
    xs = [cx - 480, cx - 330, cx - 180, cx + 180, cx + 330, cx + 480]
    ys = [cy - 350, cy - 145, cy, cy + 145, cy + 350]
    # Streets: the horizontal ones run the whole width, the cross streets the whole height.
    for dy, name in STREET_NAMES.items():
        y = cy + dy
        for a, b in itertools.pairwise(xs):
            line = LineString((a, y), (b, y), srid=STORAGE_SRID)
            kind = "secondary" if dy == 0 else "residential"
            town.add(
                "street",
                line,
                name,
                highway=kind,
                lit="yes",
                maxspeed="30" if dy else "40",
                sidewalk="both",
            )
            dark = (
                (0.0, 80.0) if (dy == -350 and a == xs[3]) else None
            )  # a dark stretch on Kanalvägen
            town.lamps_along(line, 7.0, skip=dark)
    for x, name in zip(xs, CROSS_NAMES, strict=True):
        for a, b in itertools.pairwise(ys):
            line = LineString((x, a), (x, b), srid=STORAGE_SRID)
            town.add("street", line, name, highway="residential", lit="yes", maxspeed="30")
            town.lamps_along(line, 7.0)
    # Footpaths: through the blocks and the park; the diagonal through the park is unlit.
    park = _rect(cx + 192, cy - 338, cx + 318, cy - 157)
    town.add("park", park, "Dragonparken", leisure="park")
    town.add(
        "park", _rect(cx + 200, cy - 190, cx + 230, cy - 165), "Lekplatsen", leisure="playground"
    )
    town.add("water", _rect(cx + 270, cy - 320, cx + 305, cy - 290), "Dammen", natural="water")
    diagonal = LineString((cx + 192, cy - 338), (cx + 318, cy - 157), srid=STORAGE_SRID)
    town.add("path", diagonal, "Parkstigen", highway="footway", lit="no", surface="gravel")
    for path, lit in (
        (LineString((cx - 405, cy - 145), (cx - 405, cy - 350), srid=STORAGE_SRID), "yes"),
        (LineString((cx + 405, cy + 145), (cx + 405, cy + 350), srid=STORAGE_SRID), "yes"),
        (LineString((cx - 180, cy + 250), (cx - 330, cy + 250), srid=STORAGE_SRID), "no"),
        (LineString((cx, cy - 125), (cx, cy - 145), srid=STORAGE_SRID), "yes"),
    ):
        town.add("path", path, "", highway="footway", lit=lit)
        if lit == "yes":
            town.lamps_along(path, 3.0)
    # Today's plan area: a two-storey mall north of Centralvägen, a car park south of it.
    mall = _rect(cx - 150, cy + 18, cx + 150, cy + 115)
    town.add("building", mall, "Väsby centrumhus", building="retail", building__levels="2")
    town.add(
        "landuse", _rect(cx - 160, cy - 125, cx + 160, cy - 10), "Markparkering", amenity="parking"
    )
    town.add("landuse", _rect(cx - 160, cy + 10, cx + 160, cy + 125), "", landuse="retail")
    # Perimeter blocks; the ones on Centralvägen have shops in the ground floor.
    shops = list(SHOPS)
    _perimeter_blocks(town, xs, ys, cx, cy, shops)
    # A school and a few more places further from the centre.
    town.add("poi", _rect(cx - 470, cy + 160, cx - 345, cy + 240), "Dragonskolan", amenity="school")
    town.add(
        "poi",
        Point(cx + 250, cy + 160, srid=STORAGE_SRID),
        "Vårdcentralen",
        amenity="clinic",
        opening_hours="Mo-Fr 08:00-17:00",
    )
    # Method 2026.12 (issue 17): a preschool north of Centralvägen (children from the plan's homes
    # south of it cross the street), a sports ground west of the plan, a garage entrance and a
    # residents' car park east of it.
    town.add(
        "poi",
        _rect(cx + 200, cy + 170, cx + 260, cy + 230),
        "Förskolan Ekorren",
        amenity="kindergarten",
    )
    town.add("park", _rect(cx - 460, cy - 330, cx - 350, cy - 250), "Bollplanen", leisure="pitch")
    town.add(
        "poi",
        Point(cx + 200, cy - 125, srid=STORAGE_SRID),
        "Garageinfart",
        amenity="parking_entrance",
        parking="underground",
    )
    town.add(
        "landuse",
        _rect(cx + 345, cy + 20, cx + 465, cy + 60),
        "Boendeparkering",
        amenity="parking",
        lit="no",
    )
    for k, leftover in enumerate(shops):  # any left over go along Stationsgatan
        spec = dict(leftover)
        name = spec.pop("name")
        town.add("poi", Point(cx - 300 + 45 * k, cy + 160, srid=STORAGE_SRID), name, **spec)
    for i, x in enumerate((cx - 400, cx - 250, cx + 250, cx + 400)):
        town.add(
            "bus_stop",
            Point(x, cy + (9 if i % 2 else -9), srid=STORAGE_SRID),
            "Väsby centrum" if abs(x - cx) < 300 else "Centralvägen",
            highway="bus_stop",
            shelter="yes" if i != 1 else "no",
            bus="yes",
        )
    return town


@transaction.atomic
def generate_context(municipality: Municipality, cx: float, cy: float) -> ContextLayer:
    """Create the generated context layer around (cx, cy) once; later runs find it and return it."""
    existing = ContextLayer.objects.filter(municipality=municipality, name=LAYER_NAME).first()
    if existing is not None:
        return existing
    batch = ImportBatch.objects.create(
        municipality=municipality,
        kind=ImportBatch.Kind.DEMO,
        profile="genererad_kontext",
        filename=f"genererad stadsmiljö (seed {SEED})",
    )
    layer = ContextLayer.objects.create(
        municipality=municipality,
        name=LAYER_NAME,
        source=f"Genererad demodata (seed {SEED}), inte verklig",
        licence="",
        import_batch=batch,
    )
    town = _generate(cx, cy)
    ContextFeature.objects.bulk_create(
        [
            ContextFeature(
                municipality=municipality,
                layer=layer,
                kind=kind,
                geom=geom,
                name=name[:300],
                source_ref=f"demo/{n}",
                properties=tags,
            )
            for n, (kind, geom, name, tags) in enumerate(town.features, start=1)
        ],
        batch_size=1000,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        rows_read=len(town.features), rows_stored=len(town.features)
    )
    return layer
