"""The offline vector background: one Mapbox vector tile of the municipality's own data (decision 0723).

Layers and their attributes are listed in docs/api.md ("Vektorbakgrund"); the SQL is in
basemap/sql/vector_tile.sql. Zooms VECTOR_MIN_ZOOM–VECTOR_MAX_ZOOM have content; a map shows deeper zooms
by enlarging zoom 18 (protomaps-leaflet's ``maxDataZoom``).
"""

from __future__ import annotations

import logging

from basemap.services import VECTOR_MAX_ZOOM, VECTOR_MIN_ZOOM
from core.sql import fetch_one
from layers.models import Municipality

log = logging.getLogger(__name__)

EXTENT = 4096
BUFFER = 64
# Caps per layer, the largest features first: a crowded tile stays in the low hundreds of kilobytes.
STREET_CAP = 3000
BUILDING_CAP = 6000
AREA_CAP = 3000
LARGE_TILE_BYTES = 512 * 1024  # logged: a tile this large is worth a look at the data


def vector_tile(municipality: Municipality, z: int, x: int, y: int) -> bytes:
    """The background tile z/x/y of ``municipality``; b"" when it holds nothing (or z is outside
    VECTOR_MIN_ZOOM–VECTOR_MAX_ZOOM)."""
    if not VECTOR_MIN_ZOOM <= z <= VECTOR_MAX_ZOOM:
        return b""
    row = fetch_one("basemap", "vector_tile", tile_params(municipality.pk, z, x, y))
    data = bytes(row[0]) if row and row[0] is not None else b""
    if len(data) > LARGE_TILE_BYTES:
        log.warning("vector background tile %s/%s/%s is %d bytes", z, x, y, len(data))
    return data


def tile_params(municipality_id: int, z: int, x: int, y: int) -> dict[str, int]:
    return {
        "z": z,
        "x": x,
        "y": y,
        "extent": EXTENT,
        "buffer": BUFFER,
        "municipality": municipality_id,
        "street_cap": STREET_CAP,
        "building_cap": BUILDING_CAP,
        "area_cap": AREA_CAP,
    }
