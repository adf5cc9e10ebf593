"""Cloud Optimized GeoTIFF readable by rasterio and gdalinfo; overlays for Leaflet."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import rasterio

from geo.grids import Grid
from geo.raster import cog_bytes, overlay_png, write_cog


def test_cog_is_tiled_with_overviews_in_sweref99tm_and_gdalinfo_reads_it(tmp_path: Path) -> None:
    grid = Grid(660_000.0, 6_600_000.0, 25.0, 700, 600)
    values = np.zeros(grid.shape)
    values[10, 20] = 42.0  # south-west: row 10 from the bottom
    path = tmp_path / "tathet.tif"

    write_cog(path, grid, values, description="händelser per km²", units="per km2")

    with rasterio.open(path) as r:
        assert r.crs.to_epsg() == 3006
        assert r.block_shapes[0] == (256, 256)  # tiled, not strips
        assert r.overviews(1)
        assert r.bounds == (660_000.0, 6_600_000.0, 660_000.0 + 700 * 25, 6_600_000.0 + 600 * 25)
        data = r.read(1)
        assert data[600 - 1 - 10, 20] == 42.0  # north-up in the file
    info = json.loads(
        subprocess.run(
            ["gdalinfo", "-json", str(path)], capture_output=True, text=True, check=True
        ).stdout
    )
    assert info["metadata"]["IMAGE_STRUCTURE"]["LAYOUT"] == "COG"
    assert "3006" in info["coordinateSystem"]["wkt"]
    assert info["bands"][0]["overviews"]


def test_cog_bytes_round_trip(tmp_path: Path) -> None:
    grid = Grid(660_000.0, 6_600_000.0, 50.0, 30, 20)
    values = np.arange(600, dtype=float).reshape(20, 30)

    data = cog_bytes(grid, values)
    (tmp_path / "t.tif").write_bytes(data)

    with rasterio.open(tmp_path / "t.tif") as r:
        assert np.array_equal(r.read(1)[::-1], values.astype(np.float32))


def test_overlay_is_a_png_with_bounds_around_the_grid_and_transparent_where_nothing_happens() -> (
    None
):
    from io import BytesIO

    from PIL import Image

    grid = Grid(660_000.0, 6_600_000.0, 50.0, 100, 100)
    values = np.zeros(grid.shape)
    values[45:55, 45:55] = 10.0

    overlay = overlay_png(grid, values)
    image = Image.open(BytesIO(overlay.png))

    alpha = np.asarray(image)[..., 3]
    assert image.mode == "RGBA"
    assert 0 < (alpha > 0).mean() < 0.05
    (south, west), (north, east) = overlay.bounds
    assert south < north and west < east
    assert overlay.stops[-1] == 10.0
