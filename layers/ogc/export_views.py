"""Download endpoints: /export/<layer>.geojson|csv, /export/tathet.tif, and the GeoPackages of a plan
review and of a walk."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.http import FileResponse, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from core import csvfile, downloads
from layers import audit, exports, provenance
from layers.analysis import hotspots_for
from layers.filters import FilterError, parse_filter, sees_sensitive
from layers.models import AuditEvent, Detaljplan, Municipality
from layers.ogc import crs as ogc_crs
from layers.ogc.auth import login_or_basic
from layers.ogc.params import (
    BadRequest,
    Interval,
    ItemQuery,
    parse_bbox,
    parse_datetime_param,
    parse_items_query,
)
from layers.ogc.registry import Collection
from layers.ogc.views import _allowed_collection, _municipality_or_error, bad_request, ogc_error
from layers.roles import can_view_sensitive

FORMATS = {"geojson": "application/geo+json", "csv": csvfile.CONTENT_TYPE}


def _sensitive_in_export(
    request: HttpRequest, collection: Collection, municipality: Municipality, query: ItemQuery
) -> int:
    """Sensitive incidents in (or behind) the export, for the audit log; 0 for users who may not see any."""
    if not collection.audited or not can_view_sensitive(request.user):
        return 0
    return collection.source.sensitive_total(request.user, municipality, query)


@require_safe
@login_or_basic
def layer(request: HttpRequest, collection_id: str, fmt: str) -> HttpResponseBase:
    """One layer, filtered like /items (bbox, bbox-crs, datetime, queryables), whole, as a file."""
    found = _allowed_collection(request, collection_id)
    if found is None or fmt not in FORMATS:
        return ogc_error(404, "NotFound", f"no layer {collection_id[:80]!r} as {fmt[:10]!r}")
    params = request.GET.copy()
    crs_value = params.pop("crs", [None])[-1]
    try:
        output_crs = exports.export_crs(crs_value)
        if "limit" in params or "offset" in params:
            raise BadRequest(
                "limit" if "limit" in params else "offset", "an export holds the whole layer"
            )
        query = parse_items_query(
            params, queryables=frozenset(q.name for q in found.source.queryables)
        )
    except ogc_crs.UnsupportedCrs as e:
        return ogc_error(400, "InvalidParameterValue", str(e), "crs")
    except BadRequest as e:
        return bad_request(e)
    municipality = _municipality_or_error()
    if isinstance(municipality, JsonResponse):
        return municipality
    query = replace(query, crs=output_crs, limit=exports.MAX_EXPORT_FEATURES, offset=0)
    try:
        sensitive = _sensitive_in_export(request, found, municipality, query)
        features = exports.iter_features(request.user, found, municipality, query)
        first = next(
            features, None
        )  # runs the query now, so a bad filter is a 400, not a broken file
    except BadRequest as e:
        return bad_request(e)
    if sensitive:
        audit.record(
            AuditEvent.Action.EXPORT_SENSITIVE,
            request=request,
            channel="export",
            object_type=found.id,
            count=sensitive,
            detail={"format": fmt, "query": request.GET.urlencode()[:500]},
        )

    def all_features() -> Iterator[dict[str, Any]]:
        if first is not None:
            yield first
        yield from features

    # Built whole before the answer (core.downloads): a failure half-way is an error, never a 200
    # whose file stops in the middle.
    filename = f"trygg-{found.id}.{fmt}"
    response: HttpResponseBase
    if fmt == "geojson":
        response = downloads.attachment(
            exports.geojson_chunks(all_features(), output_crs),
            content_type=FORMATS[fmt],
            filename=filename,
            spool_dir=exports.exports_dir(),
        )
    else:
        columns = list(found.source.properties_schema)
        response = csvfile.response(
            filename,
            exports.csv_header(columns),
            exports.csv_rows(all_features(), columns),
            spool_dir=exports.exports_dir(),
        )
    response["Cache-Control"] = "private, no-store"
    return response


def _interval(request: HttpRequest) -> Interval | None:
    unknown = sorted(set(request.GET.keys()) - {"datetime"})
    if unknown:
        raise BadRequest(unknown[0], "unknown parameter; a package takes datetime")
    return parse_datetime_param(request.GET["datetime"]) if "datetime" in request.GET else None


def _package_response(
    request: HttpRequest,
    layers: list[exports.PackageLayer],
    filename: str,
    rasters: list[exports.PackageRaster] | None = None,
) -> HttpResponseBase:
    municipality = _municipality_or_error()
    if isinstance(municipality, JsonResponse):
        return municipality
    buffer = io.BytesIO()
    try:
        exports.build_geopackage(request.user, municipality, layers, buffer, rasters)
    except exports.ExportFailed as e:
        failed_tool = "ogr2ogr" in str(e) or "gdal_translate" in str(e)
        return ogc_error(500 if failed_tool else 403, "ExportFailed", str(e))
    buffer.seek(0)
    response = FileResponse(
        buffer, as_attachment=True, filename=filename, content_type="application/geopackage+sqlite3"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_or_basic
def plan_review_package(request: HttpRequest, plan_pk: int) -> HttpResponseBase:
    """/export/plan/<id>.gpkg: the plan area, its zones, and context, observations, incidents around it,
    and the incident density there as a raster layer."""
    try:
        interval = _interval(request)
    except BadRequest as e:
        return bad_request(e)
    if not request.user.has_perm("layers.view_detaljplan"):
        return ogc_error(404, "NotFound", "no such detaljplan")
    municipality = _municipality_or_error()  # the user's own (layers.tenancy)
    if isinstance(municipality, JsonResponse):
        return municipality
    plan = Detaljplan.objects.filter(pk=plan_pk, municipality=municipality).first()
    if plan is None:
        return ogc_error(404, "NotFound", "no such detaljplan")
    try:
        f = exports.package_density_filter(interval, municipality)
    except FilterError as e:
        return ogc_error(400, "InvalidParameterValue", f"datetime: {e}", "datetime", str(e))
    except BadRequest as e:
        return bad_request(e)
    raster = exports.plan_density_raster(request.user, municipality, plan.area, f)
    layers = exports.plan_review_layers(plan.area, plan.pk, interval)
    return _package_response(
        request,
        layers,
        f"trygg-detaljplan-{plan.plan_id}.gpkg",
        rasters=[raster] if raster is not None else [],
    )


@require_safe
@login_or_basic
def walk_package(request: HttpRequest, walk_pk: int) -> HttpResponseBase:
    """/export/walk/<id>.gpkg: the walk's route, its observations and their actions."""
    try:
        _interval(request)
    except BadRequest as e:
        return bad_request(e)
    walks = _allowed_collection(request, "walks")
    municipality = _municipality_or_error()
    if isinstance(municipality, JsonResponse):
        return municipality
    if (
        walks is None
        or not walks.source.item(request.user, municipality, str(walk_pk), ogc_crs.DEFAULT).features
    ):
        return ogc_error(404, "NotFound", "no such trygghetsvandring")
    return _package_response(
        request, exports.walk_layers(walk_pk), f"trygg-vandring-{walk_pk}.gpkg"
    )


