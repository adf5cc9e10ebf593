"""Exports: any layer as GeoJSON or CSV, the density raster as GeoTIFF, and one GeoPackage with all
layers of a plan review or a walk.

Every export reads through the OGC collection registry (layers.ogc), so it carries the same permission
decision as the pages and the OGC API: incidents through ``visible_incidents``, sensitive incidents for
users without the permission only as fixed k-suppressed cells. Exports of sensitive incidents by permitted
users are written to the audit log. The GeoPackages hold no sensitive points for anyone: a plan review or
a walk is a document that travels (docs/decisions/0402).

GeoPackages are written by GDAL's ``ogr2ogr`` from GeoJSON files in a private temporary folder
(``TRYGG_MEDIA_ROOT/exports``, mode 0700), in SWEREF 99 TM, and the folder is removed afterwards. A
plan review's package also holds the incident density around the plan as a raster layer (GeoPackage
tiled gridded coverage, Float32), written by ``gdal_translate`` from the engine's GeoTIFF.

The density GeoTIFF (``density_geotiff``) is the engine's surface (``layers.analysis``) written by
``geo.raster.cog_bytes``: the /bra/ page's download and /export/tathet.tif both write it here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import numpy as np
import shapely.geometry
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db.models import Min
from numpy.typing import NDArray

from geo.crs import STORAGE_SRID
from geo.grids import Grid
from geo.raster import cog_bytes
from layers import provenance
from layers.analysis import HotSpotResult, analyse_filter, parse_analysis
from layers.filters import IncidentFilter, parse_filter
from layers.models import Incident, Municipality
from layers.ogc import crs as ogc_crs
from layers.ogc import registry
from layers.ogc.hotspots import bra_params
from layers.ogc.params import LOCAL_TZ, Interval, ItemQuery
from layers.ogc.registry import Collection
from layers.roles import AnyUser

# Around a plan area, the review package holds context, observations, incidents and cells this far out.
SURROUNDINGS_M = 500
MAX_EXPORT_FEATURES = 2_000_000
OGR2OGR = "ogr2ogr"
GDAL_TRANSLATE = "gdal_translate"
OGR2OGR_TIMEOUT_S = 300
DENSITY_UNITS = "incidents/km2"

# Export files are written with x = easting/longitude first, as GeoJSON files, CSV readers and GDAL expect.
EXPORT_CRS = {
    "crs84": replace(ogc_crs.DEFAULT),
    "3006": replace(ogc_crs.epsg(STORAGE_SRID), swap_xy=False),
}


class ExportFailed(RuntimeError):
    """GDAL could not write the file; the message is safe to show."""


def export_crs(value: str | None) -> ogc_crs.OutputCrs:
    """CRS84 (default) or SWEREF 99 TM for an export file, always in (x, y) order."""
    if value is None or value == "":
        return EXPORT_CRS["crs84"]
    parsed = ogc_crs.parse(value)
    if parsed.srid == STORAGE_SRID:
        return EXPORT_CRS["3006"]
    if parsed.uri == ogc_crs.CRS84:
        return EXPORT_CRS["crs84"]
    raise ogc_crs.UnsupportedCrs("exports are written in CRS84 or EPSG:3006")


def _legacy_crs_member(crs: ogc_crs.OutputCrs) -> dict[str, Any] | None:
    # RFC 7946 GeoJSON is WGS 84 only; for SWEREF 99 TM the 2008 "crs" member tells GDAL and QGIS.
    if crs.srid == STORAGE_SRID:
        return {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{STORAGE_SRID}"}}
    return None


def iter_features(
    user: AnyUser, collection: Collection, municipality: Municipality, query: ItemQuery
) -> Iterator[dict[str, Any]]:
    yield from collection.source.iter_all(user, municipality, query)


def geojson_chunks(features: Iterator[dict[str, Any]], crs: ogc_crs.OutputCrs) -> Iterator[bytes]:
    """A FeatureCollection written feature by feature, so a large layer never sits whole in memory."""
    head: dict[str, Any] = {"type": "FeatureCollection"}
    member = _legacy_crs_member(crs)
    if member is not None:
        head["crs"] = member
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n').encode()
    first = True
    for feature in features:
        yield ((b"" if first else b",\n") + json.dumps(feature, ensure_ascii=False).encode())
        first = False
    yield b"\n]}\n"


def csv_header(columns: list[str]) -> list[str]:
    return ["id", *columns, "geometry_wkt"]


def csv_rows(features: Iterator[dict[str, Any]], columns: list[str]) -> Iterator[list[object]]:
    """Rows of id, the properties and the geometry as WKT (x y order), for ``core.csvfile``: numbers stay
    numbers, text is kept from running as a formula there."""
    for feature in features:
        props = feature.get("properties") or {}
        geometry = feature.get("geometry")
        wkt = shapely.geometry.shape(geometry).wkt if geometry else ""
        yield [feature["id"], *(props.get(c) for c in columns), wkt]


# --- Density rasters ------------------------------------------------------------------------------


def density_tags(
    result: HotSpotResult,
    f: IncidentFilter,
    *,
    sensitive_included: bool,
    sources: Sequence[str] = (),
) -> dict[str, str]:
    """What a density raster holds, as metadata a GIS shows (gdalinfo, QGIS's layer properties);
    ``sources`` are ``layers.provenance`` lines (period, size and latest import of each source)."""
    return {
        "TRYGG_SOURCES": " | ".join(line.replace("\u00a0", " ") for line in sources),
        "TRYGG_QUANTITY": "kernel density of incidents, per km2 for the period (not per year)",
        "TRYGG_PERIOD": f"{f.date_from.isoformat()}/{f.date_to.isoformat()}",
        "TRYGG_FILTER": f.query_string(),
        "TRYGG_BANDWIDTH_M": f"{result.bandwidth_m:.0f}",
        "TRYGG_CELL_M": f"{result.density.grid.cell_m:g}",
        "TRYGG_INCIDENTS": str(result.n_points),
        "TRYGG_SENSITIVE_INCLUDED": "yes" if sensitive_included else "no",
    }


def density_geotiff(
    result: HotSpotResult,
    f: IncidentFilter,
    *,
    sensitive_included: bool,
    bounds: tuple[float, float, float, float] | None = None,
    sources: Sequence[str] = (),
) -> bytes:
    """The engine's density surface as a Cloud Optimized GeoTIFF in SWEREF 99 TM (incidents per km² for
    the period), cut to the cells touching ``bounds`` when given; empty bytes when they miss the grid."""
    grid, values = density_window(result, bounds)
    if grid is None:
        return b""
    return cog_bytes(
        grid,
        values,
        description=f"incidents per km2, bandwidth {result.bandwidth_m:.0f} m, {f.query_string()}",
        units=DENSITY_UNITS,
        tags=density_tags(result, f, sensitive_included=sensitive_included, sources=sources),
    )


def density_window(
    result: HotSpotResult, bounds: tuple[float, float, float, float] | None
) -> tuple[Grid | None, NDArray[np.float64]]:
    grid, values = result.density.grid, result.density.values
    if bounds is None:
        return grid, values
    window = grid.window(bounds)
    if window is None:
        return None, values[:0, :0]
    sub, rows, cols = window
    return sub, values[rows, cols]


def density_filename(f: IncidentFilter) -> str:
    return f"tathet-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}.tif"


@dataclass(frozen=True)
class PackageRaster:
    name: str  # raster table in the GeoPackage
    description: str
    geotiff: bytes  # the engine's COG, written into the package by gdal_translate


def package_density_filter(interval: Interval | None, municipality: Municipality) -> IncidentFilter:
    """The period of a package's density raster: the package's ``datetime``, or, without one, every
    incident it holds (from the first, at most ten years back, to today). Never sensitive incidents: a
    package travels. Raises ``FilterError`` (e.g. a period over ten years)."""
    params = bra_params(interval, {})  # the OGC datetime read as the BRÅ page's period
    if "from" not in params:
        first = (
            Incident.objects.placed()
            .non_sensitive()
            .filter(municipality=municipality)
            .aggregate(first=Min("occurred_from"))["first"]
        )
        end = parse_filter(params).date_to
        earliest = end - timedelta(days=3650)
        start = first.astimezone(LOCAL_TZ).date() if first is not None else end
        params["from"] = max(min(start, end), earliest).isoformat()
    params["sensitive"] = "0"
    return parse_filter(params)


def plan_density_raster(
    user: AnyUser,
    municipality: Municipality,
    plan_area: GEOSGeometry,
    f: IncidentFilter,
) -> PackageRaster | None:
    """The incident density around a plan (its surroundings), without sensitive incidents, for everyone.

    None when the user may not see incidents, or the period holds none.
    """
    incidents = registry.get("incidents")
    if incidents is None or not incidents.allowed(user):
        return None
    params = parse_analysis({})
    result = analyse_filter(user, f, municipality, params)
    if result.n_points == 0:
        return None
    minx, miny, maxx, maxy = plan_area.buffer(SURROUNDINGS_M).extent
    data = density_geotiff(
        result,
        f,
        sensitive_included=False,
        bounds=(minx, miny, maxx, maxy),
        sources=provenance.incident_lines(municipality, sensitive=False),
    )
    if not data:
        return None
    return PackageRaster(
        "tathet",
        f"Händelser per km² {f.date_from}–{f.date_to} (kärntäthet, bandbredd "
        f"{result.bandwidth_m:.0f} m), utan känsliga händelser",
        data,
    )


# --- GeoPackages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageLayer:
    name: str  # layer name in the GeoPackage (ASCII, Swedish words)
    collection_id: str
    query: ItemQuery


def exports_dir() -> Path:
    root = Path(settings.MEDIA_ROOT) / "exports"
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    return root


def _write_geojson(path: Path, features: Iterator[dict[str, Any]], crs: ogc_crs.OutputCrs) -> int:
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for feature in features:
            count += 1
            if count > MAX_EXPORT_FEATURES:
                raise ExportFailed(f"more than {MAX_EXPORT_FEATURES} features in one layer")
            yield _flatten(feature)

    with path.open("wb") as out:
        for chunk in geojson_chunks(counted(), crs):
            out.write(chunk)
    return count


def _flatten(feature: dict[str, Any]) -> dict[str, Any]:
    # Nested objects (bestämmelser, OSM tags) become JSON text: every GeoPackage reader shows a string.
    props = {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
        for k, v in (feature.get("properties") or {}).items()
    }
    return {
        "type": "Feature",
        "id": feature["id"],
        "geometry": feature["geometry"],
        "properties": props,
    }


_OGR_GEOMETRY = {
    "Point": "POINT",
    "LineString": "LINESTRING",
    "Polygon": "POLYGON",
    "MultiPolygon": "MULTIPOLYGON",
}


def _ogr2ogr(
    target: Path, source: Path, layer_name: str, geometry_type: str, *, update: bool
) -> None:
    args = [
        OGR2OGR,
        "-f",
        "GPKG",
        *(["-update"] if update else []),
        "-nln",
        layer_name,
        "-a_srs",
        f"EPSG:{STORAGE_SRID}",
        "-nlt",
        _OGR_GEOMETRY.get(geometry_type, "GEOMETRY"),
        str(target),
        str(source),
    ]
    try:
        result = subprocess.run(  # noqa: S603  (fixed program, paths we made, no shell)
            args, capture_output=True, text=True, timeout=OGR2OGR_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ExportFailed(f"ogr2ogr could not run: {type(e).__name__}") from e
    if result.returncode != 0:
        raise ExportFailed(f"ogr2ogr failed on layer {layer_name}: {result.stderr.strip()[:300]}")


def _gdal_translate_into(target: Path, source: Path, raster: PackageRaster) -> None:
    """Append ``source`` (a GeoTIFF) to the GeoPackage ``target`` as the raster table ``raster.name``.

    Float32 values go in as the GeoPackage tiled gridded coverage extension (TIFF tiles), so QGIS and
    GDAL read the numbers themselves, not colours.
    """
    args = [
        GDAL_TRANSLATE,
        "-q",
        "-of",
        "GPKG",
        "-co",
        "APPEND_SUBDATASET=YES",
        "-co",
        f"RASTER_TABLE={raster.name}",
        "-co",
        f"RASTER_IDENTIFIER={raster.name}",
        "-co",
        f"RASTER_DESCRIPTION={raster.description}",
        "-co",
        "TILE_FORMAT=TIFF",
        str(source),
        str(target),
    ]
    try:
        result = subprocess.run(  # noqa: S603  (fixed program, paths we made, no shell)
            args, capture_output=True, text=True, timeout=OGR2OGR_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ExportFailed(f"gdal_translate could not run: {type(e).__name__}") from e
    if result.returncode != 0:
        raise ExportFailed(
            f"gdal_translate failed on raster {raster.name}: {result.stderr.strip()[:300]}"
        )


def build_geopackage(
    user: AnyUser,
    municipality: Municipality,
    layers: list[PackageLayer],
    out: IO[bytes],
    rasters: list[PackageRaster] | None = None,
) -> dict[str, int]:
    """Write every layer the user may see into one GeoPackage (SWEREF 99 TM) and copy it to ``out``.

    Returns the feature count per layer written (and 1 per raster). Layers whose collection the user may
    not see are left out, as they are left out of the OGC API. Rasters go in after the vector layers.
    """
    crs = EXPORT_CRS["3006"]
    counts: dict[str, int] = {}
    folder = Path(tempfile.mkdtemp(prefix="gpkg-", dir=exports_dir()))
    try:
        target = folder / "export.gpkg"
        for layer in layers:
            collection = registry.get(layer.collection_id)
            if collection is None or not collection.allowed(user):
                continue
            source = folder / f"{layer.name}.geojson"
            query = replace(layer.query, crs=crs)
            counts[layer.name] = _write_geojson(
                source, iter_features(user, collection, municipality, query), crs
            )
            _ogr2ogr(
                target, source, layer.name, collection.source.geometry_type, update=target.exists()
            )
        if not target.exists():
            raise ExportFailed("there is nothing this user may export here")
        for raster in rasters or []:
            source = folder / f"{raster.name}.tif"
            source.write_bytes(raster.geotiff)
            _gdal_translate_into(target, source, raster)
            counts[raster.name] = 1
        with target.open("rb") as written:
            shutil.copyfileobj(written, out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return counts


def plan_review_layers(
    plan_area: GEOSGeometry, plan_pk: int, interval: Interval | None
) -> list[PackageLayer]:
    """The layers of a plan review: the plan, its zones, and what lies around it."""
    around = plan_area.buffer(SURROUNDINGS_M)
    near = ItemQuery(limit=MAX_EXPORT_FEATURES, bbox=around)
    timed = replace(near, interval=interval)
    layers = [
        PackageLayer("planomrade", "detaljplaner", ItemQuery(filters={"id": str(plan_pk)})),
        PackageLayer("anvandningsomraden", "plan-zones", ItemQuery(filters={"plan": str(plan_pk)})),
        PackageLayer("observationer", "observations", timed),
        PackageLayer("handelser", "incidents", replace(timed, filters={"sensitive": "false"})),
        PackageLayer("kansliga_handelser_rutor", "sensitive-incident-cells", timed),
    ]
    for collection in registry.all_collections():
        if collection.id.startswith("context-"):
            name = "stadsmiljo_" + collection.id.removeprefix("context-").replace("-", "_")
            layers.append(PackageLayer(name, collection.id, near))
    return layers


def walk_layers(walk_pk: int) -> list[PackageLayer]:
    """The layers of a walk: its route, its observations and their actions."""
    return [
        PackageLayer("rutt", "walks", ItemQuery(filters={"id": str(walk_pk)})),
        PackageLayer("observationer", "observations", ItemQuery(filters={"walk": str(walk_pk)})),
        PackageLayer("atgarder", "actions", ItemQuery(filters={"walk": str(walk_pk)})),
    ]
