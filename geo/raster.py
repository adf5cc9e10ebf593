"""Rasters out: Cloud Optimized GeoTIFF in SWEREF 99 TM, and coloured PNG overlays for Leaflet.

A ``geo.grids.Grid`` has row 0 in the south; rasters are written north-up, so rows are flipped here and
nowhere else.

The overlay is warped from SWEREF 99 TM to Web Mercator (EPSG:3857) before it is coloured, because
Leaflet stretches an ``imageOverlay`` linearly between its corner coordinates on a Mercator map: an
image left in SWEREF 99 TM would be off by up to a cell or two at the edges of a municipality. The
bounds Leaflet needs are then the Mercator corners given in WGS 84.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine
from numpy.typing import NDArray
from PIL import Image
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.io import MemoryFile
from rasterio.shutil import copy as rio_copy
from rasterio.warp import calculate_default_transform, reproject

from geo.crs import STORAGE_SRID, TILE_SRID, transform_xy
from geo.grids import Grid

NODATA = -9999.0

# A sequential ramp from pale yellow to dark green (ColorBrewer YlGn, 7 classes; Brewer 2003): light means
# few incidents, dark green many. Not red or orange: hot spots (Gi*) are red and cold spots blue (RdBu), and
# the two must never share a ramp on one map (decision 0754). ColorBrewer marks both safe for colour-blind
# readers; the darkest classes meet 3:1 against the background map's land colour (WCAG 2.1 1.4.11).
RAMP: tuple[tuple[int, int, int], ...] = (
    (255, 255, 204),
    (217, 240, 163),
    (173, 221, 142),
    (120, 198, 121),
    (65, 171, 93),
    (35, 132, 67),
    (0, 90, 50),
)
# A diverging ramp for change between two periods (ColorBrewer RdBu, reversed): blue less, red more.
DIVERGING: tuple[tuple[int, int, int], ...] = (
    (33, 102, 172),
    (103, 169, 207),
    (209, 229, 240),
    (247, 247, 247),
    (253, 219, 199),
    (239, 138, 98),
    (178, 24, 43),
)


def grid_transform(grid: Grid) -> Affine:
    """The north-up affine transform of ``grid``."""
    return Affine(grid.cell_m, 0.0, grid.x0, 0.0, -grid.cell_m, grid.y0 + grid.ny * grid.cell_m)


def write_cog(
    path: Path | str,
    grid: Grid,
    values: NDArray[np.float64],
    *,
    srid: int = STORAGE_SRID,
    description: str = "",
    units: str = "",
    tags: Mapping[str, str] | None = None,
) -> None:
    """Write ``values`` (shape ``grid.shape``, row 0 south) as a Cloud Optimized GeoTIFF.

    ``tags`` are written as the file's metadata (``gdalinfo`` lists them): what the values are, for whom.

    Float32, DEFLATE-compressed, 256 × 256 tiles, overviews made by averaging, the COG layout (header
    and overviews first, so a reader can fetch only what it needs). QGIS and GDAL read it.

    Examples
    --------
    >>> import os, tempfile, rasterio
    >>> g = Grid(660000.0, 6600000.0, 25.0, 600, 500)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_cog(os.path.join(d, "t.tif"), g, np.ones(g.shape))
    ...     with rasterio.open(os.path.join(d, "t.tif")) as r:
    ...         (r.crs.to_epsg(), r.width, r.height, r.block_shapes[0], len(r.overviews(1)) > 0)
    (3006, 600, 500, (256, 256), True)
    """
    data = np.asarray(values, dtype=np.float32)[::-1, :]
    if data.shape != grid.shape:
        raise ValueError(f"values must have the grid's shape {grid.shape}, not {data.shape}")
    profile = {
        "driver": "GTiff",
        "width": grid.nx,
        "height": grid.ny,
        "count": 1,
        "dtype": "float32",
        "crs": CRS.from_epsg(srid),
        "transform": grid_transform(grid),
        "nodata": NODATA,
    }
    with MemoryFile() as memfile:
        with memfile.open(**profile) as tmp:
            tmp.write(data, 1)
            if description:
                tmp.set_band_description(1, description)
            if units:
                tmp.update_tags(1, units=units)
            if tags:
                tmp.update_tags(**tags)
        with memfile.open() as src:
            rio_copy(
                src,
                str(path),
                driver="COG",
                compress="DEFLATE",
                predictor="YES",
                blocksize=256,
                overview_resampling="average",
                resampling="average",
            )


def cog_bytes(
    grid: Grid,
    values: NDArray[np.float64],
    *,
    description: str = "",
    units: str = "",
    tags: Mapping[str, str] | None = None,
) -> bytes:
    """``write_cog`` into memory, for a download."""
    with MemoryFile(ext=".tif") as out:
        write_cog(out.name, grid, values, description=description, units=units, tags=tags)
        return bytes(out.read())


@dataclass(frozen=True)
class Overlay:
    """A PNG for ``L.imageOverlay``: ``bounds`` are ((south, west), (north, east)) in WGS 84, Leaflet order."""

    png: bytes
    bounds: tuple[tuple[float, float], tuple[float, float]]
    stops: list[float]  # the value at each colour of the legend, low to high
    colors: list[str]  # "#rrggbb" per stop


def overlay_png(
    grid: Grid,
    values: NDArray[np.float64],
    *,
    vmin: float | None = None,
    vmax: float | None = None,
    diverging: bool = False,
    srid: int = STORAGE_SRID,
    opacity: float = 0.75,
) -> Overlay:
    """Colour ``values`` for a Leaflet overlay, warped to Web Mercator, transparent where low.

    Sequential: values from ``vmin`` (default 5 % of the largest value; below it transparent) to
    ``vmax`` (default the largest) over ``RAMP``. Diverging: from −m to +m with m the largest absolute
    value, transparent near zero.

    Examples
    --------
    >>> g = Grid(660000.0, 6600000.0, 100.0, 20, 30)
    >>> v = np.zeros(g.shape); v[10, 15] = 8.0
    >>> o = overlay_png(g, v)
    >>> o.png[:4] == b"\\x89PNG", o.stops[0] < o.stops[-1], len(o.colors)
    (True, True, 7)
    >>> (s, w), (n, e) = o.bounds
    >>> bool(59.5 < s < n < 59.6 and 17.8 < w < e < 17.95)
    True
    """
    src = np.asarray(values, dtype=np.float64)[::-1, :]
    src_crs = CRS.from_epsg(srid)
    dst_crs = CRS.from_epsg(TILE_SRID)
    left, bottom, right, top = grid.bounds
    transform, width, height = calculate_default_transform(
        src_crs, dst_crs, grid.nx, grid.ny, left=left, bottom=bottom, right=right, top=top
    )
    assert width is not None and height is not None
    warped = np.full((height, width), np.nan)
    reproject(
        src,
        warped,
        src_transform=grid_transform(grid),
        src_crs=src_crs,
        dst_transform=transform,
        dst_crs=dst_crs,
        resampling=Resampling.bilinear,
        src_nodata=np.nan,
        dst_nodata=np.nan,
    )
    top_m = transform.f
    left_m = transform.c
    right_m = left_m + width * transform.a
    bottom_m = top_m + height * transform.e
    lons, lats = transform_xy(
        [left_m, right_m], [bottom_m, top_m], from_srid=TILE_SRID, to_srid=4326
    )
    bounds = ((float(lats[0]), float(lons[0])), (float(lats[1]), float(lons[1])))

    finite = np.isfinite(warped)
    peak = float(np.nanmax(np.abs(src))) if src.size and np.isfinite(src).any() else 0.0
    ramp = DIVERGING if diverging else RAMP
    k = len(ramp)
    if diverging:
        top_v = vmax if vmax is not None else max(peak, 1e-12)
        lo = -top_v
        stops = [float(v) for v in np.linspace(-top_v, top_v, k)]
        pos = (np.where(finite, warped, 0.0) - lo) / (2 * top_v)
        visible = finite & (np.abs(np.where(finite, warped, 0.0)) >= 0.1 * top_v)
    else:
        hi = vmax if vmax is not None else max(peak, 1e-12)
        lo = vmin if vmin is not None else 0.05 * hi
        stops = [float(v) for v in np.linspace(lo, hi, k)]
        pos = (np.where(finite, warped, 0.0) - lo) / max(hi - lo, 1e-12)
        visible = finite & (np.where(finite, warped, 0.0) >= lo) & (peak > 0)
    idx = np.clip(np.floor(np.clip(pos, 0.0, 1.0) * (k - 1) + 0.5), 0, k - 1).astype(np.int64)
    palette = np.array(ramp, dtype=np.uint8)
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    rgba[..., :3] = palette[idx]
    rgba[..., 3] = np.where(visible, round(255 * opacity), 0).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG", optimize=False, compress_level=3)
    colors = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in ramp]
    return Overlay(buf.getvalue(), bounds, stops, colors)
