"""Import urban context: OpenStreetMap (PBF, or layers made from it) and the municipality's own registers.

Every feature becomes a ``ContextFeature`` of one kind (street, path, building, lamp, POI, land use, park,
water, bus stop) with its source attributes kept as ``properties`` (OSM tags as a dict, ``other_tags``
parsed). OSM tags decide the kind (``osm_kind``, the table in docs/method.md); a register without OSM
tags is read by a column mapping (``kind=lamp,x=E,y=N,srid=3011``). Features farther than
``MARGIN_M`` from the municipality are skipped, so a rectangular extract keeps what a plan near the
border needs. Rows go in with PostgreSQL COPY in one transaction: the import lands whole, with each
rejected row reported, and can be undone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo.crs import STORAGE_SRID
from geo.validation import GeometryRejected, repair_polygon
from layers import audit, uploads
from layers.geometry import to_shapely
from layers.importers import vector
from layers.importers.boverket import fold
from layers.models import AuditEvent, ContextFeature, ContextLayer, ImportBatch, Municipality
from layers.queries import default_municipality

Kind = ContextFeature.Kind
Progress = Callable[[str, int, int], None]
MARGIN_M = 2000.0  # keep context this far outside the municipality (plans near the border need it)
MAX_REJECTED_LISTED = 1000
OSM_LICENCE = "© OpenStreetMap contributors, ODbL 1.0"
OSM_PBF_LAYERS = ("points", "lines", "multipolygons")

# --- OSM tags to kinds (docs/method.md, "Urban context: OSM tags") -------------------------------

STREET_HIGHWAYS = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "road",
    }
)
PATH_HIGHWAYS = frozenset(
    {
        "footway",
        "path",
        "cycleway",
        "pedestrian",
        "steps",
        "bridleway",
        "track",
        "trail",
        "platform",
    }
)
PARK_TAGS = {
    "leisure": {"park", "garden", "playground", "recreation_ground", "pitch", "dog_park"},
    "landuse": {"grass", "recreation_ground", "village_green"},
}
WATER_TAGS = {
    "natural": {"water", "bay", "coastline"},
    "waterway": {"riverbank", "river", "stream", "canal", "dock"},
    "landuse": {"reservoir", "basin"},
}
LANDUSE_NATURAL = {"wood", "scrub", "heath", "grassland", "wetland", "beach", "sand", "bare_rock"}
POI_KEYS = ("amenity", "shop", "leisure", "tourism", "office", "craft", "healthcare", "club")
STOP_TAGS = {
    "highway": {"bus_stop"},
    "public_transport": {"platform", "stop_position", "station"},
    "amenity": {"bus_station"},
    "railway": {"station", "halt", "tram_stop"},
}
# Columns that GDAL's OSM driver (and ogr2ogr from it) write with "_" for the ":" of the OSM key.
COLUMN_TO_TAG = {
    "building_levels": "building:levels",
    "building_min_level": "building:min_level",
    "roof_levels": "roof:levels",
    "addr_street": "addr:street",
    "addr_housenumber": "addr:housenumber",
    "addr_postcode": "addr:postcode",
    "addr_city": "addr:city",
    "opening_hours_covid19": "opening_hours:covid19",
}
NOT_TAGS = {"osm_id", "osm_way_id", "other_tags", "z_order", "fid", "ogc_fid"}


def _has(tags: dict[str, str], table: dict[str, set[str]]) -> bool:
    return any(tags.get(key) in values for key, values in table.items())


def osm_kind(tags: dict[str, str], geom_type: str) -> str | None:
    """The context kind of an OSM object from its tags and geometry type; None when Trygg skips it.

    >>> osm_kind({"highway": "street_lamp"}, "Point"), osm_kind({"highway": "footway", "lit": "no"}, "LineString")
    ('lamp', 'path')
    >>> osm_kind({"building": "yes", "shop": "bakery"}, "Polygon"), osm_kind({"amenity": "pub"}, "Point")
    ('building', 'poi')
    >>> osm_kind({"leisure": "park"}, "MultiPolygon"), osm_kind({"highway": "bus_stop"}, "Point")
    ('park', 'bus_stop')
    >>> osm_kind({"natural": "tree"}, "Point") is None, osm_kind({"highway": "construction"}, "LineString") is None
    (True, True)
    >>> osm_kind({"entrance": "main"}, "Point")
    'poi'
    """
    kind = _osm_kind_choice(tags, geom_type)
    return str(kind) if kind is not None else None


def _osm_kind_choice(tags: dict[str, str], geom_type: str) -> Kind | None:
    if geom_type in {"Point", "MultiPoint"}:
        return _osm_point_kind(tags)
    if geom_type in {"LineString", "MultiLineString"}:
        return _osm_line_kind(tags)
    if geom_type in {"Polygon", "MultiPolygon"}:
        return _osm_area_kind(tags)
    return None


def _osm_point_kind(tags: dict[str, str]) -> Kind | None:
    if tags.get("highway") == "street_lamp":
        return Kind.LAMP
    if _has(tags, STOP_TAGS):
        return Kind.BUS_STOP
    if any(tags.get(k) for k in POI_KEYS):
        return Kind.POI
    if tags.get("entrance"):  # a building's door: kept among the POIs (decisions 0742, 0744)
        return Kind.POI
    return None


def _osm_line_kind(tags: dict[str, str]) -> Kind | None:
    highway = tags.get("highway", "")
    if highway in STREET_HIGHWAYS:
        return Kind.STREET
    if highway in PATH_HIGHWAYS:
        return Kind.PATH
    if tags.get("waterway") in {"river", "stream", "canal"}:
        return Kind.WATER
    return None


def _osm_area_kind(tags: dict[str, str]) -> Kind | None:
    if tags.get("building") and tags.get("building") != "no":
        return Kind.BUILDING
    if _has(tags, PARK_TAGS):
        return Kind.PARK
    if _has(tags, WATER_TAGS) or tags.get("water"):
        return Kind.WATER
    if tags.get("amenity") == "parking":
        return Kind.LANDUSE
    if any(tags.get(k) for k in POI_KEYS):
        return Kind.POI
    if tags.get("landuse") or tags.get("natural") in LANDUSE_NATURAL:
        return Kind.LANDUSE
    return None


_HSTORE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*(?:"((?:[^"\\]|\\.)*)"|NULL)')


def parse_hstore(text: str) -> dict[str, str]:
    """The tags in GDAL's ``other_tags`` (PostgreSQL hstore text).

    >>> parse_hstore('"lit"=>"yes","name:fi"=>"Kauppatori","note"=>"say \\\\"hi\\\\""')
    {'lit': 'yes', 'name:fi': 'Kauppatori', 'note': 'say "hi"'}
    """
    out: dict[str, str] = {}
    for m in _HSTORE.finditer(text or ""):
        value = m.group(2)
        if value is not None:
            out[_unescape(m.group(1))] = _unescape(value)
    return out


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


# --- mappings for registers ----------------------------------------------------------------------

KIND_ALIASES = {
    **{k.value: k.value for k in Kind},
    "gata": Kind.STREET,
    "gangvag": Kind.PATH,
    "byggnad": Kind.BUILDING,
    "byggnader": Kind.BUILDING,
    "lampa": Kind.LAMP,
    "lampor": Kind.LAMP,
    "belysning": Kind.LAMP,
    "gatubelysning": Kind.LAMP,
    "malpunkt": Kind.POI,
    "markanvandning": Kind.LANDUSE,
    "vatten": Kind.WATER,
    "hallplats": Kind.BUS_STOP,
}
MAPPING_ALIASES = {"levels": "building:levels", "vaningar": "building:levels", "namn": "name"}
RESERVED_MAPPING_KEYS = {"kind", "x", "y", "srid", "id", "name"}
X_COLUMNS = ("x", "e", "easting", "ost", "ostkoordinat", "lon", "longitude", "lng")
Y_COLUMNS = ("y", "n", "northing", "nord", "nordkoordinat", "lat", "latitude")


def parse_mapping(text: str | None) -> dict[str, str]:
    """A column mapping from ``kind=lamp,x=E,y=N,srid=3011`` or a JSON object.

    >>> parse_mapping("kind=lampa, x=E, y=N, srid=3011, levels=VANINGAR")
    {'kind': 'lamp', 'x': 'E', 'y': 'N', 'srid': '3011', 'building:levels': 'VANINGAR'}
    """
    if not text or not text.strip():
        return {}
    raw: dict[str, Any]
    if text.strip().startswith("{"):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as e:
            raise uploads.UploadRejected(
                _("Mappningen är inte giltig JSON (%(e)s)") % {"e": e}, status=400
            ) from e
        if not isinstance(raw, dict):
            raise uploads.UploadRejected(_("Mappningen ska vara ett JSON-objekt"), status=400)
    else:
        raw = {}
        for part in text.split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise uploads.UploadRejected(
                    _("Mappningen ska skrivas nyckel=kolumn, … (fel vid %(part)s)")
                    % {"part": part.strip()},
                    status=400,
                )
            raw[key.strip()] = value.strip()
    mapping: dict[str, str] = {}
    for key, value in raw.items():
        name = MAPPING_ALIASES.get(fold(key), key.strip())
        mapping[name] = str(value).strip()
    if "kind" in mapping:
        kind = KIND_ALIASES.get(fold(mapping["kind"]))
        if kind is None:
            raise uploads.UploadRejected(
                _("Okänd typ %(kind)s i mappningen; välj en av %(kinds)s")
                % {"kind": mapping["kind"], "kinds": ", ".join(k.value for k in Kind)},
                status=400,
            )
        mapping["kind"] = str(kind)
    if "srid" in mapping and not mapping["srid"].isdigit():
        raise uploads.UploadRejected(
            _("srid i mappningen ska vara en EPSG-kod (t.ex. 3011)"), status=400
        )
    return mapping


# --- reading -------------------------------------------------------------------------------------


@dataclass
class Candidate:
    kind: str
    geom: BaseGeometry
    name: str
    ref: str
    properties: dict[str, Any]


@dataclass
class Outcome:
    candidates: list[Candidate] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    rows_read: int = 0
    skipped_kind: Counter[str] = field(default_factory=Counter)
    layers: list[dict[str, Any]] = field(default_factory=list)
    repaired: int = 0
    osm: bool = False


def _tags(props: dict[str, Any]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for key, value in props.items():
        if key in NOT_TAGS or value is None or value == "":
            continue
        tags[COLUMN_TO_TAG.get(key, key)] = str(value)
    if props.get("other_tags"):
        for key, value in parse_hstore(str(props["other_tags"])).items():
            tags.setdefault(key, value)
    return tags


def _osm_ref(props: dict[str, Any], geom_type: str, has_way_column: bool) -> str:
    if props.get("osm_way_id"):
        return f"way/{props['osm_way_id']}"
    if props.get("osm_id"):
        if geom_type in {"Point", "MultiPoint"}:
            return f"node/{props['osm_id']}"
        if geom_type in {"LineString", "MultiLineString"}:
            return f"way/{props['osm_id']}"
        # GDAL's multipolygons: osm_way_id for a closed way, osm_id for a relation.
        return f"relation/{props['osm_id']}" if has_way_column else f"way/{props['osm_id']}"
    return ""


def _clean_geometry(kind: str, geom: BaseGeometry) -> tuple[BaseGeometry, bool]:
    """A geometry the database accepts for ``kind``; (geometry, repaired)."""
    vector_check_finite(geom)
    if isinstance(geom, Polygon | MultiPolygon):
        if geom.is_valid:
            return geom, False
        return repair_polygon(geom), True
    if isinstance(geom, LineString | MultiLineString):
        if geom.is_valid and geom.length > 0:
            return geom, False
        raise GeometryRejected("the line has fewer than two distinct points")
    if isinstance(geom, Point):
        return geom, False
    if geom.is_valid:
        return geom, False
    raise GeometryRejected(f"invalid {geom.geom_type}")


def vector_check_finite(geom: BaseGeometry) -> None:
    coords = shapely.get_coordinates(geom)
    if coords.size and not np.isfinite(coords).all():
        raise GeometryRejected("the geometry has a coordinate that is not a finite number")


def _classify_layer(
    data: vector.LayerData,
    mapping: dict[str, str],
    explicit_srid: int | None,
    filename: str,
    outcome: Outcome,
) -> None:
    srid_text = mapping.get("srid")
    srid = int(srid_text) if srid_text else explicit_srid
    crs = vector.resolve_srid(data.crs_claim, srid, default=data.default_srid, filename=filename)
    geoms = vector.to_storage(data.geoms, crs, filename)
    outcome.rejected.extend(data.rejected)
    is_osm = any("osm_id" in p or "osm_way_id" in p or "other_tags" in p for p in data.props[:50])
    outcome.osm = outcome.osm or is_osm
    fixed_kind = mapping.get("kind", "")
    counts: Counter[str] = Counter()
    for number, (geom, props) in enumerate(zip(geoms, data.props, strict=True), start=1):
        outcome.rows_read += 1
        if geom is None or geom.is_empty:
            if number not in data.rejected_index:
                outcome.rejected.append(
                    {"row": number, "layer": data.name, "ref": "", "reason": _("saknar geometri")}
                )
            continue
        tags = _tags(props)
        for prop_key, column in mapping.items():
            if (
                prop_key not in RESERVED_MAPPING_KEYS
                and column in props
                and props[column] not in (None, "")
            ):
                tags[prop_key] = str(props[column])
        kind = fixed_kind or osm_kind(tags, geom.geom_type)
        if not kind:
            outcome.skipped_kind[data.name] += 1
            continue
        ref = ""
        if mapping.get("id") and props.get(mapping["id"]) not in (None, ""):
            ref = str(props[mapping["id"]])
        elif is_osm:
            ref = _osm_ref(props, geom.geom_type, "osm_way_id" in data.columns)
        else:
            ref = str(props.get("id") or props.get("fid") or "")
        name_column = mapping.get("name", "name")
        name = str(props.get(name_column) or tags.get("name") or "")
        try:
            clean, repaired = _clean_geometry(kind, geom)
        except GeometryRejected as e:
            outcome.rejected.append(
                {"row": number, "layer": data.name, "ref": ref, "reason": vector.geometry_reason(e)}
            )
            continue
        outcome.repaired += int(repaired)
        counts[str(kind)] += 1
        outcome.candidates.append(
            Candidate(kind=kind, geom=clean, name=name[:300], ref=ref[:60], properties=tags)
        )
    outcome.layers.append(
        {
            "layer": data.name,
            "features": len(data.geoms),
            "crs": crs.label,
            "crs_source": crs.source,
            "swapped": crs.swapped,
            "kinds": dict(counts),
        }
    )


def read_csv_layer(path: Path, mapping: dict[str, str], filename: str) -> vector.LayerData:
    """A register of points in a CSV file: x and y columns (by the mapping, or by their names)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    fields = [f for f in (reader.fieldnames or []) if f]
    folded = {fold(f.strip()): f for f in fields}

    def column(key: str, candidates: tuple[str, ...]) -> str:
        if mapping.get(key):
            if mapping[key] not in fields:
                raise uploads.UploadRejected(
                    _("%(file)s: kolumnen %(col)s finns inte (kolumner: %(cols)s)")
                    % {"file": filename, "col": mapping[key], "cols": ", ".join(fields)},
                    status=400,
                )
            return mapping[key]
        found = next((folded[c] for c in candidates if c in folded), "")
        if not found:
            raise uploads.UploadRejected(
                _(
                    "%(file)s: hittar ingen kolumn för %(key)s; ange den i mappningen (%(key)s=kolumn)"
                )
                % {"file": filename, "key": key},
                status=400,
            )
        return found

    x_col, y_col = column("x", X_COLUMNS), column("y", Y_COLUMNS)
    comma_decimals = getattr(dialect, "delimiter", ",") != ","
    geoms: list[BaseGeometry | None] = []
    props: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    rejected_index: set[int] = set()
    for number, row in enumerate(reader, start=2):  # row 1 is the header
        clean = {k: v for k, v in row.items() if k}
        props.append(clean)
        try:
            x = _number(clean.get(x_col), comma_decimals)
            y = _number(clean.get(y_col), comma_decimals)
        except ValueError:
            geoms.append(None)
            rejected_index.add(number - 1)
            rejected.append(
                {
                    "row": number,
                    "layer": path.stem,
                    "ref": str(clean.get(mapping.get("id", ""), "") or ""),
                    "reason": _("x eller y är inte ett tal (%(x)s, %(y)s)")
                    % {"x": clean.get(x_col), "y": clean.get(y_col)},
                }
            )
            continue
        geoms.append(Point(x, y))
    return vector.LayerData(
        name=path.stem,
        crs_claim=None,
        geoms=geoms,
        props=props,
        rejected=rejected,
        rejected_index=rejected_index,
    )


