"""Where a collection's features come from: a model queryset, or cells computed on a fixed grid.

A ``Source`` answers three questions for a user: which features match a query (one page of them, and how
many in all), one feature by id, and the time extent. Every source gets its rows through the same reads as
the pages (``layers.queries.visible_incidents`` for incidents, ``layers.release`` for sensitive
incidents), so the OGC API, the exports and the tiles give the answer the pages give.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

from django.contrib.gis.db.models.functions import AsGeoJSON, GeomOutputGeoFunc, Transform
from django.contrib.gis.geos import Polygon
from django.db.models import F, Max, Min, Model, Q, QuerySet
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce

from geo.crs import STORAGE_SRID, transform_xy
from layers.models import Municipality
from layers.ogc import crs as ogc_crs
from layers.ogc.params import LOCAL_TZ, BadRequest, Interval, ItemQuery, day_bound
from layers.release import Cell
from layers.roles import AnyUser

Feature = dict[str, Any]


class FlipCoordinates(GeomOutputGeoFunc):
    """ST_FlipCoordinates(geom): (x, y) -> (y, x), for a CRS whose first axis is northing or latitude."""

    function = "ST_FlipCoordinates"
    arity = 1


@dataclass(frozen=True)
class Queryable:
    """A property a client may filter on with ``?name=value`` (equality)."""

    name: str
    lookup: str  # ORM path
    type: str = "string"  # JSON Schema type: string, integer, number, boolean
    enum: tuple[str, ...] = ()
    description: str = ""
    # For a property that is not one column (e.g. "sensitive"): parsed value -> condition.
    condition: Callable[[Any], Q] | None = None

    def parse(self, raw: str) -> object:
        value = raw.strip()
        if self.type == "integer":
            try:
                number = int(value)
            except ValueError as e:
                raise BadRequest(self.name, f"must be a whole number, got {raw[:40]!r}") from e
            if not -(2**31) <= number < 2**31:
                raise BadRequest(self.name, "is out of range")
            return number
        if self.type == "number":
            try:
                real = float(value)
            except ValueError as e:
                raise BadRequest(self.name, f"must be a number, got {raw[:40]!r}") from e
            if not math.isfinite(real):
                raise BadRequest(self.name, "must be a finite number")
            return real
        if self.type == "boolean":
            if value.lower() in {"true", "1", "yes"}:
                return True
            if value.lower() in {"false", "0", "no"}:
                return False
            raise BadRequest(self.name, "must be true or false")
        if self.enum and value not in self.enum:
            raise BadRequest(self.name, f"must be one of {', '.join(self.enum)}")
        if len(value) > 300 or "\x00" in value:
            raise BadRequest(self.name, "is too long or holds a NUL character")
        return value


@dataclass(frozen=True)
class Page:
    features: list[Feature]
    number_matched: int
    sensitive_count: int = 0  # how many of the features are sensitive incidents (for the audit log)


class Source(Protocol):
    @property
    def geometry_type(self) -> str:
        """GeoJSON type for the schema: Point, LineString, MultiPolygon, Polygon, or Geometry (mixed)."""
        ...

    @property
    def queryables(self) -> tuple[Queryable, ...]: ...

    @property
    def properties_schema(self) -> dict[str, dict[str, Any]]: ...

    @property
    def has_time(self) -> bool: ...

    @property
    def item_parameters(self) -> frozenset[str]:
        """Parameters a single item takes besides f and crs (e.g. the period of computed cells)."""
        ...

    def page(self, user: AnyUser, municipality: Municipality, query: ItemQuery) -> Page: ...

    def item(
        self,
        user: AnyUser,
        municipality: Municipality,
        item_id: str,
        crs: ogc_crs.OutputCrs,
        query: ItemQuery | None = None,
    ) -> Page: ...

    def sensitive_total(self, user: AnyUser, municipality: Municipality, query: ItemQuery) -> int:
        """How many sensitive incidents the whole answer to ``query`` holds or was computed from
        (for the audit log of exports); 0 for layers that never hold any."""
        ...

    def iter_all(
        self, user: AnyUser, municipality: Municipality, query: ItemQuery
    ) -> Iterator[Feature]: ...

    def time_extent(
        self, user: AnyUser, municipality: Municipality
    ) -> tuple[datetime | None, datetime | None]: ...


# JSON Schema fragments for the collections' ``properties_schema`` (layers and surveys alike).
STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
STRING_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}
INTEGER_OR_NULL: dict[str, Any] = {"type": ["integer", "null"]}


def enum_schema(choices: Any) -> dict[str, Any]:
    """The JSON Schema of a Django ``TextChoices`` field."""
    return {"type": "string", "enum": [str(v) for v in choices.values]}


def all_rows(model: type[Model]) -> Callable[[AnyUser, Municipality], QuerySet[Any]]:
    """A ``ModelSource.rows`` giving every row of ``model`` (scoped to the municipality by the source)."""

    def rows(user: AnyUser, municipality: Municipality) -> QuerySet[Any]:
        return model._default_manager.all()

    return rows


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):  # a walk's start time: "18:30:00", as DjangoJSONEncoder writes it
        return value.isoformat(timespec="seconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


@dataclass(frozen=True)
class TimeFields:
    """The time of a feature: an instant (``end`` None) or an interval; ``is_date`` for DateFields."""

    start: str
    end: str | None = None
    is_date: bool = False


def time_condition(time: TimeFields, interval: Interval) -> Q:
    """Rows whose time (instant or interval) meets ``interval``; either end of either may be open."""
    low: object = interval.start
    high: object = interval.end
    if time.is_date:  # compare whole days in the municipality's time zone
        low = interval.start.astimezone(LOCAL_TZ).date() if interval.start else None
        high = interval.end.astimezone(LOCAL_TZ).date() if interval.end else None
    condition = Q()
    if high is not None:
        condition &= Q(**{f"{time.start}__lte": high})
    if low is not None:
        if time.end is None:
            condition &= Q(**{f"{time.start}__gte": low})
        else:  # a feature without an end lasts only its start
            condition &= Q(**{f"{time.end}__gte": low}) | Q(
                **{f"{time.end}__isnull": True, f"{time.start}__gte": low}
            )
    return condition


@dataclass
class ModelSource:
    """Features of a model: ``rows(user, municipality)`` already holds the permission decision."""

    rows: Callable[[AnyUser, Municipality], QuerySet[Any]]
    geometry_field: str
    geometry_type: str
    properties: dict[str, str]  # output name -> ORM path for .values()
    properties_schema: dict[str, dict[str, Any]]
    queryables: tuple[Queryable, ...] = ()
    time: TimeFields | None = None
    # Extra annotations (name -> expression) read along with the properties, e.g. "sensitive".
    annotations: dict[str, Callable[[], Expression | Q]] = field(default_factory=dict)
    sensitive_flag: str | None = None  # annotation that marks a sensitive row (for the audit log)

    @property
    def has_time(self) -> bool:
        return self.time is not None

    @property
    def item_parameters(self) -> frozenset[str]:
        return frozenset()

    def _filtered(
        self, user: AnyUser, municipality: Municipality, query: ItemQuery
    ) -> QuerySet[Any]:
        qs = self.rows(user, municipality).filter(municipality=municipality)
        if query.bbox is not None:
            qs = qs.filter(**{f"{self.geometry_field}__intersects": query.bbox})
        if query.interval is not None:
            qs = qs.filter(self._time_filter(query.interval))
        by_name = {q.name: q for q in self.queryables}
        for name, raw in query.filters.items():
            queryable = by_name[name]
            value = queryable.parse(raw)
            if queryable.condition is not None:
                qs = qs.filter(queryable.condition(value))
            else:
                qs = qs.filter(**{queryable.lookup: value})
        return qs

    def _time_filter(self, interval: Interval) -> Q:
        return Q() if self.time is None else time_condition(self.time, interval)

    def _geometry(self, crs: ogc_crs.OutputCrs) -> Expression:
        geom: Any = self.geometry_field
        if crs.srid != STORAGE_SRID:
            geom = Transform(geom, crs.srid)
        if crs.swap_xy:
            geom = FlipCoordinates(geom)
        return AsGeoJSON(geom, precision=crs.precision)

    def _features(
        self, qs: QuerySet[Any], crs: ogc_crs.OutputCrs
    ) -> Iterator[tuple[Feature, bool]]:
        extra = {name: make() for name, make in self.annotations.items()}
        rows = qs.annotate(ogc_geojson=self._geometry(crs), **extra).values(
            "pk", "ogc_geojson", *self.properties.values(), *extra.keys()
        )
        for row in rows:
            properties = {name: _json_value(row[path]) for name, path in self.properties.items()}
            for name in extra:
                properties[name] = _json_value(row[name])
            geometry = json.loads(row["ogc_geojson"]) if row["ogc_geojson"] else None
            sensitive = bool(self.sensitive_flag and row.get(self.sensitive_flag))
            yield (
                {
                    "type": "Feature",
                    "id": row["pk"],
                    "geometry": geometry,
                    "properties": properties,
                },
                sensitive,
            )

    def page(self, user: AnyUser, municipality: Municipality, query: ItemQuery) -> Page:
        qs = self._filtered(user, municipality, query)
        matched = qs.count()
        window = qs.order_by("pk")[query.offset : query.offset + query.limit]
        features, sensitive = [], 0
        for feature, is_sensitive in self._features(window, query.crs):
            features.append(feature)
            sensitive += is_sensitive
        return Page(features, matched, sensitive)

    def iter_all(
        self, user: AnyUser, municipality: Municipality, query: ItemQuery
    ) -> Iterator[Feature]:
        qs = self._filtered(user, municipality, query).order_by("pk")
        for feature, _sensitive in self._features(qs, query.crs):
            yield feature

    def sensitive_total(self, user: AnyUser, municipality: Municipality, query: ItemQuery) -> int:
        if self.sensitive_flag is None:
            return 0
        flag = self.sensitive_flag
        qs = self._filtered(user, municipality, query).annotate(**{flag: self.annotations[flag]()})
        return int(qs.filter(**{flag: True}).count())

    def item(
        self,
        user: AnyUser,
        municipality: Municipality,
        item_id: str,
        crs: ogc_crs.OutputCrs,
        query: ItemQuery | None = None,
    ) -> Page:
        if not (item_id.isascii() and item_id.isdigit()) or len(item_id) > 18:  # not "²" or "٣"
            return Page([], 0)
        qs = self.rows(user, municipality).filter(municipality=municipality, pk=int(item_id))
        found = list(self._features(qs, crs))
        return Page([f for f, _ in found], len(found), sum(s for _, s in found))

    def time_extent(
        self, user: AnyUser, municipality: Municipality
    ) -> tuple[datetime | None, datetime | None]:
        if self.time is None:
            return None, None
        start, end = self.time.start, self.time.end
        last: Any = Coalesce(end, start) if end else F(start)
        qs = self.rows(user, municipality).filter(municipality=municipality)
        bounds = qs.aggregate(first=Min(start), last=Max(last))
        return day_or_time(bounds["first"], end=False), day_or_time(bounds["last"], end=True)


def day_or_time(value: object, *, end: bool) -> datetime | None:
    """A DateTimeField's value as it is; a DateField's as the start or end of that local day."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return day_bound(value, end_of_day=end)
    return None


