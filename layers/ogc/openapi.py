"""The OpenAPI 3.0 document of /ogc/, built from the collection registry so it cannot drift from it.

Each collection gets concrete paths (``/collections/incidents/items``), as GDAL and QGIS read the item
parameters of a collection from its own path, including the queryables.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from layers.ogc import crs as ogc_crs
from layers.ogc.params import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from layers.ogc.registry import Collection
from layers.ogc.sources import Queryable

GEOJSON = "application/geo+json"
JSON = "application/json"

_GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}


def _oas30(schema: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema ``type: [T, "null"]`` written the OpenAPI 3.0 way (``nullable: true``)."""
    out = copy.deepcopy(schema)
    kind = out.get("type")
    if isinstance(kind, list):
        types = [t for t in kind if t != "null"]
        out["type"] = types[0]
        if "null" in kind:
            out["nullable"] = True
    return out


def queryable_schemas(collection: Collection) -> dict[str, Any]:
    """The queryables as JSON Schema (2020-12) properties, for /queryables."""
    result: dict[str, Any] = {}
    for q in collection.source.queryables:
        schema: dict[str, Any] = {"type": q.type, "title": q.name}
        if q.enum:
            schema["enum"] = list(q.enum)
        if q.description:
            schema["description"] = q.description
        result[q.name] = schema
    return result


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _responses(ok: dict[str, Any], *, not_found: bool = True) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": ok,
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/NotAuthenticated"},
        "403": {"$ref": "#/components/responses/Forbidden"},
        "429": {"$ref": "#/components/responses/TooManyRequests"},
    }
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return responses


def _json_ok(description: str, schema: dict[str, Any], media: str = JSON) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": schema}}}


def _feature_schema(collection: Collection) -> dict[str, Any]:
    props = {name: _oas30(s) for name, s in collection.source.properties_schema.items()}
    geometry_type = collection.source.geometry_type
    geometry: dict[str, Any] = {"$ref": "#/components/schemas/geometry"}
    if geometry_type in _GEOMETRY_TYPES:
        geometry = {
            "type": "object",
            "nullable": True,
            "required": ["type"],
            "properties": {"type": {"type": "string", "enum": [geometry_type]}},
        }
    return {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "geometry": geometry,
            "properties": {"type": "object", "nullable": True, "properties": props},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        },
    }


def _queryable_parameters(queryables: Iterable[Queryable]) -> list[dict[str, Any]]:
    out = []
    for q in queryables:
        schema: dict[str, Any] = {"type": q.type}
        if q.type == "string":
            schema["maxLength"] = 300
        if q.type == "integer":
            schema.update({"minimum": -(2**31), "maximum": 2**31 - 1})
        if q.enum:
            schema["enum"] = list(q.enum)
        out.append(
            {
                "name": q.name,
                "in": "query",
                "required": False,
                "description": q.description or f"Endast objekt där {q.name} är lika med värdet.",
                "schema": schema,
                "style": "form",
                "explode": False,
            }
        )
    return out


def _collection_paths(collection: Collection) -> dict[str, Any]:
    cid = collection.id
    schema_name = f"feature-{cid}"
    query_params: list[dict[str, Any]] = [
        _ref("f-geojson"),
        _ref("limit"),
        _ref("offset"),
        _ref("bbox"),
        _ref("bbox-crs"),
        _ref("crs"),
        _ref("datetime"),
    ]
    query_params.extend(_queryable_parameters(collection.source.queryables))
    item_params: list[dict[str, Any]] = [
        {
            "name": "featureId",
            "in": "path",
            "required": True,
            "description": "Objektets id",
            "schema": {"type": "string", "maxLength": 80},
        },
        _ref("f-geojson"),
        _ref("crs"),
    ]
    extra = collection.source.item_parameters
    if "datetime" in extra:
        item_params.append(_ref("datetime"))
    item_params.extend(
        _queryable_parameters(q for q in collection.source.queryables if q.name in extra)
    )
    tag = [cid]
    return {
        f"/collections/{cid}": {
            "get": {
                "summary": f"Beskrivning av samlingen {collection.title}",
                "operationId": f"describe-{cid}",
                "tags": tag,
                "parameters": [_ref("f-json")],
                "responses": _responses(
                    _json_ok("Samlingen", {"$ref": "#/components/schemas/collection"})
                ),
            }
        },
        f"/collections/{cid}/queryables": {
            "get": {
                "summary": f"Egenskaper att filtrera {collection.title} på",
                "operationId": f"queryables-{cid}",
                "tags": tag,
                "parameters": [_ref("f-json")],
                "responses": _responses(
                    _json_ok("JSON Schema", {"type": "object"}, "application/schema+json")
                ),
            }
        },
        f"/collections/{cid}/items": {
            "get": {
                "summary": f"Objekt i {collection.title}",
                "description": collection.description,
                "operationId": f"items-{cid}",
                "tags": tag,
                "parameters": query_params,
                "responses": _responses(
                    {
                        "description": "En sida med objekt (GeoJSON FeatureCollection)",
                        "headers": {"Content-Crs": {"$ref": "#/components/headers/Content-Crs"}},
                        "content": {
                            GEOJSON: {
                                "schema": {
                                    "type": "object",
                                    "required": ["type", "features"],
                                    "properties": {
                                        "type": {"type": "string", "enum": ["FeatureCollection"]},
                                        "features": {
                                            "type": "array",
                                            "items": {
                                                "$ref": f"#/components/schemas/{schema_name}"
                                            },
                                        },
                                        "numberMatched": {"type": "integer", "minimum": 0},
                                        "numberReturned": {"type": "integer", "minimum": 0},
                                        "timeStamp": {"type": "string", "format": "date-time"},
                                        "links": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/link"},
                                        },
                                    },
                                }
                            }
                        },
                    }
                ),
            }
        },
        f"/collections/{cid}/items/{{featureId}}": {
            "get": {
                "summary": f"Ett objekt i {collection.title}",
                "operationId": f"item-{cid}",
                "tags": tag,
                "parameters": item_params,
                "responses": _responses(
                    {
                        "description": "Objektet (GeoJSON Feature)",
                        "headers": {"Content-Crs": {"$ref": "#/components/headers/Content-Crs"}},
                        "content": {
                            GEOJSON: {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
                        },
                    }
                ),
            }
        },
    }