def _number(value: str | None, comma_decimals: bool) -> float:
    text = (value or "").strip().replace(" ", "")
    if comma_decimals:
        text = text.replace(",", ".")
    number = float(text)
    if not np.isfinite(number):
        raise ValueError(text)
    return number


def _read_layers(
    path: Path,
    fmt: str,
    filename: str,
    workdir: Path,
    mapping: dict[str, str],
    source_layers: Iterable[str],
) -> Iterable[vector.LayerData]:
    wanted = [s for s in source_layers if s]
    if fmt == uploads.GEOJSON:
        yield vector.read_geojson(path)
    elif fmt == uploads.CSV:
        yield read_csv_layer(path, mapping, filename)
    elif fmt in {uploads.GPKG, uploads.OSM_PBF, uploads.ZIP}:
        if fmt == uploads.ZIP:
            files = uploads.extract_zip(path, workdir)
            layers = {f.stem: f for f in files if f.suffix.lower() == ".shp"}
            if not layers:
                raise uploads.UploadRejected(
                    _("%(file)s: zip-filen innehåller ingen shapefil (.shp)") % {"file": filename}
                )
        elif fmt == uploads.OSM_PBF:
            layers = {name: path for name in OSM_PBF_LAYERS}
        else:
            layers = {name: path for name in vector.list_layers(path)}
        missing = [w for w in wanted if w not in layers]
        if missing:
            raise uploads.UploadRejected(
                _("%(file)s: lagret %(layers)s finns inte (lager: %(all)s)")
                % {"file": filename, "layers": ", ".join(missing), "all": ", ".join(layers)},
                status=400,
            )
        for name, file in layers.items():
            if not wanted or name in wanted:
                yield vector.read_gdal_layer(file, name)
    else:
        raise uploads.UploadRejected(
            _(
                "%(file)s: stadsmiljö läses från OSM PBF, GeoPackage, GeoJSON, zippad shapefil eller CSV"
            )
            % {"file": filename},
            status=415,
        )


