"""Hot-spot analysis of stored incidents: read filtered points fast, run ``geo`` on them, cache the result.

Points leave PostGIS by binary ``COPY … TO STDOUT`` straight into numpy (no ORM objects), all rows
as one ``string_agg`` value, from a query without joins: the categories a filter and a user's
permission allow are looked up first (``filtered_incidents``). The coordinates of a million points
take about 0.3 s (docs/decisions/0257, docs/performance.md). The density and Gi* grids are fixed
per municipality: the cells are aligned to multiples of the cell size in SWEREF 99 TM, so a cell is
the same for every user and every request.

What a user without ``can_view_sensitive`` gets is computed **without** sensitive incidents: density,
Gi* cells, emerging hot spots, exports. Sensitive incidents reach such users only through
``layers.release`` (docs/decisions/0250-sensitive-incidents-on-the-bra-page.md, 0600).
Results are cached under a hash of everything they depend on, the user's sensitivity scope included.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import shapely
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BinaryField, Func, Q, QuerySet
from numpy.typing import NDArray

from geo.crs import STORAGE_SRID, WEB_SRID, transform_xy
from geo.emerging import CATEGORY_LABELS, NO_PATTERN, emerging_hot_spots
from geo.grids import Grid
from geo.hotspots import CLASS_LABELS, GiStar, confidence_classes, gi_star_grid
from geo.kde import MIN_BANDWIDTH_CELLS, Density, bandwidth_rule, cell_for_bandwidth, kde
from geo.raster import Overlay, overlay_png
from layers.filters import (
    FilterError,
    IncidentFilter,
    apply_filter,
    check_references,
    parse_filter,
    sees_sensitive,
)
from layers.geometry import to_shapely
from layers.models import (
    SENSITIVE_INCIDENT,
    District,
    Incident,
    IncidentCategory,
    Municipality,
)
from layers.roles import AnyUser

CACHE_SECONDS = 600  # data changes bust the cache through data_version(); this bounds the rest
DEFAULT_BANDWIDTH_M = 200.0
DEFAULT_CELL_M = 25.0
DEFAULT_GI_CELL_M = 200.0
GI_CELL_CHOICES = (100.0, 200.0, 250.0, 500.0)
BANDWIDTH_LIMITS_M = (50.0, 2000.0)
MAX_DENSITY_CELLS = 1_500_000  # a 1,200 × 1,200 grid; larger municipalities get coarser cells


@dataclass(frozen=True)
class Places:
    """Where incidents are, as arrays: SWEREF 99 TM coordinates and whether each one is sensitive.

    All that density and Gi* need (``read_places``).
    """

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    sensitive: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.x.size)


@dataclass(frozen=True)
class Points(Places):
    """Incidents as arrays: also ids, times (UTC, NaT when unknown) and category ids."""

    ids: NDArray[np.int64]
    t_from: NDArray[np.datetime64]
    t_to: NDArray[np.datetime64]
    category_id: NDArray[np.int64]


# How points leave PostGIS (docs/decisions/0257). Each row becomes a fixed-width run of bytes from the
# types' own binary send functions, and string_agg() joins the runs into one bytea: one value crosses
# the wire, where a COPY of rows sends a message per row that the Python client takes one by one (half
# the time of a million-row read went there). The runs are read with np.frombuffer and a structured
# dtype. The location is ST_AsBinary(location, 'NDR'): 21 bytes of little-endian WKB (byte order, type,
# x, y); an empty point reads as NaN and is dropped.
_WKB_POINT = [("wkb_order", "u1"), ("wkb_type", "<u4"), ("x", "<f8"), ("y", "<f8")]
_PLACE_DTYPE = np.dtype(_WKB_POINT)
_PLACE_CATEGORY_DTYPE = np.dtype([*_WKB_POINT, ("category", ">i8")])
_POINT_DTYPE = np.dtype(
    [*_WKB_POINT, ("t0", ">i8"), ("t1", ">i8"), ("category", ">i8"), ("id", ">i8")]
)
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since 1970: timestamptz_send's zero
_PG_INFINITY = np.iinfo(np.int64).max  # timestamptz 'infinity', stands in for an unknown end


class _Wkb(Func):
    template = "ST_AsBinary(%(expressions)s, 'NDR')"
    output_field = BinaryField()


class _Int8Bytes(Func):
    template = "int8send(%(expressions)s)"
    output_field = BinaryField()


class _TimeBytes(Func):
    """timestamptz_send(t): microseconds since 2000-01-01 UTC, big-endian; NULL as 'infinity'."""

    template = "timestamptz_send(COALESCE(%(expressions)s, 'infinity'::timestamptz))"
    output_field = BinaryField()


class _Concat(Func):
    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = BinaryField()


def _read_rows(qs: QuerySet[Incident], row: Func, dtype: np.dtype[Any]) -> NDArray[np.void]:
    """The placed incidents of ``qs``, one ``row`` each, as a structured array of ``dtype``."""
    values = qs.filter(location__isnull=False).order_by().annotate(_row=row).values_list("_row")
    try:
        sql, params = values.query.sql_with_params()
    except EmptyResultSet:  # e.g. category__in=[]: nothing can match
        return np.zeros(0, dtype=dtype)
    raw = bytearray()
    with connection.cursor() as cursor:
        pg_cursor: Any = cursor.cursor  # psycopg 3's own cursor: Django's wrapper has no copy()
        # the ORM's own SQL, its values passed apart as parameters
        copy_sql = (
            "COPY (SELECT string_agg(_row, ''::bytea) FROM ("  # noqa: S608
            + sql
            + ") AS rows) TO STDOUT (FORMAT BINARY)"
        )
        with pg_cursor.copy(copy_sql, params) as copy:
            for chunk in copy:
                raw += chunk
    rows = np.frombuffer(_copy_value(memoryview(raw)), dtype=dtype)
    if rows.size and not (np.all(rows["wkb_order"] == 1) and np.all(rows["wkb_type"] == 1)):
        raise ValueError("unexpected layout of the points read from PostGIS")
    finite = np.isfinite(rows["x"])
    if not finite.all():  # POINT EMPTY has no place
        rows = rows[finite & np.isfinite(rows["y"])]
    return rows


def _copy_value(raw: memoryview) -> memoryview:
    """The one bytea value of a binary COPY of a single row with a single column (empty for NULL),
    as a view into ``raw`` (no copy of the megabytes)."""
    if bytes(raw[: len(_COPY_SIGNATURE)]) != _COPY_SIGNATURE:
        raise ValueError("not a PostgreSQL binary COPY stream")
    at = 19 + int.from_bytes(raw[15:19], "big")  # header: signature, flags, extension length
    if int.from_bytes(raw[at : at + 2], "big", signed=True) != 1:
        raise ValueError("unexpected row layout in the COPY stream")
    size = int.from_bytes(raw[at + 2 : at + 6], "big", signed=True)
    if size < 0:  # string_agg over no rows is NULL
        return raw[:0]
    value = raw[at + 6 : at + 6 + size]
    if len(value) != size:
        raise ValueError("the COPY stream ended early")
    return value


def _times(us_since_2000: NDArray[Any]) -> NDArray[np.datetime64]:
    raw = us_since_2000.astype(np.int64)
    unknown = raw == _PG_INFINITY
    raw[unknown] = 0
    raw += _PG_EPOCH_US
    t = raw.astype("datetime64[us]").astype("datetime64[s]")
    t[unknown] = np.datetime64("NaT")
    return t


def _sensitive_category_ids() -> NDArray[np.int64]:
    """The categories whose incidents are sensitive (the rule SENSITIVE_INCIDENT, on categories)."""
    ids = IncidentCategory.objects.filter(_on_category(SENSITIVE_INCIDENT)).values_list(
        "id", flat=True
    )
    return np.array(sorted(ids), dtype=np.int64)


def _on_category(q: Q) -> Q:
    """A condition on an incident's category (``category__…`` lookups) as one on IncidentCategory."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    children: list[Any] = list(q.children)
    for child in children:
        if isinstance(child, Q):
            out.children.append(_on_category(child))
        else:
            lookup, value = child
            if not lookup.startswith("category__"):
                raise ValueError(f"{lookup!r} is not a condition on the category")
            out.children.append((lookup.removeprefix("category__"), value))
    return out


