"""The background map's endpoints (docs/api.md, "Bakgrundskarta"):

- ``/karta/bakgrund/{z}/{x}/{y}.png``: the municipality's map service through Trygg's proxy;
- ``/karta/vektor/{z}/{x}/{y}.mvt``: the vector background from the municipality's own data;
- ``/karta/bakgrund.json``: what a page needs to draw both;
- the same under ``/offentlig/`` for the public map, without login, only when it is on and only for
  tiles over the municipality.

Logged-in users get their own municipality's background (layers.tenancy); the address holds nothing the
proxy passes on: z/x/y are checked numbers and the only parameter is ``v``, the version of the pictures.
"""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.views.decorators.http import require_safe
from PIL import Image

from basemap import proxy, services, upstream, vector
from basemap.sources import TileSource
from layers.models import Municipality
from layers.ogc.auth import login_or_basic
from layers.queries import default_municipality
from layers.tiles import TileOutOfRange, check_tile

MVT = "application/vnd.mapbox-vector-tile"
VERSIONED_MAX_AGE_S = (
    24 * 3600
)  # a tile address with the current ?v=: the pictures are that version
UNVERSIONED_MAX_AGE_S = 300
VECTOR_MAX_AGE_S = 600  # the context changes with an import; a revalidation is cheap (ETag)
STALE_WHILE_REVALIDATE_S = 7 * 24 * 3600
RETRY_AFTER_S = 5


def _error(status: int, message: str, **extra: str) -> JsonResponse:
    response = JsonResponse({"error": message, **extra}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _tile_address(request: HttpRequest, z: int, x: int, y: int) -> JsonResponse | None:
    """A 400 for an address outside the tile matrix or with a parameter other than ``v``."""
    try:
        check_tile(z, x, y)
    except TileOutOfRange as e:
        return _error(400, str(e), field="z/x/y")
    unknown = [name for name in request.GET if name != "v"]
    if unknown:
        return _error(400, "a tile takes no parameter but v", field=unknown[0][:40])
    return None


@lru_cache(maxsize=1)
def empty_png() -> bytes:
    """A transparent 256 × 256 PNG: the service has no picture here (the vector background shows)."""
    out = io.BytesIO()
    Image.new("RGBA", (256, 256), (0, 0, 0, 0)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _raster(
    request: HttpRequest, municipality: Municipality | None, z: int, x: int, y: int, *, public: bool
) -> HttpResponseBase:
    if (bad := _tile_address(request, z, x, y)) is not None:
        return bad
    if municipality is None:
        return _error(404, "no municipality is loaded")
    source = services.source_for(municipality)
    if source is None:
        return _error(404, "no background map service is configured for the municipality")
    if not services.in_area(municipality, z, x, y):
        return _error(404, "the tile lies outside the municipality's area")
    try:
        tile = proxy.raster_tile(source, z, x, y)
    except proxy.NoTile as e:
        return _error(404, str(e))
    except upstream.UpstreamBusy:
        response = _error(503, "the map service is busy; try again shortly")
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
    except upstream.UpstreamTimeout:
        return _error(504, "the map service did not answer in time, and the tile is not cached")
    except upstream.UpstreamError:
        return _error(502, "the map service failed, and the tile is not cached")
    data, content_type = (tile.data, tile.content_type) if tile.data else (empty_png(), proxy.PNG)
    return _with_headers(
        request,
        HttpResponse(data, content_type=content_type),
        etag=_etag(data),
        max_age=_max_age(request, source),
        public=public,
        extra={"X-Trygg-Cache": tile.cache, **({} if tile.data else {"X-Trygg-Tile": "empty"})},
    )


def _max_age(request: HttpRequest, source: TileSource) -> int:
    if request.GET.get("v") == source.version:
        return min(VERSIONED_MAX_AGE_S, int(source.refresh_after_s))
    return UNVERSIONED_MAX_AGE_S


def _with_headers(
    request: HttpRequest,
    response: HttpResponse,
    *,
    etag: str,
    max_age: int,
    public: bool,
    extra: dict[str, str] | None = None,
) -> HttpResponseBase:
    response["ETag"] = etag
    scope = "public" if public else "private"
    response["Cache-Control"] = (
        f"{scope}, max-age={max_age}, stale-while-revalidate={STALE_WHILE_REVALIDATE_S}"
    )
    for name, value in (extra or {}).items():
        response[name] = value
    if not public:
        patch_vary_headers(response, ("Cookie", "Authorization"))
    conditional = get_conditional_response(request, etag=etag, response=response)
    return conditional if conditional is not None else response


def _vector(
    request: HttpRequest, municipality: Municipality | None, z: int, x: int, y: int, *, public: bool
) -> HttpResponseBase:
    if (bad := _tile_address(request, z, x, y)) is not None:
        return bad
    if municipality is None:
        return _error(404, "no municipality is loaded")
    if public and not services.in_area(municipality, z, x, y):
        return _error(404, "the tile lies outside the municipality's area")
    data = vector.vector_tile(municipality, z, x, y)
    # Empty: 204, never an error page, which protomaps-leaflet would try to read as a tile.
    response = HttpResponse(data, content_type=MVT, status=200 if data else 204)
    return _with_headers(
        request, response, etag=_etag(data), max_age=VECTOR_MAX_AGE_S, public=public
    )


def public_municipality() -> Municipality:
    """The municipality whose public map is on (the same choice as /offentlig/), else 404."""
    municipality = (
        Municipality.objects.filter(public_map=True).defer("boundary").order_by("pk").first()
    )
    if municipality is None:
        raise Http404("no public map")
    return municipality


@require_safe
@login_or_basic
def raster(request: HttpRequest, z: int, x: int, y: int) -> HttpResponseBase:
    return _raster(request, default_municipality(), z, x, y, public=False)


@require_safe
@login_or_basic
def vector_background(request: HttpRequest, z: int, x: int, y: int) -> HttpResponseBase:
    return _vector(request, default_municipality(), z, x, y, public=False)


@require_safe
@login_or_basic
def config(request: HttpRequest) -> HttpResponseBase:
    municipality = default_municipality()
    if municipality is None:
        return _error(404, "no municipality is loaded")
    response = JsonResponse(services.browser_config(municipality))
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
def public_raster(request: HttpRequest, z: int, x: int, y: int) -> HttpResponseBase:
    return _raster(request, public_municipality(), z, x, y, public=True)


@require_safe
def public_vector(request: HttpRequest, z: int, x: int, y: int) -> HttpResponseBase:
    return _vector(request, public_municipality(), z, x, y, public=True)


@require_safe
def public_config(request: HttpRequest) -> HttpResponseBase:
    response = JsonResponse(services.browser_config(public_municipality(), public=True))
    response["Cache-Control"] = "public, max-age=300"
    return response
