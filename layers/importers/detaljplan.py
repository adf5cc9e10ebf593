"""Import a detaljplan: Detaljplan 4.1 JSON, SS 637040 XML, GeoPackage, GeoJSON, a zipped Shapefile or DXF.

What is kept (docs/decisions/0300):

- the plan area (plangräns) as ``Detaljplan.area``;
- each use zone (användningsområde) as a ``PlanZone`` with its Boverket letter code(s) ("R S" when an
  area carries two uses), a label, and the egenskaps- and administrativa bestämmelser that belong to it;
- each area where such regulations apply (prickmark, a height, a u-område …) as a ``RegulationArea``
  linked to its zone; general regulations (genomförandetid, strandskydd) in ``Detaljplan.regulations``.

Three layouts are read. SS 637040 XML (topological, see ``geo.ss637040``); the same topology as a
GeoPackage or zipped Shapefiles with an ``omraden`` layer and a ``bestammelser`` layer; and any polygon
layer, one area per feature, with the use code in a column (``anvandning``, ``use_code``, ``kod`` …).
An area without a code becomes a zone when it overlaps no other zone and a bestämmelseområde of the zone
it lies in otherwise. The import is one transaction: every area lands, or nothing does.

Today's digital plans (BFS 2020:5) come as Lantmäteriet's Detaljplan 4.1 JSON, recognised by its media
type before the GeoJSON reader sees it (``geo.detaljplan41``); samråd proposals from CAD come as DXF, read
with the caller's layer-to-use mapping (``geo.dxf``). Both keep 2D footprints: a use limited in height
keeps its limit in ``vertical_limit``; regulations drawn as lines or points are listed on their zones
with their geometry (docs/decisions/0711). A regulation without geometry or with a catalogue reference
Trygg does not know is kept and reported by its identity (``report["reported"]``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo import detaljplan41 as d41
from geo import dxf
from geo.ss637040 import Regulation, Ss637040Error, read_plan
from geo.validation import GeometryRejected, repair_polygon
from layers import audit, plan_size, uploads
from layers.geometry import to_shapely
from layers.importers import vector
from layers.importers.boverket import fold, is_known_use, regulation_text, use_code, use_label
from layers.models import (
    AuditEvent,
    Detaljplan,
    ImportBatch,
    Municipality,
    PlanZone,
    RegulationArea,
)
from layers.queries import default_municipality

PROFILE_XML = "ss637040_xml"
PROFILE_TOPOLOGY = "ss637040_lager"
PROFILE_AREAS = "detaljplan_ytor"
PROFILE_41 = "detaljplan_4_1"
PROFILE_DXF = "dxf"
FORMAT_LABELS = {
    PROFILE_XML: "SS 637040 (XML)",
    PROFILE_TOPOLOGY: "SS 637040-lager (omraden + bestammelser)",
    PROFILE_AREAS: "ytor med användningskod",
    PROFILE_41: "Detaljplan 4.1 (JSON)",
    PROFILE_DXF: "DXF (CAD-ritning)",
}
# Detaljplan 4.1 status -> Detaljplan.Status (påbörjad, överklagad … are still under way).
STATUS_41 = {
    "samråd": "samrad",
    "granskning": "granskning",
    "antagen": "antagen",
    "laga kraft": "laga_kraft",
}
KIND_41 = {d41.PROPERTY: "egenskap", d41.ADMINISTRATIVE: "administrativ", d41.USE: "anvandning"}
HEIGHT_SYSTEMS = {5613: "RH 2000"}
# A line or point regulation lies on a zone when it comes this close (metres, SWEREF 99 TM).
PLACED_TOLERANCE = 0.5
# An undecided area that overlaps chosen zones by more than this share of its own area lies in them.
OVERLAP_SHARE = 0.01
Progress = Callable[[str, int, int], None]

USE_COLUMNS = ("anvandning", "use_code", "anvandningsslag", "beteckning", "kod", "code", "anv")
LABEL_COLUMNS = ("benamning", "label", "precisering", "namn", "name", "text")
REF_COLUMNS = ("omrade_id", "ref", "id", "gml_id", "omrade")
PLAN_WORDS = {"plan", "plangrans", "planomrade", "planomradesgrans"}
ADMINISTRATIVE_LETTERS = set("uxzag")
# Lower-case letters of egenskaps- and administrativa bestämmelser whose capitals are use codes (f
# utformning, m störningsskydd, u markreservat, v värdefull miljö): lower case is never the use.
REGULATION_LETTERS = set("fmuv")


@dataclass
class Area:
    ref: str
    geom: BaseGeometry | None
    role: str = ""  # plan, zone, regulation; "" until decided
    codes: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    regulations: list[dict[str, Any]] = field(default_factory=list)
    zone_ref: str = ""
    scenario: str = ""
    row: int = 0
    vertical_limit: dict[str, Any] | None = None


@dataclass
class Placed:
    """A regulation drawn as a line or a point (or without geometry): listed on the zones it regulates
    (``zone_refs``), or on the zones it lies on, or else among the plan's general regulations."""

    entry: dict[str, Any]
    geom: BaseGeometry | None
    zone_refs: list[str] = field(default_factory=list)


@dataclass
class PlanSource:
    profile: str
    crs_claim: str | None
    default_srid: int | None
    areas: list[Area]
    general: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    regulations_read: int = 0
    placed: list[Placed] = field(default_factory=list)
    # Kept but reported, by the object's identity: {"ref", "kind", "reason"}.
    reported: list[dict[str, str]] = field(default_factory=list)
    rows_read: int = 0  # objects read when they are not all areas; 0: the number of areas


# --- reading -------------------------------------------------------------------------------------


def read_source(
    path: Path,
    original_name: str,
    workdir: Path,
    *,
    dxf_layers: dict[str, str] | None = None,
    srid: int | None = None,
) -> PlanSource:
    """Sniff ``path`` and read it with the reader of its format.

    ``dxf_layers`` (CAD layer -> ``plangrans``, a use code or a regulation) and ``srid`` are needed for
    a DXF drawing, which names neither."""
    fmt = uploads.sniff(path)
    uploads.check_name_matches(path, fmt, original_name)
    if fmt == uploads.XML:
        return read_xml(path, original_name)
    if fmt == uploads.DXF:
        return read_dxf_source(path, original_name, dxf_layers or {}, srid)
    if fmt == uploads.GEOJSON:
        document = _detaljplan41_document(path, original_name)
        if document is not None:
            return read_41(document, original_name)
        return read_areas(vector.read_geojson(path))
    if fmt == uploads.GPKG:
        return read_layers(path, {name: path for name in vector.list_layers(path)})
    if fmt == uploads.ZIP:
        files = uploads.extract_zip(path, workdir)
        shapefiles = {f.stem: f for f in files if f.suffix.lower() == ".shp"}
        if not shapefiles:
            raise uploads.UploadRejected(
                _("%(file)s: zip-filen innehåller ingen shapefil (.shp)") % {"file": original_name}
            )
        for shp in shapefiles.values():
            with shp.open("rb") as f:
                if f.read(4) != b"\x00\x00\x27\x0a":
                    raise uploads.UploadRejected(
                        _("%(file)s: %(member)s är inte en shapefil")
                        % {"file": original_name, "member": shp.name},
                        status=415,
                    )
        return read_layers(path, shapefiles)
    raise uploads.UploadRejected(
        _(
            "%(file)s: en detaljplan läses som Detaljplan 4.1 (JSON), SS 637040 (XML), GeoPackage, GeoJSON, zippad shapefil eller DXF"
        )
        % {"file": original_name},
        status=415,
    )


