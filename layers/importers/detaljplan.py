"""Import a detaljplan: SS 637040 XML, GeoPackage, GeoJSON or a zipped Shapefile.

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
"""

from __future__ import annotations

import hashlib
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
FORMAT_LABELS = {
    PROFILE_XML: "SS 637040 (XML)",
    PROFILE_TOPOLOGY: "SS 637040-lager (omraden + bestammelser)",
    PROFILE_AREAS: "ytor med användningskod",
}
# An undecided area that overlaps chosen zones by more than this share of its own area lies in them.
OVERLAP_SHARE = 0.01
Progress = Callable[[str, int, int], None]

USE_COLUMNS = ("anvandning", "use_code", "anvandningsslag", "beteckning", "kod", "code", "anv")
LABEL_COLUMNS = ("benamning", "label", "precisering", "namn", "name", "text")
REF_COLUMNS = ("omrade_id", "ref", "id", "gml_id", "omrade")
PLAN_WORDS = {"plan", "plangrans", "planomrade", "planomradesgrans"}
ADMINISTRATIVE_LETTERS = set("uxzag")


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


# --- reading -------------------------------------------------------------------------------------


def read_source(path: Path, original_name: str, workdir: Path) -> PlanSource:
    """Sniff ``path`` and read it with the reader of its format."""
    fmt = uploads.sniff(path)
    uploads.check_name_matches(path, fmt, original_name)
    if fmt == uploads.XML:
        return read_xml(path, original_name)
    if fmt == uploads.GEOJSON:
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
            "%(file)s: en detaljplan läses som SS 637040 (XML), GeoPackage, GeoJSON eller zippad shapefil"
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
    """
    if raw[:1].islower() and not is_known_use(raw.upper()):
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
) -> ImportBatch:
    """Import the detaljplan in ``path``; returns its batch, or raises ``UploadRejected`` and stores nothing."""
    filename = original_name or path.name
    step = progress or (lambda _stage, _done, _total: None)
    step("read", 0, 4)
    with uploads.workspace() as workdir:
        source = read_source(path, filename, workdir)
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
        rows_read=len(source.areas),
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
        )
        regulation_areas += 1
    uncoded = [z.source_ref for z in zones.values() if not z.use_code]
    notes = list(source.notes)
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
        },
        "repairs": repairs,
        "notes": notes,
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
