"""One Web Mercator tile z/x/y of the municipality's map service: from the cache, the service, or warped.

- **Direct** (an XYZ service, or a WMTS set on the Web Mercator pyramid): the service's tile z/x/y is
  fetched and passed on as it came (checked to be a PNG, JPEG or WebP image).
- **Warped** (a WMTS with SWEREF 99 TM tiles only): the service's matrix whose pixels are the largest no
  larger than the tile's is pinned (``geo.wmts.pick_matrix``), its tiles covering the Web Mercator tile are
  fetched (each cached on its own, for the neighbouring tiles), put together and warped with GDAL
  (``geo.webtiles.warp_into_tile``) into a PNG. GDAL itself never goes to the network, so its own
  ``./gdalwmscache`` and HTTP settings play no part (docs/decisions/0722).

Both go through ``TileCache``: a tile fresher than the service's refresh age is served from it; an older
one is fetched again, and when the service fails the old one is served (stale-if-error) as long as the
keep age allows. Two requests for the same tile in one process make one upstream request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from affine import Affine

from basemap import upstream
from basemap.cache import Entry, TileCache, cache_for
from basemap.sources import TileSource
from geo.webtiles import (
    TILE_PX,
    decode_rgba,
    encode_png,
    is_transparent,
    tile_bounds_in,
    warp_into_tile,
)
from geo.wmts import TileMatrix, pick_matrix

log = logging.getLogger(__name__)

PNG = "image/png"
# More service tiles than this for one Web Mercator tile means a mismatch (a set without the levels
# needed); refused rather than fetched (a z13 tile takes 6 at the pinned level).
MAX_SOURCE_TILES = 16
IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
# The service answered that it has no tile there: not an error.
NO_TILE_STATUSES = frozenset({204, 404})

_fetchers = ThreadPoolExecutor(max_workers=upstream.CONCURRENCY, thread_name_prefix="basemap")


class NoTile(Exception):
    """Not a tile Trygg serves (zoom outside the service's range)."""


@dataclass(frozen=True)
class RasterTile:
    data: bytes  # b"": the service has no tile here
    content_type: str
    fetched_at: float
    cache: str  # "hit", "miss" or "stale" (served from the cache because the service failed)


def raster_tile(source: TileSource, z: int, x: int, y: int) -> RasterTile:
    """Tile z/x/y of ``source``. Raises ``upstream.UpstreamError`` when the service fails and the cache
    has nothing young enough; ``NoTile`` for a zoom outside the service's range."""
    if not source.min_zoom <= z <= source.max_data_zoom():
        raise NoTile(f"zoom {z} is outside {source.min_zoom}–{source.max_data_zoom()}")
    if source.kind == "wmts" and source.direct and z not in source.zooms:
        raise NoTile(f"the service's tile matrix set has no zoom {z}")
    cache = _cache(source)
    key = f"tile/{z}/{x}/{y}"
    if source.direct:
        return _cached(source, cache, key, lambda: _fetch_image(source, source.xyz_url(z, x, y)))
    return _cached(source, cache, key, lambda: _warped(source, cache, z, x, y))


def _cache(source: TileSource) -> TileCache:
    return cache_for(
        source.name, source.version, max_bytes=source.cache_max_bytes, keep_s=source.keep_s
    )


_inflight: dict[str, threading.Lock] = {}
_inflight_lock = threading.Lock()


def _cached(
    source: TileSource, cache: TileCache, key: str, produce: Callable[[], tuple[bytes, str]]
) -> RasterTile:
    now = time.time()
    entry = cache.get(key, now)
    if entry is not None and entry.age_s(now) < source.refresh_after_s:
        return _from(entry, "hit")
    with _inflight_lock:
        lock = _inflight.setdefault(f"{source.name}/{source.version}/{key}", threading.Lock())
    with lock:  # one upstream request per tile at a time; the others wait and read the cache
        again = cache.get(key)
        if again is not None and again.age_s(time.time()) < source.refresh_after_s:
            return _from(again, "hit")
        try:
            data, content_type = produce()
            fetched_at = time.time()
            cache.put(key, data, content_type, fetched_at)
        except upstream.UpstreamError as e:
            if entry is not None:
                log.warning("basemap %s: serving a stale %s: %s", source.name, key, e)
                return _from(entry, "stale")
            raise
        finally:
            with _inflight_lock:
                _inflight.pop(f"{source.name}/{source.version}/{key}", None)
        return RasterTile(data, content_type, fetched_at, "miss")


def _from(entry: Entry, state: str) -> RasterTile:
    return RasterTile(entry.data, entry.content_type, entry.fetched_at, state)


def _fetch_image(source: TileSource, url: str) -> tuple[bytes, str]:
    """One tile from the service: (image, content type), or (b"", "") when the service has none."""
    address, headers = source.request(url)
    answer = upstream.get(address, headers=headers, redact=source.redact)
    if answer.status in NO_TILE_STATUSES:
        return b"", ""
    if answer.status != 200:
        raise upstream.UpstreamError(f"the map service answered {answer.status} for {answer.url}")
    content_type = image_type(answer.body)
    if content_type is None:
        # Never pass on what is not an image (an HTML error page would run on Trygg's origin).
        raise upstream.UpstreamError(
            f"the map service sent {answer.content_type or 'something'} that is not an image "
            f"for {answer.url}"
        )
    return answer.body, content_type


def image_type(data: bytes) -> str | None:
    """The image type of ``data`` from its first bytes (PNG, JPEG, WebP), or None."""
    for magic, content_type in IMAGE_MAGIC.items():
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _warped(source: TileSource, cache: TileCache, z: int, x: int, y: int) -> tuple[bytes, str]:
    assert source.srid is not None
    bounds = tile_bounds_in(source.srid, z, x, y)
    matrix = pick_matrix(source.matrices, (bounds[2] - bounds[0]) / TILE_PX)
    # One pixel more on each side, so bilinear resampling at the tile's edge has its neighbours.
    margin = matrix.resolution
    grown = (bounds[0] - margin, bounds[1] - margin, bounds[2] + margin, bounds[3] + margin)
    covering = matrix.tiles_covering(grown)
    if covering is None:
        return b"", ""
    cols, rows = covering
    if len(cols) * len(rows) > MAX_SOURCE_TILES:
        raise upstream.UpstreamError(
            f"tile {z}/{x}/{y} needs {len(cols) * len(rows)} tiles of matrix {matrix.identifier}"
        )
    wanted = [(row, col) for row in rows for col in cols]
    pieces = list(_fetchers.map(lambda rc: _source_tile(source, cache, matrix, *rc), wanted))
    if all(piece is None for piece in pieces):
        return b"", ""
    mosaic = np.zeros(
        (len(rows) * matrix.tile_height, len(cols) * matrix.tile_width, 4), dtype=np.uint8
    )
    for (row, col), piece in zip(wanted, pieces, strict=True):
        if piece is None:
            continue
        top = (row - rows.start) * matrix.tile_height
        left = (col - cols.start) * matrix.tile_width
        height, width = (
            min(piece.shape[0], matrix.tile_height),
            min(piece.shape[1], matrix.tile_width),
        )
        mosaic[top : top + height, left : left + width] = piece[:height, :width]
    res = matrix.resolution
    transform = Affine(
        res,
        0.0,
        matrix.left + cols.start * matrix.tile_width * res,
        0.0,
        -res,
        matrix.top - rows.start * matrix.tile_height * res,
    )
    pixels = warp_into_tile(mosaic, transform, source.srid, z, x, y)
    if is_transparent(pixels):
        return b"", ""
    return encode_png(pixels), PNG


def _source_tile(
    source: TileSource, cache: TileCache, matrix: TileMatrix, row: int, col: int
) -> np.ndarray | None:
    """One of the service's own tiles as RGBA pixels (cached on its own), None when it has none."""
    key = f"source/{matrix.identifier}/{row}/{col}"
    url = source.matrix_url(matrix.identifier, row, col)
    tile = _cached(source, cache, key, lambda: _fetch_image(source, url))
    if not tile.data:
        return None
    return decode_rgba(tile.data)
