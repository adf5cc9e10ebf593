"""The background map's configuration: checking a service when it is saved, the tile source of a
municipality, and what a page needs to draw the background (docs/api.md, "Bakgrundskarta")."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from basemap import upstream
from basemap.models import BasemapService
from basemap.sources import (
    DAY_S,
    KEY,
    TileSource,
    matrices_from_json,
    matrices_to_json,
    redact,
    with_key,
    xyz_template_problems,
)
from geo import wmts
from geo.errors import InputProblem
from layers.models import ContextLayer, ImportBatch, Municipality

# Tiles are served for the municipality's extent grown by this much: walks and plans near the border
# have their surroundings, and the proxy is no way to download the service's whole map (decision 0721).
AREA_MARGIN_M = 2000.0
AREA_REMEMBER_S = 300.0
# For the installation-wide setting TRYGG_BASEMAP_URL (the fallback): zooms and cache as the model's
# defaults.
FALLBACK_DEFAULTS = {
    "min_zoom": 5,
    "max_zoom": 18,
    "cache_max_mb": 500,
    "refresh_days": 7,
    "keep_days": 90,
}
VECTOR_MIN_ZOOM = 10
VECTOR_MAX_ZOOM = 18


class ConfigProblem(ValueError):
    """A service setting that does not work; ``field`` names the admin field, the message is Swedish."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- checking a service when it is saved -----------------------------------------------------------

_PROBLEM_WORDS = {
    "not_xml": ("url", "Svaret från adressen är inte en XML-fil: {detail}"),
    "not_wmts": ("url", "Svaret från adressen är inte ett WMTS GetCapabilities-dokument."),
    "bad_matrix": ("url", "Rutnätet {matrix_set} har en felaktig nivå {matrix} i GetCapabilities."),
    "no_layer": ("layer", "Tjänsten har inget lager ”{layer}”. Lager som finns: {offered}."),
    "no_style": ("style", "Lagret har ingen stil ”{style}”. Stilar som finns: {offered}."),
    "no_format": (
        "url",
        "Lagret har inget bildformat ”{image_format}”. Format som finns: {offered}.",
    ),
    "no_matrix_set": (
        "tile_matrix_set",
        "Lagret har inget rutnät ”{matrix_set}”. Rutnät som finns: {offered}.",
    ),
    "unusable_matrix_set": (
        "tile_matrix_set",
        "Lagret har inget rutnät i Web Mercator (EPSG:3857) eller SWEREF 99 (EPSG:3006–3018), "
        "som Trygg kan använda. Rutnät som finns: {offered}.",
    ),
    "no_tile_address": (
        "url",
        "Lagret anger ingen adress till kartbilderna (ResourceURL) och tjänsten ingen KVP GetTile.",
    ),
}


def check_xyz(url: str) -> None:
    problems = xyz_template_problems(url)
    if problems:
        raise ConfigProblem("url", "Adressmallen fungerar inte: " + "; ".join(problems) + ".")


def read_capabilities(service: BasemapService) -> dict[str, Any]:
    """Fetch and read the WMTS service's GetCapabilities (with the key) and choose what to ask for.

    Returns the ``capabilities`` JSON to store (the key, where it sits in an address, as ``{key}``).
    Raises ``ConfigProblem`` naming the field that is wrong, in Swedish, without the key.
    """
    if not service.layer:
        raise ConfigProblem("layer", "Ange vilket lager i tjänsten som ska användas.")
    address, headers = with_key(
        service.url, service.api_key, service.key_placement, service.key_name
    )
    try:
        answer = upstream.get(
            address,
            headers=headers,
            redact=lambda text: redact(text, service.api_key),
            max_bytes=upstream.MAX_CAPABILITIES_BYTES,
        )
    except upstream.UpstreamError as e:
        raise ConfigProblem(
            "url", f"GetCapabilities kunde inte hämtas: {redact(str(e), service.api_key)}"
        ) from e
    if answer.status != 200:
        raise ConfigProblem(
            "url",
            f"Tjänsten svarade {answer.status} på GetCapabilities"
            + (" (fel nyckel eller nyckelns plats?)" if answer.status in (401, 403) else "")
            + ".",
        )
    try:
        caps = wmts.parse_capabilities(answer.body)
        choice = wmts.choose(
            caps, service.layer, style=service.style, matrix_set=service.tile_matrix_set
        )
    except InputProblem as problem:
        field, words = _PROBLEM_WORDS.get(problem.key, ("url", str(problem)))
        message = words.format(**{k: str(v) for k, v in problem.params.items()})
        raise ConfigProblem(field, redact(message, service.api_key)) from problem
    template = choice.template
    if service.api_key:
        # The service may write its key back into the tile address (a token in the path): keep it once,
        # in api_key, and have the address say where it goes.
        for form in _key_forms(service.api_key):
            template = template.replace(form, KEY)
    tms = choice.matrix_set
    return {
        "title": caps.title,
        "layer": choice.layer,
        "style": choice.style,
        "image_format": choice.image_format,
        "matrix_set": tms.identifier,
        "crs": tms.crs,
        "srid": tms.srid,
        "direct": choice.direct,
        "zooms": {str(z): m for z, m in sorted(tms.web_mercator_zooms().items())},
        "matrices": matrices_to_json(tms.matrices),
        "template": template,
    }


