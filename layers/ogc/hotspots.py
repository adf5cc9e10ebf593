"""The hot-spot cells of the analysis engine (Getis-Ord Gi*) as an OGC API collection.

The cells come from ``layers.analysis.hotspots_for`` and ``hotspot_cells``, the entry point the BRÅ page
uses, with the same filter: so a user without ``can_view_sensitive`` gets cells computed **without**
sensitive incidents (docs/decisions/0250), and an analyst gets the cells the /bra/ page shows them. Nothing
here re-implements the rule or the statistics.

The OGC parameters map onto the BRÅ filter (docs/decisions/0404):

- ``datetime`` is the period: whole days in Swedish time (an end at local midnight ends the day before);
  an open end is today, an open start a year before the end; without it the twelve months up to today.
- ``focus_area``, ``category``, ``district``, ``hours``, ``weekdays``, ``light``, ``sensitive`` choose
  the incidents, as on /bra/; ``cell_size_m`` (100, 200, 250, 500) the grid and ``fdr`` the correction.
- ``class``, ``significant``, ``min_z`` and ``max_z`` filter the cells; ``bbox`` keeps whole cells that
  touch it. The statistics are always computed over the whole municipality, never over the bbox.

The collection holds every cell of the study area (the cells that touch the municipality), as Esri's Hot
Spot Analysis writes every input feature, so QGIS can colour z; ``significant=true`` gives the hot and cold
spots the /bra/ map draws.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from django.db.models import Max, Min

from geo.crs import STORAGE_SRID, transform_xy
from geo.hotspots import CLASS_LABELS
from layers.analysis import GI_CELL_CHOICES, HotSpotResult, hotspot_cells, hotspots_for
from layers.filters import FilterError, IncidentFilter, parse_filter, sees_sensitive
from layers.geometry import to_shapely
from layers.models import Municipality
from layers.ogc import crs as ogc_crs
from layers.ogc.params import LOCAL_TZ, BadRequest, Interval, ItemQuery
from layers.ogc.sources import Feature, Page, Queryable
from layers.queries import visible_incidents
from layers.roles import AnyUser

Cell = dict[str, Any]

# OGC parameter -> parameter of the BRÅ filter (layers.filters.parse_filter, layers.analysis.parse_analysis).
ANALYSIS_PARAMETERS = {
    "focus_area": "focus",
    "category": "category",
    "district": "district",
    "hours": "hours",
    "weekdays": "weekdays",
    "light": "light",
    "sensitive": "sensitive",
    "cell_size_m": "gi_cell",
    "fdr": "fdr",
}
# A FilterError names the BRÅ parameter; the client sent the OGC one.
_OGC_NAME = {bra: ogc for ogc, bra in ANALYSIS_PARAMETERS.items()} | {
    "from": "datetime",
    "to": "datetime",
}
CELL_FILTERS = ("class", "significant", "min_z", "max_z")
_ITEM_ID = re.compile(r"^(\d{1,4})m-(-?\d{1,7})-(-?\d{1,8})$")

QUERYABLES = (
    Queryable(
        "class",
        "",
        "integer",
        description="Gi*-klass: 3, 2, 1 hot spot med 99, 95, 90 % konfidens; 0 inte signifikant; "
        "-1, -2, -3 cold spot",
    ),
    Queryable("significant", "", "boolean", description="true: bara hot och cold spots"),
    Queryable("min_z", "", "number", description="bara rutor med z minst så här"),
    Queryable("max_z", "", "number", description="bara rutor med z högst så här"),
    Queryable(
        "focus_area",
        "",
        "string",
        description="räkna bara händelser i fokusområdena, t.ex. 2 eller 2,3",
    ),
    Queryable(
        "category", "", "string", description="räkna bara kategorierna (koder, kommaseparerade)"
    ),
    Queryable("district", "", "string", description="räkna bara händelser i kommundelen (kod)"),
    Queryable(
        "hours", "", "string", description="timmar då händelsen började, t.ex. 22-3 eller 18,19"
    ),
    Queryable("weekdays", "", "string", description="veckodagar 1 (måndag) till 7, t.ex. 5-7"),
    Queryable("light", "", "string", description="dagsljus, skymning, morker (kommaseparerade)"),
    Queryable(
        "sensitive",
        "",
        "boolean",
        description="false: utan känsliga händelser (de ingår bara för den som får se dem)",
    ),
    Queryable(
        "cell_size_m",
        "",
        "integer",
        description="rutstorlek i meter: " + ", ".join(f"{c:.0f}" for c in GI_CELL_CHOICES),
    ),
    Queryable("fdr", "", "boolean", description="false: utan korrektion för många test (FDR)"),
)

PROPERTIES_SCHEMA: dict[str, dict[str, Any]] = {
    "count": {"type": "integer", "description": "antal händelser i rutan under perioden"},
    "z": {"type": "number", "description": "Gi* z-värde"},
    "p": {"type": "number", "description": "p-värde (tvåsidigt)"},
    "class": {
        "type": "integer",
        "enum": sorted(CLASS_LABELS),
        "description": "3, 2, 1 hot spot (99, 95, 90 %); 0 inte signifikant; -1, -2, -3 cold spot",
    },
    "label": {"type": "string", "enum": [CLASS_LABELS[k] for k in sorted(CLASS_LABELS)]},
    "significant": {"type": "boolean"},
    "cell_size_m": {"type": "number", "description": "rutans sida i meter"},
    "period_from": {"type": "string", "format": "date", "description": "periodens första dag"},
    "period_to": {"type": "string", "format": "date", "description": "periodens sista dag"},
}


def bra_params(interval: Interval | None, filters: dict[str, str]) -> dict[str, str]:
    """The BRÅ filter's query parameters for an OGC ``datetime`` and the analysis parameters."""
    params: dict[str, str] = {}
    if interval is not None:
        try:
            if interval.start is not None:
                params["from"] = interval.start.astimezone(LOCAL_TZ).date().isoformat()
            if interval.end is not None:
                params["to"] = _last_day(interval.end).isoformat()
        except OverflowError as e:  # a time in year 1 or 9999 moved into Swedish time
            raise BadRequest("datetime", "is out of range") from e
    by_name = {q.name: q for q in QUERYABLES}
    for name, raw in filters.items():
        bra = ANALYSIS_PARAMETERS.get(name)
        if bra is None:
            continue
        value = by_name[name].parse(raw)
        if isinstance(value, bool):
            params[bra] = "1" if value else "0"
        else:
            params[bra] = str(value)
    return params


