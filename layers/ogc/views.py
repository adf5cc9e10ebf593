"""OGC API – Features (Part 1 Core, GeoJSON, OpenAPI 3; Part 2 CRS) at /ogc/.

Views parse the request, ask the collection's source, and shape the response. Permissions are the pages':
a login (session or HTTP Basic, layers.ogc.auth), the model's view permission per collection, and for
incidents ``visible_incidents``; reads of sensitive incidents by permitted users go to the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from geo.crs import WEB_SRID
from layers import audit
from layers.models import AuditEvent, Detaljplan, Municipality
from layers.ogc import crs as ogc_crs
from layers.ogc import openapi, registry
from layers.ogc.auth import login_or_basic, wants_html
from layers.ogc.params import COMMON_PARAMETERS, BadRequest, ItemQuery, parse_items_query
from layers.ogc.registry import Collection
from layers.ogc.sources import Page
from layers.queries import default_municipality

GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
HTML = "text/html"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


def ogc_error(
    status: int, code: str, description: str, param: str | None = None, detail: str | None = None
) -> JsonResponse:
    """The OGC exception shape (code, description) with the project's own ``error``/``fields``."""
    body: dict[str, Any] = {"code": code, "description": description, "error": description}
    if param is not None:
        body["fields"] = {param: detail or description}
    return JsonResponse(body, status=status)


def bad_request(e: BadRequest) -> JsonResponse:
    return ogc_error(400, "InvalidParameterValue", str(e), e.param, e.message)


def _format(request: HttpRequest, allowed: tuple[str, ...]) -> str:
    """The f parameter, checked; '' when absent."""
    value = request.GET.get("f", "")
    if value and value not in allowed:
        raise BadRequest("f", f"must be one of {', '.join(allowed)}")
    return value


def _json_only(request: HttpRequest) -> HttpResponse | None:
    """A 400 for a request with parameters other than ``f`` or a format other than JSON, else None."""
    try:
        _only(request, {"f"})
        _format(request, ("json",))
    except BadRequest as e:
        return bad_request(e)
    return None


def _only(request: HttpRequest, allowed: set[str]) -> None:
    unknown = sorted(set(request.GET.keys()) - allowed)
    if unknown:
        raise BadRequest(
            unknown[0],
            f"unknown parameter; this resource takes {', '.join(sorted(allowed)) or 'none'}",
        )


def _url(request: HttpRequest, name: str, *args: object, **query: str) -> str:
    url = request.build_absolute_uri(reverse(name, args=args))
    return f"{url}?{urlencode(query)}" if query else url


def _municipality_or_error() -> Municipality | JsonResponse:
    municipality = default_municipality()
    if municipality is None:
        return ogc_error(404, "NotFound", "no municipality is loaded (run load_demo or an import)")
    return municipality


def _allowed_collection(request: HttpRequest, collection_id: str) -> Collection | None:
    collection = registry.get(collection_id)
    if collection is None or not collection.allowed(request.user):
        return None  # a collection the user may not see does not exist for them
    return collection


def _collection_or_404(request: HttpRequest, collection_id: str) -> Collection | JsonResponse:
    found = _allowed_collection(request, collection_id)
    if found is None:
        return ogc_error(404, "NotFound", f"no collection {collection_id[:80]!r}")
    return found


@require_safe
@login_or_basic
def landing(request: HttpRequest) -> HttpResponse:
    try:
        _only(request, {"f"})
        fmt = _format(request, ("json", "html"))
    except BadRequest as e:
        return bad_request(e)
    links = [
        {
            "href": _url(request, "ogc-landing"),
            "rel": "self",
            "type": JSON,
            "title": "Den här sidan",
        },
        {
            "href": _url(request, "ogc-landing", f="html"),
            "rel": "alternate",
            "type": HTML,
            "title": "Som HTML",
        },
        {
            "href": _url(request, "ogc-api"),
            "rel": "service-desc",
            "type": OPENAPI_JSON,
            "title": "OpenAPI 3",
        },
        {
            "href": _url(request, "ogc-conformance"),
            "rel": "conformance",
            "type": JSON,
            "title": "Standarder som följs",
        },
        {
            "href": _url(request, "ogc-collections"),
            "rel": "data",
            "type": JSON,
            "title": "Samlingar (lager)",
        },
    ]
    if request.user.has_perm("layers.view_incident"):
        links.append(
            {
                "href": _url(request, "export-density"),
                "rel": "enclosure",
                "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                "title": "Händelsetäthet som GeoTIFF (SWEREF 99 TM; BRÅ-sidans filter som parametrar)",
            }
        )
    body = {
        "title": "Trygg – OGC API Features",
        "description": "Trygghetsskapande och brottsförebyggande arbetets lager: kommundelar, NYKO-områden, "
        "händelser, hot spots (Gi*), trygghetsvandringar, observationer, åtgärder, detaljplaner och "
        "stadsmiljö.",
        "links": links,
    }
    if fmt == "html" or (not fmt and wants_html(request)):
        return _landing_html(request)
    return JsonResponse(body)