def _points(rows: NDArray[np.void]) -> Points:
    category = rows["category"].astype(np.int64)
    return Points(
        x=rows["x"].astype(np.float64),
        y=rows["y"].astype(np.float64),
        sensitive=np.isin(category, _sensitive_category_ids()),
        ids=rows["id"].astype(np.int64),
        t_from=_times(rows["t0"]),
        t_to=_times(rows["t1"]),
        category_id=category,
    )


def _point_row() -> Func:
    return _Concat(
        _Wkb("location"),
        _TimeBytes("occurred_from"),
        _TimeBytes("occurred_to"),
        _Int8Bytes("category_id"),
        _Int8Bytes("id"),
    )


def read_points(qs: QuerySet[Incident]) -> Points:
    """Read the placed incidents of ``qs`` into numpy; the ORM builds the SQL and its filter.

    For the BRÅ filter prefer ``read_filtered`` (the same points, without joins in the query).
    """
    return _points(_read_rows(qs, _point_row(), _POINT_DTYPE))


def filter_categories(user: AnyUser, f: IncidentFilter) -> list[int]:
    """Ids of the categories whose incidents ``user`` may see as points under ``f``.

    The category side of ``layers.filters.filtered_points``: its focus areas, its category codes and,
    unless ``sees_sensitive(user, f)``, no sensitive category (SENSITIVE_INCIDENT).
    """
    categories = IncidentCategory.objects.all()
    if f.focus_areas:
        categories = categories.filter(focus_area__number__in=f.focus_areas)
    if f.categories:
        categories = categories.filter(code__in=f.categories)
    if not sees_sensitive(user, f):
        categories = categories.exclude(_on_category(SENSITIVE_INCIDENT))
    return sorted(categories.values_list("id", flat=True))


