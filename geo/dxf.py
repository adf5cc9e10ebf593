"""Read a DXF drawing from CAD (a plan proposal at samråd) through GDAL's DXF driver, with pyogrio.

A planning consultant's drawing has no use codes and no CRS: it has CAD layers (``DP-PLANGRÄNS``,
``DP-ANV-B`` …) and coordinates in whatever grid the drawing was made in. So the caller gives both: a
mapping from CAD layer to what it means (``{"DP-PLANGRÄNS": "plangrans", "DP-ANV-B": "B"}``, built on a
page from ``list_dxf_layers``) and the EPSG code. GDAL reads every entity into one layer, ``entities``,
with the CAD layer in the ``Layer`` field; this module turns that into plan-shaped pieces:

- **Closed polylines become polygons.** GDAL before 3.10 has no switch for it (``CLOSED_LINE_AS_POLYGON``
  came in 3.10) and gives a closed LWPOLYLINE as a closed LineString; hatches already come as polygons.
  The ring is closed here, whatever the GDAL version.
- **Texts label areas.** TEXT and MTEXT come as points with the string in ``Text``; each is attached to
  the smallest mapped area that contains it, as a hint for the person mapping the layers.
- **Paper space is left out**: title blocks and legends live there, not in the plan.
- **The encoding trap.** GDAL picks the text encoding from ``$DWGCODEPAGE`` (usually ``ANSI_1252``) and
  ignores ``$ACADVER``, but a drawing saved as AutoCAD 2007 or later (``AC1021``+) is UTF-8 by
  definition, so "Förskola" comes out as "FÃ¶rskola" and layer names with å, ä, ö break the same way.
  The usual fix, ``DXF_ENCODING=UTF-8``, is a process-wide GDAL setting (unsafe in a threaded server);
  this module reads the header itself and, for a UTF-8 drawing, passes the per-file open option
  ``ENCODING=UTF-8`` (GDAL 3.10+) or, on an older GDAL, decodes the strings again (``repair_utf8``).

The caller passes a local file it wrote itself (``layers.uploads.gdal_path``); geometry comes back 2D,
in the CRS the caller named, with the entity handle (``EntityHandle``, stable within the file) as the
source id for reports. Binary DXF is refused: ask for the drawing saved as ASCII DXF.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.errors
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo.crs_detect import ACCEPTED_SRIDS, SRID_LABELS, CrsProblem, orient
from geo.errors import InputProblem

PLAN_BOUNDARY = "plangrans"  # the mapping target for the plan area's boundary

AREA = "area"
LINE = "line"
POINT = "point"
TEXT = "text"

FIRST_UTF8_VERSION = "AC1021"  # AutoCAD 2007: DXF text is UTF-8 from this version on
BINARY_SIGNATURE = b"AutoCAD Binary DXF"
HEADER_SCAN_BYTES = 4 * 1024 * 1024  # the HEADER section comes first and is far smaller than this
_FIELDS = ["Layer", "PaperSpace", "SubClasses", "EntityHandle", "Text"]
_ASCII_START = re.compile(rb"^\s*(?:999\r?\n[^\r\n]*\r?\n\s*)?0\r?\nSECTION\r?\n")


class DxfError(InputProblem):
    """The drawing cannot be read as asked; ``params`` name the file's layer or entity where one is to
    blame. Keys: ``not_dxf``, ``binary_dxf``, ``unreadable``, ``too_many_entities``, ``unknown_layer``,
    ``unknown_srid``, ``crs_implausible``, ``no_plan_area``."""


@dataclass(frozen=True)
class DxfHeader:
    acadver: str  # AC1015 (2000), AC1018 (2004), AC1021 (2007), … "" when the header does not say
    codepage: str  # $DWGCODEPAGE, e.g. ANSI_1252; "" when absent

    @property
    def utf8(self) -> bool:
        """Text in the file is UTF-8 (AutoCAD 2007 and later)."""
        return self.acadver >= FIRST_UTF8_VERSION


@dataclass(frozen=True)
class DxfLayer:
    """A CAD layer of the drawing and what it holds (model space only), for the mapping page."""

    name: str
    areas: int  # closed polylines, hatches and other closed shapes
    lines: int
    points: int
    texts: int


@dataclass(frozen=True)
class DxfText:
    handle: str
    layer: str
    text: str
    point: Point  # the insertion point, 2D


@dataclass(frozen=True)
class DxfFeature:
    """A drawn shape on a mapped layer, in 2D, with what its layer was mapped to."""

    handle: str  # EntityHandle: the source id in reports
    layer: str
    target: str  # the caller's mapping value: a use code, a regulation, …
    kind: str  # area, line or point
    geometry: Polygon | LineString | Point  # one part: an entity of several parts gives several
    z_min: float | None = None  # heights drawn in the entity; None when it is flat at Z 0
    z_max: float | None = None
    labels: tuple[str, ...] = ()  # texts lying inside the area (hints)


@dataclass(frozen=True)
class Skipped:
    """An entity on a mapped layer that was not used, by handle and reason (``not_closed``,
    ``no_geometry``)."""

    handle: str
    layer: str
    reason: str


@dataclass
class DxfDrawing:
    srid: int
    header: DxfHeader
    encoding: str  # how the text was read: UTF-8, or the code page GDAL used
    plan_area: MultiPolygon | None  # from the layers mapped to PLAN_BOUNDARY; None when none is
    features: list[DxfFeature]
    texts: list[DxfText]
    skipped: list[Skipped] = field(default_factory=list)
    unmapped_layers: list[str] = field(default_factory=list)


# --- recognising --------------------------------------------------------------------------------------


def looks_like_dxf(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a DXF drawing (ASCII or binary).

    >>> looks_like_dxf(b"  0\\r\\nSECTION\\r\\n  2\\r\\nHEADER\\r\\n"), looks_like_dxf(b"999\\nezdxf\\n0\\nSECTION\\n")
    (True, True)
    >>> looks_like_dxf(b'{"type": "FeatureCollection"}'), looks_like_dxf(b"0;SECTION;x")
    (False, False)
    """
    return head.startswith(BINARY_SIGNATURE) or bool(
        _ASCII_START.match(head.lstrip(b"\xef\xbb\xbf"))
    )