def _components(collections: list[Collection]) -> dict[str, Any]:
    crs_enum = ogc_crs.supported_uris()
    link = {
        "type": "object",
        "required": ["href", "rel"],
        "properties": {
            "href": {"type": "string"},
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "title": {"type": "string"},
        },
    }
    exception = {
        "type": "object",
        "required": ["code"],
        "properties": {
            "code": {"type": "string"},
            "description": {"type": "string"},
            "error": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    error_content = {JSON: {"schema": {"$ref": "#/components/schemas/exception"}}}
    schemas: dict[str, Any] = {
        "link": link,
        "exception": exception,
        "error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "geometry": {
            "type": "object",
            "nullable": True,
            "required": ["type"],
            "properties": {"type": {"type": "string", "enum": sorted(_GEOMETRY_TYPES)}},
        },
        "landingPage": {
            "type": "object",
            "required": ["links"],
            "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
            },
        },
        "conformance": {
            "type": "object",
            "required": ["conformsTo"],
            "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
        },
        "collection": {
            "type": "object",
            "required": ["id", "links"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "description": {"type": "string"},
                "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
                "extent": {"type": "object"},
                "itemType": {"type": "string"},
                "crs": {"type": "array", "items": {"type": "string"}},
                "storageCrs": {"type": "string"},
            },
        },
        "collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {
                "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
                "collections": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/collection"},
                },
                "crs": {"type": "array", "items": {"type": "string"}},
            },
        },
    }
    for c in collections:
        schemas[f"feature-{c.id}"] = _feature_schema(c)
    return {
        "securitySchemes": {
            "basicAuth": {
                "type": "http",
                "scheme": "basic",
                "description": "Trygg-användarens eget användarnamn och lösenord, eller en personlig "
                "API-nyckel som lösenord (QGIS, GDAL, skript).",
            },
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "En personlig API-nyckel (/konto/api-nycklar/): "
                "Authorization: Bearer tryggapi_…",
            },
            "sessionCookie": {
                "type": "apiKey",
                "in": "cookie",
                "name": "sessionid",
                "description": "Inloggad webbläsare.",
            },
        },
        "headers": {
            "Content-Crs": {
                "description": "Koordinatsystemet för geometrierna i svaret, inom < >.",
                "schema": {"type": "string"},
            }
        },
        "parameters": {
            "f-json": {
                "name": "f",
                "in": "query",
                "required": False,
                "description": "Format; JSON.",
                "schema": {"type": "string", "enum": ["json"]},
            },
            "f-geojson": {
                "name": "f",
                "in": "query",
                "required": False,
                "description": "Format; GeoJSON.",
                "schema": {"type": "string", "enum": ["json", "geojson"]},
            },
            "limit": {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": f"Högst så många objekt per sida (standard {DEFAULT_LIMIT}); ett större "
                f"värde än {MAX_LIMIT} ger {MAX_LIMIT} (OGC API – Features).",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_LIMIT,
                    "default": DEFAULT_LIMIT,
                },
                "style": "form",
                "explode": False,
            },
            "offset": {
                "name": "offset",
                "in": "query",
                "required": False,
                "description": "Hoppa över så många objekt (sidindelning; följ helst länken rel=next).",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
            },
            "bbox": {
                "name": "bbox",
                "in": "query",
                "required": False,
                "description": "Endast objekt som skär rutan: nedre hörnet, sedan övre, i bbox-crs axelordning "
                "(standard CRS84: minlon,minlat,maxlon,maxlat).",
                "schema": {
                    "type": "array",
                    "minItems": 4,
                    "maxItems": 6,
                    "items": {"type": "number"},
                },
                "style": "form",
                "explode": False,
            },
            "bbox-crs": {
                "name": "bbox-crs",
                "in": "query",
                "required": False,
                "description": "Koordinatsystemet för bbox (standard CRS84).",
                "schema": {"type": "string", "format": "uri", "enum": crs_enum},
            },
            "crs": {
                "name": "crs",
                "in": "query",
                "required": False,
                "description": "Koordinatsystemet för svarets geometrier (standard CRS84; EPSG:3006 = SWEREF 99 TM).",
                "schema": {"type": "string", "format": "uri", "enum": crs_enum},
            },
            "datetime": {
                "name": "datetime",
                "in": "query",
                "required": False,
                "description": "En tidpunkt eller ett intervall (RFC 3339), öppet med '..': "
                "2024-05-01T00:00:00Z/2024-06-01T00:00:00Z, 2024-05-01/.., ../2024-06-01.",
                "schema": {"type": "string", "maxLength": 100},
            },
        },
        "responses": {
            "BadRequest": {
                "description": "En parameter är fel; svaret säger vilken.",
                "content": error_content,
            },
            "NotAuthenticated": {
                "description": "Inloggning krävs (session eller HTTP Basic).",
                "content": error_content,
            },
            "NotFound": {
                "description": "Finns inte, eller syns inte för användaren.",
                "content": error_content,
            },
            "Forbidden": {
                "description": "Kontot måste logga in med en andra faktor (använd webbläsaren eller "
                "en personlig API-nyckel).",
                "content": error_content,
            },
            "TooManyRequests": {
                "description": "För många förfrågningar eller inloggningsförsök; försök igen efter "
                "Retry-After sekunder.",
                "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
                "content": {JSON: {"schema": {"$ref": "#/components/schemas/error"}}},
            },
        },
        "schemas": schemas,
    }


