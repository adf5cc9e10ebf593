"""Web Mercator tiles z/x/y: their bounds, and warping another CRS's image into one.

A tile's bounds follow the XYZ convention (row 0 in the north). ``warp_into_tile`` takes an RGBA mosaic
of a service's tiles with its north-up transform in the service's CRS and reprojects it with GDAL's
warper (rasterio), bilinear, alpha carried through, so the mosaic's missing parts stay transparent.
"""

from __future__ import annotations

import io

import numpy as np
from affine import Affine
from numpy.typing import NDArray
from PIL import Image
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.warp import reproject, transform_bounds

from geo.crs import TILE_SRID
from geo.wmts import WEB_MERCATOR_HALF

TILE_PX = 256
RGBA = NDArray[np.uint8]


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of tile z/x/y in Web Mercator metres.

    >>> [round(v, 1) for v in tile_bounds(1, 1, 0)]
    [0.0, 0.0, 20037508.3, 20037508.3]
    """
    span = 2 * WEB_MERCATOR_HALF / (1 << z)
    minx = -WEB_MERCATOR_HALF + x * span
    maxy = WEB_MERCATOR_HALF - y * span
    return minx, maxy - span, minx + span, maxy


def tile_bounds_in(srid: int, z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The bounds of tile z/x/y transformed to ``srid`` (densified edges, so they enclose the tile).

    >>> minx, miny, maxx, maxy = tile_bounds_in(3006, 16, 36028, 19205)  # Väsby centrum
    >>> round(minx), round(maxy), round(maxx - minx)
    (664493, 6601612, 324)
    """
    minx, miny, maxx, maxy = transform_bounds(
        CRS.from_epsg(TILE_SRID), CRS.from_epsg(srid), *tile_bounds(z, x, y), densify_pts=21
    )
    return float(minx), float(miny), float(maxx), float(maxy)


def warp_into_tile(
    mosaic: RGBA, transform: Affine, srid: int, z: int, x: int, y: int, *, size: int = TILE_PX
) -> RGBA:
    """Reproject an RGBA ``mosaic`` (rows, cols, 4) north-up in ``srid`` into Web Mercator tile z/x/y.

    Bilinear, with the alpha band as GDAL's alpha: where the mosaic is transparent (a tile the service
    did not have), the tile is too.
    """
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    destination = np.zeros((4, size, size), dtype=np.uint8)
    reproject(
        source=np.ascontiguousarray(mosaic.transpose(2, 0, 1)),
        destination=destination,
        src_transform=transform,
        src_crs=CRS.from_epsg(srid),
        src_alpha=4,
        dst_transform=Affine((maxx - minx) / size, 0.0, minx, 0.0, -(maxy - miny) / size, maxy),
        dst_crs=CRS.from_epsg(TILE_SRID),
        dst_alpha=4,
        resampling=Resampling.bilinear,
    )
    return np.ascontiguousarray(destination.transpose(1, 2, 0))


def decode_rgba(data: bytes) -> RGBA:
    """An image file's pixels as RGBA (rows, cols, 4); a palette or grey image is expanded."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGBA"), dtype=np.uint8)


def encode_png(pixels: RGBA) -> bytes:
    """RGBA pixels as PNG; fully opaque tiles are written without alpha (a third smaller)."""
    image = Image.fromarray(pixels, "RGBA")
    if bool((pixels[:, :, 3] == 255).all()):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def is_transparent(pixels: RGBA) -> bool:
    return not bool(pixels[:, :, 3].any())
