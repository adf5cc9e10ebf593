"""The background map carried inside a file: the tiles an offline HTML map needs, as data: URIs
(decision 0753).

The offline HTML map (mapapp/bra_folium.py) must work with no network at all, so it cannot ask Trygg's
proxy. It carries the municipality's background tiles from the coarsest zoom up to the deepest that fits
the caps: the service's pictures through the proxy (its cache, its rules), else none; and the vector
background. trygg-basemap.js draws them exactly as on the pages (``TryggBasemap.addEmbedded``).
"""

from __future__ import annotations

import base64
import logging
import math
from typing import Any

from basemap import proxy, services, upstream, vector
from layers.models import Municipality

log = logging.getLogger(__name__)

HALF = 20037508.342789244
RASTER_ZOOMS = (10, 14)
VECTOR_ZOOMS = (10, 15)
MAX_RASTER_TILES = 160  # some 3–8 MB of pictures
MAX_VECTOR_TILES = 600  # vector tiles are a few KB each


def _tiles(area: tuple[float, float, float, float], z: int) -> list[tuple[int, int, int]]:
    span = 2 * HALF / 2**z
    x0 = max(0, math.floor((area[0] + HALF) / span))
    x1 = min(2**z - 1, math.floor((area[2] + HALF) / span))
    y0 = max(0, math.floor((HALF - area[3]) / span))
    y1 = min(2**z - 1, math.floor((HALF - area[1]) / span))
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def _zoom_range(
    area: tuple[float, float, float, float], zooms: tuple[int, int], cap: int
) -> list[tuple[int, int, int]]:
    """All tiles of ``area`` from zooms[0] to the deepest zoom whose total stays within ``cap``."""
    chosen: list[tuple[int, int, int]] = []
    for z in range(zooms[0], zooms[1] + 1):
        more = _tiles(area, z)
        if chosen and len(chosen) + len(more) > cap:
            break
        chosen += more
    return chosen


def _key(z: int, x: int, y: int) -> str:
    return f"{z}/{x}/{y}"


def embedded_background(municipality: Municipality) -> dict[str, Any] | None:
    """What ``TryggBasemap.addEmbedded`` draws: the page configuration (as /karta/bakgrund.json) with
    the tiles themselves under ``raster.data`` and ``vector.data`` ({"z/x/y": data: URI or base64})."""
    area = services.area_3857(municipality)
    if area is None:
        return None
    config = services.browser_config(municipality)
    source = services.source_for(municipality)
    raster = config["raster"]
    if raster is not None and source is not None:
        data: dict[str, str] = {}
        for z, x, y in _zoom_range(area, RASTER_ZOOMS, MAX_RASTER_TILES):
            if not source.min_zoom <= z <= source.max_zoom:
                continue
            try:
                tile = proxy.raster_tile(source, z, x, y)
            except (proxy.NoTile, upstream.UpstreamError) as e:  # not there: the vector shows
                log.info("background tile %s/%s/%s not embedded: %s", z, x, y, type(e).__name__)
                continue
            if tile.data:
                data[_key(z, x, y)] = (
                    f"data:{tile.content_type};base64,{base64.b64encode(tile.data).decode()}"
                )
        raster = {**raster, "tiles": "", "data": data, "max_native_zoom": _deepest(data, raster)}
    tiles = _zoom_range(area, VECTOR_ZOOMS, MAX_VECTOR_TILES)
    vector_data = {}
    for z, x, y in tiles:
        blob = vector.vector_tile(municipality, z, x, y)
        if blob:
            vector_data[_key(z, x, y)] = base64.b64encode(blob).decode()
    deepest = max((t[0] for t in tiles), default=VECTOR_ZOOMS[0])
    return {
        **config,
        "raster": raster,
        "vector": {**config["vector"], "tiles": "", "data": vector_data, "max_data_zoom": deepest},
    }


def _deepest(data: dict[str, str], raster: dict[str, Any]) -> int:
    zooms = [int(key.split("/")[0]) for key in data]
    return max(zooms) if zooms else int(raster["max_native_zoom"])
