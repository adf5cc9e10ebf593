"""/tiles/<layer>/<z>/<x>/<y>.mvt: vector tiles with ETag and private caching."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from layers import audit, tiles
from layers.models import AuditEvent
from layers.ogc.auth import login_or_basic
from layers.ogc.views import _municipality_or_error, ogc_error

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
    municipality = _municipality_or_error()
    if isinstance(municipality, JsonResponse):
        return municipality
    data = (
        b"" if z < tile_layer.min_zoom else tile_layer.render(request.user, municipality, z, x, y)
    )
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    if _etag_matches(request, etag):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(data, content_type=MVT)
        if layer == "incidents":
            sensitive = tiles.sensitive_points_in(request.user, municipality, z, x, y)
            if sensitive:
                audit.record(
                    AuditEvent.Action.READ_SENSITIVE,
                    request=request,
                    channel="tiles",
                    object_type="incidents",
                    count=sensitive,
                    detail={"tile": f"{z}/{x}/{y}"},
                )
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response
