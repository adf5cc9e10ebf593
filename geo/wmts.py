"""A WMTS service's GetCapabilities, read for one purpose: Web Mercator tiles z/x/y for Trygg's maps.

Trygg's maps are Web Mercator (EPSG:3857). A service's layer is used **directly** when it has a tile
matrix set on the standard Web Mercator pyramid (GoogleMapsCompatible: 256-pixel tiles, the world's
top-left corner, scale 559 082 264.03 / 2^z), so Trygg's tile z/x/y *is* the service's tile
TileMatrix/TileCol/TileRow. Otherwise a set in SWEREF 99 TM (EPSG:3006), or failing that in one of the
local SWEREF 99 zones, is **warped**: the service's tiles that cover a Web Mercator tile are put together
and reprojected on the server (``geo.webtiles.warp_into_tile``).

Axis order decides whether tiles line up (docs/decisions/0722). ``TopLeftCorner`` is written in the order
of the CRS's axes: a CRS given as a URN or an OGC URL (``urn:ogc:def:crs:EPSG::3006``,
``http://www.opengis.net/def/crs/EPSG/0/3006``) has the EPSG axis order, which for SWEREF 99 TM is
northing first; the short form ``EPSG:3006`` is read easting first, as GDAL's WMTS driver does.

Nothing here fetches anything: the caller hands in the document's bytes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from defusedxml import ElementTree
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.errors import InputProblem

NS = {
    "wmts": "http://www.opengis.net/wmts/1.0",
    "ows": "http://www.opengis.net/ows/1.1",
    "xlink": "http://www.w3.org/1999/xlink",
}
# OGC's standardized rendering pixel: 0.28 mm (WMTS 1.0.0, 6.1). Resolution = scale × this, in metres.
PIXEL_SIZE_M = 0.00028
WEB_MERCATOR_HALF = 20037508.342789244  # half the width of the Web Mercator world, metres
WEB_MERCATOR_SCALE_0 = 559082264.0287178  # scale denominator of zoom 0 (256-pixel tiles)
WEB_MERCATOR_SRIDS = frozenset({3857, 900913, 3785, 102100, 102113})
# Sets Trygg can warp into Web Mercator, in order of preference: SWEREF 99 TM, then the local zones.
WARPABLE_SRIDS = (3006, *range(3007, 3019))
# The placeholders a tile URL template keeps after configuration (REST and KVP alike).
MATRIX, ROW, COL = "{TileMatrix}", "{TileRow}", "{TileCol}"


@dataclass(frozen=True)
class TileMatrix:
    """One zoom level of a tile matrix set; ``left``/``top`` are easting/northing in the set's CRS."""

    identifier: str
    scale_denominator: float
    left: float
    top: float
    tile_width: int
    tile_height: int
    matrix_width: int
    matrix_height: int

    @property
    def resolution(self) -> float:
        """Ground size of one pixel in the CRS's units (metres for the sets Trygg uses)."""
        return self.scale_denominator * PIXEL_SIZE_M

    def tiles_covering(
        self, bounds: tuple[float, float, float, float]
    ) -> tuple[range, range] | None:
        """Columns and rows of the tiles that cover ``bounds`` (minx, miny, maxx, maxy), clipped to the
        matrix; None when the bounds lie outside it.

        >>> m = TileMatrix("9", 28571.428571428572, -1200000.0, 8500000.0, 256, 256, 2048, 2048)
        >>> m.tiles_covering((664000.0, 6600000.0, 666000.0, 6602000.0))
        (range(910, 912), range(926, 928))
        """
        span_x = self.resolution * self.tile_width
        span_y = self.resolution * self.tile_height
        minx, miny, maxx, maxy = bounds
        col0 = max(0, math.floor((minx - self.left) / span_x))
        col1 = min(self.matrix_width - 1, math.floor((maxx - self.left) / span_x))
        row0 = max(0, math.floor((self.top - maxy) / span_y))
        row1 = min(self.matrix_height - 1, math.floor((self.top - miny) / span_y))
        if col0 > col1 or row0 > row1:
            return None
        return range(col0, col1 + 1), range(row0, row1 + 1)


@dataclass(frozen=True)
class TileMatrixSet:
    identifier: str
    crs: str  # as the document writes it
    srid: int | None
    matrices: tuple[TileMatrix, ...]

    def web_mercator_zooms(self) -> dict[int, str]:
        """Web Mercator zoom -> this set's matrix identifier, for the matrices on the standard pyramid.

        Empty unless the set is in Web Mercator with the standard origin and 256-pixel tiles.
        """
        if self.srid not in WEB_MERCATOR_SRIDS:
            return {}
        zooms = {}
        for m in self.matrices:
            z = round(math.log2(WEB_MERCATOR_SCALE_0 / m.scale_denominator))
            standard = (
                m.tile_width == m.tile_height == 256
                and abs(m.scale_denominator * 2**z / WEB_MERCATOR_SCALE_0 - 1) < 1e-6
                and abs(m.left + WEB_MERCATOR_HALF) < 1.0
                and abs(m.top - WEB_MERCATOR_HALF) < 1.0
            )
            if standard and 0 <= z <= 24:
                zooms[z] = m.identifier
        return zooms