def _landing_html(request: HttpRequest) -> HttpResponse:
    collections = registry.collections_for(request.user)
    municipality = default_municipality()
    plans = (
        list(
            Detaljplan.objects.filter(municipality=municipality)
            .only("id", "plan_id", "name")
            .order_by("plan_id")
        )
        if municipality is not None and request.user.has_perm("layers.view_detaljplan")
        else []
    )
    walks: list[dict[str, Any]] = []
    walk_collection = _allowed_collection(request, "walks")
    if walk_collection is not None and municipality is not None:
        page = walk_collection.source.page(
            request.user, municipality, ItemQuery(limit=50, crs=ogc_crs.DEFAULT)
        )
        walks = [
            {"id": f["id"], "name": f["properties"]["name"], "date": f["properties"]["walked_on"]}
            for f in sorted(page.features, key=lambda f: f["properties"]["walked_on"], reverse=True)
        ]
    return render(
        request,
        "layers/ogc/landing.html",
        {
            "collections": collections,
            "ogc_url": _url(request, "ogc-landing"),
            "plans": plans,
            "walks": walks,
            "density_url": _url(request, "export-density")
            if request.user.has_perm("layers.view_incident")
            else "",
            "username": request.user.get_username(),
        },
    )


@require_safe
@login_or_basic
def conformance(request: HttpRequest) -> HttpResponse:
    if (refused := _json_only(request)) is not None:
        return refused
    return JsonResponse({"conformsTo": CONFORMANCE})


@require_safe
@login_or_basic
def api_document(request: HttpRequest) -> HttpResponse:
    if (refused := _json_only(request)) is not None:
        return refused
    document = openapi.document(
        server_url=_url(request, "ogc-landing").rstrip("/"),
        collections=registry.collections_for(request.user),
    )
    return JsonResponse(
        document, content_type=OPENAPI_JSON, json_dumps_params={"ensure_ascii": False}
    )


def _spatial_extent(municipality: Municipality) -> list[float]:
    boundary = municipality.boundary.transform(WEB_SRID, clone=True)
    minx, miny, maxx, maxy = boundary.extent
    return [round(minx, 6), round(miny, 6), round(maxx, 6), round(maxy, 6)]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _collection_body(
    request: HttpRequest, collection: Collection, municipality: Municipality, bbox: list[float]
) -> dict[str, Any]:
    cid = collection.id
    body: dict[str, Any] = {
        "id": cid,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "links": [
            {
                "href": _url(request, "ogc-collection", cid),
                "rel": "self",
                "type": JSON,
                "title": collection.title,
            },
            {
                "href": _url(request, "ogc-items", cid),
                "rel": "items",
                "type": GEOJSON,
                "title": "Objekt som GeoJSON",
            },
            {
                "href": _url(request, "ogc-queryables", cid),
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "type": "application/schema+json",
                "title": "Egenskaper att filtrera på",
            },
            {
                "href": _url(request, "export-layer", cid, "geojson"),
                "rel": "enclosure",
                "type": GEOJSON,
                "title": "Hela lagret som GeoJSON",
            },
            {
                "href": _url(request, "export-layer", cid, "csv"),
                "rel": "enclosure",
                "type": "text/csv",
                "title": "Hela lagret som CSV",
            },
        ],
        "extent": {"spatial": {"bbox": [bbox], "crs": ogc_crs.CRS84}},
        "crs": collection.crs_list,
        "storageCrs": ogc_crs.storage_uri(),
    }
    if collection.source.has_time:
        first, last = collection.source.time_extent(request.user, municipality)
        body["extent"]["temporal"] = {"interval": [[_iso(first), _iso(last)]], "trs": GREGORIAN}
    return body


@require_safe
@login_or_basic
def collections(request: HttpRequest) -> HttpResponse:
    if (refused := _json_only(request)) is not None:
        return refused
    municipality = _municipality_or_error()
    if isinstance(municipality, JsonResponse):
        return municipality
    bbox = _spatial_extent(municipality)
    return JsonResponse(
        {
            "links": [
                {
                    "href": _url(request, "ogc-collections"),
                    "rel": "self",
                    "type": JSON,
                    "title": "Samlingar",
                }
            ],
            "collections": [
                _collection_body(request, c, municipality, bbox)
                for c in registry.collections_for(request.user)
            ],
            "crs": ogc_crs.supported_uris(),
        }
    )


@require_safe
@login_or_basic
def collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    if (refused := _json_only(request)) is not None:
        return refused
    found = _collection_or_404(request, collection_id)
    if not isinstance(found, Collection):
        return found
    municipality = _municipality_or_error()
    if isinstance(municipality, JsonResponse):
        return municipality
    return JsonResponse(
        _collection_body(request, found, municipality, _spatial_extent(municipality))
    )