def filtered_incidents(
    user: AnyUser, f: IncidentFilter, municipality: Municipality
) -> QuerySet[Incident]:
    """The incidents of ``filtered_points(user, f, municipality)``, with no join in the query.

    The categories the filter and the user's permission allow are looked up first
    (``filter_categories``) and the query on the million-row table asks for those ids: the planner
    then estimates it right and reads the table once, where the joins to the category and focus area
    made it read it once per category (docs/decisions/0257). The same rows as ``filtered_points``:
    tests/layers/test_analysis.py compares the two for every role and filter.
    """
    ids = filter_categories(user, f)
    qs = Incident.objects.placed().filter(category_id__in=ids)
    return apply_filter(qs, replace(f, focus_areas=(), categories=()), municipality)


def read_filtered(user: AnyUser, f: IncidentFilter, municipality: Municipality) -> Points:
    """``read_points(filtered_points(user, f, municipality))``, fast: no joins in the query."""
    return read_points(filtered_incidents(user, f, municipality))


def read_places(user: AnyUser, f: IncidentFilter, municipality: Municipality) -> Places:
    """Only the coordinates (and sensitivity) of ``read_filtered``: what density and Gi* need.

    The category is read only when the user's filter includes sensitive categories.
    """
    qs = filtered_incidents(user, f, municipality)
    sensitive_ids = _sensitive_category_ids()
    if not np.isin(filter_categories(user, f), sensitive_ids).any():
        rows = _read_rows(qs, _Wkb("location"), _PLACE_DTYPE)
        sensitive = np.zeros(rows.size, dtype=bool)
    else:
        rows = _read_rows(
            qs, _Concat(_Wkb("location"), _Int8Bytes("category_id")), _PLACE_CATEGORY_DTYPE
        )
        sensitive = np.isin(rows["category"].astype(np.int64), sensitive_ids)
    return Places(
        x=rows["x"].astype(np.float64), y=rows["y"].astype(np.float64), sensitive=sensitive
    )


@dataclass(frozen=True)
class AnalysisParams:
    bandwidth_m: float | None = DEFAULT_BANDWIDTH_M  # None: Scott's rule from the points
    cell_m: float = DEFAULT_CELL_M
    gi_cell_m: float = DEFAULT_GI_CELL_M
    fdr: bool = True

    def key(self) -> str:
        return f"bw={self.bandwidth_m};cell={self.cell_m};gi={self.gi_cell_m};fdr={self.fdr}"


