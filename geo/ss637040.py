"""Read a detaljplan in the Swedish exchange format SS 637040:2016 from its parsed XML tree.

The format is topological. Boundary lines (``DP_Grans``) carry the coordinates; each area
(``DP_Omrade``) lists the lines that bound it, ``plus`` in their own direction and ``minus`` reversed;
each regulation (``DP_Anvandningsbestammelse``, ``DP_Egenskapsbestammelse``,
``DP_AdministrativBestammelse``) points at the area it applies to with ``xlink:href``. Egenskaps- and
administrative regulations sit inside the användningsbestämmelse they belong to; general regulations
(``generellPlanbestammelse``) apply to the whole plan area. ``gml:pos`` is written "northing easting"
(the EPSG axis order of SWEREF 99 and RT90); the caller decides the order with ``geo.crs_detect``.

This module never parses XML itself: callers pass the tree from ``layers.uploads.parse_xml``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from shapely.geometry import LinearRing, MultiPolygon, Polygon

from geo.errors import InputProblem

NS = {
    "dp": "http://www.sis.se/ss637040",
    "gml": "http://www.opengis.net/gml/3.2",
    "xlink": "http://www.w3.org/1999/xlink",
}
_GML_ID = f"{{{NS['gml']}}}id"
_HREF = f"{{{NS['xlink']}}}href"
_DP = f"{{{NS['dp']}}}"

# Which class a regulation element is, by its tag.
REGULATION_CLASSES = {
    "DP_Anvandningsbestammelse": "anvandning",
    "DP_Egenskapsbestammelse": "egenskap",
    "DP_AdministrativBestammelse": "administrativ",
}


class Ss637040Error(InputProblem):
    """The file breaks the format; ``key`` and ``params`` let the caller word the message."""


@dataclass
class Regulation:
    """One bestämmelse as the file gives it."""

    gml_id: str
    klass: str  # anvandning, egenskap, administrativ
    area_ref: str
    parent: str = ""  # gml:id of the användningsbestämmelse it belongs to ("" for general ones)
    general: bool = False  # a generell planbestämmelse: applies to the whole plan area
    uuid: str = ""
    beteckning: str = ""
    index: str = ""
    anvandningsslag: str = ""  # the catalogue code of a use, e.g. DP_KM_R_A
    bestammelsetyp: str = ""  # the catalogue code of a property or administrative regulation
    precisering: str = ""
    huvudsaklig: bool = False
    variables: dict[str, str] = field(default_factory=dict)


@dataclass
class Ss637040Plan:
    metadata: dict[str, str]
    srs_names: set[str]
    # Areas by gml:id, in file coordinates: (first value, second value) of each gml:pos.
    areas: dict[str, MultiPolygon]
    plan_area_ref: str
    regulations: list[Regulation]
    unused_boundaries: list[str]


def read_plan(root: Element) -> Ss637040Plan:
    """The plan in ``root`` (a ``DP_Data`` element), with its areas assembled from their boundaries.

    Raises
    ------
    Ss637040Error
        ``not_ss637040`` for another XML document, ``no_plan`` without a ``DP_Plan``, ``unknown_line``
        for an area that names a missing boundary, ``open_ring`` when an area's boundary does not close.
    """
    if root.tag != f"{_DP}DP_Data":
        raise Ss637040Error(
            "not_ss637040", f"the root element is {root.tag}, not DP_Data", tag=root.tag
        )
    srs_names = {el.attrib["srsName"] for el in root.iter() if "srsName" in el.attrib}
    lines: dict[str, list[tuple[float, float]]] = {}
    for grans in root.iter(f"{_DP}DP_Grans"):
        gid = grans.attrib.get(_GML_ID, "")
        coords: list[tuple[float, float]] = []
        for pos_list in grans.iter(f"{{{NS['gml']}}}posList"):
            coords.extend(_pairs(pos_list.text or ""))
        for pos in grans.iter(f"{{{NS['gml']}}}pos"):
            coords.extend(_pairs(pos.text or ""))
        lines[gid] = _dedupe(coords)

    area_lines: dict[str, list[tuple[str, bool]]] = {}
    for omrade in root.iter(f"{_DP}DP_Omrade"):
        gid = omrade.attrib.get(_GML_ID, "")
        refs: list[tuple[str, bool]] = []
        for child in omrade:
            sign = child.tag.removeprefix(_DP)
            if sign in {"plus", "minus"}:
                refs.append((child.attrib.get(_HREF, "").lstrip("#"), sign == "minus"))
        area_lines[gid] = refs

    areas = {gid: _assemble(gid, refs, lines) for gid, refs in area_lines.items()}
    used = {ref for refs in area_lines.values() for ref, _ in refs}

    plan_el = next(root.iter(f"{_DP}DP_Plan"), None)
    if plan_el is None:
        raise Ss637040Error("no_plan", "the file has no DP_Plan")
    metadata = {
        child.tag.removeprefix(_DP): (child.text or "").strip()
        for child in plan_el
        if len(child) == 0 and child.text and child.text.strip()
    }
    planomrade = plan_el.find("dp:planomrade", NS)
    plan_area_ref = planomrade.attrib.get(_HREF, "").lstrip("#") if planomrade is not None else ""
    regulations: list[Regulation] = []
    for holder in plan_el:
        wrapper = holder.tag.removeprefix(_DP)
        for element in holder:
            klass = REGULATION_CLASSES.get(element.tag.removeprefix(_DP))
            if klass is None:
                continue
            regulation = _regulation(element, klass, parent="")
            regulation.general = wrapper == "generellPlanbestammelse"
            regulations.append(regulation)
            for sub_holder in element:
                for sub in sub_holder:
                    sub_klass = REGULATION_CLASSES.get(sub.tag.removeprefix(_DP))
                    if sub_klass is not None:
                        regulations.append(_regulation(sub, sub_klass, parent=regulation.gml_id))
    return Ss637040Plan(
        metadata=metadata,
        srs_names=srs_names,
        areas=areas,
        plan_area_ref=plan_area_ref,
        regulations=regulations,
        unused_boundaries=sorted(set(lines) - used),
    )


def _regulation(element: Element, klass: str, *, parent: str) -> Regulation:
    def text(name: str) -> str:
        child = element.find(f"dp:{name}", NS)
        return (child.text or "").strip() if child is not None and child.text else ""

    omrade = element.find("dp:omrade", NS)
    variables: dict[str, str] = {}
    for holder in element.findall("dp:variabel", NS):
        for var in holder:
            name = var.find("dp:namn", NS)
            value = var.find("dp:varde", NS)
            if name is not None and name.text:
                variables[name.text.strip()] = (
                    (value.text or "").strip() if value is not None else ""
                )
    return Regulation(
        gml_id=element.attrib.get(_GML_ID, ""),
        klass=klass,
        area_ref=omrade.attrib.get(_HREF, "").lstrip("#") if omrade is not None else "",
        parent=parent,
        uuid=text("uuid"),
        beteckning=text("beteckning"),
        index=text("index"),
        anvandningsslag=text("anvandningsslag"),
        bestammelsetyp=text("bestammelsetyp"),
        precisering=text("precisering"),
        huvudsaklig=text("huvudsaklig").lower() == "true",
        variables=variables,
    )


def _pairs(text: str) -> list[tuple[float, float]]:
    values = [float(v) for v in text.split()]
    if len(values) % 2:
        raise Ss637040Error("odd_coordinates", "a position has an odd number of values")
    return [(values[i], values[i + 1]) for i in range(0, len(values), 2)]


def _dedupe(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for c in coords:
        if not out or c != out[-1]:
            out.append(c)
    return out


def _key(point: tuple[float, float]) -> tuple[int, int]:
    # Boundary ends meet exactly in a topological file; a millimetre absorbs rounding in exports.
    return round(point[0] * 1000), round(point[1] * 1000)


def _assemble(
    gid: str, refs: list[tuple[str, bool]], lines: dict[str, list[tuple[float, float]]]
) -> MultiPolygon:
    """Chain an area's boundary lines into closed rings; nest them into polygons with holes."""
    parts: list[list[tuple[float, float]]] = []
    for ref, reverse in refs:
        if ref not in lines:
            raise Ss637040Error(
                "unknown_line", f"area {gid} names a missing boundary {ref}", area=gid, line=ref
            )
        coords = lines[ref]
        if len(coords) < 2:
            continue
        parts.append(coords[::-1] if reverse else list(coords))
    rings = _chain(gid, parts)
    return _nest(gid, rings)