def read_header(path: Path) -> DxfHeader:
    """``$ACADVER`` and ``$DWGCODEPAGE`` from the HEADER section of an ASCII DXF.

    Group codes and values alternate line by line; header values are ASCII, so the bytes are read
    as Latin-1 whatever the drawing's encoding.
    """
    with path.open("rb") as f:
        head = f.read(HEADER_SCAN_BYTES)
    if head.startswith(BINARY_SIGNATURE):
        raise DxfError("binary_dxf", f"{path.name} is a binary DXF", file=path.name)
    if not looks_like_dxf(head):
        raise DxfError("not_dxf", f"{path.name} does not start like a DXF drawing", file=path.name)
    lines = head.decode("latin-1").splitlines()
    values: dict[str, str] = {}
    variable = ""
    for i in range(0, len(lines) - 1, 2):
        code, value = lines[i].strip(), lines[i + 1].strip()
        if code == "0" and value == "ENDSEC":
            break
        if code == "9":
            variable = value
        elif variable in ("$ACADVER", "$DWGCODEPAGE") and variable not in values:
            values[variable] = value
    return DxfHeader(acadver=values.get("$ACADVER", ""), codepage=values.get("$DWGCODEPAGE", ""))


def repair_utf8(text: str, codepage: str = "ANSI_1252") -> str:
    """Undo GDAL's decoding of UTF-8 bytes as the drawing's code page (``ANSI_1252`` is read as
    Latin-1); a string that was not mis-decoded comes back unchanged.

    >>> repair_utf8("FÃ¶rskola"), repair_utf8("LAGER-Ã\\x85Ã\\x84Ã\\x96"), repair_utf8("Förskola")
    ('Förskola', 'LAGER-ÅÄÖ', 'Förskola')
    """
    python_codec = "latin-1"
    match = re.fullmatch(r"ANSI_(\d+)", codepage.strip().upper())
    if match and match.group(1) != "1252":
        python_codec = f"cp{match.group(1)}"
    try:
        return text.encode(python_codec).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError, LookupError):
        return text


# --- reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entity:
    handle: str
    layer: str
    kind: str  # area, line, point, text, or "" without geometry
    geometry: Polygon | LineString | Point | None  # 2D
    text: str
    z_min: float | None
    z_max: float | None


def list_dxf_layers(path: Path, *, max_entities: int | None = None) -> list[DxfLayer]:
    """The CAD layers of a drawing with the kinds of shapes on each, sorted by name.

    Raises
    ------
    DxfError
        ``not_dxf``, ``binary_dxf``, ``unreadable`` or ``too_many_entities``.
    """
    entities, _header, _encoding = _read_entities(path, max_entities)
    counts: dict[str, dict[str, int]] = {}
    for entity in entities:
        layer = counts.setdefault(entity.layer, {AREA: 0, LINE: 0, POINT: 0, TEXT: 0})
        if entity.kind:
            layer[entity.kind] += 1
    return [
        DxfLayer(name=name, areas=c[AREA], lines=c[LINE], points=c[POINT], texts=c[TEXT])
        for name, c in sorted(counts.items())
    ]