def parse_analysis(params: Any) -> AnalysisParams:
    """``bandwidth`` (metres, or ``auto``), ``gi_cell`` (100, 200, 250 or 500 m), ``fdr`` (0/1)."""
    raw_bw = str(params.get("bandwidth", "") or "").strip()
    bandwidth: float | None = DEFAULT_BANDWIDTH_M
    if raw_bw == "auto":
        bandwidth = None
    elif raw_bw:
        try:
            bandwidth = float(raw_bw)
        except ValueError:
            raise FilterError("bandwidth", "ange bandbredd i meter eller auto") from None
        lo, hi = BANDWIDTH_LIMITS_M
        if not lo <= bandwidth <= hi:
            raise FilterError("bandwidth", f"bandbredden ska vara {lo:.0f}–{hi:.0f} meter")
    raw_gi = str(params.get("gi_cell", "") or "").strip()
    gi_cell = DEFAULT_GI_CELL_M
    if raw_gi:
        try:
            gi_cell = float(raw_gi)
        except ValueError:
            raise FilterError("gi_cell", "ange rutstorlek i meter") from None
        if gi_cell not in GI_CELL_CHOICES:
            raise FilterError(
                "gi_cell", "rutstorleken ska vara " + ", ".join(f"{c:.0f}" for c in GI_CELL_CHOICES)
            )
    raw_fdr = str(params.get("fdr", "1") or "1")
    if raw_fdr not in ("0", "1"):
        raise FilterError("fdr", "ange 0 eller 1")
    return AnalysisParams(bandwidth_m=bandwidth, gi_cell_m=gi_cell, fdr=raw_fdr == "1")


def municipality_bounds(municipality: Municipality) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = municipality.boundary.extent
    return float(minx), float(miny), float(maxx), float(maxy)


def density_grid(
    municipality: Municipality,
    cell_m: float = DEFAULT_CELL_M,
    bandwidth_m: float = DEFAULT_BANDWIDTH_M,
) -> Grid:
    """The municipality's density grid, with a kilometre's margin; cells aligned to multiples of cell_m.

    The bandwidth spans at least three cells (``geo.kde.MIN_BANDWIDTH_CELLS``): for a narrow
    bandwidth the cells are halved (50 m on 12.5 m cells), never the bandwidth widened. A municipality
    too large for that many cells gets coarser ones up to the limit of three cells per bandwidth; past
    it the bandwidth is refused, naming the smallest it can have (``FilterError`` on ``bandwidth``).
    """
    minx, miny, maxx, maxy = municipality_bounds(municipality)
    fine = cell_for_bandwidth(cell_m, bandwidth_m)
    cell = fine
    while True:
        grid = Grid.covering((minx - 1000, miny - 1000, maxx + 1000, maxy + 1000), cell)
        if grid.nx * grid.ny <= MAX_DENSITY_CELLS:
            break
        cell *= 2
    if bandwidth_m < MIN_BANDWIDTH_CELLS * cell:
        raise FilterError(
            "bandwidth",
            f"bandbredden ska vara minst {MIN_BANDWIDTH_CELLS * cell:.0f} meter för en kommun "
            f"av den här storleken (tre rutor om {cell:g} meter)",
        )
    return grid


def gi_grid_and_mask(
    municipality: Municipality, cell_m: float, district: str = ""
) -> tuple[Grid, NDArray[np.bool_]]:
    """The Gi* grid over the municipality and its study area: the cells that touch the municipality
    or, with a ``district`` code, that district.

    The one place the study area is decided. Only its cells are observations for Gi* and tests for
    the false discovery rate (``geo.hotspots.confidence_classes(mask=…)``): the BRÅ page, the OGC
    hot-spot cells, the tiles and the emerging hot spots all take it from here. The grid itself is the
    municipality's whatever the district, so a cell keeps its id.
    """
    boundary = municipality.boundary
    area = boundary
    if district:
        chosen = District.objects.filter(municipality=municipality, code=district).first()
        if chosen is None:
            raise FilterError("district", f"kommundelen {district!r} finns inte")
        area = chosen.area
    shape = hashlib.sha256(bytes(boundary.wkb) + bytes(area.wkb)).hexdigest()[:16]
    key = f"trygg:gi-mask:{municipality.pk}:{cell_m}:{district}:{shape}"
    cached = cache.get(key)
    if cached is not None:
        grid, mask = cached
        return grid, mask
    grid = Grid.covering(municipality_bounds(municipality), cell_m)
    xs = grid.x0 + np.arange(grid.nx) * cell_m
    ys = grid.y0 + np.arange(grid.ny) * cell_m
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx, gy, gx + cell_m, gy + cell_m)
    mask = np.ones(grid.shape, dtype=bool)
    for polygon in {id(boundary): boundary, id(area): area}.values():
        shape_ = to_shapely(polygon)
        shapely.prepare(shape_)
        mask &= np.asarray(shapely.intersects(shape_, boxes), dtype=bool)
    cache.set(key, (grid, mask), 24 * 3600)
    return grid, mask