def _last_day(end: datetime) -> date:
    """The last whole local day an interval's end covers; an end at local midnight ends the day before."""
    local = end.astimezone(LOCAL_TZ)
    if local.time() == datetime.min.time():
        return (local - timedelta(microseconds=1)).date()
    return local.date()


@dataclass(frozen=True)
class Analysis:
    result: HotSpotResult
    filter: IncidentFilter
    sensitive_count: int  # sensitive incidents the cells were computed from (0 unless permitted)


def analyse(user: AnyUser, municipality: Municipality, query: ItemQuery) -> Analysis:
    """Gi* for ``user`` and the query, through the BRÅ page's entry point; a bad value is a BadRequest."""
    params = bra_params(query.interval, query.filters)
    try:
        f = parse_filter(params)
        result = hotspots_for(user, municipality, params)
    except FilterError as e:
        raise BadRequest(_OGC_NAME.get(e.field, e.field), str(e)) from e
    sensitive = result.n_sensitive if sees_sensitive(user, f) else 0
    return Analysis(result, f, sensitive)


def _matches(cell: Cell, filters: dict[str, object]) -> bool:
    if "class" in filters and cell["class"] != filters["class"]:
        return False
    if "significant" in filters and (cell["class"] != 0) != filters["significant"]:
        return False
    if "min_z" in filters and not cell["z"] >= float(filters["min_z"]):  # type: ignore[arg-type]  # the filters were parsed to numbers; the dict is typed object for its other keys
        return False
    return not ("max_z" in filters and not cell["z"] <= float(filters["max_z"]))  # type: ignore[arg-type]  # the filters were parsed to numbers; the dict is typed object for its other keys


def _cell_filters(query: ItemQuery) -> dict[str, object]:
    by_name = {q.name: q for q in QUERYABLES}
    parsed = {n: by_name[n].parse(query.filters[n]) for n in CELL_FILTERS if n in query.filters}
    if "class" in parsed and parsed["class"] not in CLASS_LABELS:
        raise BadRequest("class", "must be one of -3, -2, -1, 0, 1, 2, 3")
    return parsed


def matching_cells(analysis: Analysis, query: ItemQuery) -> list[Cell]:
    """Every cell of the study area that passes the cell filters and touches the bbox, south to north."""
    filters = _cell_filters(query)
    cells = [
        c for c in hotspot_cells(analysis.result, only_significant=False) if _matches(c, filters)
    ]
    if query.bbox is not None and cells:
        bounds = np.array([c["bounds"] for c in cells])
        boxes = shapely.box(bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3])
        touching = shapely.intersects(to_shapely(query.bbox), boxes)
        cells = [c for c, keep in zip(cells, touching.tolist(), strict=True) if keep]
    return cells