@dataclass(frozen=True)
class Layer:
    identifier: str
    title: str
    formats: tuple[str, ...]
    styles: tuple[str, ...]
    default_style: str
    matrix_sets: tuple[str, ...]
    resource_urls: tuple[tuple[str, str], ...]  # (format, template) of resourceType="tile"


@dataclass(frozen=True)
class Capabilities:
    title: str
    layers: dict[str, Layer]
    matrix_sets: dict[str, TileMatrixSet]
    get_tile_kvp: str | None  # the KVP GetTile address, when the service offers KVP


@dataclass(frozen=True)
class Choice:
    """What Trygg will ask the service for: one layer, style, format and tile matrix set.

    ``template`` holds ``{TileMatrix}``, ``{TileRow}`` and ``{TileCol}``; ``direct`` says whether Trygg's
    z/x/y tiles are the service's own (a Web Mercator set) or are warped from the set.
    """

    layer: str
    style: str
    image_format: str
    matrix_set: TileMatrixSet
    template: str
    direct: bool

    def tile_url(self, matrix: str, row: int, col: int) -> str:
        return (
            self.template.replace(MATRIX, quote(matrix, safe=""))
            .replace(ROW, str(row))
            .replace(COL, str(col))
        )


_URN = re.compile(r"^urn:ogc:def:crs:EPSG:(?:[\d.]*:)*(\d+)$", re.IGNORECASE)
_URL = re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/[^/]+/(\d+)$", re.IGNORECASE)
_SHORT = re.compile(r"^EPSG:(\d+)$", re.IGNORECASE)


def parse_crs(text: str) -> tuple[int | None, bool]:
    """The EPSG code of a CRS as WMTS documents write it, and whether coordinates come northing first.

    >>> parse_crs("urn:ogc:def:crs:EPSG::3006")
    (3006, True)
    >>> parse_crs("http://www.opengis.net/def/crs/EPSG/0/3006")
    (3006, True)
    >>> parse_crs("EPSG:3006")  # the short form: easting first, as GDAL reads it
    (3006, False)
    >>> parse_crs("urn:ogc:def:crs:EPSG:6.18:3:3857")
    (3857, False)
    >>> parse_crs("OGC:CRS84")
    (None, False)
    """
    text = text.strip()
    for pattern in (_URN, _URL):
        found = pattern.match(text)
        if found:
            srid = int(found.group(1))
            return srid, _northing_first(srid)
    found = _SHORT.match(text)
    if found:
        return int(found.group(1)), False
    return None, False


@lru_cache(maxsize=64)
def _northing_first(srid: int) -> bool:
    if srid in WEB_MERCATOR_SRIDS - {3857}:  # unofficial codes pyproj may not know: easting first
        return False
    try:
        axes = CRS.from_epsg(srid).axis_info
    except CRSError:  # a code pyproj does not know: easting first
        return False
    return bool(axes) and axes[0].direction.lower() in ("north", "south")


def _text(element: object, path: str) -> str:
    found = element.find(path, NS)  # type: ignore[attr-defined]  # defusedxml elements are typed object here; they are ElementTree elements
    return (found.text or "").strip() if found is not None and found.text else ""


def parse_capabilities(document: bytes) -> Capabilities:
    """Read a WMTS 1.0.0 GetCapabilities document (layers, tile matrix sets, the KVP address).

    Raises ``InputProblem`` with key ``not_xml``, ``not_wmts`` or ``bad_matrix`` (params name what).
    """
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as e:
        raise InputProblem("not_xml", f"not XML: {e}", detail=str(e)) from e
    except ValueError as e:  # defusedxml refuses entities and DTDs this way (EntitiesForbidden …)
        raise InputProblem("not_xml", f"refused XML: {e}", detail=str(e)) from e
    if root.tag != f"{{{NS['wmts']}}}Capabilities":
        raise InputProblem("not_wmts", f"root element is {root.tag}, not WMTS Capabilities")
    contents = root.find("wmts:Contents", NS)
    if contents is None:
        raise InputProblem("not_wmts", "no Contents element")
    sets = {}
    for element in contents.findall("wmts:TileMatrixSet", NS):
        tms = _matrix_set(element)
        sets[tms.identifier] = tms
    layers = {}
    for element in contents.findall("wmts:Layer", NS):
        layer = _layer(element)
        layers[layer.identifier] = layer
    return Capabilities(
        title=_text(root, "ows:ServiceIdentification/ows:Title"),
        layers=layers,
        matrix_sets=sets,
        get_tile_kvp=_kvp_address(root),
    )