def _chain(gid: str, parts: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
    """Join lines end to end, trusting shared end points rather than the plus/minus signs."""
    ends: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, coords in enumerate(parts):
        ends[_key(coords[0])].append(i)
        ends[_key(coords[-1])].append(i)
    unused = set(range(len(parts)))
    rings: list[list[tuple[float, float]]] = []
    while unused:
        first = min(unused)
        unused.discard(first)
        ring = list(parts[first])
        start = _key(ring[0])
        while _key(ring[-1]) != start:
            here = _key(ring[-1])
            nxt = next((j for j in ends[here] if j in unused), None)
            if nxt is None:
                x, y = ring[-1]
                raise Ss637040Error(
                    "open_ring",
                    f"the boundary of area {gid} does not close at ({x:.3f} {y:.3f})",
                    area=gid,
                    at=f"{x:.3f} {y:.3f}",
                )
            unused.discard(nxt)
            coords = parts[nxt]
            ring.extend(coords[1:] if _key(coords[0]) == here else coords[::-1][1:])
        rings.append(ring)
    return rings


def _nest(gid: str, rings: list[list[tuple[float, float]]]) -> MultiPolygon:
    """Even-odd nesting: a ring inside an outer ring is its hole; a ring inside a hole is a new part."""
    closed = [LinearRing(r) for r in rings if len(r) >= 4]
    if not closed:
        raise Ss637040Error("empty_area", f"area {gid} has no closed boundary", area=gid)
    shapes = sorted((Polygon(r) for r in closed), key=lambda p: -p.area)
    depth: list[int] = []
    outers: list[tuple[Polygon, list[Polygon]]] = []
    for i, shape in enumerate(shapes):
        containing = [j for j in range(i) if shapes[j].contains(shape.representative_point())]
        d = max((depth[j] + 1 for j in containing), default=0)
        depth.append(d)
        if d % 2 == 0:
            outers.append((shape, []))
        else:
            parent = max((j for j in containing if depth[j] == d - 1), key=lambda j: depth[j])
            for outer, holes in outers:
                if outer is shapes[parent]:
                    holes.append(shape)
    polygons = [
        Polygon(outer.exterior.coords, [h.exterior.coords for h in holes])
        for outer, holes in outers
    ]
    return MultiPolygon(polygons)