def features(cells: list[Cell], analysis: Analysis, crs: ogc_crs.OutputCrs) -> list[Feature]:
    """Cells as GeoJSON squares in ``crs`` (its axis order), all corners transformed in one call."""
    if not cells:
        return []
    bounds = np.array([c["bounds"] for c in cells], dtype=np.float64)
    minx, miny, maxx, maxy = bounds.T
    xs = np.stack([minx, maxx, maxx, minx, minx], axis=1).ravel()
    ys = np.stack([miny, miny, maxy, maxy, miny], axis=1).ravel()
    tx, ty = transform_xy(xs, ys, from_srid=STORAGE_SRID, to_srid=crs.srid)
    first, second = (ty, tx) if crs.swap_xy else (tx, ty)
    first = np.round(first, crs.precision).reshape(-1, 5)
    second = np.round(second, crs.precision).reshape(-1, 5)
    size = analysis.result.gi_grid.cell_m
    period_from = analysis.filter.date_from.isoformat()
    period_to = analysis.filter.date_to.isoformat()
    out = []
    for i, cell in enumerate(cells):
        ring = [[a, b] for a, b in zip(first[i].tolist(), second[i].tolist(), strict=True)]
        out.append(
            {
                "type": "Feature",
                "id": cell["id"],
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "count": cell["count"],
                    "z": cell["z"],
                    "p": cell["p"],
                    "class": cell["class"],
                    "label": cell["label"],
                    "significant": cell["class"] != 0,
                    "cell_size_m": size,
                    "period_from": period_from,
                    "period_to": period_to,
                },
            }
        )
    return out


@dataclass
class HotSpotSource:
    """Gi* cells for a user and a filter, computed (and cached) by ``layers.analysis``, then paged."""

    geometry_type: str = "Polygon"
    has_time: bool = True
    queryables: tuple[Queryable, ...] = QUERYABLES
    properties_schema: dict[str, dict[str, Any]] = field(
        default_factory=lambda: dict(PROPERTIES_SCHEMA)
    )

    @property
    def item_parameters(self) -> frozenset[str]:
        # A cell's z depends on the period and the filter, so a single item takes them too.
        return frozenset({"datetime", *(q.name for q in self.queryables)})

    def page(self, user: AnyUser, municipality: Municipality, query: ItemQuery) -> Page:
        analysis = analyse(user, municipality, query)
        cells = matching_cells(analysis, query)
        window = cells[query.offset : query.offset + query.limit]
        found = features(window, analysis, query.crs)
        return Page(found, len(cells), analysis.sensitive_count if found else 0)

    def iter_all(
        self, user: AnyUser, municipality: Municipality, query: ItemQuery
    ) -> Iterator[Feature]:
        analysis = analyse(user, municipality, query)
        cells = matching_cells(analysis, query)
        for start in range(0, len(cells), 1000):
            yield from features(cells[start : start + 1000], analysis, query.crs)

    def item(
        self,
        user: AnyUser,
        municipality: Municipality,
        item_id: str,
        crs: ogc_crs.OutputCrs,
        query: ItemQuery | None = None,
    ) -> Page:
        match = _ITEM_ID.match(item_id)
        if match is None or float(match.group(1)) not in GI_CELL_CHOICES:
            return Page([], 0)
        base = query or ItemQuery()
        # The id names the grid: a cell of 200 m exists only in the 200 m analysis.
        filters = {**base.filters, "cell_size_m": match.group(1)}
        analysis = analyse(user, municipality, replace(base, filters=filters, bbox=None))
        cells = [
            c for c in matching_cells(analysis, replace(base, bbox=None)) if c["id"] == item_id
        ]
        found = features(cells, analysis, crs)
        return Page(found, len(found), analysis.sensitive_count if found else 0)

    def sensitive_total(self, user: AnyUser, municipality: Municipality, query: ItemQuery) -> int:
        return analyse(user, municipality, query).sensitive_count

    def time_extent(
        self, user: AnyUser, municipality: Municipality
    ) -> tuple[datetime | None, datetime | None]:
        """When the incidents the user may count happened (the periods worth asking for)."""
        bounds = (
            visible_incidents(user)
            .filter(municipality=municipality)
            .aggregate(first=Min("occurred_from"), last=Max("occurred_from"))
        )
        return bounds["first"], bounds["last"]