@require_safe
@login_or_basic
def queryables(request: HttpRequest, collection_id: str) -> HttpResponse:
    if (refused := _json_only(request)) is not None:
        return refused
    found = _collection_or_404(request, collection_id)
    if not isinstance(found, Collection):
        return found
    body = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _url(request, "ogc-queryables", found.id),
        "type": "object",
        "title": found.title,
        "properties": openapi.queryable_schemas(found),
        "additionalProperties": False,
    }
    return JsonResponse(body, content_type="application/schema+json")


def _audit_sensitive(
    request: HttpRequest, collection: Collection, page: Page, **detail: Any
) -> None:
    if collection.audited and page.sensitive_count:
        audit.record(
            AuditEvent.Action.READ_SENSITIVE,
            request=request,
            channel="ogc",
            object_type=collection.id,
            count=page.sensitive_count,
            detail={"path": request.path[:200], "query": request.GET.urlencode()[:500], **detail},
        )


def _geojson(body: dict[str, Any], crs: ogc_crs.OutputCrs) -> JsonResponse:
    response = JsonResponse(body, content_type=GEOJSON, json_dumps_params={"ensure_ascii": False})
    response["Content-Crs"] = f"<{crs.uri}>"
    return response


@require_safe
@login_or_basic
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    found = _collection_or_404(request, collection_id)
    if not isinstance(found, Collection):
        return found
    try:
        _format(request, ("json", "geojson"))
        query = parse_items_query(
            request.GET, queryables=frozenset(q.name for q in found.source.queryables)
        )
        municipality = _municipality_or_error()
        if isinstance(municipality, JsonResponse):
            return municipality
        page = found.source.page(request.user, municipality, query)
    except BadRequest as e:
        return bad_request(e)
    _audit_sensitive(request, found, page)
    links = [
        {
            "href": _page_url(request, query.offset),
            "rel": "self",
            "type": GEOJSON,
            "title": "Den här sidan",
        },
        {
            "href": _url(request, "ogc-collection", found.id),
            "rel": "collection",
            "type": JSON,
            "title": found.title,
        },
    ]
    if query.offset + len(page.features) < page.number_matched:
        links.append(
            {
                "href": _page_url(request, query.offset + query.limit),
                "rel": "next",
                "type": GEOJSON,
                "title": "Nästa sida",
            }
        )
    if query.offset > 0:
        links.append(
            {
                "href": _page_url(request, max(0, query.offset - query.limit)),
                "rel": "prev",
                "type": GEOJSON,
                "title": "Föregående sida",
            }
        )
    body = {
        "type": "FeatureCollection",
        "features": page.features,
        "numberMatched": page.number_matched,
        "numberReturned": len(page.features),
        "timeStamp": _now_iso(),
        "links": links,
    }
    return _geojson(body, query.crs)


def _page_url(request: HttpRequest, offset: int) -> str:
    params = request.GET.copy()
    params["offset"] = str(offset)
    if offset == 0:
        params.pop("offset")
    url = request.build_absolute_uri(request.path)
    return f"{url}?{params.urlencode()}" if params else url


def _now_iso() -> str:
    from django.utils import timezone

    return timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")


@require_safe
@login_or_basic
def item(request: HttpRequest, collection_id: str, item_id: str) -> HttpResponse:
    found = _collection_or_404(request, collection_id)
    if not isinstance(found, Collection):
        return found
    extra = found.source.item_parameters  # e.g. the period of computed cells
    try:
        _only(request, {"f", "crs"} | extra)
        _format(request, ("json", "geojson"))
        output_crs = ogc_crs.parse(request.GET["crs"]) if "crs" in request.GET else ogc_crs.DEFAULT
        query = (
            parse_items_query(request.GET, queryables=extra - COMMON_PARAMETERS) if extra else None
        )
        municipality = _municipality_or_error()
        if isinstance(municipality, JsonResponse):
            return municipality
        page = found.source.item(request.user, municipality, item_id, output_crs, query)
    except ogc_crs.UnsupportedCrs as e:
        return ogc_error(400, "InvalidParameterValue", str(e), "crs")
    except BadRequest as e:
        return bad_request(e)
    if not page.features:
        return ogc_error(404, "NotFound", f"no item {item_id[:80]!r} in {found.id}")
    _audit_sensitive(request, found, page, item=item_id[:80])
    feature = dict(page.features[0])
    feature["links"] = [
        {
            "href": request.build_absolute_uri(request.path),
            "rel": "self",
            "type": GEOJSON,
            "title": "Det här objektet",
        },
        {
            "href": _url(request, "ogc-collection", found.id),
            "rel": "collection",
            "type": JSON,
            "title": found.title,
        },
    ]
    return _geojson(feature, output_crs)
