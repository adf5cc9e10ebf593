"""Tell which Swedish coordinate reference system a file's coordinates are in, and check them.

Files reach a municipality in SWEREF 99 TM (EPSG:3006), one of the twelve local SWEREF 99 zones
(EPSG:3007-3018), the older RT90 2.5 gon V (EPSG:3021) or WGS 84 (EPSG:4326). A file names its CRS in
a GML ``srsName``, a GeoJSON ``crs`` member, a Shapefile's ``.prj``, a GeoPackage's spatial reference
table or, in SS 637040, the plan's ``koordinatsystem``. That name is only a claim: the coordinates are
checked against the ranges the CRS can hold in Sweden, which catches swapped axes (northing first) and
a wrong zone (local-zone eastings of about 150 000 labelled as SWEREF 99 TM). Only EPSG codes from
``ACCEPTED_SRIDS`` leave this module (docs/decisions/0005): WKT from a file is read for its name, never
handed to PROJ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from geo.errors import InputProblem

# SWEREF 99 local zones by their central meridian as written in names ("SWEREF99 13 30").
LOCAL_ZONES: dict[str, int] = {
    "1200": 3007,
    "1330": 3008,
    "1500": 3009,
    "1630": 3010,
    "1800": 3011,
    "1415": 3012,
    "1545": 3013,
    "1715": 3014,
    "1845": 3015,
    "2015": 3016,
    "2145": 3017,
    "2315": 3018,
}
SWEREF99_TM = 3006
RT90_25_GON_V = 3021
WGS84 = 4326
ACCEPTED_SRIDS = frozenset({SWEREF99_TM, *LOCAL_ZONES.values(), RT90_25_GON_V, WGS84})

SRID_LABELS: dict[int, str] = {
    SWEREF99_TM: "SWEREF 99 TM",
    RT90_25_GON_V: "RT90 2.5 gon V",
    WGS84: "WGS 84",
    **{srid: f"SWEREF 99 {zone[:2]} {zone[2:]}" for zone, srid in LOCAL_ZONES.items()},
}


@dataclass(frozen=True)
class Extent:
    """Where a CRS's coordinates can lie for data in Sweden (and, for WGS 84, its neighbours)."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float

    def holds(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        return self.x_min <= x0 and x1 <= self.x_max and self.y_min <= y0 and y1 <= self.y_max


# Generous on purpose: a municipality's neighbours and a planner's sketch just over the border must
# pass. The check that a plan lands in its municipality comes after the transform.
_NORTHING = (6_000_000.0, 7_800_000.0)
EXTENTS: dict[int, Extent] = {
    SWEREF99_TM: Extent(200_000.0, 1_200_000.0, *_NORTHING),  # Helsinki lies near x 1 000 000
    RT90_25_GON_V: Extent(1_100_000.0, 2_000_000.0, *_NORTHING),
    WGS84: Extent(4.0, 32.0, 54.0, 71.0),
    **{srid: Extent(0.0, 300_000.0, *_NORTHING) for srid in LOCAL_ZONES.values()},
}


class CrsProblem(InputProblem):
    """A CRS that is missing, unknown or does not fit the coordinates.

    ``key`` says which problem (``missing``, ``unknown``, ``implausible``); ``params`` fill the
    message the caller shows, so the words can be translated outside ``geo``.
    """


def srid_from_name(text: str | None) -> int | None:
    """The EPSG code a CRS name, URN, URL or WKT names, or None when it names none we accept.

    Parameters
    ----------
    text
        ``EPSG:3006``, ``urn:ogc:def:crs:EPSG::3011``, ``http://www.opengis.net/def/crs/EPSG/0/3021``,
        ``urn:ogc:def:crs:OGC:1.3:CRS84``, an SS 637040 name (``SWEREF99_13_30``) or the WKT of a
        ``.prj`` (only its name and AUTHORITY are read).

    Examples
    --------
    >>> srid_from_name("urn:ogc:def:crs:EPSG::3008"), srid_from_name("SWEREF99_13_30")
    (3008, 3008)
    >>> srid_from_name('PROJCS["SWEREF99_TM",GEOGCS["GCS_SWEREF99"]]'), srid_from_name("RT90 2.5 gon V")
    (3006, 3021)
    >>> srid_from_name("urn:ogc:def:crs:OGC:1.3:CRS84"), srid_from_name("EPSG:2154") is None
    (4326, True)
    """
    if not text:
        return None
    s = text.strip()
    upper = s.upper()
    if upper.endswith("CRS84") or upper.endswith("CRS:84"):
        return WGS84
    # The WKT's own AUTHORITY/ID of the outermost CRS comes last; a code inside the datum comes first.
    codes = re.findall(r"EPSG\D{0,6}(\d{4,5})", upper)
    for raw in reversed(codes):
        code = int(raw)
        if code in ACCEPTED_SRIDS:
            return code
    name = _crs_name(s).upper()
    compact = re.sub(r"[^0-9A-Z.]", "", name.replace(",", "."))
    if "RT90" in compact or "RT 90" in name:
        if re.search(r"2\.?5GONV|25GONV", compact) or compact.endswith("RT90"):
            return RT90_25_GON_V
        return None
    if "SWEREF" in compact:
        if compact.endswith("TM") or "99TM" in compact:
            return SWEREF99_TM
        digits = re.sub(r"\D", "", compact.split("SWEREF", 1)[1])
        digits = digits[2:] if digits.startswith("99") else digits
        return LOCAL_ZONES.get(digits)
    if compact in {"WGS84", "WGS1984", "GCSWGS1984"}:
        return WGS84
    if codes and not any(int(c) in ACCEPTED_SRIDS for c in codes):
        return None
    return None


def _crs_name(text: str) -> str:
    """The name of a WKT's outermost CRS (``PROJCS["name",…`` or ``PROJCRS["name",…``), else the text."""
    match = re.match(r'\s*(?:PROJCS|PROJCRS|GEOGCS|GEOGCRS|GEODCRS)\s*\[\s*"([^"]*)"', text)
    return match.group(1) if match else text


def orient(xs: ArrayLike, ys: ArrayLike, srid: int) -> bool:
    """Check the coordinates fit ``srid``; return True when x and y are swapped (northing first).

    Raises
    ------
    CrsProblem
        ``implausible`` when neither order fits, with a hint when another accepted CRS would fit.

    Examples
    --------
    >>> orient([674345.0], [6581101.0], 3006)  # Sergels torg as (easting, northing)
    False
    >>> orient([6228002.7], [198872.3], 3008)  # SS 637040 writes northing first
    True
    >>> orient([198872.3], [6228002.7], 3006)
    Traceback (most recent call last):
    ...
    geo.crs_detect.CrsProblem: coordinates do not fit SWEREF 99 TM (x 198872 .. 198872, y 6228003 .. 6228003); they look like a local SWEREF 99 zone
    """
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    if x.size == 0:
        return False
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise CrsProblem("nonfinite", "a coordinate is not a finite number")
    box = (float(x.min()), float(y.min()), float(x.max()), float(y.max()))
    extent = EXTENTS[srid]
    if extent.holds(*box):
        return False
    if extent.holds(box[1], box[0], box[3], box[2]):
        return True
    hint = _looks_like(box)
    label = SRID_LABELS[srid]
    message = (
        f"coordinates do not fit {label} (x {box[0]:.0f} .. {box[2]:.0f}, "
        f"y {box[1]:.0f} .. {box[3]:.0f})"
    )
    if hint:
        message += f"; they look like {hint}"
    raise CrsProblem(
        "implausible",
        message,
        crs=label,
        hint=hint,
        x_min=box[0],
        x_max=box[2],
        y_min=box[1],
        y_max=box[3],
    )


def _looks_like(box: tuple[float, float, float, float]) -> str:
    x0, y0, x1, y1 = box
    for a0, b0, a1, b1 in ((x0, y0, x1, y1), (y0, x0, y1, x1)):
        if EXTENTS[WGS84].holds(a0, b0, a1, b1):
            return "WGS 84 (longitude, latitude)"
        if EXTENTS[RT90_25_GON_V].holds(a0, b0, a1, b1):
            return "RT90 2.5 gon V"
        if EXTENTS[3007].holds(a0, b0, a1, b1) and a1 < 200_000:
            return "a local SWEREF 99 zone"
        if EXTENTS[SWEREF99_TM].holds(a0, b0, a1, b1):
            return "SWEREF 99 TM"
    return ""