@dataclass
class CellSource:
    """Counts on a fixed grid (squares in SWEREF 99 TM), computed for the whole answer and then paged.

    ``cells(user, municipality, interval)`` returns the cells; a bbox keeps whole cells that touch it,
    never cuts one, so a narrow box cannot isolate a few incidents inside a published cell. A cell of a
    release carries its publication period, and its id ends with the period's year
    (``500m-1331-13201-2025``): ``/items/{id}`` finds it whatever ``datetime`` says.
    """

    cells: Callable[[AnyUser, Municipality, Interval | None], Sequence[Cell]]
    has_time: bool = True
    geometry_type: str = "Polygon"
    queryables: tuple[Queryable, ...] = ()
    properties_schema: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "count": {
                "type": ["integer", "null"],
                "description": "antal händelser i rutan under perioden; null när det är dolt",
            },
            "hidden": {
                "type": "boolean",
                "description": "minst k, men dolt så att ett mindre antal inte kan räknas fram",
            },
            "cell_size_m": {"type": "number", "description": "rutans sida i meter"},
            "period_from": {
                "type": "string",
                "format": "date",
                "description": "periodens första dag",
            },
            "period_to": {"type": "string", "format": "date", "description": "periodens sista dag"},
        }
    )

    def _matching(self, user: AnyUser, municipality: Municipality, query: ItemQuery) -> list[Cell]:
        found = list(self.cells(user, municipality, query.interval))
        if query.bbox is not None:
            box = query.bbox
            found = [c for c in found if Polygon.from_bbox(c.bounds).intersects(box)]
        return found

    def page(self, user: AnyUser, municipality: Municipality, query: ItemQuery) -> Page:
        found = self._matching(user, municipality, query)
        window = found[query.offset : query.offset + query.limit]
        return Page([cell_feature(c, query.crs) for c in window], len(found))

    def iter_all(
        self, user: AnyUser, municipality: Municipality, query: ItemQuery
    ) -> Iterator[Feature]:
        for cell in self._matching(user, municipality, query):
            yield cell_feature(cell, query.crs)

    @property
    def item_parameters(self) -> frozenset[str]:
        return frozenset()

    def sensitive_total(self, user: AnyUser, municipality: Municipality, query: ItemQuery) -> int:
        return 0  # a release: the form everyone may see

    def item(
        self,
        user: AnyUser,
        municipality: Municipality,
        item_id: str,
        crs: ogc_crs.OutputCrs,
        query: ItemQuery | None = None,
    ) -> Page:
        interval = query.interval if query is not None else None
        year = item_id.rsplit("-", 1)[-1] if item_id.count("-") >= 3 else ""
        if len(year) == 4 and year.isascii() and year.isdigit():  # the cell of that year's release
            first = datetime(int(year), 7, 1, tzinfo=LOCAL_TZ)
            interval = Interval(first, first)
        for cell in self.cells(user, municipality, interval):
            if cell.cell_id == item_id:
                return Page([cell_feature(cell, crs)], 1)
        return Page([], 0)

    def time_extent(
        self, user: AnyUser, municipality: Municipality
    ) -> tuple[datetime | None, datetime | None]:
        return None, None


def cell_feature(cell: Cell, crs: ogc_crs.OutputCrs) -> Feature:
    minx, miny, maxx, maxy = cell.bounds
    xs, ys = transform_xy(
        [minx, maxx, maxx, minx, minx],
        [miny, miny, maxy, maxy, miny],
        from_srid=STORAGE_SRID,
        to_srid=crs.srid,
    )
    pairs = zip(ys, xs, strict=True) if crs.swap_xy else zip(xs, ys, strict=True)
    ring = [[round(float(a), crs.precision), round(float(b), crs.precision)] for a, b in pairs]
    properties: dict[str, Any] = {
        "count": cell.count,
        "hidden": cell.hidden,
        "cell_size_m": cell.size_m,
        "period_from": cell.period.first.isoformat() if cell.period else None,
        "period_to": cell.period.last.isoformat() if cell.period else None,
    }
    return {
        "type": "Feature",
        "id": cell.cell_id,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": properties,
    }


def model_values(model: type[Model], *names: str) -> dict[str, str]:
    """{name: name} for plain fields of ``model``: the common case of a property read as stored."""
    for name in names:
        model._meta.get_field(name)  # raises FieldDoesNotExist for a typo, at import time
    return {name: name for name in names}