def _key_forms(key: str) -> list[str]:
    from urllib.parse import quote

    return sorted({key, quote(key, safe="")}, key=len, reverse=True)


def configure(service: BasemapService) -> None:
    """Check ``service`` and store what its GetCapabilities says (WMTS); raises ``ConfigProblem``."""
    if service.key_placement in ("header", "query") and not service.key_name:
        raise ConfigProblem("key_name", "Ange namnet på HTTP-huvudet eller adressparametern.")
    if service.key_placement and not service.api_key:
        raise ConfigProblem("api_key", "Ange nyckeln, eller välj ”Ingen nyckel”.")
    if service.kind == BasemapService.Kind.XYZ:
        check_xyz(service.url)
        service.capabilities = {}
    else:
        service.capabilities = read_capabilities(service)
    if service.key_placement == BasemapService.KeyPlacement.PATH and KEY not in (
        service.url + str(service.capabilities.get("template", ""))
    ):
        raise ConfigProblem("url", "Nyckelns plats är ”i adressen”, men adressen har inget {key}.")
    service.checked_at = timezone.now()


# --- the source of a municipality's tiles ----------------------------------------------------------


def source_for(municipality: Municipality) -> TileSource | None:
    """The active service of ``municipality``; else the installation's TRYGG_BASEMAP_URL; else None."""
    service = (
        BasemapService.objects.filter(municipality=municipality, active=True)
        .only(*_SOURCE_FIELDS)
        .first()
    )
    if service is not None:
        return source_of(service)
    return fallback_source()


_SOURCE_FIELDS = (
    "id", "municipality_id", "kind", "url", "layer", "style", "api_key", "key_placement", "key_name",
    "attribution", "min_zoom", "max_zoom", "cache_max_mb", "refresh_after_days", "keep_days",
    "capabilities",
)  # fmt: skip


def source_of(service: BasemapService) -> TileSource:
    caps = service.capabilities or {}
    common: dict[str, Any] = {
        "name": f"kommun-{service.municipality_id}",
        "version": service.imagery_version(),
        "kind": service.kind,
        "attribution": service.attribution,
        "min_zoom": service.min_zoom,
        "max_zoom": service.max_zoom,
        "cache_max_bytes": service.cache_max_mb * 1024 * 1024,
        "refresh_after_s": service.refresh_after_days * DAY_S,
        "keep_s": service.keep_days * DAY_S,
        "api_key": service.api_key,
        "key_placement": service.key_placement,
        "key_name": service.key_name,
    }
    if service.kind == BasemapService.Kind.XYZ:
        return TileSource(template=service.url, **common)
    return TileSource(
        template=str(caps.get("template", "")),
        direct=bool(caps.get("direct")),
        zooms={int(z): str(m) for z, m in dict(caps.get("zooms", {})).items()},
        srid=caps.get("srid"),
        matrices=matrices_from_json(list(caps.get("matrices", []))),
        **common,
    )


def fallback_source() -> TileSource | None:
    """TRYGG_BASEMAP_URL as an XYZ service for every municipality without its own (decision 0720)."""
    url = str(getattr(settings, "BASEMAP_URL", "") or "")
    if not url:
        return None
    import hashlib

    d = FALLBACK_DEFAULTS
    return TileSource(
        name="installation",
        version=hashlib.sha256(url.encode()).hexdigest()[:12],
        kind="xyz",
        template=url,
        attribution=str(getattr(settings, "BASEMAP_ATTRIBUTION", "") or ""),
        min_zoom=d["min_zoom"],
        max_zoom=d["max_zoom"],
        cache_max_bytes=d["cache_max_mb"] * 1024 * 1024,
        refresh_after_s=d["refresh_days"] * DAY_S,
        keep_s=d["keep_days"] * DAY_S,
    )


# --- the municipality's area ------------------------------------------------------------------------

_areas: dict[int, tuple[float, tuple[float, float, float, float] | None]] = {}
_areas_lock = threading.Lock()


