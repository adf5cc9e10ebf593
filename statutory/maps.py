"""The lägesbild's map as a picture (PNG), drawn from its frozen hot-spot cells over the NYKO areas.

One picture serves the page, the print (and so the PDF) and the DOCX, so all three show the same map.
The cells are the frozen ones (``figures["map"]``, non-sensitive incidents, decision 0800); the NYKO
outlines are today's (borders, not figures). Drawn with Pillow in SWEREF 99 TM, north up.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from PIL import Image, ImageDraw

from layers.models import StatisticalArea
from statutory.models import Lagesbild

WIDTH = 1000
MARGIN = 10
# Esri's hot-spot classes 1–3 (90, 95, 99 % confidence), light to dark red.
CLASS_COLOURS = {1: (252, 187, 161), 2: (251, 106, 74), 3: (203, 24, 29)}
OUTLINE = (110, 110, 110)
FOCUS_OUTLINE = (30, 30, 30)


def _rings(geometry: GEOSGeometry) -> list[list[tuple[float, float]]]:
    polygons = list(geometry) if isinstance(geometry, MultiPolygon) else [geometry]
    return [
        [(float(x), float(y)) for x, y, *_z in p.exterior_ring.coords]
        for p in polygons
        if isinstance(p, Polygon)
    ]


def draw(doc: Lagesbild) -> bytes | None:
    """The map as PNG bytes; None when the document has no area to draw."""
    areas = StatisticalArea.objects.filter(municipality=doc.municipality)
    if doc.district_id:
        areas = areas.filter(district_id=doc.district_id)
    shapes = [a.area.simplify(10, preserve_topology=True) for a in areas]
    if not shapes:
        return None
    xs = [x for s in shapes for ring in _rings(s) for x, _y in ring]
    ys = [y for s in shapes for ring in _rings(s) for _x, y in ring]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = (WIDTH - 2 * MARGIN) / max(x1 - x0, 1.0)
    height = int((y1 - y0) * scale) + 2 * MARGIN

    def px(x: float, y: float) -> tuple[float, float]:
        return MARGIN + (x - x0) * scale, height - MARGIN - (y - y0) * scale

    image = Image.new("RGB", (WIDTH, height), (255, 255, 255))
    pen = ImageDraw.Draw(image)
    cells: list[list[Any]] = doc.figures.get("map", {}).get("hot_cells", [])
    for cx0, cy0, cx1, cy1, cls, _count in cells:
        colour = CLASS_COLOURS.get(int(cls))
        if colour is not None:
            pen.rectangle([px(cx0, cy1), px(cx1, cy0)], fill=colour)
    for shape in shapes:
        for ring in _rings(shape):
            pen.line([px(x, y) for x, y in ring], fill=OUTLINE, width=1)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def data_uri(png: bytes | None) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode() if png else ""
