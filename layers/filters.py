"""The incident filter of the BRÅ page and its exports: parse query parameters, build the queryset.

Parameters (all optional; lists are comma-separated or repeated):

=============  =========================================================  ===========================
name           meaning                                                    example
=============  =========================================================  ===========================
``from``       first day of the period (local date)                       ``2025-01-01``
``to``         last day of the period, included                           ``2025-12-31``
``focus``      focus area numbers 1–9                                     ``2,3``
``category``   category codes                                             ``misshandel,ran``
``district``   kommundel code                                             ``centrala``
``hours``      hours of the day the incident began, ranges wrap midnight  ``22-3`` or ``18,19,20``
``weekdays``   ISO weekdays, 1 Monday … 7 Sunday                          ``5-7``
``light``      dagsljus, skymning, morker (the sun at Väsby)              ``morker,skymning``
``compare``    ``year`` (same dates a year earlier) or ``previous``       ``year``
``sensitive``  ``0`` hides sensitive incidents for a user who may see     ``0``
               them (e.g. before a meeting); ignored for everyone else
=============  =========================================================  ===========================

The default period is the twelve months up to today. A bad value raises ``FilterError`` naming the
parameter; views answer it with 400.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import FloatField, Func, Q, QuerySet, Value

from geo.timepatterns import DAYLIGHT_MIN_DEG, TWILIGHT_MIN_DEG, VASBY_LAT, VASBY_LON
from layers.models import SENSITIVE_INCIDENT, District, Incident, IncidentCategory, Municipality
from layers.queries import visible_incidents
from layers.roles import AnyUser, can_view_sensitive

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LIGHTS = ("dagsljus", "skymning", "morker")
COMPARES = ("year", "previous")
MAX_PERIOD_DAYS = 366 * 10
# The dates a filter may name: incidents before 1900 are refused on import, and the comparison periods
# and "to" + 1 day must stay inside the calendar.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)


class FilterError(ValueError):
    """A filter parameter Trygg cannot use; ``field`` names it, ``str(e)`` says why (safe to show)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name

    def as_json(self) -> dict[str, Any]:
        return {"error": "invalid filter", "fields": {self.field: [str(self)]}}


class SunElevation(Func):
    """trygg_sun_elevation(t, lat, lon) in degrees (migration layers 0008_sun_elevation_function)."""

    function = "trygg_sun_elevation"
    output_field = FloatField()

    def __init__(self, expression: Any, lat: float = VASBY_LAT, lon: float = VASBY_LON) -> None:
        super().__init__(expression, Value(lat), Value(lon))


@dataclass(frozen=True)
class IncidentFilter:
    date_from: date
    date_to: date  # included
    focus_areas: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    district: str = ""
    hours: tuple[int, ...] = ()
    weekdays: tuple[int, ...] = ()
    light: tuple[str, ...] = ()
    compare: str = "year"
    include_sensitive: bool = True
    extra: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def comparison(self) -> IncidentFilter:
        """The period to compare with: the same dates a year earlier, or the period just before."""
        if self.compare == "previous":
            end = self.date_from - timedelta(days=1)
            return replace(self, date_from=end - timedelta(days=self.days - 1), date_to=end)
        return replace(
            self, date_from=_year_earlier(self.date_from), date_to=_year_earlier(self.date_to)
        )

    def params(self) -> dict[str, str]:
        """The filter as query parameters (canonical: sorted lists, defaults left out)."""
        out = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        if self.focus_areas:
            out["focus"] = ",".join(map(str, self.focus_areas))
        if self.categories:
            out["category"] = ",".join(self.categories)
        if self.district:
            out["district"] = self.district
        if self.hours:
            out["hours"] = ",".join(map(str, self.hours))
        if self.weekdays:
            out["weekdays"] = ",".join(map(str, self.weekdays))
        if self.light:
            out["light"] = ",".join(self.light)
        if self.compare != "year":
            out["compare"] = self.compare
        if not self.include_sensitive:
            out["sensitive"] = "0"
        return out

    def query_string(self) -> str:
        return urlencode(self.params())

    def key(self) -> str:
        return hashlib.sha256(self.query_string().encode()).hexdigest()[:24]

    def start(self) -> datetime:
        return datetime.combine(self.date_from, time(0), tzinfo=STOCKHOLM)

    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.date_to + timedelta(days=1), time(0), tzinfo=STOCKHOLM)


