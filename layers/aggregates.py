"""Sensitive incidents as counts on a fixed grid: the only form in which users without the permission see them.

The grid is aligned to multiples of ``SENSITIVE_CELL_M`` in SWEREF 99 TM, the same for every request (no
user chooses the cells), and cells with fewer than ``SENSITIVE_MIN_COUNT`` incidents are left out. Every
channel (pages, API, OGC API, tiles, exports) that shows sensitive incidents to such users calls
``sensitive_cells`` (docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import Floor

from geo.crs import STORAGE_SRID, transform_xy
from layers.functions import X, Y
from layers.models import SENSITIVE_INCIDENT, Incident, IncidentQuerySet


def cell_size_m() -> float:
    return float(getattr(settings, "SENSITIVE_CELL_M", 500))


def min_count() -> int:
    return int(getattr(settings, "SENSITIVE_MIN_COUNT", 5))


@dataclass(frozen=True)
class Cell:
    col: int  # floor(x / size)
    row: int  # floor(y / size)
    size_m: float
    count: int

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in SWEREF 99 TM."""
        return (
            self.col * self.size_m,
            self.row * self.size_m,
            (self.col + 1) * self.size_m,
            (self.row + 1) * self.size_m,
        )

    @property
    def cell_id(self) -> str:
        return f"{int(self.size_m)}m-{self.col}-{self.row}"


def sensitive_cells(incidents: QuerySet[Incident] | IncidentQuerySet) -> list[Cell]:
    """Sensitive, placed incidents of ``incidents`` counted per fixed cell; cells under k left out.

    ``incidents`` may carry any filter (period, district, category); this function adds the rest.
    """
    size = cell_size_m()
    # SELECT floor(ST_X(location)/size), floor(ST_Y(location)/size), count(*) ... GROUP BY 1, 2 HAVING count(*) >= k
    rows = (
        incidents.filter(SENSITIVE_INCIDENT, precision=Incident.Precision.POINT)
        .annotate(col=Floor(X("location") / size), row=Floor(Y("location") / size))
        .values("col", "row")
        .annotate(n=Count("id"))
        .filter(n__gte=min_count())
        .order_by("row", "col")
    )
    return [Cell(int(r["col"]), int(r["row"]), size, int(r["n"])) for r in rows]


def cells_as_geojson(cells: list[Cell], *, to_srid: int = 4326) -> dict[str, Any]:
    """Cells as a GeoJSON FeatureCollection of squares (WGS 84 unless asked otherwise)."""
    features = []
    for cell in cells:
        minx, miny, maxx, maxy = cell.bounds
        xs, ys = transform_xy(
            [minx, maxx, maxx, minx, minx],
            [miny, miny, maxy, maxy, miny],
            from_srid=STORAGE_SRID,
            to_srid=to_srid,
        )
        ring = [[round(float(x), 7), round(float(y), 7)] for x, y in zip(xs, ys, strict=True)]
        features.append(
            {
                "type": "Feature",
                "id": cell.cell_id,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"count": cell.count, "cell_size_m": cell.size_m, "sensitive": True},
            }
        )
    return {"type": "FeatureCollection", "features": features}
