"""Query parameters of /items (and of the exports that share them), parsed into one ItemQuery.

Every malformed value is a BadRequest naming the parameter, which the views turn into a 400; nothing a
client sends reaches the database unparsed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.http import QueryDict
from django.utils.dateparse import parse_date, parse_datetime

from geo.crs import STORAGE_SRID
from layers.ogc import crs as ogc_crs

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
LOCAL_TZ = ZoneInfo("Europe/Stockholm")  # a bare date means that day in the municipality's time

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:?\d{2})?$"
)

# Parameters every /items request may carry besides the collection's queryables.
COMMON_PARAMETERS = frozenset({"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime"})


class BadRequest(ValueError):
    """A parameter is malformed; ``param`` names it for the 400 response."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True)
class Interval:
    """A closed time interval; None is an open end ('..')."""

    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class ItemQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    # Features must intersect this area (SWEREF 99 TM): a bbox densified so a transformed edge stays true,
    # or any polygon a caller builds (e.g. the surroundings of a plan area).
    bbox: GEOSGeometry | None = None
    interval: Interval | None = None
    crs: ogc_crs.OutputCrs = ogc_crs.DEFAULT
    filters: dict[str, str] = field(default_factory=dict)  # queryable name -> raw value


def parse_items_query(
    query: QueryDict, *, queryables: frozenset[str], max_limit: int = MAX_LIMIT
) -> ItemQuery:
    unknown = sorted(set(query.keys()) - COMMON_PARAMETERS - queryables)
    if unknown:
        allowed = ", ".join(sorted(COMMON_PARAMETERS | queryables))
        raise BadRequest(unknown[0], f"unknown parameter; this collection takes {allowed}")
    for name in query:
        if len(query.getlist(name)) > 1:
            raise BadRequest(name, "give the parameter once")
    output_crs = _crs(query.get("crs"), "crs")
    bbox_crs = _crs(query.get("bbox-crs"), "bbox-crs")
    if "bbox-crs" in query and "bbox" not in query:
        raise BadRequest("bbox-crs", "is only meaningful together with bbox")
    return ItemQuery(
        limit=parse_limit(query.get("limit"), max_limit),
        offset=parse_int(query.get("offset"), "offset", 0, 0, MAX_OFFSET),
        bbox=parse_bbox(bbox, bbox_crs) if (bbox := query.get("bbox")) is not None else None,
        interval=parse_datetime_param(when)
        if (when := query.get("datetime")) is not None
        else None,
        crs=output_crs,
        filters={name: str(query.get(name, "")) for name in queryables if name in query},
    )


def _crs(value: str | None, param: str) -> ogc_crs.OutputCrs:
    if value is None:
        return ogc_crs.DEFAULT
    try:
        return ogc_crs.parse(value)
    except ogc_crs.UnsupportedCrs as e:
        raise BadRequest(param, str(e)) from e


def parse_limit(value: str | None, high: int = MAX_LIMIT) -> int:
    """``limit``: a whole number of at least 1; above ``high`` it is capped to ``high``, not refused
    (OGC API – Features, Part 1, /req/core/fc-limit-response-1: the server uses its maximum instead).

    >>> parse_limit(None), parse_limit("25"), parse_limit("10001"), parse_limit("9" * 40)
    (100, 25, 10000, 10000)
    """
    if value is None:
        return DEFAULT_LIMIT
    return min(parse_int(value, "limit", DEFAULT_LIMIT, 1, None), high)


def parse_int(value: str | None, param: str, default: int, low: int, high: int | None) -> int:
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError as e:
        raise BadRequest(param, f"must be a whole number, got {value[:40]!r}") from e
    if high is None:
        if number < low:
            raise BadRequest(param, f"must be at least {low}")
    elif not low <= number <= high:
        raise BadRequest(param, f"must be between {low} and {high}")
    return number