def data_version(municipality: Municipality) -> str:
    """Changes whenever incidents are added or an import is undone (a cheap query, no count(*))."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT max(id) FROM layers_incident WHERE municipality_id = %s),"
            " (SELECT max(created_at) FROM layers_importbatch WHERE municipality_id = %s),"
            " (SELECT max(undone_at) FROM layers_importbatch WHERE municipality_id = %s),"
            " (SELECT count(*) FROM layers_importbatch WHERE municipality_id = %s)",
            [municipality.pk] * 4,
        )
        row = cursor.fetchone()
    return "|".join(str(v) for v in row)


def cache_key(kind: str, municipality: Municipality, *parts: str) -> str:
    text = "|".join([kind, str(municipality.pk), data_version(municipality), *parts])
    return f"trygg:{kind}:" + hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class HotSpotResult:
    """Everything the map needs for one filter: density, Gi* per cell, counts."""

    density: Density
    gi_grid: Grid
    gi_mask: NDArray[np.bool_]
    counts: NDArray[np.float64]
    gi: GiStar
    classes: NDArray[np.int8]
    n_points: int
    n_sensitive: int
    bandwidth_m: float

    @property
    def tests(self) -> int:
        """How many cells were tests for the false discovery rate: those of the study area."""
        return int(self.gi_mask.sum())


def analyse(
    qs: QuerySet[Incident],
    municipality: Municipality,
    params: AnalysisParams,
    *,
    scope: str,
    district: str = "",
    use_cache: bool = True,
) -> HotSpotResult:
    """Density and Gi* of the placed incidents in ``qs``; ``scope`` is part of the cache key.

    ``scope`` must tell apart what different users may see (e.g. the filter's key plus whether
    sensitive incidents are included), because the result is shared between requests. For the BRÅ
    filter use ``analyse_filter``, which reads faster.
    """
    return _cached(
        cache_key("analysis", municipality, scope, params.key(), district),
        lambda: analyse_points(read_points(qs), municipality, params, district=district),
        use_cache=use_cache,
    )


def analyse_filter(
    user: AnyUser,
    f: IncidentFilter,
    municipality: Municipality,
    params: AnalysisParams,
    *,
    use_cache: bool = True,
) -> HotSpotResult:
    """Density and Gi* of what ``user`` may see as points under ``f`` (``read_places``), cached
    per filter and sensitivity scope (``scope_key``)."""
    return _cached(
        cache_key("analysis", municipality, scope_key(user, f), params.key()),
        lambda: analyse_points(
            read_places(user, f, municipality), municipality, params, district=f.district
        ),
        use_cache=use_cache,
    )


def _cached(key: str, compute: Callable[[], HotSpotResult], *, use_cache: bool) -> HotSpotResult:
    if use_cache:
        cached = cache.get(key)
        if cached is not None:
            result: HotSpotResult = cached
            return result
    result = compute()
    if use_cache:
        cache.set(key, result, CACHE_SECONDS)
    return result


def scope_key(user: AnyUser, f: IncidentFilter) -> str:
    """What a cached result depends on besides the data: the filter and the user's sensitivity scope."""
    return f"{f.key()}|sensitive={sees_sensitive(user, f)}"


def hotspots_for(
    user: AnyUser, municipality: Municipality, query: Any, *, use_cache: bool = True
) -> HotSpotResult:
    """Density and Gi* for ``user`` from query parameters (the BRÅ filter plus ``bandwidth``,
    ``gi_cell``, ``fdr``): the entry point for other channels (OGC API, tiles). Raises ``FilterError``.

    ``hotspot_cells(hotspots_for(...))`` gives the cells with z, p and class.
    """
    f = parse_filter(query)
    check_references(f, municipality)
    params = parse_analysis(query)
    return analyse_filter(user, f, municipality, params, use_cache=use_cache)