def read_xml(path: Path, original_name: str) -> PlanSource:
    limits = uploads.Limits.from_settings()
    if path.stat().st_size > limits.max_xml_bytes:
        raise uploads.UploadRejected(
            _("%(file)s: en XML-fil får vara högst %(max)s MB")
            % {"file": original_name, "max": limits.max_xml_bytes // (1024 * 1024)},
            status=413,
        )
    root = uploads.parse_xml(path.read_bytes(), name=original_name)
    try:
        plan = read_plan(root)
    except Ss637040Error as e:
        raise uploads.UploadRejected(_ss637040_message(e, original_name)) from e
    except ValueError as e:  # a coordinate that is not a number
        raise uploads.UploadRejected(
            _("%(file)s: en koordinat är inte ett tal (%(error)s)")
            % {"file": original_name, "error": e}
        ) from e
    vector.check_vertices(list(plan.areas.values()), original_name, limits)
    if len(plan.srs_names) > 1:
        raise uploads.UploadRejected(
            _("%(file)s: filen blandar flera koordinatsystem (%(names)s)")
            % {"file": original_name, "names": ", ".join(sorted(plan.srs_names))}
        )
    claim = next(iter(plan.srs_names), None) or plan.metadata.get("koordinatsystem")
    areas, general = _structure(plan.areas, plan.plan_area_ref, plan.regulations)
    source = PlanSource(
        profile=PROFILE_XML,
        crs_claim=claim,
        default_srid=None,
        areas=areas,
        general=general,
        metadata=plan.metadata,
        regulations_read=len(plan.regulations),
    )
    if plan.unused_boundaries:
        source.notes.append(
            _("%(n)s gränslinjer används inte av något område och lästes inte: %(refs)s")
            % {"n": len(plan.unused_boundaries), "refs": ", ".join(plan.unused_boundaries[:20])}
        )
    return source


def _ss637040_message(e: Ss637040Error, filename: str) -> str:
    p = e.params
    messages = {
        "not_ss637040": _(
            "%(file)s: XML-filen är inte en detaljplan enligt SS 637040 (rotelementet är %(tag)s)"
        ),
        "no_plan": _("%(file)s: filen saknar DP_Plan"),
        "unknown_line": _(
            "%(file)s: område %(area)s hänvisar till gränslinjen %(line)s, som saknas"
        ),
        "open_ring": _("%(file)s: gränsen för område %(area)s sluter sig inte (vid %(at)s)"),
        "empty_area": _("%(file)s: område %(area)s har ingen sluten gräns"),
        "odd_coordinates": _("%(file)s: en position har ett udda antal koordinater"),
    }
    template = messages.get(e.key, "%(file)s: " + str(e))
    return template % {"file": filename, **{k: str(v) for k, v in p.items()}}


def read_layers(path: Path, layers: dict[str, Path]) -> PlanSource:
    """A GeoPackage or a set of shapefiles: the SS 637040 topology layers, or one polygon layer."""
    by_name = {fold(name): (name, file) for name, file in layers.items()}
    if "omraden" in by_name and "bestammelser" in by_name:
        name, file = by_name["omraden"]
        areas_layer = vector.read_gdal_layer(file, name)
        name, file = by_name["bestammelser"]
        regulation_layer = vector.read_gdal_layer(file, name)
        return _read_topology_layers(areas_layer, regulation_layer)
    polygon_layers = []
    for name, file in layers.items():
        data = vector.read_gdal_layer(file, name)
        if any(isinstance(g, Polygon | MultiPolygon) for g in data.geoms):
            polygon_layers.append(data)
    if not polygon_layers:
        raise uploads.UploadRejected(
            _("%(file)s: filen har inget lager med ytor") % {"file": path.name}
        )
    if len(polygon_layers) > 1:
        names = ", ".join(layer.name for layer in polygon_layers)
        raise uploads.UploadRejected(
            _(
                "%(file)s: filen har flera lager med ytor (%(names)s); lägg planen i ett lager, eller i lagren omraden och bestammelser"
            )
            % {"file": path.name, "names": names}
        )
    return read_areas(polygon_layers[0])


def _read_topology_layers(areas_layer: vector.LayerData, regs: vector.LayerData) -> PlanSource:
    geoms: dict[str, BaseGeometry] = {}
    rejected: list[dict[str, Any]] = []
    for number, (geom, props) in enumerate(
        zip(areas_layer.geoms, areas_layer.props, strict=True), start=1
    ):
        ref = str(props.get("omrade_id") or number)
        if geom is None:
            rejected.append({"row": number, "ref": ref, "reason": _("saknar geometri")})
            continue
        geoms[ref] = geom
    regulations: list[Regulation] = []
    klasses = {
        "anvandningsbestammelse": "anvandning",
        "egenskapsbestammelse": "egenskap",
        "administrativbestammelse": "administrativ",
    }
    for props in regs.props:
        klass = klasses.get(fold(str(props.get("klass", ""))), "")
        if not klass:
            continue
        variables: dict[str, str] = {}
        for part in str(props.get("variabler") or "").split(";"):
            key, sep, value = part.partition("=")
            if sep and key.strip():
                variables[key.strip()] = value.strip()
        parent = str(props.get("parent_gml_id") or "")
        regulations.append(
            Regulation(
                gml_id=str(props.get("bestammelse_gml_id") or ""),
                klass=klass,
                area_ref=str(props.get("omrade_id") or ""),
                parent=parent,
                general=klass != "anvandning" and not parent,
                uuid=str(props.get("uuid") or ""),
                beteckning=str(props.get("beteckning") or ""),
                index=str(props.get("index") or ""),
                anvandningsslag=str(props.get("anvandningsslag") or ""),
                bestammelsetyp=str(props.get("bestammelsetyp") or ""),
                precisering=str(props.get("precisering") or ""),
                huvudsaklig=str(props.get("huvudsaklig") or "").lower() == "true",
                variables=variables,
            )
        )
    general_refs = {r.area_ref for r in regulations if r.general}
    plan_ref = (
        "plan" if "plan" in geoms else (next(iter(general_refs)) if len(general_refs) == 1 else "")
    )
    areas, general = _structure(geoms, plan_ref, regulations)
    return PlanSource(
        profile=PROFILE_TOPOLOGY,
        crs_claim=areas_layer.crs_claim,
        default_srid=areas_layer.default_srid,
        areas=areas,
        general=general,
        rejected=rejected,
        regulations_read=len(regulations),
    )


def _regulation_entry(r: Regulation) -> dict[str, Any]:
    return {
        "kind": r.klass,
        "code": r.beteckning,
        "index": r.index,
        "type": r.bestammelsetyp,
        "text": regulation_text(
            r.bestammelsetyp, r.variables, beteckning=r.beteckning, precisering=r.precisering
        ),
        "variables": r.variables,
        "area": r.area_ref,
        "uuid": r.uuid,
    }


def _add_once(target: list[dict[str, Any]], entry: dict[str, Any]) -> None:
    """Add a regulation unless it is there already (the same uuid, or the same type, text and area)."""
    for existing in target:
        if entry["uuid"] and existing.get("uuid") == entry["uuid"]:
            return
        if (existing.get("type"), existing.get("text"), existing.get("area")) == (
            entry["type"],
            entry["text"],
            entry["area"],
        ):
            return
    target.append(entry)


def _structure(
    geoms: dict[str, BaseGeometry], plan_ref: str, regulations: list[Regulation]
) -> tuple[list[Area], list[dict[str, Any]]]:
    """Areas with their roles from the regulations that point at them (SS 637040 and its layers)."""
    areas = {ref: Area(ref=ref, geom=geom, row=n) for n, (ref, geom) in enumerate(geoms.items(), 1)}
    if plan_ref in areas:
        areas[plan_ref].role = "plan"
    use_area: dict[str, str] = {}
    for r in regulations:
        if r.klass != "anvandning" or r.area_ref not in areas:
            continue
        area = areas[r.area_ref]
        area.role = "zone"
        use_area[r.gml_id] = r.area_ref
        code = use_code(r.anvandningsslag, r.beteckning)
        if code and code not in area.codes:
            area.codes.append(code)
        label = use_label(code) if code else (r.beteckning or r.anvandningsslag)
        if r.precisering:
            label = f"{label} – {r.precisering}"
        if label not in area.labels:
            area.labels.append(label)
    general: list[dict[str, Any]] = []
    for r in regulations:
        if r.klass == "anvandning":
            continue
        entry = _regulation_entry(r)
        if r.general or (r.area_ref == plan_ref and not r.parent):
            _add_once(general, entry)
            continue
        target = areas.get(r.area_ref)
        zone_ref = use_area.get(r.parent, "")
        if target is None:
            continue
        if target.role == "zone":
            _add_once(target.regulations, entry)
            continue
        target.role = "regulation"
        target.zone_ref = target.zone_ref or zone_ref
        _add_once(target.regulations, entry)
        if zone_ref in areas:
            _add_once(areas[zone_ref].regulations, entry)
    return list(areas.values()), general


def read_areas(layer: vector.LayerData) -> PlanSource:
    """One polygon layer: each feature an area, its use code (if any) in a column."""
    columns = {fold(k) for props in layer.props for k in props}

    def pick(candidates: tuple[str, ...]) -> str:
        return next((c for c in candidates if c in columns), "")

    use_col, label_col, ref_col = pick(USE_COLUMNS), pick(LABEL_COLUMNS), pick(REF_COLUMNS)
    areas: list[Area] = []
    rejected = list(layer.rejected)
    rejected_rows = layer.rejected_index
    metadata: dict[str, str] = {}
    for number, (geom, raw_props) in enumerate(zip(layer.geoms, layer.props, strict=True), start=1):
        if number in rejected_rows:
            continue
        props = {fold(k): v for k, v in raw_props.items()}
        ref = str(props.get(ref_col) or number) if ref_col else str(number)
        if geom is None:
            rejected.append({"row": number, "ref": ref, "reason": _("saknar geometri")})
            continue
        if not isinstance(geom, Polygon | MultiPolygon):
            rejected.append(
                {
                    "row": number,
                    "ref": ref,
                    "reason": _("är inte en yta (%(type)s)") % {"type": geom.geom_type},
                }
            )
            continue
        raw_code = str(props.get(use_col) or "").strip() if use_col else ""
        label = str(props.get(label_col) or "").strip() if label_col else ""
        area = Area(ref=ref, geom=geom, row=number, scenario=_scenario(props.get("scenario")))
        if (
            fold(ref) in PLAN_WORDS
            or fold(raw_code) in PLAN_WORDS
            or fold(str(props.get("typ", ""))) in PLAN_WORDS
        ):
            area.role = "plan"
            for key in ("planid", "plan_id", "plannamn", "kommun", "status"):
                if props.get(key):
                    metadata[key.replace("_", "")] = str(props[key])
        elif raw_code:
            codes = _codes_from_text(raw_code)
            if codes:
                area.role = "zone"
                area.codes = codes
                area.labels = [label or use_label(" ".join(codes))]
            else:
                area.role = "regulation"
                kind = (
                    "administrativ"
                    if raw_code[:1].lower() in ADMINISTRATIVE_LETTERS
                    else "egenskap"
                )
                area.regulations = [
                    {
                        "kind": kind,
                        "code": raw_code,
                        "text": label or raw_code,
                        "area": ref,
                        "uuid": "",
                    }
                ]
        elif label:
            area.labels = [label]
        areas.append(area)
    source = PlanSource(
        profile=PROFILE_AREAS,
        crs_claim=layer.crs_claim,
        default_srid=layer.default_srid,
        areas=areas,
        metadata=metadata,
        rejected=rejected,
    )
    if not use_col:
        source.notes.append(
            _(
                "Filen har ingen kolumn med användningskod; områdena fick ingen användning. Ange den på redigeringssidan."
            )
        )
    return source


def _codes_from_text(raw: str) -> list[str]:
    """Use codes in a cell: "B", "GATA", "DP_KM_B", "B C", "BC" (two letters of kvartersmark).

    >>> _codes_from_text("BC"), _codes_from_text("gata"), _codes_from_text("e1"), _codes_from_text("R S")
    (['B', 'C'], ['GATA'], [], ['R', 'S'])
    >>> _codes_from_text("u"), _codes_from_text("f1"), _codes_from_text("U")
    ([], [], ['U'])
    """
    if raw[:1].islower() and (
        not is_known_use(raw.upper()) or raw.strip()[:1] in REGULATION_LETTERS
    ):
        return []
    codes: list[str] = []
    for part in raw.replace(",", " ").split():
        code = use_code(
            part if part.startswith("DP_") else "", "" if part.startswith("DP_") else part
        )
        if code and is_known_use(code):
            codes.append(code)
        elif part.isupper() and part.isalpha() and all(is_known_use(c) for c in part):
            codes.extend(part)
        elif code:
            codes.append(code)
    return list(dict.fromkeys(codes))


def _scenario(value: object) -> str:
    text = fold(str(value or ""))
    if text in {"idag", "befintligt", "today"}:
        return PlanZone.Scenario.TODAY
    if text in {"planerat", "planned", "plan"}:
        return PlanZone.Scenario.PLANNED
    return ""


# --- Detaljplan 4.1 --------------------------------------------------------------------------------

# The media type without its slash: a JSON writer may escape "/" as "\/".
_MEDIA_TYPE_MARK = d41.MEDIA_TYPE.split("/", 1)[1].encode()


def _detaljplan41_document(path: Path, original_name: str) -> Any | None:
    """The parsed document when ``path`` is a Detaljplan 4.1 file (by its ``feature:mediatyp``), else None.

    The file is scanned for the media type first, so a large plain GeoJSON is never parsed here."""
    found = False
    with path.open("rb") as f:
        tail = b""
        while chunk := f.read(1 << 20):
            if _MEDIA_TYPE_MARK in tail + chunk:
                found = True
                break
            tail = chunk[-len(_MEDIA_TYPE_MARK) :]
    if not found:
        return None
    limits = uploads.Limits.from_settings()
    if path.stat().st_size > limits.max_xml_bytes:
        raise uploads.UploadRejected(
            _("%(file)s: en Detaljplan 4.1-fil får vara högst %(max)s MB")
            % {"file": original_name, "max": limits.max_xml_bytes // (1024 * 1024)},
            status=413,
        )
    try:
        document = d41.loads(path.read_bytes())
    except d41.Detaljplan41Error as e:
        raise uploads.UploadRejected(_detaljplan41_message(e, original_name)) from e
    return document if d41.is_detaljplan41(document) else None


def read_41(document: Any, original_name: str) -> PlanSource:
    """A Detaljplan 4.1 plan: the plan area, a zone per use (area), a bestämmelseområde per area of an
    egenskaps- or administrativ bestämmelse, lines and points listed on the zones they regulate."""
    try:
        plan = d41.read_detaljplan41(document)
    except d41.Detaljplan41Error as e:
        raise uploads.UploadRejected(_detaljplan41_message(e, original_name)) from e
    vector.check_vertices(
        [plan.plan_area, *(r.footprint for r in plan.regulations)],
        original_name,
        uploads.Limits.from_settings(),
    )
    areas = [Area(ref=plan.objektidentitet[:60], geom=plan.plan_area, role="plan")]
    placed: list[Placed] = []
    general: list[dict[str, Any]] = []
    zones: dict[str, Area] = {}
    for r in plan.uses:
        polygons, rest = _split_footprint(r.footprint)
        if polygons is None:
            placed.append(Placed(_entry_41(r, plan), rest))
            continue
        code = r.use_code or ""
        zone = Area(
            ref=r.objektidentitet[:60],
            geom=polygons,
            role="zone",
            codes=[code] if code else [],
            labels=[r.text or use_label(code)],
            row=r.index + 1,
            vertical_limit=_vertical_limit(r.vertical_limit),
        )
        areas.append(zone)
        zones[r.objektidentitet] = zone
    for r in plan.regulations:
        if r.kind == d41.USE:
            continue
        entry = _entry_41(r, plan)
        targets = [zones[i].ref for i in r.regulates if i in zones]
        polygons, rest = _split_footprint(r.footprint)
        if polygons is not None and not r.regulates_plan:
            areas.append(
                Area(
                    ref=r.objektidentitet[:60],
                    geom=polygons,
                    role="regulation",
                    regulations=[entry],
                    zone_ref=targets[0] if targets else "",
                    row=r.index + 1,
                    vertical_limit=_vertical_limit(r.vertical_limit),
                )
            )
            for ref in targets:
                _add_once(next(a for a in areas if a.ref == ref).regulations, entry)
            if rest is not None:
                placed.append(Placed(dict(entry), rest, targets))
        elif r.regulates_plan or (r.footprint is None and not targets):
            _add_once(general, entry)
        else:
            placed.append(Placed(entry, rest if polygons is None else r.footprint, targets))
    status = STATUS_41.get(plan.status, Detaljplan.Status.ONGOING)
    metadata = {
        "planid": plan.beteckning or plan.objektidentitet,
        "plannamn": plan.namn,
        "status": status,
        "objektidentitet": plan.objektidentitet,
    }
    metadata["kommun41"] = plan.kommun  # a name or a four-digit code: _municipality_41 checks it
    source = PlanSource(
        profile=PROFILE_41,
        crs_claim=f"EPSG:{plan.srid}",
        default_srid=None,
        areas=areas,
        general=general,
        metadata=metadata,
        regulations_read=len(plan.regulations),
        placed=placed,
        reported=[
            {"ref": rep.objektidentitet, "kind": rep.kind, "reason": _reason_41(rep)}
            for rep in plan.reported
        ],
        rows_read=1 + len(plan.regulations),
    )
    source.notes.append(
        _("Planbestämmelsekatalogen: Boverkets utgåva %(release)s.")
        % {"release": plan.catalogue_release}
    )
    if plan.vertical_limit is not None:
        source.notes.append(
            _("Planen gäller %(limit)s; Trygg räknar med planens utbredning på marken.")
            % {"limit": _vertical_text(_vertical_limit(plan.vertical_limit))}
        )
    return source


def _split_footprint(
    footprint: BaseGeometry | None,
) -> tuple[MultiPolygon | None, BaseGeometry | None]:
    """The area parts of a footprint and the rest (lines, points); None for a part that is missing."""
    if footprint is None or footprint.is_empty:
        return None, None
    if isinstance(footprint, Polygon):
        return MultiPolygon([footprint]), None
    if isinstance(footprint, MultiPolygon):
        return footprint, None
    if footprint.geom_type != "GeometryCollection":
        return None, footprint
    parts = list(footprint.geoms)
    polygons = [
        p for part in parts for p in getattr(part, "geoms", [part]) if isinstance(p, Polygon)
    ]
    rest = [p for p in parts if not isinstance(p, Polygon | MultiPolygon)]
    return (
        MultiPolygon(polygons) if polygons else None,
        shapely.GeometryCollection(rest) if len(rest) > 1 else (rest[0] if rest else None),
    )


def _entry_41(r: d41.Planbestammelse, plan: d41.Detaljplan41) -> dict[str, Any]:
    """A regulation as ``PlanZone.regulations`` stores it (the keys of SS 637040's, and the 4.1 ones)."""
    catalogue = r.catalogue_entry
    entry: dict[str, Any] = {
        "kind": KIND_41.get(r.kind, r.kind),
        "code": (catalogue.beteckning.replace("#", "") if catalogue else ""),
        "index": "",
        "type": catalogue.kod if catalogue else "",
        "text": r.text,
        "variables": {v.name: v.raw for v in r.values},
        "area": r.objektidentitet,
        "uuid": r.objektidentitet,
        "catalogue_ref": r.catalogue_ref,
        "catalogue_release": plan.catalogue_release if catalogue else "",
        "geometry_type": r.geometry_type,
    }
    if r.kind == d41.USE and r.use_code:
        entry["use_code"] = r.use_code
    if r.vertical_limit is not None:
        entry["vertical_limit"] = _vertical_limit(r.vertical_limit)
    return entry


def _vertical_limit(limit: d41.VerticalLimit | None) -> dict[str, Any] | None:
    if limit is None:
        return None
    return {
        "direction": limit.direction,
        "z_min": limit.z_min,
        "z_max": limit.z_max,
        "height_system": HEIGHT_SYSTEMS.get(limit.height_srid or 0, ""),
        "height_srid": limit.height_srid,
    }


def _vertical_text(limit: dict[str, Any] | None) -> str:
    """ "uppåt från +24,0 m (RH 2000)" for a report."""
    if not limit:
        return ""
    z = limit.get("z_min") if limit.get("direction") == "uppåt" else limit.get("z_max")
    words = {"uppåt": _("uppåt från"), "nedåt": _("nedåt från")}
    height = (
        f" +{d41.swedish_number(float(z))} m ({limit.get('height_system') or 'okänt höjdsystem'})"
        if z is not None
        else ""
    )
    return f"{words.get(str(limit.get('direction')), str(limit.get('direction')))}{height}"


def _reason_41(rep: d41.Reported) -> str:
    p = {k: str(v) for k, v in rep.params.items()}
    messages = {
        "no_geometry": _("saknar geometri; bestämmelsen sparades utan plats"),
        "no_catalogue_ref": _("saknar hänvisning till planbestämmelsekatalogen"),
        "unknown_catalogue_ref": _(
            "hänvisar till katalogposten %(ref)s, som inte finns i Boverkets utgåva %(release)s (den Trygg har); bestämmelsen sparades med sin formulering"
        ),
        "catalogue_kind_mismatch": _("katalogposten är av ett annat slag än bestämmelsen"),
        "use_without_code": _(
            "användningen har ingen kod i katalogen (fri formulering); ange koden på redigeringssidan"
        ),
        "unknown_regulated_use": _("reglerar en användningsbestämmelse som inte finns i filen"),
        "vertical_limit_not_area": _("vertikal avgränsning på en linje eller punkt lästes inte"),
        "vertical_limit_without_height": _("vertikal avgränsning utan höjder"),
        "value_not_a_number": _("ett värde som ska vara ett tal är det inte"),
    }
    template = messages.get(rep.reason, rep.reason)
    try:
        return template % p
    except (KeyError, ValueError, TypeError):
        return template


def _detaljplan41_message(e: d41.Detaljplan41Error, filename: str) -> str:
    """The Swedish message for a refused 4.1 file, naming the object by its objektidentitet."""
    p = {k: str(v) for k, v in e.params.items()}
    where = (
        _("%(file)s: %(kind)s %(object)s")
        % {"file": filename, "kind": p.get("kind") or _("objektet"), "object": p["object"]}
        if p.get("object")
        else filename
    )
    messages = {
        "not_json": _("inte läsbar JSON (%(error)s)"),
        "not_detaljplan41": _("inte en Detaljplan 4.1-fil (feature:mediatyp är %(mediatyp)s)"),
        "no_plan": _("filen saknar ett objekt med feature:typ detaljplan"),
        "several_plans": _("filen har flera detaljplaner (%(objects)s); en fil har en plan"),
        "no_plan_area": _("planen saknar planområde (plangeometri)"),
        "mixed_crs": _(
            "filen blandar koordinatsystem: objektet har ett annat koordinatsystemPlan än planområdet; en plan har ett"
        ),
        "unknown_crs": _(
            "koordinatsystemPlan är inte SWEREF 99 TM eller en av de lokala SWEREF 99-zonerna"
        ),
        "crs_implausible": _("koordinaterna passar inte planens koordinatsystem"),
        "other_plan": _("bestämmelsen hör till en annan plan"),
    }
    detail = messages.get(e.key)
    if detail is None:  # a broken structure: the reader's own words name the field
        error = str(e)
        prefix = f"{p.get('kind') or 'feature'} {p.get('object', '')}: "
        detail = _("kan inte läsas (%(error)s)") % {"error": error.removeprefix(prefix)}
    else:
        try:
            detail = detail % p
        except (KeyError, ValueError, TypeError):
            pass
    return f"{where}: {detail}"


# --- DXF -------------------------------------------------------------------------------------------


def parse_layer_mapping(text: str) -> dict[str, str]:
    """``"DP-PLANGRÄNS=plangrans, DP-ANV-B=B"`` (commas, semicolons or lines) as a dict.

    >>> parse_layer_mapping("DP-PLANGRÄNS=plangrans; DP-ANV-B = B\\nDP-PARK=PARK")
    {'DP-PLANGRÄNS': 'plangrans', 'DP-ANV-B': 'B', 'DP-PARK': 'PARK'}
    """
    mapping: dict[str, str] = {}
    for item in re.split(r"[,;\n]", text):
        if not item.strip():
            continue
        layer, sep, target = item.partition("=")
        if not sep or not layer.strip() or not target.strip():
            raise uploads.UploadRejected(
                _(
                    "Lagermappningen ska vara LAGER=betydelse (plangrans, en användningskod eller en bestämmelse), inte %(item)s"
                )
                % {"item": item.strip()[:100]},
                status=400,
            )
        mapping[layer.strip()] = target.strip()
    return mapping


def _dxf_layers_text(path: Path, filename: str) -> str:
    try:
        layers = dxf.list_dxf_layers(path, max_entities=uploads.Limits.from_settings().max_vertices)
    except dxf.DxfError as e:
        raise uploads.UploadRejected(_dxf_message(e, filename)) from e
    return "; ".join(
        _("%(name)s (%(areas)s ytor, %(lines)s linjer, %(points)s punkter, %(texts)s texter)")
        % {
            "name": layer.name,
            "areas": layer.areas,
            "lines": layer.lines,
            "points": layer.points,
            "texts": layer.texts,
        }
        for layer in layers
    )


def read_dxf_source(
    path: Path, original_name: str, layers: dict[str, str], srid: int | None
) -> PlanSource:
    """A CAD drawing: the layers mapped to ``plangrans`` give the plan area, layers mapped to a use code
    give zones, other mapped layers give bestämmelseområden (areas) or regulations on lines and points."""
    if not layers:
        raise uploads.UploadRejected(
            _(
                "%(file)s: ange vilka lager i ritningen som är plangräns och vilka användning de har (t.ex. DP-PLANGRÄNS=plangrans, DP-ANV-B=B). Ritningens lager: %(layers)s"
            )
            % {"file": original_name, "layers": _dxf_layers_text(path, original_name)},
            status=400,
        )
    if srid is None:
        raise uploads.UploadRejected(
            _(
                "%(file)s: en DXF-ritning säger inte vilket koordinatsystem den har; ange det (t.ex. SWEREF 99 18 00)"
            )
            % {"file": original_name},
            status=400,
        )
    limits = uploads.Limits.from_settings()
    try:
        drawing = dxf.read_dxf(path, layers=layers, srid=srid, max_entities=limits.max_vertices)
    except dxf.DxfError as e:
        message = _dxf_message(e, original_name)
        if e.key == "unknown_layer":
            message += " " + _("Ritningens lager: %(layers)s") % {
                "layers": _dxf_layers_text(path, original_name)
            }
        raise uploads.UploadRejected(
            message, status=400 if e.key == "unknown_layer" else 422
        ) from e
    vector.check_vertices([f.geometry for f in drawing.features], original_name, limits)
    areas: list[Area] = []
    if drawing.plan_area is not None:
        areas.append(Area(ref=dxf.PLAN_BOUNDARY, geom=drawing.plan_area, role="plan"))
    placed: list[Placed] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(drawing.features, start=1):
        seen[feature.handle] = seen.get(feature.handle, 0) + 1
        ref = (
            feature.handle
            if seen[feature.handle] == 1
            else f"{feature.handle}.{seen[feature.handle]}"
        )
        codes = _codes_from_text(feature.target)
        labels = [" ".join(label.replace("\\P", " ").split()) for label in feature.labels]
        if feature.kind == dxf.AREA and codes:
            label = use_label(" ".join(codes))
            areas.append(
                Area(
                    ref=ref,
                    geom=feature.geometry,
                    role="zone",
                    codes=codes,
                    labels=[f"{label} ({', '.join(labels)})" if labels else label],
                    row=number,
                )
            )
            continue
        entry: dict[str, Any] = {
            "kind": (
                "administrativ"
                if feature.target[:1].lower() in ADMINISTRATIVE_LETTERS
                else "egenskap"
            ),
            "code": feature.target,
            "index": "",
            "type": "",
            "text": "; ".join(labels) or feature.target,
            "variables": {},
            "area": ref,
            "uuid": "",
            "layer": feature.layer,
            "geometry_type": feature.kind,
        }
        if feature.z_min is not None:  # a height drawn in the entity (a plushöjd point)
            entry["z_min"], entry["z_max"] = feature.z_min, feature.z_max
        if feature.kind == dxf.AREA:
            areas.append(
                Area(
                    ref=ref,
                    geom=feature.geometry,
                    role="regulation",
                    regulations=[entry],
                    row=number,
                )
            )
        else:
            placed.append(Placed(entry, feature.geometry))
    if not any(a.role == "zone" for a in areas):
        raise uploads.UploadRejected(
            _(
                "%(file)s: inget lager är mappat till en användning med ytor (t.ex. DP-ANV-B=B). Ritningens lager: %(layers)s"
            )
            % {"file": original_name, "layers": _dxf_layers_text(path, original_name)},
            status=400,
        )
    reasons = {
        "not_closed": _("en öppen linje på plangränslagret lästes inte"),
        "no_geometry": _("saknar geometri och lästes inte"),
    }
    source = PlanSource(
        profile=PROFILE_DXF,
        crs_claim=None,
        default_srid=srid,
        areas=areas,
        placed=placed,
        reported=[
            {"ref": s.handle, "kind": s.layer, "reason": reasons.get(s.reason, s.reason)}
            for s in drawing.skipped
        ],
        rows_read=len(drawing.features) + (1 if drawing.plan_area is not None else 0),
    )
    if drawing.unmapped_layers:
        source.notes.append(
            _("Lager som inte lästes (inte mappade): %(layers)s")
            % {"layers": ", ".join(drawing.unmapped_layers)}
        )
    source.notes.append(
        _("Ritningen lästes som %(version)s med teckenkodningen %(encoding)s.")
        % {"version": drawing.header.acadver or "?", "encoding": drawing.encoding}
    )
    return source


def _dxf_message(e: dxf.DxfError, filename: str) -> str:
    p = {k: str(v) for k, v in e.params.items()}
    p["hint"] = vector.HINTS.get(p.get("hint", ""), p.get("hint", "")) or _("okänt vilket")
    messages = {
        "not_dxf": _("%(file)s: börjar inte som en DXF-ritning"),
        "binary_dxf": _("%(file)s: binär DXF läses inte; spara ritningen som ASCII-DXF"),
        "unreadable": _("%(file)s: GDAL kan inte läsa ritningen (%(error)s)"),
        "too_many_entities": _("%(file)s: ritningen har %(count)s objekt, fler än gränsen %(max)s"),
        "unknown_layer": _("%(file)s: ritningen har inget lager som heter %(layer)s."),
        "unknown_srid": _("%(file)s: EPSG:%(srid)s är inte ett koordinatsystem Trygg läser"),
        "crs_implausible": _(
            "%(file)s: ritningens koordinater passar inte %(crs)s; de ser ut att vara i %(hint)s. Välj det koordinatsystem ritningen gjordes i."
        ),
        "no_plan_area": _(
            "%(file)s: lagret %(layer)s har ingen sluten figur som kan vara plangränsen"
        ),
    }
    template = messages.get(e.key, "%(file)s: " + str(e))
    try:
        return template % {"file": filename, **p}
    except (KeyError, ValueError, TypeError):
        return f"{filename}: {e}"


# --- deciding and checking -----------------------------------------------------------------------


def _repair_all(source: PlanSource, filename: str) -> list[dict[str, str]]:
    repairs: list[dict[str, str]] = []
    problems: list[str] = []
    for area in source.areas:
        assert area.geom is not None
        try:
            fixed = repair_polygon(area.geom)
        except GeometryRejected as e:
            problems.append(
                _("område %(ref)s: %(reason)s")
                % {"ref": area.ref, "reason": vector.geometry_reason(e)}
            )
            continue
        if not area.geom.is_valid:
            repairs.append(
                {
                    "ref": area.ref,
                    "note": _("ogiltig yta lagad (%(reason)s); ytan är nu %(area).1f m²")
                    % {"reason": shapely.is_valid_reason(area.geom), "area": fixed.area},
                }
            )
        area.geom = fixed
    if problems:
        raise uploads.UploadRejected(
            _("%(file)s: %(n)s områden kunde inte lagas: %(list)s")
            % {"file": filename, "n": len(problems), "list": "; ".join(problems[:10])}
        )
    return repairs


def _decide_roles(source: PlanSource) -> None:
    """Areas the file did not classify: a zone when it overlaps no zone, else a bestämmelseområde."""
    zones = [a for a in source.areas if a.role == "zone"]
    undecided = sorted((a for a in source.areas if not a.role), key=lambda a: -_area(a))
    for area in undecided:
        overlaps = [(_overlap(area, z), z) for z in zones]
        share, best = max(overlaps, key=lambda t: t[0], default=(0.0, None))
        if best is not None and share > OVERLAP_SHARE:
            area.role = "regulation"
            area.zone_ref = best.ref
        else:
            area.role = "zone"
            zones.append(area)
    for area in source.areas:
        if area.role == "regulation" and not area.zone_ref and zones:
            share, best = max(((_overlap(area, z), z) for z in zones), key=lambda t: t[0])
            if share > 0:
                area.zone_ref = best.ref


def _area(a: Area) -> float:
    return float(a.geom.area) if a.geom is not None else 0.0


def _overlap(area: Area, zone: Area) -> float:
    assert area.geom is not None and zone.geom is not None
    own = area.geom.area
    return float(area.geom.intersection(zone.geom).area / own) if own else 0.0


def _check_in_municipality(
    plan_area: BaseGeometry, municipality: Municipality, filename: str
) -> None:
    boundary = to_shapely(municipality.boundary)
    if boundary.intersects(plan_area):
        return
    km = boundary.distance(plan_area) / 1000
    raise uploads.UploadRejected(
        _("%(file)s: planen hamnar %(km).0f km utanför %(muni)s. Stämmer koordinatsystemet?")
        % {"file": filename, "km": km, "muni": municipality}
    )


# --- the import ----------------------------------------------------------------------------------


def import_detaljplan(
    path: Path,
    *,
    original_name: str | None = None,
    municipality: Municipality | None = None,
    plan_id: str = "",
    name: str = "",
    kind: str = "",
    scenario: str = "",
    srid: int | None = None,
    user: User | AnonymousUser | None = None,
    progress: Progress | None = None,
    dxf_layers: dict[str, str] | None = None,
) -> ImportBatch:
    """Import the detaljplan in ``path``; returns its batch, or raises ``UploadRejected`` and stores nothing.

    ``dxf_layers`` maps a DXF drawing's CAD layers to ``plangrans``, a use code or a regulation."""
    filename = original_name or path.name
    step = progress or (lambda _stage, _done, _total: None)
    step("read", 0, 4)
    with uploads.workspace() as workdir:
        source = read_source(path, filename, workdir, dxf_layers=dxf_layers, srid=srid)
    if source.rejected:
        reasons = "; ".join(
            f"{_('rad')} {r['row']} ({r['ref']}): {r['reason']}"
            if r.get("ref")
            else f"{_('rad')} {r['row']}: {r['reason']}"
            for r in source.rejected[:10]
        )
        raise uploads.UploadRejected(
            _("%(file)s: %(n)s områden kunde inte läsas, så planen importerades inte: %(list)s")
            % {"file": filename, "n": len(source.rejected), "list": reasons}
        )
    if not source.areas:
        raise uploads.UploadRejected(_("%(file)s: filen innehåller inga ytor") % {"file": filename})
    plan_id = (plan_id or source.metadata.get("planid") or Path(filename).name.split(".")[0])[:60]
    try:  # before the CRS and the repairs, which take long on millions of vertices
        plan_size.check_vertices(plan_id, [a.geom for a in source.areas])
    except plan_size.PlanTooLarge as e:
        raise uploads.UploadRejected(f"{filename}: {e}") from e
    step("crs", 1, 4)
    crs = vector.resolve_srid(
        source.crs_claim, srid, default=source.default_srid, filename=filename
    )
    moved = vector.to_storage([a.geom for a in source.areas], crs, filename)
    for area, geom in zip(source.areas, moved, strict=True):
        area.geom = geom
    if source.placed:
        moved = vector.to_storage(
            [p.geom for p in source.placed], vector.Crs(srid=crs.srid, source=crs.source), filename
        )
        for placed, geom in zip(source.placed, moved, strict=True):
            placed.geom = geom
    step("repair", 2, 4)
    repairs = _repair_all(source, filename)
    _decide_roles(source)
    plan_areas = [a for a in source.areas if a.role == "plan"]
    zones = [a for a in source.areas if a.role == "zone"]
    if not zones:
        raise uploads.UploadRejected(
            _("%(file)s: planen har inga användningsområden") % {"file": filename}
        )
    if len(plan_areas) > 1:
        raise uploads.UploadRejected(
            _("%(file)s: filen har %(n)s plangränser; en plan har en")
            % {"file": filename, "n": len(plan_areas)}
        )
    if plan_areas:
        plan_geom = plan_areas[0].geom
    else:
        plan_geom = repair_polygon(shapely.union_all([z.geom for z in zones]))
        source.notes.append(
            _("Filen har ingen plangräns; planområdet är unionen av användningsområdena.")
        )
    assert plan_geom is not None
    _place(source)
    if source.profile == PROFILE_41:
        municipality = _municipality_41(municipality, source, filename)
    else:
        municipality = _municipality(municipality, source.metadata.get("kommun", ""), filename)
    _check_in_municipality(plan_geom, municipality, filename)
    step("store", 3, 4)
    batch = _store(
        source,
        plan_geom=plan_geom,
        municipality=municipality,
        plan_id=plan_id,
        name=name or source.metadata.get("plannamn", ""),
        kind=kind,
        scenario=scenario or PlanZone.Scenario.PLANNED,
        user=user,
        filename=filename,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        crs=crs,
        repairs=repairs,
    )
    step("done", 4, 4)
    return batch


def _place(source: PlanSource) -> None:
    """List each line, point or geometry-less regulation on its zones: those it regulates, else those
    it lies on (within ``PLACED_TOLERANCE``), else among the plan's general regulations."""
    zones = {a.ref: a for a in source.areas if a.role == "zone"}
    for placed in source.placed:
        entry = placed.entry
        if placed.geom is not None and not placed.geom.is_empty:
            entry["geometry"] = json.loads(
                shapely.to_geojson(shapely.set_precision(placed.geom, 0.01))
            )
        targets = [zones[ref] for ref in placed.zone_refs if ref in zones]
        if not targets and placed.geom is not None:
            targets = [
                z
                for z in zones.values()
                if z.geom is not None and z.geom.distance(placed.geom) <= PLACED_TOLERANCE
            ]
        for zone in targets:
            _add_once(zone.regulations, entry)
        if not targets:
            _add_once(source.general, entry)


def _municipality_41(given: Municipality | None, source: PlanSource, filename: str) -> Municipality:
    """The municipality of a Detaljplan 4.1 plan, whose ``kommun`` is a four-digit code or a name
    (as rita-detaljplan writes it): it must be the user's, else the plan is refused, naming it."""
    kommun = source.metadata.get("kommun41", "").strip()
    is_code = bool(re.fullmatch(r"\d{4}", kommun))

    def matches(m: Municipality) -> bool:
        if not kommun:
            return True
        if is_code:
            return kommun == m.kommunkod
        wanted = fold(m.name)
        return fold(kommun) in (wanted, f"{wanted} kommun", f"{wanted}s kommun")

    found = given
    if found is None and kommun:
        candidates = Municipality.objects.filter(kommunkod=kommun) if is_code else None
        found = candidates.first() if candidates is not None else None
        found = found or next((m for m in Municipality.objects.all() if matches(m)), None)
    found = found or default_municipality()
    if found is None:
        raise uploads.UploadRejected(_("Ingen kommun är inläst; läs in kommunen först"))
    if not matches(found):
        raise uploads.UploadRejected(
            _("%(file)s: planen %(plan)s gäller kommun %(file_kommun)s, inte %(muni)s")
            % {
                "file": filename,
                "plan": source.metadata.get("objektidentitet", ""),
                "file_kommun": kommun,
                "muni": found,
            }
        )
    return found


def _municipality(given: Municipality | None, kommun: str, filename: str) -> Municipality:
    if given is not None:
        if kommun and kommun != given.kommunkod:
            raise uploads.UploadRejected(
                _("%(file)s: planen gäller kommun %(file_kommun)s, inte %(muni)s")
                % {"file": filename, "file_kommun": kommun, "muni": given}
            )
        return given
    found = Municipality.objects.filter(kommunkod=kommun).first() if kommun else None
    found = found or default_municipality()
    if found is None:
        raise uploads.UploadRejected(_("Ingen kommun är inläst; läs in kommunen först"))
    if kommun and kommun != found.kommunkod:
        raise uploads.UploadRejected(
            _("%(file)s: planen gäller kommun %(file_kommun)s, inte %(muni)s")
            % {"file": filename, "file_kommun": kommun, "muni": found}
        )
    return found


def _status(metadata: dict[str, str]) -> str:
    if metadata.get("forslag", "").lower() == "false" and metadata.get("registreringsdatum"):
        return Detaljplan.Status.IN_FORCE
    wanted = metadata.get("status", "")
    return wanted if wanted in Detaljplan.Status.values else Detaljplan.Status.ONGOING


def _store_notes(
    source: PlanSource, zones: dict[str, PlanZone], *, created: bool, plan_id: str
) -> tuple[list[str], list[str], list[str]]:
    """The import report's notes, with the zones without a use code and the vertically limited areas
    they name."""
    uncoded = [z.source_ref for z in zones.values() if not z.use_code]
    notes = list(source.notes)
    limited = [
        _("%(ref)s %(label)s gäller %(limit)s")
        % {"ref": a.ref, "label": "; ".join(a.labels), "limit": _vertical_text(a.vertical_limit)}
        for a in source.areas
        if a.vertical_limit and a.role in ("zone", "regulation")
    ]
    if limited:
        notes.append(
            _(
                "Vertikalt avgränsade områden (sparade med sin höjd; bedömningen räknar med ytan på marken): %(list)s"
            )
            % {"list": "; ".join(limited)}
        )
    if uncoded and source.profile != PROFILE_AREAS:
        notes.append(_("Områden utan användningskod: %(refs)s") % {"refs": ", ".join(uncoded)})
    unknown = sorted({c for z in zones.values() for c in z.use_code.split() if not is_known_use(c)})
    if unknown:
        notes.append(
            _("Okända användningskoder (behålls som de är): %(codes)s")
            % {"codes": ", ".join(unknown)}
        )
    if not created:
        notes.append(_("Områdena lades till i den befintliga planen %(plan)s.") % {"plan": plan_id})
    return notes, uncoded, limited


@transaction.atomic
def _store(
    source: PlanSource,
    *,
    plan_geom: BaseGeometry,
    municipality: Municipality,
    plan_id: str,
    name: str,
    kind: str,
    scenario: str,
    user: User | AnonymousUser | None,
    filename: str,
    sha256: str,
    crs: vector.Crs,
    repairs: list[dict[str, str]],
) -> ImportBatch:
    if kind and kind not in Detaljplan.Kind.values:
        raise uploads.UploadRejected(
            _("Okänd plantyp %(kind)s (ny eller ombyggnad)") % {"kind": kind}
        )
    if scenario not in PlanZone.Scenario.values:
        raise uploads.UploadRejected(
            _("Okänt scenario %(s)s (planerat eller idag)") % {"s": scenario}
        )
    plan = (
        Detaljplan.objects.select_for_update()
        .filter(municipality=municipality, plan_id=plan_id)
        .first()
    )
    zone_scenarios = {a.scenario or scenario for a in source.areas if a.role != "plan"}
    if plan is not None:
        taken = set(
            plan.zones.filter(scenario__in=zone_scenarios).values_list("scenario", flat=True)
        )
        if taken:
            raise uploads.UploadRejected(
                _(
                    "Planen %(plan)s har redan användningsområden för scenariot %(scenario)s. Ångra den importen först, eller ge planen ett annat plan-id."
                )
                % {"plan": plan_id, "scenario": ", ".join(sorted(taken))},
                status=409,
            )
    real_user = user if user is not None and user.is_authenticated else None
    batch = ImportBatch.objects.create(
        municipality=municipality,
        kind=ImportBatch.Kind.DETALJPLAN,
        filename=filename[:500],
        file_sha256=sha256,
        profile=source.profile,
        created_by=real_user,
        rows_read=source.rows_read or len(source.areas),
    )
    created = plan is None
    if plan is None:
        plan = Detaljplan.objects.create(
            municipality=municipality,
            plan_id=plan_id,
            name=(name or plan_id)[:300],
            status=_status(source.metadata),
            kind=kind or Detaljplan.Kind.NEW,
            area=vector.stored_multipolygon(plan_geom),
            regulations=source.general,
            import_batch=batch,
        )
    else:
        if kind and kind != plan.kind:
            plan.kind = kind
            plan.save(update_fields=["kind", "updated_at"])
        if source.general and not plan.regulations:
            plan.regulations = source.general
            plan.save(update_fields=["regulations", "updated_at"])
    zones: dict[str, PlanZone] = {}
    for area in source.areas:
        if area.role != "zone":
            continue
        zones[area.ref] = PlanZone.objects.create(
            municipality=municipality,
            plan=plan,
            scenario=area.scenario or scenario,
            use_code=" ".join(area.codes)[:30],
            label="; ".join(area.labels)[:200],
            regulations=area.regulations,
            area=vector.stored_multipolygon(area.geom),
            source_ref=area.ref[:60],
            import_batch=batch,
            vertical_limit=area.vertical_limit,
        )
    regulation_areas = 0
    for area in source.areas:
        if area.role != "regulation":
            continue
        zone = zones.get(area.zone_ref)
        RegulationArea.objects.create(
            municipality=municipality,
            plan=plan,
            zone=zone,
            scenario=area.scenario or (zone.scenario if zone else scenario),
            source_ref=area.ref[:60],
            regulations=area.regulations,
            area=vector.stored_multipolygon(area.geom),
            import_batch=batch,
            vertical_limit=area.vertical_limit,
        )
        regulation_areas += 1
    notes, uncoded, limited = _store_notes(source, zones, created=created, plan_id=plan_id)
    plan_read = any(a.role == "plan" for a in source.areas)
    stored = (1 if created and plan_read else 0) + len(zones) + regulation_areas
    batch.rows_stored = stored
    batch.report = {
        "format": FORMAT_LABELS[source.profile],
        "crs": {"srid": crs.srid, "label": crs.label, "source": crs.source, "swapped": crs.swapped},
        "plan": {"id": plan.pk, "plan_id": plan.plan_id, "name": plan.name, "created": created},
        "counts": {
            "plan_area": 1 if created else 0,
            "zones": len(zones),
            "regulation_areas": regulation_areas,
            "general_regulations": len(source.general) if created else 0,
            "regulations_read": source.regulations_read,
            "zones_without_code": len(uncoded),
            "lines_and_points": sum(1 for p in source.placed if p.geom is not None),
            "vertical_limits": len(limited),
            "reported": len(source.reported),
        },
        "repairs": repairs,
        "notes": notes,
        "reported": source.reported,
    }
    batch.save(update_fields=["rows_stored", "report"])
    return batch


# --- undo ----------------------------------------------------------------------------------------


@transaction.atomic
def undo_import(
    batch: ImportBatch,
    *,
    user: User | AnonymousUser | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Remove what ``batch`` stored: the plan it created (with everything on it) or the zones it added."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.kind != ImportBatch.Kind.DETALJPLAN:
        raise uploads.UploadRejected(_("Importen är inte en detaljplan"), status=400)
    if batch.status != ImportBatch.Status.DONE:
        raise uploads.UploadRejected(_("Importen är redan ångrad"), status=409)
    plans = Detaljplan.objects.filter(import_batch=batch)
    later = (
        PlanZone.objects.filter(plan__in=plans, import_batch__isnull=False)
        .exclude(import_batch=batch)
        .values_list("import_batch__filename", flat=True)
        .distinct()
    )
    if later:
        raise uploads.UploadRejected(
            _("Andra importer har lagt till områden i planen (%(files)s); ångra dem först")
            % {"files": ", ".join(later)},
            status=409,
        )
    removed = {
        "regulation_areas": RegulationArea.objects.filter(import_batch=batch).delete()[0],
        "zones": PlanZone.objects.filter(import_batch=batch).delete()[0],
        "plans": list(plans.values_list("plan_id", flat=True)),
    }
    plans.delete()
    batch.status = ImportBatch.Status.UNDONE
    batch.undone_at = timezone.now()
    batch.save(update_fields=["status", "undone_at"])
    audit.record(
        AuditEvent.Action.IMPORT_UNDONE,
        user=user,
        request=request,
        channel="page" if request is not None else "command",
        object_type="detaljplan",
        count=batch.rows_stored,
        detail={"batch": batch.pk, "filename": batch.filename, **removed},
    )
