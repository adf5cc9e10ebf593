"""Mapbox vector tiles from PostGIS ``ST_AsMVT``, one SQL file per layer (layers/sql/tile_*.sql).

Which rows a user may see is decided here in Python, by the same rules as every other channel, and
handed to the SQL as parameters:

- ``incidents``: points at zoom 14 and above (unless a tile would hold more than MAX_POINTS), and
  otherwise counts per fixed square drawn at the square's centre (raw points make tiles of megabytes at
  low zoom: DESIGN.md). Users without the permission never
  get a sensitive incident, as a point or in a count: their hidden categories are those of
  ``SENSITIVE_INCIDENT``.
- ``sensitive-cells``: ``layers.aggregates.sensitive_cells`` (fixed grid, cells under k left out), for all.
- ``observations`` and ``context``: as on the pages.

Values reach the SQL only as ``%(name)s`` parameters; layer names and file names come from ``LAYERS``,
never from the request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from layers.aggregates import Cell, cell_size_m, sensitive_cells
from layers.models import Incident, IncidentCategory, Municipality
from layers.roles import AnyUser, can_view_sensitive

SQL_DIR = Path(__file__).resolve().parent / "sql"
MAX_ZOOM = 22
EXTENT = 4096
BUFFER = 64
POINT_MIN_ZOOM = 14  # below this, incidents come as counts per square
# From POINT_MIN_ZOOM a tile holds points, unless it would hold more than this: then counts per (small)
# square, so a crowded tile stays small (about 50 KB) and fast; zooming in further brings the points.
MAX_POINTS = 3_000
MAX_FEATURES = 20_000  # per tile, for the other point layers
CELLS_REMEMBER_S = (
    60.0  # sensitive cells for a whole municipality are computed once a minute at most
)

# Square side per zoom for incident counts: about 16 squares across a tile at Väsby's latitude (59.5° N),
# on round metres so the squares are the same for every request.
# Below zoom 14 the squares are 160 m times a power of two, sums of the pre-aggregated 160 m squares
# (the view layers_incident_bin); from 14 they are counted from the points of the tile itself.
BASE_BIN_M = 160
BIN_SIZE_M = {z: BASE_BIN_M * 2 ** max(0, min(13 - z, 8)) for z in range(POINT_MIN_ZOOM)} | {
    14: 80, 15: 40, 16: 20, 17: 10} | {z: 5 for z in range(18, MAX_ZOOM + 1)}  # fmt: skip


class TileOutOfRange(ValueError):
    """z, x or y is outside the tile matrix (z over 22, or x, y not below 2**z)."""


@dataclass(frozen=True)
class TileLayer:
    name: str
    permission: str
    render: Callable[[AnyUser, Municipality, int, int, int], bytes]
    min_zoom: int = 0


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise TileOutOfRange(f"zoom must be between 0 and {MAX_ZOOM}")
    size = 1 << z
    if not (0 <= x < size and 0 <= y < size):
        raise TileOutOfRange(f"at zoom {z}, x and y must be between 0 and {size - 1}")


@lru_cache(maxsize=16)
def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run_tile_sql(name: str, params: dict[str, Any]) -> bytes:
    """Run layers/sql/``name``.sql with ``params`` and return the tile (b"" when empty)."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(name), params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def hidden_categories(user: AnyUser) -> list[int]:
    """Categories whose incidents ``user`` may not see as points: SENSITIVE_INCIDENT, by category."""
    if can_view_sensitive(user):
        return []
    # Incident's SENSITIVE_INCIDENT is Q(category__sensitive) | Q(category__focus_area__sensitive),
    # the same condition one relation down (tests/layers/test_tiles.py checks they agree).
    return list(
        IncidentCategory.objects.filter(Q(sensitive=True) | Q(focus_area__sensitive=True))
        .values_list("pk", flat=True)
        .order_by("pk")
    )


def _base(z: int, x: int, y: int) -> dict[str, Any]:
    return {"z": z, "x": x, "y": y, "extent": EXTENT, "buffer": BUFFER}


def incidents_tile(user: AnyUser, municipality: Municipality, z: int, x: int, y: int) -> bytes:
    name, params = incidents_tile_plan(user, municipality, z, x, y)
    if name == "tile_incident_points":
        with connection.cursor() as cursor:
            cursor.execute(_sql(name), params)
            row = cursor.fetchone()
        if row is not None and row[0] is not None:
            return bytes(row[0])
        name, params = crowded_tile_plan(params, z)  # more than MAX_POINTS: counts per small square
    return run_tile_sql(name, params)


