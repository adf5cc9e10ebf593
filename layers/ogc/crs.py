"""Coordinate reference systems of the OGC API (Part 2: CRS by reference).

A client names a CRS by its OGC URI. CRS84 (lon, lat) is the default and the only one Part 1 knows;
EPSG:3006 (SWEREF 99 TM, the storage CRS) and a few others are given on request. Coordinates are written
in the axis order of the CRS, as Part 2 requires: EPSG:4326 is (lat, lon), EPSG:3006 and EPSG:3011 are
(northing, easting), CRS84 and EPSG:3857 are (x, y). The order is read from the EPSG database through
pyproj, not typed in by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pyproj import CRS

from geo.crs import STORAGE_SRID, WEB_SRID

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_PREFIX = "http://www.opengis.net/def/crs/EPSG/0/"

# SWEREF 99 TM (storage), WGS 84, SWEREF 99 18 00 (Stockholm County's local zone), Web Mercator.
SUPPORTED_EPSG = (STORAGE_SRID, WEB_SRID, 3011, 3857)

_EPSG_FORMS = (
    re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/0/(\d{4,5})$"),
    re.compile(r"^EPSG:(\d{4,5})$", re.IGNORECASE),
    re.compile(r"^urn:ogc:def:crs:EPSG::(\d{4,5})$", re.IGNORECASE),
    re.compile(r"^\[EPSG:(\d{4,5})\]$", re.IGNORECASE),  # safe CURIE
)
_CRS84_FORMS = {
    CRS84,
    "https://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "OGC:CRS84",
    "[OGC:CRS84]",
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "CRS84",
}


class UnsupportedCrs(ValueError):
    """The CRS is not one this service gives; the message names the ones it does."""


@dataclass(frozen=True)
class OutputCrs:
    uri: str
    srid: int  # the PostGIS SRID to transform to
    swap_xy: bool  # True: write (y, x), the authority's axis order (lat/lon, northing/easting)
    precision: int  # decimals: 7 for degrees (about 1 cm), 3 for metres (1 mm)

    @property
    def is_storage(self) -> bool:
        return self.srid == STORAGE_SRID


@lru_cache(maxsize=16)
def _first_axis_is_northing(srid: int) -> bool:
    return CRS.from_epsg(srid).axis_info[0].direction.lower() in {"north", "south"}


@lru_cache(maxsize=16)
def _is_geographic(srid: int) -> bool:
    return bool(CRS.from_epsg(srid).is_geographic)


def epsg(srid: int) -> OutputCrs:
    if srid not in SUPPORTED_EPSG:
        raise UnsupportedCrs(
            f"EPSG:{srid} is not supported; use one of {', '.join(supported_uris())}"
        )
    return OutputCrs(
        uri=f"{EPSG_PREFIX}{srid}",
        srid=srid,
        swap_xy=_first_axis_is_northing(srid),
        precision=7 if _is_geographic(srid) else 3,
    )


DEFAULT = OutputCrs(uri=CRS84, srid=WEB_SRID, swap_xy=False, precision=7)


def supported_uris() -> list[str]:
    return [CRS84, *(f"{EPSG_PREFIX}{srid}" for srid in SUPPORTED_EPSG)]


def storage_uri() -> str:
    return f"{EPSG_PREFIX}{STORAGE_SRID}"


def parse(value: str) -> OutputCrs:
    """The CRS a client named, or UnsupportedCrs.

    >>> parse("http://www.opengis.net/def/crs/EPSG/0/3006").swap_xy  # northing first
    True
    >>> parse("EPSG:3857").swap_xy, parse("http://www.opengis.net/def/crs/OGC/1.3/CRS84").swap_xy
    (False, False)
    """
    text = value.strip()
    if text in _CRS84_FORMS:
        return DEFAULT
    for form in _EPSG_FORMS:
        match = form.match(text)
        if match:
            return epsg(int(match.group(1)))
    raise UnsupportedCrs(
        f"{value[:80]!r} is not a supported CRS; use one of {', '.join(supported_uris())}"
    )
