"""Coordinate reference systems used by Trygg.

Storage and analysis are in SWEREF 99 TM (EPSG:3006, metres); GPS and GeoJSON are WGS 84
(EPSG:4326, RFC 7946 axis order lon, lat); map tiles are Web Mercator (EPSG:3857).
Transform only at the edges: on the way in and on the way out.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer

STORAGE_SRID = 3006  # SWEREF 99 TM
WEB_SRID = 4326  # WGS 84, lon/lat order in GeoJSON
TILE_SRID = 3857  # Web Mercator

# SRIDs a Swedish municipality's files are expected to arrive in: SWEREF 99 TM, the twelve local
# SWEREF 99 zones (3007-3018), RT90 2.5 gon V (3021) and WGS 84.
SWEDISH_SRIDS = frozenset({3006, *range(3007, 3019), 3021, 4326})


@lru_cache(maxsize=64)
def transformer(from_srid: int, to_srid: int) -> Transformer:
    """A cached pyproj transformer that takes and returns (x, y) = (easting, northing) or (lon, lat).

    >>> t = transformer(4326, 3006)
    >>> x, y = t.transform(17.92834, 59.51961)
    >>> round(x), round(y)
    (665663, 6601563)
    """
    return Transformer.from_crs(CRS.from_epsg(from_srid), CRS.from_epsg(to_srid), always_xy=True)


def transform_xy(
    x: ArrayLike, y: ArrayLike, *, from_srid: int, to_srid: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Transform coordinate arrays; always in (x, y) = (lon, lat) order for geographic CRSs."""
    if from_srid == to_srid:
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    tx, ty = transformer(from_srid, to_srid).transform(
        np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    )
    return np.asarray(tx, dtype=np.float64), np.asarray(ty, dtype=np.float64)