def document(*, server_url: str, collections: list[Collection]) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/": {
            "get": {
                "summary": "Startsida",
                "operationId": "landing",
                "tags": ["tjänst"],
                "parameters": [
                    {
                        "name": "f",
                        "in": "query",
                        "required": False,
                        "description": "Format.",
                        "schema": {"type": "string", "enum": ["json", "html"]},
                    }
                ],
                "responses": _responses(
                    {
                        "description": "Startsidan med länkar",
                        "content": {
                            JSON: {"schema": {"$ref": "#/components/schemas/landingPage"}},
                            "text/html": {"schema": {"type": "string"}},
                        },
                    },
                    not_found=False,
                ),
            }
        },
        "/conformance": {
            "get": {
                "summary": "Standarder som tjänsten följer",
                "operationId": "conformance",
                "tags": ["tjänst"],
                "parameters": [_ref("f-json")],
                "responses": _responses(
                    _json_ok("conformsTo", {"$ref": "#/components/schemas/conformance"}),
                    not_found=False,
                ),
            }
        },
        "/api": {
            "get": {
                "summary": "Det här dokumentet (OpenAPI 3.0)",
                "operationId": "api",
                "tags": ["tjänst"],
                "parameters": [_ref("f-json")],
                "responses": _responses(
                    _json_ok(
                        "OpenAPI",
                        {"type": "object"},
                        "application/vnd.oai.openapi+json;version=3.0",
                    ),
                    not_found=False,
                ),
            }
        },
        "/collections": {
            "get": {
                "summary": "Samlingarna (lagren) som användaren får se",
                "operationId": "collections",
                "tags": ["tjänst"],
                "parameters": [_ref("f-json")],
                "responses": _responses(
                    _json_ok("Samlingar", {"$ref": "#/components/schemas/collections"})
                ),
            }
        },
    }
    for c in collections:
        paths.update(_collection_paths(c))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Trygg – OGC API Features",
            "version": "1.0.0",
            "description": "Lagren i Trygg enligt OGC API – Features del 1 (Core, GeoJSON, OpenAPI 3) och "
            "del 2 (CRS). Inloggning med session eller HTTP Basic. Känsliga händelser visas som punkter "
            "endast för behöriga; övriga ser dem som rutor (sensitive-incident-cells).",
        },
        "servers": [{"url": server_url}],
        "security": [{"basicAuth": []}, {"bearerAuth": []}, {"sessionCookie": []}],
        "tags": [
            {"name": "tjänst"},
            *({"name": c.id, "description": c.title} for c in collections),
        ],
        "paths": paths,
        "components": _components(collections),
    }
