"""Read vector files into shapely geometries and property dicts, and bring them to SWEREF 99 TM.

Shared by the detaljplan and context importers. Every file has passed ``layers.uploads`` (sniffed, name
checked, archives unpacked safely) before it gets here; GDAL (through pyogrio) opens only the local path
``uploads.gdal_path`` returns. GeoJSON is read with Python's json module instead, so that a NaN or an
infinite coordinate is reported by feature number rather than lost inside GDAL.

The CRS is decided here (docs/method.md, "Coordinate reference systems"): the file's own claim (GML
srsName, GeoJSON crs, .prj, GeoPackage SRS, SS 637040 koordinatsystem) or, when it has none, the one the
user names; then a range check that swaps northing-first axes and refuses a CRS that does not fit.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.errors
import shapely
from django.contrib.gis.geos import MultiPolygon as GeosMultiPolygon
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.crs import STORAGE_SRID, transformer
from geo.crs_detect import ACCEPTED_SRIDS, SRID_LABELS, WGS84, CrsProblem, orient, srid_from_name
from geo.validation import GeometryRejected
from layers.geometry import from_shapely
from layers.uploads import Limits, UploadRejected, gdal_path

Properties = dict[str, Any]


@dataclass
class LayerData:
    """One layer of a file: geometries (shapely, None where missing) and their attributes."""

    name: str
    crs_claim: str | None  # what the file says about its CRS, as text (None: it says nothing)
    geoms: list[BaseGeometry | None]
    props: list[Properties]
    default_srid: int | None = None  # the format's own default (GeoJSON: WGS 84)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rejected_index: set[int] = field(
        default_factory=set
    )  # 1-based feature numbers already rejected


@dataclass
class Crs:
    srid: int
    source: str  # where it came from, for the report
    swapped: bool = False
    defaulted: bool = False  # the format's default, not said by the file or the user

    @property
    def label(self) -> str:
        return SRID_LABELS.get(self.srid, f"EPSG:{self.srid}")


def list_layers(path: Path) -> list[str]:
    try:
        return [str(name) for name, _geom_type in pyogrio.list_layers(gdal_path(path))]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as e:
        raise UploadRejected(
            _("%(name)s: filen kunde inte läsas (%(error)s)") % {"name": path.name, "error": e}
        ) from e


def read_gdal_layer(path: Path, layer: str, *, limits: Limits | None = None) -> LayerData:
    """A layer of a GeoPackage, Shapefile or OSM PBF through pyogrio (GDAL), as whole arrays."""
    limits = limits or Limits.from_settings()
    source = gdal_path(path)
    try:
        info = pyogrio.read_info(source, layer=layer)
        if int(info.get("features") or 0) > limits.max_features:
            raise UploadRejected(
                _("%(name)s: lagret %(layer)s har fler än %(max)s objekt")
                % {"name": path.name, "layer": layer, "max": limits.max_features}
            )
        with warnings.catch_warnings():
            # GDAL warns about unclosed rings at an extract's edge; such rows are reported as rejected.
            warnings.simplefilter("ignore", RuntimeWarning)
            meta, _fids, wkb, field_data = pyogrio.raw.read(source, layer=layer)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
        pyogrio.errors.CRSError,
    ) as e:
        raise UploadRejected(
            _("%(name)s: lagret %(layer)s kunde inte läsas (%(error)s)")
            % {"name": path.name, "layer": layer, "error": e}
        ) from e
    names = [str(n) for n in meta["fields"]]
    geoms: list[BaseGeometry | None] = (
        list(shapely.from_wkb(wkb, on_invalid="ignore")) if wkb is not None else []
    )
    check_vertices(geoms, path.name, limits)
    columns = [np.asarray(col, dtype=object) for col in field_data]
    props: list[Properties] = []
    for i in range(len(geoms)):
        row: Properties = {}
        for name, col in zip(names, columns, strict=True):
            value = col[i]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            row[name] = value.item() if hasattr(value, "item") else value
        props.append(row)
    return LayerData(name=layer, crs_claim=meta.get("crs"), geoms=geoms, props=props, columns=names)


def read_geojson(path: Path, *, limits: Limits | None = None) -> LayerData:
    """A GeoJSON FeatureCollection (or a single Feature), refusing NaN and infinite numbers."""
    limits = limits or Limits.from_settings()

    def refuse_constant(name: str) -> float:
        raise UploadRejected(
            _(
                "%(file)s: filen innehåller %(value)s, som inte är ett tal; en koordinat måste vara ett ändligt tal"
            )
            % {"file": path.name, "value": name},
            status=422,
        )

    try:
        data = json.loads(path.read_bytes(), parse_constant=refuse_constant)
    except RecursionError as e:
        raise UploadRejected(
            _("%(file)s: JSON-filen är för djupt nästlad") % {"file": path.name}
        ) from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UploadRejected(
            _("%(file)s: inte giltig JSON (%(error)s)") % {"file": path.name, "error": e}
        ) from e
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise UploadRejected(
            _("%(file)s: en GeoJSON-fil ska vara en FeatureCollection") % {"file": path.name}
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise UploadRejected(_("%(file)s: FeatureCollection saknar features") % {"file": path.name})
    if len(features) > limits.max_features:
        raise UploadRejected(
            _("%(file)s: fler än %(max)s objekt") % {"file": path.name, "max": limits.max_features}
        )
    crs_claim = None
    crs = data.get("crs")
    if isinstance(crs, dict):
        props = crs.get("properties")
        crs_claim = str(props.get("name", "")) if isinstance(props, dict) else None
    geoms: list[BaseGeometry | None] = []
    rows: list[Properties] = []
    rejected: list[dict[str, Any]] = []
    rejected_index: set[int] = set()
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            rejected.append({"row": number, "ref": "", "reason": _("inte ett GeoJSON-objekt")})
            rejected_index.add(number)
            geoms.append(None)
            rows.append({})
            continue
        properties = feature.get("properties") or {}
        rows.append(dict(properties) if isinstance(properties, dict) else {})
        geometry = feature.get("geometry")
        if geometry is None:
            geoms.append(None)
            continue
        try:
            geom = shape(geometry)
        except (
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            AttributeError,
            shapely.errors.ShapelyError,
        ) as e:
            rejected_index.add(number)
            rejected.append(
                {
                    "row": number,
                    "ref": _ref(rows[-1]),
                    "reason": _("ogiltig geometri (%(error)s)") % {"error": e},
                }
            )
            geoms.append(None)
            continue
        coords = shapely.get_coordinates(geom)
        if coords.size and not np.isfinite(coords).all():
            raise UploadRejected(
                _("%(file)s, objekt %(row)s: en koordinat är inte ett ändligt tal")
                % {"file": path.name, "row": number}
            )
        geoms.append(geom)
    check_vertices(geoms, path.name, limits)
    return LayerData(
        name=path.stem,
        crs_claim=crs_claim,
        geoms=geoms,
        props=rows,
        default_srid=WGS84,
        rejected=rejected,
        rejected_index=rejected_index,
    )


def check_vertices(geoms: Sequence[BaseGeometry | None], name: str, limits: Limits) -> None:
    """Refuse a file whose geometries hold more vertices in all than ``limits.max_vertices``."""
    total = int(shapely.get_num_coordinates(np.asarray(geoms, dtype=object)).sum()) if geoms else 0
    if total > limits.max_vertices:
        raise UploadRejected(
            _("%(file)s: geometrierna har %(n)s brytpunkter, fler än gränsen %(max)s")
            % {"file": name, "n": total, "max": limits.max_vertices}
        )


def _ref(props: Properties) -> str:
    for key in ("id", "omrade_id", "osm_id", "ref", "name", "namn"):
        if props.get(key) not in (None, ""):
            return str(props[key])[:60]
    return ""


def resolve_srid(
    claim: str | None, explicit: int | None, *, default: int | None, filename: str
) -> Crs:
    """The EPSG code to read a file in: its own claim, else the user's, else the format's default."""
    if explicit is not None and explicit not in ACCEPTED_SRIDS:
        raise UploadRejected(
            _(
                "Koordinatsystemet EPSG:%(srid)s stöds inte; välj SWEREF 99 TM, en lokal SWEREF 99-zon, RT90 2.5 gon V eller WGS 84"
            )
            % {"srid": explicit}
        )
    claimed = srid_from_name(claim) if claim else None
    if claim and claimed is None:
        raise UploadRejected(
            _(
                "%(file)s: filens koordinatsystem (%(crs)s) är inte ett av dem Trygg läser: SWEREF 99 TM, de lokala SWEREF 99-zonerna, RT90 2.5 gon V och WGS 84"
            )
            % {"file": filename, "crs": claim[:80]}
        )
    if claimed is not None:
        if explicit is not None and explicit != claimed:
            raise UploadRejected(
                _("%(file)s: filen säger %(file_crs)s men du angav %(given)s")
                % {
                    "file": filename,
                    "file_crs": SRID_LABELS[claimed],
                    "given": SRID_LABELS[explicit],
                }
            )
        return Crs(claimed, _("filen (%(claim)s)") % {"claim": claim[:80] if claim else ""})
    if explicit is not None:
        return Crs(explicit, _("angivet vid importen"))
    if default is not None:
        return Crs(
            default, _("formatets standard (GeoJSON enligt RFC 7946: WGS 84)"), defaulted=True
        )
    raise UploadRejected(
        _(
            "%(file)s: filen säger inte vilket koordinatsystem den har (ingen .prj, srsName eller crs). Ange koordinatsystemet vid importen."
        )
        % {"file": filename}
    )


def crs_problem_message(problem: CrsProblem, crs: Crs, filename: str) -> str:
    params = problem.params
    if problem.key == "nonfinite":
        return _("%(file)s: en koordinat är inte ett ändligt tal") % {"file": filename}
    text = _(
        "%(file)s: koordinaterna (x %(x0).0f–%(x1).0f, y %(y0).0f–%(y1).0f) passar inte %(crs)s, som koordinatsystemet kom från %(source)s"
    ) % {
        "file": filename,
        "x0": params.get("x_min", 0),
        "x1": params.get("x_max", 0),
        "y0": params.get("y_min", 0),
        "y1": params.get("y_max", 0),
        "crs": crs.label,
        "source": crs.source,
    }
    hint = str(params.get("hint") or "")
    if crs.defaulted and hint != "WGS 84 (longitude, latitude)":
        text = _(
            "%(file)s: filen saknar koordinatsystem och koordinaterna är inte longitud/latitud (x %(x0).0f–%(x1).0f). Ange koordinatsystemet vid importen."
        ) % {"file": filename, "x0": params.get("x_min", 0), "x1": params.get("x_max", 0)}
    elif hint:
        text += _("; de ser ut att vara i %(hint)s") % {"hint": HINTS.get(hint, hint)}
    return text


HINTS = {
    "WGS 84 (longitude, latitude)": "WGS 84 (longitud, latitud)",
    "RT90 2.5 gon V": "RT90 2.5 gon V",
    "a local SWEREF 99 zone": "en lokal SWEREF 99-zon",
    "SWEREF 99 TM": "SWEREF 99 TM",
}


def to_storage(
    geoms: list[BaseGeometry | None], crs: Crs, filename: str
) -> list[BaseGeometry | None]:
    """Check the coordinates fit ``crs`` (setting ``crs.swapped``) and transform them to EPSG:3006."""
    present = [g for g in geoms if g is not None and not g.is_empty]
    if not present:
        return list(geoms)
    coords = shapely.get_coordinates(np.asarray(present, dtype=object))
    try:
        crs.swapped = orient(coords[:, 0], coords[:, 1], crs.srid)
    except CrsProblem as e:
        raise UploadRejected(crs_problem_message(e, crs, filename)) from e
    if crs.srid == STORAGE_SRID and not crs.swapped:
        return list(geoms)
    t = transformer(crs.srid, STORAGE_SRID)
    swapped = crs.swapped

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = (xy[:, 1], xy[:, 0]) if swapped else (xy[:, 0], xy[:, 1])
        if crs.srid == STORAGE_SRID:
            return np.column_stack([x, y])
        tx, ty = t.transform(x, y)
        return np.column_stack([tx, ty])

    arr = np.asarray(geoms, dtype=object)
    mask = np.array([g is not None for g in geoms])
    out = arr.copy()
    if mask.any():
        out[mask] = shapely.transform(arr[mask], move)
    return list(out)


def geometry_reason(e: GeometryRejected) -> str:
    """The Swedish reason for a geometry ``geo.validation`` refused (geo/ never imports Django)."""
    reasons = {
        "the polygon has no area once repaired": _("ytan har ingen area när den lagats"),
        "the geometry is empty": _("geometrin är tom"),
        "the geometry has a coordinate that is not a finite number": _(
            "en koordinat är inte ett ändligt tal"
        ),
        "the line has fewer than two distinct points": _("linjen har färre än två skilda punkter"),
    }
    return reasons.get(str(e), str(e))


def stored_multipolygon(geom: BaseGeometry) -> GeosMultiPolygon:
    """A repaired shapely (Multi)Polygon in SWEREF 99 TM as the GEOS MultiPolygon a model field takes."""
    out = from_shapely(geom)
    if not isinstance(out, GeosMultiPolygon):
        out = GeosMultiPolygon(out, srid=out.srid)
    return out