def read_dxf(
    path: Path,
    *,
    layers: Mapping[str, str],
    srid: int,
    max_entities: int | None = None,
) -> DxfDrawing:
    """The shapes on the mapped layers of a drawing, 2D, in ``srid``.

    Parameters
    ----------
    path
        A local ASCII DXF file.
    layers
        CAD layer -> what it means: ``PLAN_BOUNDARY`` ("plangrans") for the plan area, otherwise the
        caller's value (a use code such as ``B``, a regulation …), passed through to the features.
        Layers left out are not read (they are listed in ``unmapped_layers``).
    srid
        The CRS the drawing was made in (DXF names none): an EPSG code of ``geo.crs_detect``'s list.
    max_entities
        Refuse a drawing with more entities than this.

    Raises
    ------
    DxfError
        Also ``unknown_layer`` when the mapping names a layer the drawing lacks, ``unknown_srid``,
        ``crs_implausible`` when the coordinates cannot be in ``srid``, ``no_plan_area`` when the
        layers mapped to the plan boundary hold no closed shape.
    """
    if srid not in ACCEPTED_SRIDS:
        raise DxfError("unknown_srid", f"EPSG:{srid} is not a CRS Trygg reads", srid=srid)
    entities, header, encoding = _read_entities(path, max_entities)
    present = sorted({e.layer for e in entities})
    mapping = {name: target.strip() for name, target in layers.items() if target.strip()}
    for name in mapping:
        if name not in present:
            raise DxfError(
                "unknown_layer",
                f"the drawing has no layer {name!r}",
                layer=name,
                layers=", ".join(present),
            )
    texts = [
        DxfText(handle=e.handle, layer=e.layer, text=e.text, point=e.geometry)
        for e in entities
        if e.kind == TEXT and isinstance(e.geometry, Point)
    ]
    boundary: list[Polygon] = []
    drawn: list[tuple[_Entity, str]] = []
    skipped: list[Skipped] = []
    for entity in entities:
        target = mapping.get(entity.layer)
        if target is None or entity.kind == TEXT:
            continue
        if entity.geometry is None or not entity.kind:
            skipped.append(Skipped(entity.handle, entity.layer, "no_geometry"))
        elif target == PLAN_BOUNDARY:
            if isinstance(entity.geometry, Polygon):
                boundary.append(entity.geometry)
            else:
                skipped.append(Skipped(entity.handle, entity.layer, "not_closed"))
        else:
            drawn.append((entity, target))
    plan_layers = [name for name, target in mapping.items() if target == PLAN_BOUNDARY]
    if plan_layers and not boundary:
        raise DxfError(
            "no_plan_area",
            f"the layer {plan_layers[0]!r} holds no closed shape for the plan boundary",
            layer=plan_layers[0],
        )
    _check_crs(srid, boundary + [e.geometry for e, _t in drawn if e.geometry is not None])
    features = _with_labels(drawn, texts)
    return DxfDrawing(
        srid=srid,
        header=header,
        encoding=encoding,
        plan_area=MultiPolygon(boundary) if boundary else None,
        features=features,
        texts=texts,
        skipped=skipped,
        unmapped_layers=[name for name in present if name not in mapping],
    )


def _read_entities(path: Path, max_entities: int | None) -> tuple[list[_Entity], DxfHeader, str]:
    if str(path).startswith("/vsi"):
        raise DxfError("unreadable", "GDAL virtual paths are not read", file=path.name, error="")
    header = read_header(path)
    source = str(path)
    try:
        if max_entities is not None:
            # DXF has no stored count: GDAL walks the file (without building geometries).
            info = pyogrio.read_info(source, layer="entities", force_feature_count=True)
            count = int(info.get("features") or 0)
            if count > max_entities:
                raise DxfError(
                    "too_many_entities",
                    f"{path.name} has {count} entities, more than {max_entities}",
                    file=path.name,
                    count=count,
                    max=max_entities,
                )
        open_options: dict[str, str] = {}
        # GDAL 3.10 added the per-file ENCODING open option (OSGeo/gdal#10261).
        if header.utf8 and pyogrio.__gdal_version__ >= (3, 10, 0):
            open_options["ENCODING"] = "UTF-8"
        try:
            meta, _fids, wkb, columns = pyogrio.raw.read(
                source, layer="entities", columns=_FIELDS, **open_options
            )
            encoding = "UTF-8" if open_options else _gdal_encoding(header)
            repair = header.utf8 and not open_options
        except UnicodeDecodeError:
            # The header says 2007+ but the bytes are not UTF-8: read as GDAL would by itself.
            meta, _fids, wkb, columns = pyogrio.raw.read(source, layer="entities", columns=_FIELDS)
            encoding, repair = _gdal_encoding(header), False
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
    ) as e:
        raise DxfError(
            "unreadable", f"GDAL cannot read {path.name}: {e}", file=path.name, error=str(e)
        ) from e
    names = [str(n) for n in meta["fields"]]
    column = dict(zip(names, columns, strict=True))
    geometries = shapely.from_wkb(wkb, on_invalid="ignore") if wkb is not None else []
    entities = []
    for i, geometry in enumerate(geometries):
        if _truthy(column["PaperSpace"][i]):
            continue  # a layout (title block, legend), not the drawing

        def text(name: str, i: int = i) -> str:
            value = column[name][i]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                return ""
            value = str(value)
            return repair_utf8(value, header.codepage or "ANSI_1252") if repair else value

        entities.extend(
            _entities(
                geometry,
                handle=text("EntityHandle"),
                layer=text("Layer"),
                subclasses=text("SubClasses"),
                text=text("Text"),
            )
        )
    return entities, header, encoding