def _matrix_set(element: object) -> TileMatrixSet:
    identifier = _text(element, "ows:Identifier")
    crs = _text(element, "ows:SupportedCRS")
    srid, northing_first = parse_crs(crs)
    matrices = []
    for m in element.findall("wmts:TileMatrix", NS):  # type: ignore[attr-defined]  # defusedxml elements are typed object here; they are ElementTree elements
        name = _text(m, "ows:Identifier")
        try:
            first, second = (float(v) for v in _text(m, "wmts:TopLeftCorner").split())
            left, top = (second, first) if northing_first else (first, second)
            matrices.append(
                TileMatrix(
                    identifier=name,
                    scale_denominator=float(_text(m, "wmts:ScaleDenominator")),
                    left=left,
                    top=top,
                    tile_width=int(_text(m, "wmts:TileWidth")),
                    tile_height=int(_text(m, "wmts:TileHeight")),
                    matrix_width=int(_text(m, "wmts:MatrixWidth")),
                    matrix_height=int(_text(m, "wmts:MatrixHeight")),
                )
            )
        except ValueError as e:
            raise InputProblem(
                "bad_matrix",
                f"tile matrix {name!r} of set {identifier!r}: {e}",
                matrix=name,
                matrix_set=identifier,
            ) from e
    matrices.sort(key=lambda m: -m.scale_denominator)  # coarse to fine
    return TileMatrixSet(identifier=identifier, crs=crs, srid=srid, matrices=tuple(matrices))


def _layer(element: object) -> Layer:
    styles = []
    default_style = ""
    for style in element.findall("wmts:Style", NS):  # type: ignore[attr-defined]  # defusedxml elements are typed object here; they are ElementTree elements
        name = _text(style, "ows:Identifier")
        styles.append(name)
        if style.get("isDefault", "").lower() == "true":
            default_style = name
    resource_urls = tuple(
        (r.get("format", ""), r.get("template", ""))
        for r in element.findall("wmts:ResourceURL", NS)  # type: ignore[attr-defined]  # defusedxml elements are typed object here; they are ElementTree elements
        if r.get("resourceType", "") == "tile" and r.get("template")
    )
    return Layer(
        identifier=_text(element, "ows:Identifier"),
        title=_text(element, "ows:Title"),
        formats=tuple(
            (f.text or "").strip()
            for f in element.findall("wmts:Format", NS)  # type: ignore[attr-defined]  # defusedxml elements are typed object here; they are ElementTree elements
        ),
        styles=tuple(styles),
        default_style=default_style or (styles[0] if styles else "default"),
        matrix_sets=tuple(
            _text(link, "wmts:TileMatrixSet")
            for link in element.findall("wmts:TileMatrixSetLink", NS)  # type: ignore[attr-defined]  # defusedxml elements are typed object here; they are ElementTree elements
        ),
        resource_urls=resource_urls,
    )


def _kvp_address(root: object) -> str | None:
    for op in root.findall("ows:OperationsMetadata/ows:Operation", NS):  # type: ignore[attr-defined]  # defusedxml elements are typed object here; they are ElementTree elements
        if op.get("name") != "GetTile":
            continue
        for get in op.findall("ows:DCP/ows:HTTP/ows:Get", NS):
            values = [
                (v.text or "").strip().upper()
                for v in get.findall("ows:Constraint/ows:AllowedValues/ows:Value", NS)
            ]
            href = get.get(f"{{{NS['xlink']}}}href", "")
            if href and (not values or "KVP" in values):
                return str(href)
    return None