# --- the import ----------------------------------------------------------------------------------


def import_context(
    path: Path,
    *,
    original_name: str | None = None,
    municipality: Municipality | None = None,
    layer_name: str = "",
    mapping: dict[str, str] | None = None,
    source_layers: Iterable[str] = (),
    srid: int | None = None,
    source: str = "",
    licence: str = "",
    user: User | AnonymousUser | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Import the context in ``path`` as one new ``ContextLayer``; raises ``UploadRejected`` on refusal."""
    filename = original_name or path.name
    mapping = mapping or {}
    step = progress or (lambda _stage, _done, _total: None)
    municipality = municipality or default_municipality()
    if municipality is None:
        raise uploads.UploadRejected(_("Ingen kommun är inläst; läs in kommunen först"))
    name = (layer_name or Path(filename).name.split(".")[0]).strip()[:200]
    if ContextLayer.objects.filter(municipality=municipality, name=name).exists():
        raise uploads.UploadRejected(
            _(
                "Det finns redan ett kontextlager som heter %(name)s; ångra den importen eller välj ett annat namn"
            )
            % {"name": name},
            status=409,
        )
    fmt = uploads.sniff(path)
    uploads.check_name_matches(path, fmt, filename)
    if fmt == uploads.CSV and not (mapping.get("srid") or srid):
        raise uploads.UploadRejected(
            _(
                "%(file)s: en CSV-fil säger inte vilket koordinatsystem den har; ange srid i mappningen (t.ex. srid=3011)"
            )
            % {"file": filename}
        )
    if fmt == uploads.CSV and not mapping.get("kind"):
        raise uploads.UploadRejected(
            _("%(file)s: ange vilken typ raderna är i mappningen (t.ex. kind=lamp)")
            % {"file": filename},
            status=400,
        )
    outcome = Outcome()
    step("read", 0, 1)
    with uploads.workspace() as workdir:
        for data in _read_layers(path, fmt, filename, workdir, mapping, source_layers):
            _classify_layer(data, mapping, srid, filename, outcome)
            step("read", len(outcome.layers), len(outcome.layers) + 1)
    kept, outside, duplicates = _keep(outcome.candidates, municipality)
    if outcome.candidates and not kept:
        raise uploads.UploadRejected(
            _(
                "%(file)s: inget av filens %(n)s objekt ligger i eller nära %(muni)s. Stämmer koordinatsystemet?"
            )
            % {"file": filename, "n": len(outcome.candidates), "muni": municipality}
        )
    if not kept:
        raise uploads.UploadRejected(
            _(
                "%(file)s: inga objekt kunde klassas som gata, gångväg, byggnad, lampa, målpunkt, markanvändning, park, vatten eller hållplats. Ange typen i mappningen (kind=…)."
            )
            % {"file": filename}
        )
    sha256 = _sha256(path)
    batch = _store(
        kept,
        outcome=outcome,
        municipality=municipality,
        name=name,
        source=source or ("OpenStreetMap" if outcome.osm else filename),
        licence=licence or (OSM_LICENCE if outcome.osm else ""),
        filename=filename,
        sha256=sha256,
        profile=_profile(fmt, outcome, mapping),
        user=user,
        outside=outside,
        duplicates=duplicates,
        step=step,
    )
    return batch


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _profile(fmt: str, outcome: Outcome, mapping: dict[str, str]) -> str:
    if fmt == uploads.OSM_PBF:
        return "osm_pbf"
    if mapping:
        return f"register_{mapping.get('kind', 'mappning')}"[:60]
    return "osm_lager" if outcome.osm else f"kontext_{fmt}"[:60]


def _keep(
    candidates: list[Candidate], municipality: Municipality
) -> tuple[list[Candidate], int, int]:
    """Candidates near the municipality, each source reference once; (kept, outside, duplicates)."""
    if not candidates:
        return [], 0, 0
    area = to_shapely(municipality.boundary).buffer(MARGIN_M, quad_segs=4)
    shapely.prepare(area)
    near = shapely.intersects(area, np.asarray([c.geom for c in candidates], dtype=object))
    kept: list[Candidate] = []
    seen: set[str] = set()
    duplicates = 0
    for candidate, inside in zip(candidates, near, strict=True):
        if not inside:
            continue
        if candidate.ref:
            key = f"{candidate.ref}|{candidate.kind}"
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
        kept.append(candidate)
    return kept, int((~near).sum()), duplicates


COPY_SQL = (
    "COPY layers_contextfeature (municipality_id, layer_id, kind, geom, name, source_ref, properties) "
    "FROM STDIN"
)


def copy_features(
    municipality_id: int,
    layer_id: int,
    rows: list[Candidate],
    step: Progress | None = None,
    chunk: int = 5000,
) -> int:
    """Insert features with PostgreSQL COPY (13× faster than the ORM here; see docs/performance.md)."""
    if not rows:
        return 0
    geoms = shapely.set_srid(np.asarray([r.geom for r in rows], dtype=object), STORAGE_SRID)
    ewkb = shapely.to_wkb(geoms, hex=True, include_srid=True)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(COPY_SQL) as copy:
            for i, (row, wkb) in enumerate(zip(rows, ewkb, strict=True), start=1):
                copy.write_row(
                    (
                        municipality_id,
                        layer_id,
                        row.kind,
                        wkb,
                        row.name,
                        row.ref,
                        json.dumps(row.properties, ensure_ascii=False),
                    )
                )
                if step is not None and i % chunk == 0:
                    step("store", i, len(rows))
    if step is not None:
        step("store", len(rows), len(rows))
    return len(rows)


@transaction.atomic
def _store(
    kept: list[Candidate],
    *,
    outcome: Outcome,
    municipality: Municipality,
    name: str,
    source: str,
    licence: str,
    filename: str,
    sha256: str,
    profile: str,
    user: User | AnonymousUser | None,
    outside: int,
    duplicates: int,
    step: Progress,
) -> ImportBatch:
    real_user = user if user is not None and user.is_authenticated else None
    batch = ImportBatch.objects.create(
        municipality=municipality,
        kind=ImportBatch.Kind.CONTEXT,
        filename=filename[:500],
        file_sha256=sha256,
        profile=profile,
        created_by=real_user,
        rows_read=outcome.rows_read,
    )
    layer = ContextLayer.objects.create(
        municipality=municipality,
        name=name,
        source=source[:300],
        licence=licence[:200],
        import_batch=batch,
    )
    stored = copy_features(municipality.pk, layer.pk, kept, step)
    kinds = Counter(c.kind for c in kept)
    batch.rows_stored = stored
    batch.rows_rejected = len(outcome.rejected)
    batch.rejected = outcome.rejected[:MAX_REJECTED_LISTED]
    batch.report = {
        "layer": {"id": layer.pk, "name": layer.name},
        "kinds": {k.value: kinds.get(k.value, 0) for k in Kind},
        "layers": outcome.layers,
        "skipped_unclassified": sum(outcome.skipped_kind.values()),
        "skipped_outside": outside,
        "duplicates": duplicates,
        "repaired": outcome.repaired,
        "source": source,
        "licence": licence,
    }
    batch.save(update_fields=["rows_stored", "rows_rejected", "rejected", "report"])
    return batch


@transaction.atomic
def undo_import(
    batch: ImportBatch,
    *,
    user: User | AnonymousUser | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Remove the context layer ``batch`` created, with all its features."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.kind != ImportBatch.Kind.CONTEXT:
        raise uploads.UploadRejected(_("Importen är inte ett kontextlager"), status=400)
    if batch.status != ImportBatch.Status.DONE:
        raise uploads.UploadRejected(_("Importen är redan ångrad"), status=409)
    layers = ContextLayer.objects.filter(import_batch=batch)
    names = list(layers.values_list("name", flat=True))
    features = ContextFeature.objects.filter(layer__in=layers).delete()[0]
    layers.delete()
    batch.status = ImportBatch.Status.UNDONE
    batch.undone_at = timezone.now()
    batch.save(update_fields=["status", "undone_at"])
    audit.record(
        AuditEvent.Action.IMPORT_UNDONE,
        user=user,
        request=request,
        channel="page" if request is not None else "command",
        object_type="context",
        count=features,
        detail={"batch": batch.pk, "filename": batch.filename, "layers": names},
    )