def _gdal_encoding(header: DxfHeader) -> str:
    return header.codepage or "ANSI_1252"


def _truthy(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def _entities(
    geometry: BaseGeometry | None, *, handle: str, layer: str, subclasses: str, text: str
) -> list[_Entity]:
    """One entity per part: an INSERT merged by GDAL comes as a GeometryCollection, a hatch with
    several loops as a MultiPolygon; every part keeps the entity's handle."""
    if geometry is None or geometry.is_empty:
        return [_Entity(handle, layer, "", None, text, None, None)]
    if hasattr(geometry, "geoms"):
        return [
            part
            for member in geometry.geoms
            for part in _entities(
                member, handle=handle, layer=layer, subclasses=subclasses, text=text
            )
        ]
    zs = shapely.get_coordinates(geometry, include_z=True)[:, 2] if geometry.has_z else np.array([])
    zs = zs[np.isfinite(zs)]
    z_min, z_max = (
        (float(zs.min()), float(zs.max())) if zs.size and np.any(zs != 0) else (None, None)
    )
    flat = shapely.force_2d(geometry)
    if ("AcDbText" in subclasses or "AcDbMText" in subclasses) and isinstance(flat, Point):
        return [_Entity(handle, layer, TEXT, flat, text, None, None)]
    if isinstance(flat, LineString) and flat.is_closed and len(flat.coords) >= 4:
        polygon = Polygon(flat.coords)
        if polygon.area > 0:
            return [_Entity(handle, layer, AREA, polygon, text, z_min, z_max)]
    kind = {Polygon: AREA, LineString: LINE, Point: POINT}.get(type(flat), "")
    return [_Entity(handle, layer, kind, flat if kind else None, text, z_min, z_max)]


def _check_crs(srid: int, geometries: list[BaseGeometry]) -> None:
    if not geometries:
        return
    xy = shapely.get_coordinates(geometries)
    label = SRID_LABELS.get(srid, f"EPSG:{srid}")
    try:
        swapped = orient(xy[:, 0], xy[:, 1], srid)
    except CrsProblem as e:
        raise DxfError(
            "crs_implausible",
            f"the drawing's coordinates do not fit {label}: {e}",
            crs=label,
            hint=str(e.params.get("hint", "")),
            x_min=float(xy[:, 0].min()),
            y_min=float(xy[:, 1].min()),
        ) from e
    if swapped:
        raise DxfError(
            "crs_implausible",
            f"the drawing's coordinates fit {label} only with x and y swapped",
            crs=label,
            hint="northing first",
            x_min=float(xy[:, 0].min()),
            y_min=float(xy[:, 1].min()),
        )


def _with_labels(drawn: list[tuple[_Entity, str]], texts: list[DxfText]) -> list[DxfFeature]:
    """Each text goes to the smallest drawn area that contains its insertion point."""
    areas = [(i, e.geometry) for i, (e, _t) in enumerate(drawn) if e.kind == AREA]
    labels: dict[int, list[str]] = {}
    for text in texts:
        holders = [(g.area, i) for i, g in areas if g is not None and g.covers(text.point)]
        if holders:
            labels.setdefault(min(holders)[1], []).append(text.text)
    features = []
    for i, (entity, target) in enumerate(drawn):
        assert entity.geometry is not None
        features.append(
            DxfFeature(
                handle=entity.handle,
                layer=entity.layer,
                target=target,
                kind=entity.kind,
                geometry=entity.geometry,
                z_min=entity.z_min,
                z_max=entity.z_max,
                labels=tuple(labels.get(i, [])),
            )
        )
    return features