def incidents_tile_plan(
    user: AnyUser, municipality: Municipality, z: int, x: int, y: int
) -> tuple[str, dict[str, Any]]:
    """Which SQL file draws this incidents tile, with its parameters.

    From POINT_MIN_ZOOM the points (whose SQL answers NULL for a tile over MAX_POINTS, see
    ``crowded_tile_plan``); below, counts per square from the pre-aggregated 160 m squares.
    """
    params = {
        **_base(z, x, y),
        "municipality": municipality.pk,
        "hidden_categories": hidden_categories(user),
    }
    if z >= POINT_MIN_ZOOM:
        return "tile_incident_points", {**params, "cap": MAX_POINTS}
    fresh_bins()
    return "tile_incident_bins", {
        **params,
        "cell_m": BIN_SIZE_M[z],
        "include_sensitive": can_view_sensitive(user),
    }


def crowded_tile_plan(params: dict[str, Any], z: int) -> tuple[str, dict[str, Any]]:
    return "tile_incident_bins_raw", {**params, "cell_m": BIN_SIZE_M[z]}


def _scalar(sql: str, params: dict[str, Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        row = cursor.fetchone()
    return row[0] if row else None


def fresh_bins() -> None:
    """Refresh the pre-aggregated squares (layers_incident_bin) if incidents or categories changed since.

    The check is two catalogue reads; the refresh (about a second per million incidents) runs once after
    an import, under an advisory lock so two workers do not both do it.
    """
    signature = int(_scalar(_sql("incident_bin_signature")) or 0)
    if _scalar("SELECT signature FROM layers_incident_bin_state WHERE id = 1") == signature:
        return
    with transaction.atomic():
        _scalar("SELECT pg_advisory_xact_lock(hashtext('layers_incident_bin'))")
        if _scalar("SELECT signature FROM layers_incident_bin_state WHERE id = 1") == signature:
            return  # another worker refreshed while this one waited
        with connection.cursor() as cursor:
            cursor.execute("REFRESH MATERIALIZED VIEW layers_incident_bin")
            cursor.execute(
                "INSERT INTO layers_incident_bin_state (id, signature, refreshed_at) "
                "VALUES (1, %(signature)s, now()) "
                "ON CONFLICT (id) DO UPDATE SET signature = EXCLUDED.signature, refreshed_at = now()",
                {"signature": signature},
            )


_cells_memory: dict[int, tuple[float, list[Cell]]] = {}
_cells_lock = threading.Lock()


def municipality_sensitive_cells(municipality: Municipality) -> list[Cell]:
    """All sensitive cells of the municipality, remembered for CELLS_REMEMBER_S in this process."""
    now = time.monotonic()
    with _cells_lock:
        remembered = _cells_memory.get(municipality.pk)
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    cells = sensitive_cells(Incident.objects.filter(municipality=municipality))
    with _cells_lock:
        _cells_memory[municipality.pk] = (now + CELLS_REMEMBER_S, cells)
    return cells


def forget_cells() -> None:
    with _cells_lock:
        _cells_memory.clear()


def sensitive_cells_tile(
    user: AnyUser, municipality: Municipality, z: int, x: int, y: int
) -> bytes:
    cells = municipality_sensitive_cells(municipality)
    if not cells:
        return b""
    return run_tile_sql(
        "tile_cells",
        {
            **_base(z, x, y),
            "cols": [c.col for c in cells],
            "rows": [c.row for c in cells],
            "counts": [c.count for c in cells],
            "cell_m": cell_size_m(),
        },
    )


def observations_tile(user: AnyUser, municipality: Municipality, z: int, x: int, y: int) -> bytes:
    return run_tile_sql(
        "tile_observations",
        {**_base(z, x, y), "municipality": municipality.pk, "limit": MAX_FEATURES},
    )


def context_tile(user: AnyUser, municipality: Municipality, z: int, x: int, y: int) -> bytes:
    return run_tile_sql(
        "tile_context", {**_base(z, x, y), "municipality": municipality.pk, "limit": MAX_FEATURES}
    )


LAYERS: dict[str, TileLayer] = {
    layer.name: layer
    for layer in (
        TileLayer("incidents", "layers.view_incident", incidents_tile),
        TileLayer("sensitive-cells", "layers.view_incident", sensitive_cells_tile),
        TileLayer("observations", "surveys.view_observation", observations_tile),
        TileLayer("context", "layers.view_contextfeature", context_tile, min_zoom=12),
    )
}


def sensitive_points_in(user: AnyUser, municipality: Municipality, z: int, x: int, y: int) -> int:
    """How many sensitive incidents a permitted user's incidents tile holds (for the audit log)."""
    if not can_view_sensitive(user):
        return 0
    from django.contrib.gis.geos import Polygon

    from geo.crs import STORAGE_SRID, TILE_SRID

    half = 20037508.342789244
    size = 2 * half / (1 << z)
    minx, maxy = -half + x * size, half - y * size
    box = Polygon.from_bbox((minx, maxy - size, minx + size, maxy))
    box.srid = TILE_SRID
    box.transform(STORAGE_SRID)
    return (
        Incident.objects.sensitive()
        .placed()
        .filter(municipality=municipality, location__bboverlaps=box)
        .count()
    )