def _year_earlier(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist is not None else [params.get(name, "")]
    out: list[str] = []
    for item in raw:
        out.extend(part.strip() for part in str(item or "").split(",") if part.strip())
    return out


def _date(params: Mapping[str, Any], name: str, default: date) -> date:
    values = _values(params, name)
    if not values:
        return default
    if len(values) > 1:
        raise FilterError(name, "ange ett datum")
    try:
        day = date.fromisoformat(values[0])
    except ValueError:
        raise FilterError(name, f"{values[0]!r} är inget datum (ÅÅÅÅ-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:  # the comparison periods and "to" + 1 day stay in range
        raise FilterError(name, f"välj ett datum {FIRST_DAY.year}–{LAST_DAY.year}")
    return day


def _int_ranges(params: Mapping[str, Any], name: str, low: int, high: int) -> tuple[int, ...]:
    """Numbers and ranges ("22-3" wraps from high to low) within [low, high]."""
    chosen: set[int] = set()
    for part in _values(params, name):
        try:
            if "-" in part:
                a_text, b_text = part.split("-", 1)
                a, b = int(a_text), int(b_text)
                if not (low <= a <= high and low <= b <= high):
                    raise ValueError
                if a <= b:
                    chosen.update(range(a, b + 1))
                else:
                    chosen.update(range(a, high + 1))
                    chosen.update(range(low, b + 1))
            else:
                value = int(part)
                if not low <= value <= high:
                    raise ValueError
                chosen.add(value)
        except ValueError:
            raise FilterError(name, f"{part!r}: ange tal {low}–{high} eller intervall") from None
    if len(chosen) == high - low + 1:
        return ()  # all of them: no filter
    return tuple(sorted(chosen))


def parse_filter(params: Mapping[str, Any], *, today: date | None = None) -> IncidentFilter:
    """Read an ``IncidentFilter`` from query parameters (a QueryDict or a plain mapping).

    >>> f = parse_filter({"from": "2025-01-01", "to": "2025-03-31", "hours": "22-2", "weekdays": "5,6"})
    >>> f.hours, f.weekdays, f.comparison().date_from.isoformat()
    ((0, 1, 2, 22, 23), (5, 6), '2024-01-01')
    >>> parse_filter({"hours": "25"})
    Traceback (most recent call last):
    ...
    layers.filters.FilterError: '25': ange tal 0–23 eller intervall
    """
    today = today or datetime.now(STOCKHOLM).date()
    date_to = _date(params, "to", today)
    date_from = _date(params, "from", _year_earlier(date_to) + timedelta(days=1))
    if date_from > date_to:
        raise FilterError("from", "periodens början ligger efter dess slut")
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        raise FilterError("from", "perioden får vara högst tio år")
    focus = _int_ranges(params, "focus", 1, 9)
    categories = tuple(sorted(set(_values(params, "category"))))
    for code in categories:
        if not code.replace("_", "").replace("-", "").isalnum() or len(code) > 60:
            raise FilterError("category", f"{code!r} är ingen kategorikod")
    districts = _values(params, "district")
    if len(districts) > 1:
        raise FilterError("district", "välj en kommundel")
    district = districts[0] if districts else ""
    if district and (
        not district.replace("_", "").replace("-", "").isalnum() or len(district) > 60
    ):
        raise FilterError("district", f"{district[:60]!r} är ingen kommundelskod")
    hours = _int_ranges(params, "hours", 0, 23)
    weekdays = _int_ranges(params, "weekdays", 1, 7)
    light = tuple(sorted(set(_values(params, "light"))))
    for value in light:
        if value not in LIGHTS:
            raise FilterError("light", f"{value!r}: välj dagsljus, skymning eller morker")
    if len(light) == len(LIGHTS):
        light = ()
    compare = (_values(params, "compare") or ["year"])[0]
    if compare not in COMPARES:
        raise FilterError("compare", "välj year eller previous")
    sensitive_values = _values(params, "sensitive")
    if sensitive_values and sensitive_values[0] not in ("0", "1"):
        raise FilterError("sensitive", "ange 0 eller 1")
    return IncidentFilter(
        date_from=date_from,
        date_to=date_to,
        focus_areas=focus,
        categories=categories,
        district=district,
        hours=hours,
        weekdays=weekdays,
        light=light,
        compare=compare,
        include_sensitive=not (sensitive_values and sensitive_values[0] == "0"),
    )


def sees_sensitive(user: AnyUser, f: IncidentFilter) -> bool:
    """Whether sensitive incidents are part of what ``user`` gets for ``f`` (points, surfaces, counts)."""
    return can_view_sensitive(user) and f.include_sensitive


def check_references(f: IncidentFilter, municipality: Municipality) -> None:
    """Refuse a district or category that does not exist, naming the parameter."""
    if (
        f.district
        and not District.objects.filter(municipality=municipality, code=f.district).exists()
    ):
        raise FilterError("district", f"kommundelen {f.district!r} finns inte")
    if f.categories:
        known = set(
            IncidentCategory.objects.filter(code__in=f.categories).values_list("code", flat=True)
        )
        unknown = sorted(set(f.categories) - known)
        if unknown:
            raise FilterError("category", f"okänd kategori: {', '.join(unknown)}")


def apply_filter(
    qs: QuerySet[Incident], f: IncidentFilter, municipality: Municipality, *, placed: bool = True
) -> QuerySet[Incident]:
    """Apply period, focus area, category, district, hour, weekday and light to ``qs``.

    The district needs a place: with ``placed=False`` (municipality-level counts such as the police's
    events) a district filter leaves nothing, so callers count those only without one.
    """
    qs = qs.filter(
        municipality=municipality, occurred_from__gte=f.start(), occurred_from__lt=f.end()
    )
    if f.focus_areas:
        qs = qs.filter(category__focus_area__number__in=f.focus_areas)
    if f.categories:
        qs = qs.filter(category__code__in=f.categories)
    if f.district:
        if not placed:
            return qs.none()
        district = District.objects.filter(municipality=municipality, code=f.district).first()
        if district is None:
            return qs.none()
        # ... AND ST_Intersects(location, <district area>)
        qs = qs.filter(location__intersects=district.area)
    if f.hours:
        qs = qs.filter(occurred_from__hour__in=f.hours)  # local time (TIME_ZONE)
    if f.weekdays:
        qs = qs.filter(occurred_from__iso_week_day__in=f.weekdays)
    if f.light:
        qs = qs.alias(sun=SunElevation("occurred_from"))
        light_q = Q()
        if "dagsljus" in f.light:
            light_q |= Q(sun__gt=DAYLIGHT_MIN_DEG)
        if "skymning" in f.light:
            light_q |= Q(sun__gt=TWILIGHT_MIN_DEG, sun__lte=DAYLIGHT_MIN_DEG)
        if "morker" in f.light:
            light_q |= Q(sun__lte=TWILIGHT_MIN_DEG)
        qs = qs.filter(light_q)
    return qs


def filtered_points(
    user: AnyUser, f: IncidentFilter, municipality: Municipality
) -> QuerySet[Incident]:
    """Placed incidents for ``f`` as ``user`` may see them as points: every map channel starts here.

    Without the permission (or with ``sensitive=0``) sensitive incidents are left out entirely: they
    reach such users only through ``layers.release`` (docs/decisions/0250, 0600).
    """
    qs = visible_incidents(user)
    if not sees_sensitive(user, f):
        qs = qs.exclude(SENSITIVE_INCIDENT)
    return apply_filter(qs, f, municipality)