def choose(
    caps: Capabilities,
    layer: str,
    *,
    style: str = "",
    image_format: str = "",
    matrix_set: str = "",
) -> Choice:
    """Pick the tile matrix set (a Web Mercator one when there is one, else SWEREF 99 TM, else a local
    SWEREF 99 zone), the style (the layer's default), the format (PNG, else JPEG, else the first) and the
    tile address. A non-empty ``style``, ``image_format`` or ``matrix_set`` forces that one.

    Raises ``InputProblem``: ``no_layer``, ``no_style``, ``no_format``, ``no_matrix_set``,
    ``unusable_matrix_set`` or ``no_tile_address``; params name the value and what the service offers.
    """
    found = caps.layers.get(layer)
    if found is None:
        raise InputProblem(
            "no_layer", f"no layer {layer!r}", layer=layer, offered=", ".join(caps.layers)
        )
    if style and style not in found.styles:
        raise InputProblem(
            "no_style", f"no style {style!r}", style=style, offered=", ".join(found.styles)
        )
    style = style or found.default_style
    image_format = image_format or _preferred_format(found.formats)
    if image_format not in found.formats and image_format not in dict(found.resource_urls):
        raise InputProblem(
            "no_format",
            f"no format {image_format!r}",
            image_format=image_format,
            offered=", ".join(found.formats),
        )
    linked = [caps.matrix_sets[n] for n in found.matrix_sets if n in caps.matrix_sets]
    if matrix_set:
        chosen = next((s for s in linked if s.identifier == matrix_set), None)
        if chosen is None:
            raise InputProblem(
                "no_matrix_set",
                f"the layer has no tile matrix set {matrix_set!r}",
                matrix_set=matrix_set,
                offered=", ".join(s.identifier for s in linked),
            )
        if not chosen.web_mercator_zooms() and chosen.srid not in WARPABLE_SRIDS:
            raise _unusable(linked)
    else:
        chosen = _preferred_set(linked)
    template = _template(caps, found, style=style, image_format=image_format, tms=chosen)
    return Choice(
        layer=found.identifier,
        style=style,
        image_format=image_format,
        matrix_set=chosen,
        template=template,
        direct=bool(chosen.web_mercator_zooms()),
    )


def _preferred_format(formats: tuple[str, ...]) -> str:
    for wanted in ("image/png", "image/jpeg"):
        if wanted in formats:
            return wanted
    return formats[0] if formats else "image/png"


def _preferred_set(linked: list[TileMatrixSet]) -> TileMatrixSet:
    for s in linked:
        if s.web_mercator_zooms():
            return s
    for srid in WARPABLE_SRIDS:
        for s in linked:
            if s.srid == srid and s.matrices:
                return s
    raise _unusable(linked)


def _unusable(linked: list[TileMatrixSet]) -> InputProblem:
    return InputProblem(
        "unusable_matrix_set",
        "no tile matrix set in Web Mercator or SWEREF 99",
        offered=", ".join(f"{s.identifier} ({s.crs})" for s in linked),
    )


def _template(
    caps: Capabilities, layer: Layer, *, style: str, image_format: str, tms: TileMatrixSet
) -> str:
    for fmt, template in layer.resource_urls:
        if fmt == image_format:
            filled = re.sub(
                r"\{(Style|TileMatrixSet)\}",
                lambda m: quote(style if m.group(1) == "Style" else tms.identifier, safe=""),
                template,
                flags=re.IGNORECASE,
            )
            for name in ("TileMatrix", "TileRow", "TileCol"):
                filled = re.sub(rf"\{{{name}\}}", f"{{{name}}}", filled, flags=re.IGNORECASE)
            others = set(re.findall(r"\{[^}]*\}", filled)) - {MATRIX, ROW, COL}
            if not others:
                return filled
    if caps.get_tile_kvp:
        base = caps.get_tile_kvp
        joiner = "" if base.endswith(("?", "&")) else ("&" if "?" in base else "?")
        params = (
            f"SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={quote(layer.identifier, safe='')}"
            f"&STYLE={quote(style, safe='')}&TILEMATRIXSET={quote(tms.identifier, safe='')}"
            f"&TILEMATRIX={MATRIX}&TILEROW={ROW}&TILECOL={COL}&FORMAT={quote(image_format, safe='')}"
        )
        return base + joiner + params
    raise InputProblem(
        "no_tile_address", "the layer has no tile ResourceURL and the service no KVP GetTile"
    )


def pick_matrix(matrices: tuple[TileMatrix, ...], resolution: float) -> TileMatrix:
    """The coarsest matrix whose pixels are no larger than ``resolution``; the finest when none is.

    Pinning the level matters: left to itself GDAL's warper read a level three steps too fine for a
    zoom-13 tile, 121 upstream tiles instead of 6 (docs/decisions/0722).

    >>> lm = tuple(TileMatrix(str(z), 4096 / 2**z / PIXEL_SIZE_M, -1.2e6, 8.5e6, 256, 256, 4 * 2**z,
    ...                       4 * 2**z) for z in range(13))
    >>> pick_matrix(lm, 9.7).identifier, pick_matrix(lm, 1.21).identifier  # zoom 13 and 16 at Väsby
    ('9', '12')
    >>> pick_matrix(lm, 0.3).identifier  # finer than the service goes: its finest, upsampled
    '12'
    """
    fine_enough = [m for m in matrices if m.resolution <= resolution * (1 + 1e-9)]
    if fine_enough:
        return max(fine_enough, key=lambda m: m.resolution)
    return min(matrices, key=lambda m: m.resolution)