def analyse_points(
    points: Places, municipality: Municipality, params: AnalysisParams, *, district: str = ""
) -> HotSpotResult:
    """Density and Gi* of ``points``; Gi* and its false discovery rate over the study area
    (``gi_grid_and_mask``: the municipality, or the ``district``)."""
    bandwidth = params.bandwidth_m
    if bandwidth is None:
        try:
            bandwidth = bandwidth_rule(points.x, points.y, "scott")
        except ValueError:
            bandwidth = DEFAULT_BANDWIDTH_M
        bandwidth = float(np.clip(bandwidth, *BANDWIDTH_LIMITS_M))
    grid = density_grid(municipality, params.cell_m, bandwidth)
    density = kde(points.x, points.y, grid, bandwidth)
    gi_grid, mask = gi_grid_and_mask(municipality, params.gi_cell_m, district)
    counts = gi_grid.counts(points.x, points.y).astype(np.float64)
    gi = gi_star_grid(counts, mask)
    classes = confidence_classes(gi, fdr=params.fdr, mask=mask)
    return HotSpotResult(
        density=density,
        gi_grid=gi_grid,
        gi_mask=mask,
        counts=counts,
        gi=gi,
        classes=classes,
        n_points=len(points),
        n_sensitive=int(points.sensitive.sum()),
        bandwidth_m=bandwidth,
    )


def density_overlay(result: HotSpotResult) -> Overlay:
    """The density as a coloured PNG for Leaflet, values in incidents per km² for the period."""
    return overlay_png(result.density.grid, result.density.values)


def change_overlay(current: HotSpotResult, previous: HotSpotResult) -> Overlay:
    """Density now minus density in the comparison period: red more, blue fewer (per km²)."""
    diff = current.density.values - previous.density.values
    return overlay_png(current.density.grid, diff, diverging=True)


def _cell_ring_4326(grid: Grid, row: int, col: int) -> list[list[float]]:
    x0 = grid.x0 + col * grid.cell_m
    y0 = grid.y0 + row * grid.cell_m
    x1, y1 = x0 + grid.cell_m, y0 + grid.cell_m
    lons, lats = transform_xy(
        [x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], from_srid=STORAGE_SRID, to_srid=WEB_SRID
    )
    return [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lons, lats, strict=True)]


def hotspot_cells(result: HotSpotResult, *, only_significant: bool = True) -> list[dict[str, Any]]:
    """Gi* cells with their count, z, p (two-sided) and Esri class, for maps, tiles and exports.

    Each cell: ``id`` ("200m-col-row", the column and row counted from the CRS origin like
    ``layers.release.Cell``), ``bounds`` (SWEREF 99 TM), ``count``, ``z``, ``p``, ``class``
    (−3 … 3) and ``label``.
    """
    grid = result.gi_grid
    rows, cols = np.nonzero(result.classes != 0 if only_significant else result.gi_mask)
    col0 = round(grid.x0 / grid.cell_m)
    row0 = round(grid.y0 / grid.cell_m)
    p2 = result.gi.p_two_sided
    out = []
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        cls = int(result.classes[r, c])
        x0 = grid.x0 + c * grid.cell_m
        y0 = grid.y0 + r * grid.cell_m
        out.append(
            {
                "id": f"{int(grid.cell_m)}m-{col0 + c}-{row0 + r}",
                "row": r,
                "col": c,
                "bounds": (x0, y0, x0 + grid.cell_m, y0 + grid.cell_m),
                "count": int(result.counts[r, c]),
                "z": round(float(result.gi.z[r, c]), 4),
                "p": float(p2[r, c]),
                "class": cls,
                "label": CLASS_LABELS[cls],
            }
        )
    return out


def cells_geojson(cells: list[dict[str, Any]], grid: Grid) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "id": cell["id"],
            "geometry": {
                "type": "Polygon",
                "coordinates": [_cell_ring_4326(grid, cell["row"], cell["col"])],
            },
            "properties": {k: cell[k] for k in ("count", "z", "p", "class", "label")}
            | {"cell_size_m": grid.cell_m},
        }
        for cell in cells
    ]
    return {"type": "FeatureCollection", "features": features}


def monthly_slices(date_from: date, date_to: date) -> list[tuple[date, date]]:
    """Calendar months overlapping the period, each cut to it."""
    out = []
    y, m = date_from.year, date_from.month
    while date(y, m, 1) <= date_to:
        start = max(date(y, m, 1), date_from)
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        end = min(date(ny, nm, 1).fromordinal(date(ny, nm, 1).toordinal() - 1), date_to)
        out.append((start, end))
        y, m = ny, nm
    return out


