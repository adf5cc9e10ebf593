"""/tiles/<layer>/<z>/<x>/<y>.mvt: vector tiles with ETag and private caching."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from layers import audit, tiles
from layers.models import AuditEvent
from layers.ogc.auth import login_or_basic
from layers.ogc.views import ogc_error
from layers.queries import default_municipality
from layers.roles import can_view_sensitive

MVT = "application/vnd.mapbox-vector-tile"
# Every layer needs a login, so no tile may sit in a shared cache; the browser may reuse one for a minute.
CACHE_CONTROL = "private, max-age=60"


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    return etag in candidates


def _etag(text: bytes) -> str:
    return '"' + hashlib.sha256(text).hexdigest()[:32] + '"'


def _cache_headers(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response


@require_safe
@login_or_basic
def tile(request: HttpRequest, layer: str, z: int, x: int, y: int) -> HttpResponse:
    tile_layer = tiles.LAYERS.get(layer)
    if tile_layer is None or not request.user.has_perm(tile_layer.permission):
        return ogc_error(404, "NotFound", f"no tile layer {layer[:80]!r}")
    try:
        tiles.check_tile(z, x, y)
    except tiles.TileOutOfRange as e:
        return ogc_error(400, "InvalidParameterValue", str(e), "z/x/y")
    if request.GET:
        return ogc_error(
            400, "InvalidParameterValue", "a tile takes no parameters", next(iter(request.GET))
        )
    # Without its boundary (a few kilobytes parsed into GEOS): most layers need only the id, and the
    # hot-spot layer, which needs the boundary, reads it when it does.
    municipality = default_municipality()  # the user's own (layers.tenancy)
    if municipality is None:
        return ogc_error(404, "NotFound", "no municipality is loaded (run load_demo or an import)")
    if z < tile_layer.min_zoom:
        return _cache_headers(HttpResponse(b"", content_type=MVT), _etag(b""))
    etag = None
    if tile_layer.version is not None:
        # A data version is cheaper than the tile: a client that already has it is answered undrawn.
        version = tile_layer.version(request.user, municipality)
        etag = _etag(f"{layer}/{z}/{x}/{y}/{version}".encode())
        if _etag_matches(request, etag):
            return _cache_headers(HttpResponseNotModified(), etag)
    drawn = tile_layer.render(request.user, municipality, z, x, y)
    # What the tile covers (its headers) is part of it: a new year's empty tile is a new tile.
    etag = etag or _etag(drawn.data + repr(drawn.headers).encode())
    if _etag_matches(request, etag):
        return _cache_headers(HttpResponseNotModified(), etag)
    if drawn.sensitive and can_view_sensitive(request.user):
        audit.record(
            AuditEvent.Action.READ_SENSITIVE,
            request=request,
            channel="tiles",
            object_type=layer,
            count=drawn.sensitive,
            detail={"tile": f"{z}/{x}/{y}"},
        )
    response = HttpResponse(drawn.data, content_type=MVT)
    for name, value in drawn.headers:
        response[name] = value
    return _cache_headers(response, etag)