# The BRÅ page's filter (layers.filters, layers.analysis) and a bbox to cut the raster to.
DENSITY_PARAMETERS = frozenset(
    {"from", "to", "focus", "category", "district", "hours", "weekdays", "light", "compare",
     "sensitive", "bandwidth", "gi_cell", "fdr", "bbox", "bbox-crs"}
)  # fmt: skip


@require_safe
@login_or_basic
def density_tif(request: HttpRequest) -> HttpResponseBase:
    """/export/tathet.tif: the incident density for the BRÅ page's filter as a Cloud Optimized GeoTIFF.

    The same surface, the same parameters and the same rule as /bra/export/tathet.tif (computed without
    sensitive incidents for users without the permission); an analyst's export of a surface computed
    with them is written to the audit log.
    """
    unknown = sorted(set(request.GET.keys()) - DENSITY_PARAMETERS)
    if unknown:
        allowed = ", ".join(sorted(DENSITY_PARAMETERS))
        return bad_request(
            BadRequest(unknown[0], f"unknown parameter; this export takes {allowed}")
        )
    if not request.user.has_perm("layers.view_incident"):
        return ogc_error(404, "NotFound", "no density for this user")
    municipality = _municipality_or_error()
    if isinstance(municipality, JsonResponse):
        return municipality
    try:
        bounds = None
        if "bbox" in request.GET:
            box_crs = ogc_crs.parse(request.GET["bbox-crs"]) if "bbox-crs" in request.GET else None
            box = parse_bbox(request.GET["bbox"], box_crs or ogc_crs.DEFAULT)
            minx, miny, maxx, maxy = box.extent
            bounds = (minx, miny, maxx, maxy)
        elif "bbox-crs" in request.GET:
            raise BadRequest("bbox-crs", "is only meaningful together with bbox")
        f = parse_filter(request.GET)
        result = hotspots_for(request.user, municipality, request.GET)
    except ogc_crs.UnsupportedCrs as e:
        return ogc_error(400, "InvalidParameterValue", str(e), "bbox-crs")
    except BadRequest as e:
        return bad_request(e)
    except FilterError as e:
        return ogc_error(400, "InvalidParameterValue", f"{e.field}: {e}", e.field, str(e))
    included = sees_sensitive(request.user, f)
    data = exports.density_geotiff(
        result,
        f,
        sensitive_included=included,
        bounds=bounds,
        sources=provenance.incident_lines(municipality, sensitive=included),
    )
    if not data:
        return bad_request(BadRequest("bbox", "does not meet the municipality's density grid"))
    if included and result.n_sensitive:
        audit.record(
            AuditEvent.Action.EXPORT_SENSITIVE,
            request=request,
            channel="export",
            object_type="tathet.tif",
            count=result.n_sensitive,
            detail={"filter": f.params(), "query": request.GET.urlencode()[:500]},
        )
    # GDAL's /vsicurl/ reads the COG in byte ranges: the header first, then the tiles it needs.
    response = downloads.ranged(
        request, data, content_type="image/tiff", filename=exports.density_filename(f)
    )
    response["Cache-Control"] = "private, no-store"
    return response