def emerging_cells(
    points: Points,
    municipality: Municipality,
    f: IncidentFilter,
    params: AnalysisParams,
) -> dict[str, Any]:
    """Emerging hot spots over the period's months (at least six), as GeoJSON cells with a category.

    Esri's Emerging Hot Spot Analysis (``geo.emerging.emerging_hot_spots``): a space-time cube of
    counts per cell of the study area and month, Gi* with a space-time neighbourhood over the whole
    cube, Mann–Kendall per cell and the 17 categories."""
    slices = monthly_slices(f.date_from, f.date_to)
    if len(slices) < 6:
        raise FilterError("from", "trender kräver en period på minst sex månader")
    grid, mask = gi_grid_and_mask(municipality, params.gi_cell_m, f.district)
    local = _local_dates(points.t_from)
    cube = np.zeros((len(slices), *grid.shape))
    for t, (start, end) in enumerate(slices):
        sel = (local >= np.datetime64(start)) & (local <= np.datetime64(end))
        cube[t] = grid.counts(points.x[sel], points.y[sel])
    result = emerging_hot_spots(cube, mask, fdr=params.fdr)
    rows, cols = np.nonzero(mask)
    col0 = round(grid.x0 / grid.cell_m)
    row0 = round(grid.y0 / grid.cell_m)
    features = []
    for i, category in enumerate(result.category.tolist()):
        if category == NO_PATTERN:
            continue
        r, c = int(rows[i]), int(cols[i])
        features.append(
            {
                "type": "Feature",
                "id": f"{int(grid.cell_m)}m-{col0 + c}-{row0 + r}",
                "geometry": {"type": "Polygon", "coordinates": [_cell_ring_4326(grid, r, c)]},
                "properties": {
                    "category": category,
                    "label": CATEGORY_LABELS[category],
                    "trend_z": round(float(result.trend.z[i]), 3),
                    "trend_p": round(float(result.trend.p[i]), 4),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "slices": [[a.isoformat(), b.isoformat()] for a, b in slices],
    }


def _local_dates(t_utc: NDArray[np.datetime64]) -> NDArray[np.datetime64]:
    """UTC times to local (Europe/Stockholm) calendar dates, DST included."""
    return local_times(t_utc).astype("datetime64[D]")


def local_times(t_utc: NDArray[np.datetime64]) -> NDArray[np.datetime64]:
    """UTC times to Europe/Stockholm wall-clock times: +1 h, +2 h in summer (last Sunday of March
    01:00 UTC to last Sunday of October 01:00 UTC, the EU rule since 1996)."""
    t = np.asarray(t_utc, dtype="datetime64[s]")
    years = t.astype("datetime64[Y]").astype(np.int64) + 1970
    uniq = np.unique(years)
    offset = np.full(t.size, 3600, dtype=np.int64)
    for year in uniq.tolist():
        start = _last_sunday(int(year), 3)
        end = _last_sunday(int(year), 10)
        summer = (years == year) & (t >= start) & (t < end)
        offset[summer] = 7200
    out: NDArray[np.datetime64] = t + offset.astype("timedelta64[s]")
    return out


def _last_sunday(year: int, month: int) -> np.datetime64:
    last = np.datetime64(f"{year + (month == 12)}-{(month % 12) + 1:02d}-01") - np.timedelta64(
        1, "D"
    )
    weekday = (last.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 0 = Monday
    sunday = last - np.timedelta64(int((weekday - 6) % 7), "D")
    change: np.datetime64 = (sunday.astype("datetime64[s]") + np.timedelta64(3600, "s")).astype(
        "datetime64[s]"
    )
    return change


def summary_json(result: HotSpotResult, overlay: Overlay, *, png_url: str) -> dict[str, Any]:
    """The density layer's description for the page: where the PNG is, its bounds and legend."""
    hot = int((result.classes > 0).sum())
    cold = int((result.classes < 0).sum())
    return {
        "png": png_url,
        "bounds": overlay.bounds,
        "legend": {"stops": [round(s) for s in overlay.stops], "colors": overlay.colors},
        "bandwidth_m": round(result.bandwidth_m),
        "cell_m": result.density.grid.cell_m,
        "n_points": result.n_points,
        "hot_cells": hot,
        "cold_cells": cold,
        "peak_per_km2": round(result.density.peak, 1),
    }
