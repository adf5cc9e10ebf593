"""Mapbox vector tiles from PostGIS ``ST_AsMVT``, one SQL file per layer (layers/sql/tile_*.sql).

Which rows a user may see is decided here in Python, by the same rules as every other channel, and
handed to the SQL as parameters:

- ``incidents``: points at zoom 14 and above (unless a tile would hold more than MAX_POINTS), and
  otherwise counts per fixed square drawn at the square's centre (raw points make tiles of megabytes at
  low zoom: DESIGN.md). Users without the permission never get a sensitive incident, as a point or in a
  count: ``can_view_sensitive`` is passed to the SQL as ``include_sensitive``, and the SQL leaves out the
  incidents of ``SENSITIVE_INCIDENT`` (the category or its focus area sensitive) when it is false.
- ``sensitive-cells``: the newest published release of ``layers.release`` (a calendar year's fixed cells,
  cells under k left out, hidden ones without a count), for all; the header ``Trygg-Release-Periods``
  names the year, also on an empty tile.
- ``hotspots``: the significant Gi* cells of ``layers.analysis.hotspots_for`` for the twelve months up to
  today, as the BRÅ page computes them (without sensitive incidents for users without the permission).
- ``observations`` and ``context``: as on the pages.

Each tile comes with how many sensitive incidents it holds (or was computed from), for the audit log.
Values reach the SQL only as ``%(name)s`` parameters; layer names and file names come from ``LAYERS``,
never from the request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from layers import release
from layers.analysis import hotspot_cells, hotspots_for
from layers.models import Municipality
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

# Square side per zoom for incident counts: about 16 squares across a tile at Väsby's latitude (59.5° N),
# on round metres so the squares are the same for every request.
# Below zoom 14 the squares are 160 m times a power of two, sums of the pre-aggregated 160 m squares
# (the view layers_incident_bin); at 14 and 15 sums of the pre-aggregated 40 m squares
# (layers_incident_bin_fine); from 16 they are counted from the points of the tile itself.
BASE_BIN_M = 160
# FINE_ZOOMS are summed from the 40 m squares of layers_incident_bin_fine (migration layers 0010).
FINE_ZOOMS = (14, 15)
BIN_SIZE_M = {z: BASE_BIN_M * 2 ** max(0, min(13 - z, 8)) for z in range(POINT_MIN_ZOOM)} | {
    14: 80, 15: 40, 16: 20, 17: 10} | {z: 5 for z in range(18, MAX_ZOOM + 1)}  # fmt: skip


class TileOutOfRange(ValueError):
    """z, x or y is outside the tile matrix (z over 22, or x, y not below 2**z)."""


@dataclass(frozen=True)
class Tile:
    """A drawn tile (b"" when empty) and the sensitive incidents it holds or was computed from."""

    data: bytes
    sensitive: int = 0  # for the audit log
    headers: tuple[tuple[str, str], ...] = ()  # what the tile covers, for programs


Render = Callable[[AnyUser, Municipality, int, int, int], Tile]


@dataclass(frozen=True)
class TileLayer:
    name: str
    permission: str
    render: Render
    min_zoom: int = 0
    # The layer's data version for this user, when it is cheaper than drawing the tile: the ETag is made
    # from it, so a client that has the tile gets its 304 without the tile being drawn (docs/decisions/0406).
    # The view reads it before ``render``, and reading it may prepare the layer (the incidents layer
    # freshens its pre-aggregated squares), so ``render`` does not do that again.
    version: Callable[[AnyUser, Municipality], str] | None = None


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise TileOutOfRange(f"zoom must be between 0 and {MAX_ZOOM}")
    size = 1 << z
    if not (0 <= x < size and 0 <= y < size):
        raise TileOutOfRange(f"at zoom {z}, x and y must be between 0 and {size - 1}")


@lru_cache(maxsize=16)
def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def sql_version() -> str:
    """A digest of the tile SQL files: part of a data-version ETag, so a new release's tiles are new."""
    digest = hashlib.sha256()
    for path in sorted(SQL_DIR.glob("*.sql")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def run_tile_sql(name: str, params: dict[str, Any]) -> Tile:
    """Run layers/sql/``name``.sql with ``params``: the tile (b"" when empty) and, when the SQL gives it
    as a second column, the sensitive incidents the tile holds."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(name), params)
        row = cursor.fetchone()
    if not row or row[0] is None:
        return Tile(b"", int(row[1] or 0) if row and len(row) > 1 else 0)
    return Tile(bytes(row[0]), int(row[1] or 0) if len(row) > 1 else 0)


def _base(z: int, x: int, y: int) -> dict[str, Any]:
    return {"z": z, "x": x, "y": y, "extent": EXTENT, "buffer": BUFFER}


def _incidents_tile(user: AnyUser, municipality: Municipality, z: int, x: int, y: int) -> Tile:
    """The incidents tile, the pre-aggregated squares known to be fresh."""
    name, params = incidents_tile_plan(user, municipality, z, x, y)
    if name == "tile_incident_points":
        with connection.cursor() as cursor:
            cursor.execute(_sql(name), params)
            row = cursor.fetchone()
        if row is not None and row[0] is not None:
            return Tile(bytes(row[0]), int(row[1] or 0))
        name, params = crowded_tile_plan(params, z)  # more than MAX_POINTS: counts per small square
    return run_tile_sql(name, params)


def incidents_tile_plan(
    user: AnyUser, municipality: Municipality, z: int, x: int, y: int
) -> tuple[str, dict[str, Any]]:
    """Which SQL file draws this incidents tile, with its parameters (the squares must be fresh).

    From POINT_MIN_ZOOM the points, or at zoom 14 and 15 the pre-aggregated 40 m squares when the tile is
    crowded (the points SQL answers NULL for a tile over MAX_POINTS, see ``crowded_tile_plan``); below,
    counts per square from the pre-aggregated 160 m squares.
    """
    params = {
        **_base(z, x, y),
        "municipality": municipality.pk,
        "include_sensitive": can_view_sensitive(user),
        "cell_m": BIN_SIZE_M[z],
    }
    if z >= POINT_MIN_ZOOM:
        return "tile_incident_points", {**params, "cap": MAX_POINTS, "fine": z in FINE_ZOOMS}
    return "tile_incident_bins", params


def crowded_tile_plan(params: dict[str, Any], z: int) -> tuple[str, dict[str, Any]]:
    return "tile_incident_bins_raw", {**params, "cell_m": BIN_SIZE_M[z]}


def incidents_version(user: AnyUser, municipality: Municipality) -> str:
    """The incidents layer's data version for ``user``: what an incidents tile depends on.

    The row-change signature of incidents, categories and focus areas (checking it also refreshes the
    pre-aggregated squares when they are stale), whether the user sees sensitive incidents, the
    municipality and the SQL. It can lag a change made by another session by the few seconds PostgreSQL
    takes to publish its counters, never the other way round: a tile is drawn after its version was read.
    """
    signature = fresh_bins()
    return f"{signature}:{int(can_view_sensitive(user))}:{municipality.pk}:{sql_version()}"


def _scalar(sql: str, params: dict[str, Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        row = cursor.fetchone()
    return row[0] if row else None


def fresh_bins() -> int:
    """Refresh the pre-aggregated squares (layers_incident_bin and layers_incident_bin_fine) if incidents
    or categories changed since, and return the signature they are fresh for.

    The check is one catalogue read; the refresh (about two seconds per million incidents) runs once after
    an import, under an advisory lock so two workers do not both do it.
    """
    with connection.cursor() as cursor:
        cursor.execute(_sql("incident_bin_signature"))
        signature_raw, stored = cursor.fetchone()
    signature = int(signature_raw or 0)
    if stored == signature:
        return signature
    with transaction.atomic():
        _scalar("SELECT pg_advisory_xact_lock(hashtext('layers_incident_bin'))")
        if _scalar("SELECT signature FROM layers_incident_bin_state WHERE id = 1") == signature:
            return signature  # another worker refreshed while this one waited
        with connection.cursor() as cursor:
            cursor.execute("REFRESH MATERIALIZED VIEW layers_incident_bin")
            cursor.execute("REFRESH MATERIALIZED VIEW layers_incident_bin_fine")
            cursor.execute(
                "INSERT INTO layers_incident_bin_state (id, signature, refreshed_at) "
                "VALUES (1, %(signature)s, now()) "
                "ON CONFLICT (id) DO UPDATE SET signature = EXCLUDED.signature, refreshed_at = now()",
                {"signature": signature},
            )
    return signature


def sensitive_cells_tile(user: AnyUser, municipality: Municipality, z: int, x: int, y: int) -> Tile:
    """The cells of the newest published release (the same for everyone; decision 0600)."""
    periods = release.latest_periods(1)
    releases = release.sensitive_releases(municipality, periods)
    cells = release.period_cells(releases)
    headers = (("Trygg-Release-Periods", ",".join(f"{p.first}/{p.last}" for p in periods)),)
    if not cells:
        return Tile(b"", headers=headers)
    tile = run_tile_sql(
        "tile_cells",
        {
            **_base(z, x, y),
            "cols": [c.col for c in cells],
            "rows": [c.row for c in cells],
            "counts": [c.count if c.count is not None else 0 for c in cells],
            "hidden": [c.hidden for c in cells],
            "periods": [c.period.label if c.period else "" for c in cells],
            "cell_m": cells[0].size_m,
        },
    )
    return Tile(tile.data, headers=headers)


def hotspots_tile(user: AnyUser, municipality: Municipality, z: int, x: int, y: int) -> Tile:
    """The hot and cold spots of the last twelve months (200 m, FDR), as /bra/ draws them by default.

    ``hotspots_for`` is the BRÅ page's own entry point, so a user without the permission gets cells
    computed without sensitive incidents; its result is cached, so a tile costs one small query.
    """
    result = hotspots_for(user, municipality, {})
    cells = hotspot_cells(result)  # the significant ones
    if not cells:
        return Tile(b"")
    tile = run_tile_sql(
        "tile_hotspots",
        {
            **_base(z, x, y),
            "x0": [c["bounds"][0] for c in cells],
            "y0": [c["bounds"][1] for c in cells],
            "counts": [c["count"] for c in cells],
            "z_scores": [c["z"] for c in cells],
            "p_values": [c["p"] for c in cells],
            "classes": [c["class"] for c in cells],
            "labels": [c["label"] for c in cells],
            "cell_m": result.gi_grid.cell_m,
        },
    )
    computed_with = result.n_sensitive if can_view_sensitive(user) else 0
    return Tile(tile.data, computed_with if tile.data else 0)


def observations_tile(user: AnyUser, municipality: Municipality, z: int, x: int, y: int) -> Tile:
    return run_tile_sql(
        "tile_observations",
        {**_base(z, x, y), "municipality": municipality.pk, "limit": MAX_FEATURES},
    )


def context_tile(user: AnyUser, municipality: Municipality, z: int, x: int, y: int) -> Tile:
    return run_tile_sql(
        "tile_context", {**_base(z, x, y), "municipality": municipality.pk, "limit": MAX_FEATURES}
    )


LAYERS: dict[str, TileLayer] = {
    layer.name: layer
    for layer in (
        TileLayer(
            "incidents",
            "layers.view_incident",
            _incidents_tile,  # the view reads the version first, which freshens the squares
            version=incidents_version,
        ),
        TileLayer("sensitive-cells", "layers.view_incident", sensitive_cells_tile),
        TileLayer("hotspots", "layers.view_incident", hotspots_tile),
        TileLayer("observations", "surveys.view_observation", observations_tile),
        TileLayer("context", "layers.view_contextfeature", context_tile, min_zoom=12),
    )
}
