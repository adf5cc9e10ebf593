"""Download endpoints: /export/<layer>.geojson|csv and the GeoPackages of a plan review and of a walk."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.http import FileResponse, HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from layers import audit, exports
from layers.models import AuditEvent, Detaljplan
from layers.ogc import crs as ogc_crs
from layers.ogc.auth import login_or_basic
from layers.ogc.params import BadRequest, ItemQuery, parse_datetime_param, parse_items_query
from layers.ogc.registry import Collection
from layers.ogc.views import _allowed_collection, _municipality_or_error, bad_request, ogc_error
from layers.roles import can_view_sensitive

FORMATS = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8"}


def _sensitive_in_export(request: HttpRequest, collection: Collection, query: ItemQuery) -> int:
    names = {q.name for q in collection.source.queryables}
    if not collection.audited or "sensitive" not in names or not can_view_sensitive(request.user):
        return 0
    municipality = _municipality_or_error()
    if isinstance(municipality, JsonResponse):
        return 0
    probe = replace(query, limit=1, offset=0, filters={**query.filters, "sensitive": "true"})
    return collection.source.page(request.user, municipality, probe).number_matched


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
        sensitive = _sensitive_in_export(request, found, query)
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

    if fmt == "geojson":
        body = exports.geojson_chunks(all_features(), output_crs)
    else:
        body = exports.csv_chunks(all_features(), list(found.source.properties_schema))
    response = StreamingHttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="trygg-{found.id}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _interval(request: HttpRequest) -> object:
    unknown = sorted(set(request.GET.keys()) - {"datetime"})
    if unknown:
        raise BadRequest(unknown[0], "unknown parameter; a package takes datetime")
    return parse_datetime_param(request.GET["datetime"]) if "datetime" in request.GET else None


def _package_response(
    request: HttpRequest, layers: list[exports.PackageLayer], filename: str
) -> HttpResponseBase:
    municipality = _municipality_or_error()
    if isinstance(municipality, JsonResponse):
        return municipality
    buffer = io.BytesIO()
    try:
        exports.build_geopackage(request.user, municipality, layers, buffer)
    except exports.ExportFailed as e:
        return ogc_error(500 if "ogr2ogr" in str(e) else 403, "ExportFailed", str(e))
    buffer.seek(0)
    response = FileResponse(
        buffer, as_attachment=True, filename=filename, content_type="application/geopackage+sqlite3"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_or_basic
def plan_review_package(request: HttpRequest, plan_pk: int) -> HttpResponseBase:
    """/export/plan/<id>.gpkg: the plan area, its zones, and context, observations, incidents around it."""
    try:
        interval = _interval(request)
    except BadRequest as e:
        return bad_request(e)
    if not request.user.has_perm("layers.view_detaljplan"):
        return ogc_error(404, "NotFound", "no such detaljplan")
    plan = Detaljplan.objects.filter(pk=plan_pk).first()
    if plan is None:
        return ogc_error(404, "NotFound", "no such detaljplan")
    layers = exports.plan_review_layers(plan.area, plan.pk, interval)  # type: ignore[arg-type]
    return _package_response(request, layers, f"trygg-detaljplan-{plan.plan_id}.gpkg")


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