def parse_bbox(value: str, bbox_crs: ogc_crs.OutputCrs = ogc_crs.DEFAULT) -> GEOSGeometry:
    """A bbox 'a1,a2,b1,b2' (or with heights, 6 numbers) in ``bbox_crs``'s axis order, as a polygon in 3006.

    >>> box = parse_bbox("17.9,59.5,17.95,59.52")
    >>> box.srid, box.valid, round(box.extent[0])
    (3006, True, 664059)
    """
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise BadRequest("bbox", "needs four numbers: minx,miny,maxx,maxy (or six with heights)")
    try:
        numbers = [float(p) for p in parts]
    except ValueError as e:
        raise BadRequest("bbox", f"is not a list of numbers: {value[:80]!r}") from e
    if not all(math.isfinite(n) for n in numbers):
        raise BadRequest("bbox", "numbers must be finite")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    a1, a2, b1, b2 = numbers
    if bbox_crs.swap_xy:  # the CRS's first axis is northing or latitude
        a1, a2, b1, b2 = a2, a1, b2, b1
    minx, miny, maxx, maxy = a1, a2, b1, b2
    if minx > maxx or miny > maxy:
        raise BadRequest(
            "bbox",
            "the lower corner must come first (a box across the antimeridian is not supported)",
        )
    if bbox_crs.srid == 4326 and (not -180 <= minx <= maxx <= 180 or not -90 <= miny <= maxy <= 90):
        raise BadRequest("bbox", "longitude must be in -180..180 and latitude in -90..90")
    # Keep the box inside the CRS's valid area before transforming: Sweden lies far within it.
    if bbox_crs.srid != 4326 and max(abs(n) for n in numbers) > 1e8:
        raise BadRequest("bbox", "coordinates are out of range for the CRS")
    box: GEOSGeometry = _densified_box(minx, miny, maxx, maxy, bbox_crs.srid)
    if bbox_crs.srid != STORAGE_SRID:
        if bbox_crs.srid == 4326:
            # SWEREF 99 TM is defined for Sweden; far away points project to nonsense, so clip first.
            box = box.intersection(_densified_box(0.0, 50.0, 35.0, 75.0, 4326))
            if box.empty:
                return _densified_box(0.0, 0.0, 0.0, 0.0, STORAGE_SRID)  # matches nothing
        try:
            box.transform(STORAGE_SRID)
        except Exception as e:  # GEOS/GDAL raise several types for a failed transform
            raise BadRequest("bbox", "cannot be transformed to the storage CRS") from e
    return box


def _densified_box(minx: float, miny: float, maxx: float, maxy: float, srid: int) -> Polygon:
    steps = 8  # a rectangle in degrees is curved in metres; 8 points per edge keep it within ~1 m
    xs = [minx + (maxx - minx) * i / steps for i in range(steps + 1)]
    ys = [miny + (maxy - miny) * i / steps for i in range(steps + 1)]
    ring = (
        [(x, miny) for x in xs]
        + [(maxx, y) for y in ys[1:]]
        + [(x, maxy) for x in reversed(xs[:-1])]
        + [(minx, y) for y in reversed(ys[:-1])]
    )
    if maxx == minx or maxy == miny:  # a degenerate box: keep it valid by widening a hair
        eps = 1e-9
        ring = [
            (minx - eps, miny - eps),
            (maxx + eps, miny - eps),
            (maxx + eps, maxy + eps),
            (minx - eps, maxy + eps),
            (minx - eps, miny - eps),
        ]
    return Polygon(ring, srid=srid)


def parse_datetime_param(value: str) -> Interval:
    """An instant or an interval of RFC 3339 times or dates, either end open ('..' or empty).

    A date means the whole day in the municipality's time zone.

    >>> parse_datetime_param("2024-05-01/..").end is None
    True
    >>> i = parse_datetime_param("2024-05-01")
    >>> (i.end - i.start).total_seconds()
    86399.999999
    """
    text = value.strip()
    if "/" in text:
        first, _, second = text.partition("/")
        if "/" in second:
            raise BadRequest("datetime", "an interval has exactly one '/'")
        start = None if first in ("", "..") else _instant(first, end_of_day=False)
        end = None if second in ("", "..") else _instant(second, end_of_day=True)
        if start is None and end is None:
            raise BadRequest("datetime", "an interval needs at least one closed end")
        if start is not None and end is not None and start > end:
            raise BadRequest("datetime", "the interval ends before it starts")
        return Interval(start, end)
    if text in ("", ".."):
        raise BadRequest("datetime", "give a time, a date or an interval")
    start = _instant(text, end_of_day=False)
    end = _instant(text, end_of_day=True)
    return Interval(start, end)


def _instant(text: str, *, end_of_day: bool) -> datetime:
    if _DATE_ONLY.match(text):
        try:
            day = parse_date(text)
        except ValueError as e:
            raise BadRequest("datetime", f"{text!r} is not a valid date") from e
        assert day is not None  # the pattern matched
        return day_bound(day, end_of_day=end_of_day)
    if not _RFC3339.match(text):
        raise BadRequest("datetime", f"{text[:40]!r} is neither an RFC 3339 time nor a date")
    try:
        moment = parse_datetime(text)
    except ValueError as e:
        raise BadRequest("datetime", f"{text[:40]!r} is not a valid time") from e
    if moment is None:
        raise BadRequest("datetime", f"{text[:40]!r} is not a valid time")
    if moment.tzinfo is None:
        raise BadRequest("datetime", f"{text[:40]!r} needs a time zone (Z or +01:00)")
    return moment


def day_bound(day: date, *, end_of_day: bool) -> datetime:
    start = datetime.combine(day, time.min, tzinfo=LOCAL_TZ)
    return start + timedelta(days=1, microseconds=-1) if end_of_day else start