def area_3857(municipality: Municipality) -> tuple[float, float, float, float] | None:
    """The municipality's extent in Web Mercator grown by AREA_MARGIN_M; remembered a few minutes."""
    now = time.monotonic()
    with _areas_lock:
        remembered = _areas.get(municipality.pk)
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    with connection.cursor() as cursor:
        # SELECT the extent of the boundary grown in SWEREF 99 TM metres, then in Web Mercator.
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM ("
            "  SELECT ST_Transform(ST_Envelope(ST_Expand(boundary, %(margin)s)), 3857) AS e"
            "  FROM layers_municipality WHERE id = %(id)s) AS extent",
            {"margin": AREA_MARGIN_M, "id": municipality.pk},
        )
        row = cursor.fetchone()
    area = (float(row[0]), float(row[1]), float(row[2]), float(row[3])) if row else None
    with _areas_lock:
        _areas[municipality.pk] = (now + AREA_REMEMBER_S, area)
    return area


def forget_areas() -> None:
    with _areas_lock:
        _areas.clear()


def in_area(municipality: Municipality, z: int, x: int, y: int) -> bool:
    """True when tile z/x/y touches the municipality's extent (grown by the margin)."""
    from geo.webtiles import tile_bounds

    area = area_3857(municipality)
    if area is None:
        return False
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    return minx < area[2] and maxx > area[0] and miny < area[3] and maxy > area[1]


# --- what a page needs -------------------------------------------------------------------------------


def browser_config(municipality: Municipality, *, public: bool = False) -> dict[str, Any]:
    """The background for a page's map: the raster service through Trygg's proxy (or None) and the
    vector background, with their tile addresses, zooms and attribution. Never the service's address
    or key (docs/api.md)."""
    source = source_for(municipality)
    prefix = "public-" if public else ""
    raster = None
    if source is not None:
        raster = {
            "tiles": _template(reverse(f"basemap:{prefix}raster", args=(0, 0, 0)), "png")
            + f"?v={source.version}",
            "attribution": source.attribution,
            "min_zoom": source.min_zoom,
            "max_zoom": source.max_zoom,
            "max_native_zoom": source.max_data_zoom(),
            "version": source.version,
        }
    return {
        "raster": raster,
        "vector": {
            "tiles": _template(reverse(f"basemap:{prefix}vector", args=(0, 0, 0)), "mvt"),
            "min_zoom": VECTOR_MIN_ZOOM,
            "max_data_zoom": VECTOR_MAX_ZOOM,
            "attribution": vector_attribution(municipality),
        },
        "bounds": _bounds_wgs84(municipality),
        # The words before the attribution printed under a map (PDFs, the offline HTML map).
        "label": gettext("Bakgrundskarta"),
    }


def page_raster(municipality: Municipality | None) -> dict[str, str]:
    """``basemap_url`` (Trygg's proxy address, or "") and ``basemap_attribution`` for the map pages'
    ``data-basemap-*`` attributes: the service's tiles through the proxy, so the CSP's img-src 'self'
    lets them in and no page learns the service's address or key."""
    source = source_for(municipality) if municipality is not None else None
    if source is None:
        return {"basemap_url": "", "basemap_attribution": ""}
    tiles = _template(reverse("basemap:raster", args=(0, 0, 0)), "png")
    return {"basemap_url": f"{tiles}?v={source.version}", "basemap_attribution": source.attribution}


def _template(url: str, ext: str) -> str:
    # reverse() of z/x/y = 0/0/0 gives ".../0/0/0.<ext>"; the page fills in its own numbers.
    return url.removesuffix(f"/0/0/0.{ext}") + "/{z}/{x}/{y}." + ext


def vector_attribution(municipality: Municipality) -> str:
    """Where the vector background's data comes from: the municipality, and each context layer's source
    and licence (a generated layer says that it is generated)."""
    parts = [f"{municipality.name} kommun (NYKO-områden, kommundelar)"]
    layers = ContextLayer.objects.filter(municipality=municipality).select_related("import_batch")
    for layer in layers.order_by("name"):
        batch = layer.import_batch
        if batch is not None and batch.kind == ImportBatch.Kind.DEMO:
            parts.append(f"{layer.name}: genererad, inte verklig")
            continue
        text = layer.source or layer.name
        if layer.licence:
            text += f" ({layer.licence})"
        if text not in parts:
            parts.append(text)
    return "; ".join(parts)


def _bounds_wgs84(municipality: Municipality) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the municipality (Leaflet's order, for fitBounds)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e) FROM ("
            " SELECT ST_Transform(ST_Envelope(boundary), 4326) AS e FROM layers_municipality"
            " WHERE id = %(id)s) AS extent",
            {"id": municipality.pk},
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return [[round(row[0], 5), round(row[1], 5)], [round(row[2], 5), round(row[3], 5)]]
