"""Read a digital detaljplan in Lantmäteriet's exchange format Detaljplan 4.1 (BFS 2020:5 plans).

A plan begun after 31 December 2021 is delivered to the national geodata platform as JSON with the media
type ``application/vnd.lm.detaljplan.v4+json`` (schema ``detaljplan-4.1.json``, with ``geometri-2.0`` and
``geometrimetadata-2.0.1``; docs/decisions/0710). The file looks like GeoJSON but is not: it is a
FeatureCollection whose features all have ``"geometry": null`` and carry their geometry inside
``properties``, so GDAL opens it "successfully" as a layer without geometry. Recognise it with
``is_detaljplan41`` *before* handing a JSON file to a GeoJSON reader.

One feature is the ``detaljplan`` (identity, kommun, namn, status, the plan area in ``plangeometri``,
``beslutsinformation``); every other is a planbestämmelse (``användningsbestämmelse``,
``egenskapsbestämmelse`` or ``administrativ bestämmelse``) with a reference to Boverket's catalogue, its
wording and values, and ``bestammelsegeometri``: one or more areas (``yta``), lines (``linje``) or points
(``punkt``), each naming its CRS (``koordinatsystemPlan``, EPSG:3006-3018) and, in 3D, its height system
(``hojdsystem``, RH 2000). A regulation limited in height (``vertikalAvgransning`` "uppåt"/"nedåt") has a
3D geometry; Trygg keeps the 2D footprint and records the limit with the Z range.

What refuses the file (``Detaljplan41Error``, naming the object by its ``objektidentitet``): not this
format, a broken structure, no plan or no plan area, a CRS outside the format's list, mixed CRSs, a
geometry that cannot be read. What does not: a regulation without geometry, a catalogue reference the
shipped catalogue lacks, and a few rule breaks the plan can live with; those come back in
``Detaljplan41.reported`` with the regulation's identity and a reason key.

This module never reads files: callers pass the parsed document (``loads`` parses bytes safely).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)
from shapely.geometry.base import BaseGeometry

from geo.crs_detect import SRID_LABELS, CrsProblem, orient
from geo.errors import InputProblem
from geo.planbestammelsekatalog import (
    USE as CATALOGUE_USE,
)
from geo.planbestammelsekatalog import (
    Catalogue,
    CatalogueEntry,
    entry_use_code,
    load_catalogue,
)

MEDIA_TYPE = "application/vnd.lm.detaljplan.v4+json"

PLAN = "detaljplan"
USE = "användningsbestämmelse"
PROPERTY = "egenskapsbestämmelse"
ADMINISTRATIVE = "administrativ bestämmelse"
REGULATION_KINDS = (USE, PROPERTY, ADMINISTRATIVE)

STATUSES = (
    "påbörjad",
    "samråd",
    "granskning",
    "antagen",
    "överklagad",
    "tillsyn",
    "laga kraft",
    "upphävd",
    "avslutad",
)
VERTICAL_LIMITS = ("uppåt", "nedåt")
# koordinatsystemPlan: SWEREF 99 TM and the twelve local zones, nothing else (geometri-2.0.json).
PLAN_SRIDS = frozenset(range(3006, 3019))

AREA = "area"
LINE = "line"
POINT = "point"
MIXED = "mixed"

# geometri.typ -> the GeoJSON type its position must have (geometri-2.0.json).
POSITION_TYPES = {
    "punkt": "Point",
    "linje": "LineString",
    "yta": "Polygon",
    "kropp": "MultiPolygon",  # the faces of one closed solid
    "multipunkt": "MultiPoint",
    "multilinje": "MultiLineString",
    "multiyta": "MultiPolygon",
    "multikropp": "GeometryCollection",  # of kropp (MultiPolygon)
    "multigeometri": "GeometryCollection",
}
SOLIDS = frozenset({"kropp", "multikropp"})

_EPSG = re.compile(r"^EPSG:(\d{4,5})$")
_VARIABLE = re.compile(r"\[([^\[\]:]+):(text|decimaltal)\]")
_KOMMUNKOD = re.compile(r"^\d{4}$")


class Detaljplan41Error(InputProblem):
    """The file cannot be read as a plan; ``params["object"]`` names the object ("" for the file).

    Keys: ``not_json``, ``not_detaljplan41``, ``wrong_type``, ``missing_field``, ``bad_value``,
    ``unknown_kind``, ``duplicate_identity``, ``no_plan``, ``several_plans``, ``other_plan``,
    ``no_plan_area``, ``bad_geometry``, ``unknown_crs``, ``mixed_crs``, ``crs_implausible``.
    ``params`` always has ``object`` and, below the file level, ``index`` (the feature's place,
    from 0) and ``kind`` (its ``feature:typ``).
    """


@dataclass(frozen=True)
class VerticalLimit:
    """``vertikalAvgransning``: the regulation holds above (``uppåt``) or below (``nedåt``) its surface."""

    direction: str
    z_min: float | None  # the lowest and highest Z of the geometry, metres in height_srid
    z_max: float | None
    height_srid: int | None  # 5613 (RH 2000), the only height system the format allows


@dataclass(frozen=True)
class Value:
    """One ``bestammelsevarde``: a value for a variable in the wording (``[höjd:decimaltal]``)."""

    name: str  # beskrivning: the variable's name in the wording
    datatyp: str  # text or decimaltal
    raw: str  # variabelvarde as the file writes it
    number: float | None  # a decimaltal read with a decimal point or comma; None for text
    vardetyp: str = ""  # min, max, exakt
    enhet: str = ""  # meter, kvadratmeter, procent, …


@dataclass
class Planbestammelse:
    """One planbestämmelse as the file gives it, with its 2D footprint in the plan's CRS."""

    objektidentitet: str
    kind: (
        str  # feature:typ: användningsbestämmelse, egenskapsbestämmelse, administrativ bestämmelse
    )
    index: int  # the feature's place in the file, from 0
    catalogue_ref: str  # planbestammelsekatalogreferens (a catalogue entry's UUID)
    formulering: str  # bestammelseformulering, often with [name:type] placeholders
    values: list[Value]
    # MultiPolygon, MultiLineString, MultiPoint, or a GeometryCollection when the parts are of mixed
    # kinds; None without geometry. Parts are as the file draws them: overlapping parts are not merged.
    footprint: BaseGeometry | None
    geometry_type: str  # area, line, point, mixed; "" without geometry
    vertical_limit: VerticalLimit | None = None
    regulates: list[str] = field(default_factory=list)  # reglerarAnvandningsbestammelse
    regulates_plan: bool = False  # reglerarDetaljplan names the plan: the whole plan area
    motiv: str = ""  # planbestammelsebeskrivning.motiv
    original_formulering: str = ""  # ursprungligBestammelseformulering (digitised older plans)
    catalogue_entry: CatalogueEntry | None = None
    use_code: str | None = None  # Trygg's use code, for a use regulation the catalogue knows

    @property
    def text(self) -> str:
        """The wording with its values filled in (``fill_wording``)."""
        return fill_wording(self.formulering, self.values)


@dataclass(frozen=True)
class Beslut:
    """One item of ``beslutsinformation``."""

    instans: str  # instansInomKommunen
    beslutstyp: str
    diarienummer: str  # diarienummerKommun
    datum_paborjat: str
    datum_antagande: str
    datum_lagakraft: list[str]
    genomforandetid: int | None  # months, as rita-detaljplan reads it (docs/decisions/0710)
    planbestammelser: list[str]  # the identities of the regulations the decision covers


@dataclass(frozen=True)
class Reported:
    """A regulation kept but reported: its identity, a reason key and the values that explain it.

    Reasons: ``no_geometry``, ``no_catalogue_ref``, ``unknown_catalogue_ref``,
    ``catalogue_kind_mismatch``, ``use_without_code``, ``unknown_regulated_use``,
    ``vertical_limit_not_area``, ``vertical_limit_without_height``, ``value_not_a_number``.
    """

    objektidentitet: str
    kind: str
    reason: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class Detaljplan41:
    """A plan read from a Detaljplan 4.1 document; every geometry is 2D, in ``srid``."""

    objektidentitet: str
    kommun: str  # the municipality's name (as rita-detaljplan writes it) or its four-digit code
    beteckning: str
    namn: str
    syfte: str
    status: str  # one of STATUSES, or "" when the file gives none
    typ: str  # detaljplan, stadsplan, byggnadsplan, avstyckningsplan
    datum_statusforandring: str
    version_giltig_fran: str
    objektversion: int | None
    plan_area: MultiPolygon
    srid: int  # EPSG code of koordinatsystemPlan, the same for every object in the file
    vertical_limit: VerticalLimit | None
    beslut: list[Beslut]
    regulations: list[Planbestammelse]
    reported: list[Reported]
    catalogue_release: str  # the catalogue release the references were looked up in

    @property
    def kommunkod(self) -> str | None:
        """The four-digit kommunkod when ``kommun`` is one, else None (then it is a name)."""
        return self.kommun if _KOMMUNKOD.match(self.kommun) else None

    @property
    def uses(self) -> list[Planbestammelse]:
        return [r for r in self.regulations if r.kind == USE]


# --- recognising and parsing ------------------------------------------------------------------------


def loads(data: bytes) -> Any:
    """Parse the bytes of a JSON file, refusing NaN and infinite numbers (not JSON, and not coordinates).

    Raises
    ------
    Detaljplan41Error
        ``not_json`` with ``error`` when the bytes are not UTF-8 JSON.

    Examples
    --------
    >>> loads(b'{"type": "FeatureCollection"}')
    {'type': 'FeatureCollection'}
    >>> loads(b'[1, NaN]')
    Traceback (most recent call last):
    ...
    geo.detaljplan41.Detaljplan41Error: not JSON: NaN is not a number JSON allows
    """

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not a number JSON allows")

    try:
        return json.loads(data.decode("utf-8-sig"), parse_constant=refuse)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise Detaljplan41Error("not_json", f"not JSON: {e}", object="", error=str(e)) from e


def is_detaljplan41(document: object) -> bool:
    """Whether a parsed JSON document says it is Detaljplan 4.x by its ``feature:mediatyp``.

    >>> is_detaljplan41({"type": "FeatureCollection", "feature:mediatyp": MEDIA_TYPE, "features": []})
    True
    >>> is_detaljplan41({"type": "FeatureCollection", "features": []})  # plain GeoJSON
    False
    """
    return isinstance(document, Mapping) and document.get("feature:mediatyp") == MEDIA_TYPE


def read_detaljplan41(document: object, *, catalogue: Catalogue | None = None) -> Detaljplan41:
    """The plan in a parsed Detaljplan 4.1 document, its regulations and what was reported.

    Parameters
    ----------
    document
        The parsed JSON (``loads``).
    catalogue
        Boverket's catalogue to look references up in; the shipped release 20251201 by default.

    Returns
    -------
    Detaljplan41
        Footprints in the plan's CRS (``srid``), vertical limits recorded, per-regulation problems in
        ``reported``.

    Raises
    ------
    Detaljplan41Error
        When the file cannot be read as a plan (keys in the class's docstring).

    Examples
    --------
    >>> def yta(x0, y0, x1, y1):
    ...     ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    ...     return [{"geometri": {"typ": "yta", "koordinatsystemPlan": "EPSG:3011", "dimension": 2,
    ...              "position": {"type": "Polygon", "coordinates": [ring]}}, "geometrimetadata": {}}]
    >>> plan = {"feature:typ": "detaljplan", "objektidentitet": "p1", "kommun": "0114", "namn": "Test",
    ...         "syfte": "", "status": "samråd", "typ": "detaljplan", "plangeometri": yta(145000, 6600300, 145100, 6600400)}
    >>> b = {"feature:typ": "användningsbestämmelse", "objektidentitet": "b1", "detaljplan": "p1",
    ...      "planbestammelsekatalogreferens": "f9e056a6-cda8-4b92-a15d-dc70d61dfa36",
    ...      "bestammelseformulering": "Bostäder", "bestammelsegeometri": yta(145000, 6600300, 145100, 6600400)}
    >>> park = dict(b, objektidentitet="b2", bestammelsegeometri=[],
    ...             planbestammelsekatalogreferens="72d5f850-eae5-4cdc-afff-6bf8e1042d52")
    >>> doc = {"type": "FeatureCollection", "feature:mediatyp": MEDIA_TYPE, "features": [
    ...     {"type": "Feature", "geometry": None, "properties": p} for p in (plan, b, park)]}
    >>> read = read_detaljplan41(doc)
    >>> read.srid, read.plan_area.area, read.kommunkod, [(r.use_code, r.geometry_type) for r in read.regulations]
    (3011, 10000.0, '0114', [('B', 'area'), ('PARK', '')])
    >>> [(r.objektidentitet, r.reason) for r in read.reported]  # kept, and reported by identity
    [('b2', 'no_geometry')]
    """
    catalogue = catalogue or load_catalogue()
    features = _features(document)
    plan_feature = _the_plan(features)
    plan_props = plan_feature.props
    plan_id = plan_feature.identity

    plan_parts = _geometry_list(plan_feature, "plangeometri", required=True)
    if not plan_parts:
        raise _error("no_plan_area", "the plan has no plangeometri (the plan area)", plan_feature)
    plan_geometry = _footprint(plan_parts, plan_feature, "plangeometri")
    if plan_geometry.kind != AREA:
        raise _error(
            "bad_geometry",
            "the plan area (plangeometri) must be areas",
            plan_feature,
            field="plangeometri",
            reason="not_area",
        )
    assert isinstance(plan_geometry.shape, MultiPolygon)

    regulation_features = [f for f in features if f is not plan_feature]
    parts_by_feature = {
        f.index: _geometry_list(f, "bestammelsegeometri", required=False)
        for f in regulation_features
    }
    srid = _one_srid(plan_feature, plan_parts, regulation_features, parts_by_feature)
    _check_plausible(srid, plan_feature, plan_parts, regulation_features, parts_by_feature)

    use_ids = {f.identity for f in regulation_features if f.kind == USE}
    regulations: list[Planbestammelse] = []
    reported: list[Reported] = []
    for feature in regulation_features:
        owner = feature.props.get("detaljplan")
        if owner is not None and owner != plan_id:
            raise _error(
                "other_plan",
                f"{feature.kind} {feature.identity} belongs to the plan {owner}, not {plan_id}",
                feature,
                plan=str(owner),
                this_plan=plan_id,
            )
        regulation, problems = _regulation(
            feature, parts_by_feature[feature.index], catalogue, use_ids, plan_id
        )
        regulations.append(regulation)
        reported.extend(problems)

    return Detaljplan41(
        objektidentitet=plan_id,
        kommun=_string(plan_feature, "kommun", required=True),
        beteckning=_string(plan_feature, "beteckning"),
        namn=_string(plan_feature, "namn"),
        syfte=_string(plan_feature, "syfte"),
        status=_choice(plan_feature, "status", STATUSES),
        typ=_string(plan_feature, "typ"),
        datum_statusforandring=_string(plan_feature, "datumStatusforandring"),
        version_giltig_fran=_string(plan_feature, "versionGiltigFran"),
        objektversion=_integer(plan_feature, plan_props.get("objektversion"), "objektversion"),
        plan_area=plan_geometry.shape,
        srid=srid,
        vertical_limit=_vertical_limit(plan_feature, plan_geometry),
        beslut=_beslut(plan_feature),
        regulations=regulations,
        reported=reported,
        catalogue_release=catalogue.release,
    )


# --- the features -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Feature:
    index: int
    kind: str
    identity: str
    props: Mapping[str, Any]

    @property
    def name(self) -> str:
        return self.identity or f"features[{self.index}]"


def _error(key: str, message: str, feature: _Feature | None, **params: object) -> Detaljplan41Error:
    if feature is None:
        return Detaljplan41Error(key, message, object="", **params)
    return Detaljplan41Error(
        key,
        f"{feature.kind or 'feature'} {feature.name}: {message}",
        object=feature.name,
        index=feature.index,
        kind=feature.kind,
        **params,
    )


def _features(document: object) -> list[_Feature]:
    if not isinstance(document, Mapping):
        raise _error(
            "wrong_type", "the file is not a JSON object", None, field="", expected="object"
        )
    if not is_detaljplan41(document):
        found = document.get("feature:mediatyp")
        raise Detaljplan41Error(
            "not_detaljplan41",
            f"feature:mediatyp is {found!r}, not {MEDIA_TYPE}",
            object="",
            mediatyp=str(found) if found is not None else "",
        )
    if document.get("type") != "FeatureCollection":
        raise _error(
            "bad_value",
            "type must be FeatureCollection",
            None,
            field="type",
            value=str(document.get("type")),
        )
    raw = document.get("features")
    if not isinstance(raw, list):
        raise _error(
            "wrong_type", "features must be a list", None, field="features", expected="list"
        )
    features: list[_Feature] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        where = _Feature(index=index, kind="", identity="", props={})
        if not isinstance(item, Mapping):
            raise _error(
                "wrong_type", "a feature must be an object", where, field="", expected="object"
            )
        props = item.get("properties")
        if not isinstance(props, Mapping):
            raise _error(
                "wrong_type",
                "properties must be an object",
                where,
                field="properties",
                expected="object",
            )
        identity = props.get("objektidentitet")
        kind = props.get("feature:typ")
        where = _Feature(
            index=index,
            kind=kind if isinstance(kind, str) else "",
            identity=identity if isinstance(identity, str) else "",
            props=props,
        )
        if item.get("geometry") is not None:
            # Detaljplan 4.1 carries geometry in properties; a filled-in geometry means someone
            # converted the file, and which of the two is right cannot be told.
            raise _error(
                "bad_value",
                "geometry must be null (the geometry is in properties)",
                where,
                field="geometry",
                value=str(item.get("geometry"))[:80],
            )
        if kind != PLAN and kind not in REGULATION_KINDS:
            raise _error("unknown_kind", f"unknown feature:typ {kind!r}", where, value=str(kind))
        if not where.identity.strip():
            raise _error(
                "missing_field", "objektidentitet is missing", where, field="objektidentitet"
            )
        if where.identity in seen:
            raise _error(
                "duplicate_identity",
                f"the objektidentitet is also that of features[{seen[where.identity]}]",
                where,
                other_index=seen[where.identity],
            )
        seen[where.identity] = index
        features.append(where)
    return features


def _the_plan(features: list[_Feature]) -> _Feature:
    plans = [f for f in features if f.kind == PLAN]
    if not plans:
        raise _error("no_plan", "the file has no feature with feature:typ detaljplan", None)
    if len(plans) > 1:
        raise _error(
            "several_plans",
            f"the file has {len(plans)} detaljplan features; a file holds one plan",
            None,
            count=len(plans),
            objects=", ".join(p.name for p in plans),
        )
    return plans[0]


def _string(feature: _Feature, name: str, *, required: bool = False) -> str:
    value = feature.props.get(name)
    if value is None or (required and isinstance(value, str) and not value.strip()):
        if required:
            raise _error("missing_field", f"{name} is missing", feature, field=name)
        return ""
    if not isinstance(value, str):
        raise _error(
            "wrong_type", f"{name} must be a string", feature, field=name, expected="string"
        )
    return value.strip()


def _choice(feature: _Feature, name: str, allowed: Sequence[str]) -> str:
    value = _string(feature, name)
    if value and value not in allowed:
        raise _error(
            "bad_value",
            f"{name} is {value!r}, not one of {', '.join(allowed)}",
            feature,
            field=name,
            value=value,
            allowed=", ".join(allowed),
        )
    return value


def _integer(feature: _Feature, value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise _error(
            "wrong_type", f"{name} must be an integer", feature, field=name, expected="integer"
        )
    return int(value)


def _strings(feature: _Feature, value: object, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _error(
            "wrong_type", f"{name} must be a list of strings", feature, field=name, expected="list"
        )
    return [v.strip() for v in value]


# --- geometry ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    """One geometribeskrivning: its geometry as the file gives it (2D or 3D) and its metadata."""

    field: str  # e.g. bestammelsegeometri[1]
    typ: str
    srid: int
    height_srid: int | None
    geometry: BaseGeometry


@dataclass(frozen=True)
class _Footprint:
    shape: BaseGeometry
    kind: str  # area, line, point, mixed
    z_min: float | None
    z_max: float | None
    height_srid: int | None


def _geometry_list(feature: _Feature, name: str, *, required: bool) -> list[_Part]:
    raw = feature.props.get(name)
    if raw is None:
        if required:
            raise _error("no_plan_area", f"{name} is missing", feature, field=name)
        return []
    if not isinstance(raw, list):
        raise _error("wrong_type", f"{name} must be a list", feature, field=name, expected="list")
    return [_part(feature, f"{name}[{i}]", item) for i, item in enumerate(raw)]


def _part(feature: _Feature, where: str, item: object) -> _Part:
    if not isinstance(item, Mapping):
        raise _error(
            "wrong_type", f"{where} must be an object", feature, field=where, expected="object"
        )
    geometri = item.get("geometri")
    if not isinstance(geometri, Mapping):
        raise _error(
            "wrong_type" if geometri is not None else "missing_field",
            f"{where}.geometri must be an object",
            feature,
            field=f"{where}.geometri",
            expected="object",
        )
    for name in ("typ", "position", "koordinatsystemPlan"):
        if geometri.get(name) is None:
            raise _error(
                "missing_field",
                f"{where}.geometri.{name} is missing",
                feature,
                field=f"{where}.geometri.{name}",
            )
    typ = geometri["typ"]
    if typ not in POSITION_TYPES:
        raise _error(
            "bad_geometry",
            f"{where}.geometri.typ {typ!r} is not a geometry type of the format",
            feature,
            field=f"{where}.geometri.typ",
            reason="unknown_type",
            value=str(typ),
        )
    crs = geometri["koordinatsystemPlan"]
    srid = _epsg(crs)
    if srid is None or srid not in PLAN_SRIDS:
        raise _error(
            "unknown_crs",
            f"{where}.geometri.koordinatsystemPlan {crs!r} is not SWEREF 99 TM or a SWEREF 99 zone",
            feature,
            field=f"{where}.geometri.koordinatsystemPlan",
            crs=str(crs),
        )
    height = geometri.get("hojdsystem")
    height_srid = _epsg(height) if isinstance(height, str) else None
    position = geometri["position"]
    expected = POSITION_TYPES[typ]
    if not isinstance(position, Mapping) or position.get("type") != expected:
        found = position.get("type") if isinstance(position, Mapping) else type(position).__name__
        raise _error(
            "bad_geometry",
            f"{where}: a {typ} must have a {expected} position, not {found}",
            feature,
            field=f"{where}.geometri.position",
            reason="type_mismatch",
            value=str(found),
        )
    try:
        geometry = _geojson(position)
    except (ValueError, TypeError) as e:
        raise _error(
            "bad_geometry",
            f"{where}.geometri.position cannot be read: {e}",
            feature,
            field=f"{where}.geometri.position",
            reason="coordinates",
            detail=str(e),
        ) from e
    if typ == "multikropp" and not all(isinstance(g, MultiPolygon) for g in geometry.geoms):
        raise _error(
            "bad_geometry",
            f"{where}: a multikropp must be a collection of MultiPolygons",
            feature,
            field=f"{where}.geometri.position",
            reason="type_mismatch",
            value="GeometryCollection",
        )
    return _Part(field=where, typ=str(typ), srid=srid, height_srid=height_srid, geometry=geometry)


def _epsg(value: object) -> int | None:
    match = _EPSG.match(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def _geojson(position: Mapping[str, Any]) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry object, checking every coordinate."""
    kind = position.get("type")
    if kind == "GeometryCollection":
        members = position.get("geometries")
        if not isinstance(members, list) or not members:
            raise ValueError("a GeometryCollection needs a non-empty geometries list")
        parts = []
        for member in members:
            if not isinstance(member, Mapping):
                raise ValueError("a member of geometries is not an object")
            parts.append(_geojson(member))
        return GeometryCollection(parts)
    coords = position.get("coordinates")
    if kind == "Point":
        return Point(_position(coords))
    if kind == "LineString":
        return _line(coords)
    if kind == "Polygon":
        return _polygon(coords)
    if kind == "MultiPoint":
        return MultiPoint([_position(c) for c in _non_empty(coords)])
    if kind == "MultiLineString":
        return MultiLineString([_line(c) for c in _non_empty(coords)])
    if kind == "MultiPolygon":
        return MultiPolygon([_polygon(c) for c in _non_empty(coords)])
    raise ValueError(f"unknown GeoJSON type {kind!r}")


def _non_empty(value: object) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise ValueError("coordinates must be a non-empty list")
    return value


def _position(value: object) -> tuple[float, ...]:
    if (
        not isinstance(value, list)
        or len(value) not in (2, 3)
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise ValueError(f"a position must be 2 or 3 numbers, not {str(value)[:60]}")
    if not all(math.isfinite(v) for v in value):
        raise ValueError("a coordinate is not a finite number")
    return tuple(float(v) for v in value)


def _line(value: object) -> LineString:
    points = [_position(p) for p in _non_empty(value)]
    if len(points) < 2:
        raise ValueError("a line needs at least two positions")
    return LineString(points)


def _polygon(value: object) -> Polygon:
    rings = []
    for ring_value in _non_empty(value):
        ring = [_position(p) for p in _non_empty(ring_value)]
        if len(ring) < 4:
            raise ValueError("a ring needs at least four positions")
        if ring[0][:2] != ring[-1][:2]:
            raise ValueError("a ring must end where it starts")
        rings.append(ring)
    return Polygon(rings[0], rings[1:])


def _basic_parts(geometry: BaseGeometry, typ: str) -> Iterator[BaseGeometry]:
    """Polygons, lines and points in 2D; a solid (kropp) as the outline of its faces seen from above."""
    if typ == "kropp":
        yield from _projected(geometry)
    elif typ == "multikropp":
        for solid in getattr(geometry, "geoms", []):
            yield from _projected(solid)
    elif hasattr(geometry, "geoms"):
        for member in geometry.geoms:
            yield from _basic_parts(member, "")
    else:
        yield shapely.force_2d(geometry)


def _projected(solid: BaseGeometry) -> list[Polygon]:
    """The footprint of a solid: its faces projected to the plane and merged. Vertical faces add no
    area, and a projected face may cross itself, so each is repaired before the union."""
    faces: list[Polygon] = []
    for face in getattr(solid, "geoms", [solid]):
        flat = shapely.make_valid(shapely.force_2d(face))
        faces.extend(
            g for g in getattr(flat, "geoms", [flat]) if isinstance(g, Polygon) and g.area > 0
        )
    if not faces:
        return []
    union = shapely.union_all(faces)
    return [g for g in getattr(union, "geoms", [union]) if isinstance(g, Polygon)]


def _footprint(parts: list[_Part], feature: _Feature, name: str) -> _Footprint:
    pieces: list[BaseGeometry] = []
    for part in parts:
        pieces.extend(_basic_parts(part.geometry, part.typ))
    if not pieces:
        raise _error(
            "bad_geometry",
            f"{name} has no area, line or point (a solid with no extent seen from above)",
            feature,
            field=name,
            reason="empty",
        )
    polygons = [p for p in pieces if isinstance(p, Polygon)]
    lines = [p for p in pieces if isinstance(p, LineString)]
    points = [p for p in pieces if isinstance(p, Point)]
    shape: BaseGeometry
    if len(polygons) == len(pieces):
        shape, kind = MultiPolygon(polygons), AREA
    elif len(lines) == len(pieces):
        shape, kind = MultiLineString(lines), LINE
    elif len(points) == len(pieces):
        shape, kind = MultiPoint(points), POINT
    else:
        shape, kind = GeometryCollection(pieces), MIXED
    zs = [
        float(z)
        for part in parts
        for z in shapely.get_coordinates(part.geometry, include_z=True)[:, 2]
        if not math.isnan(z)
    ]
    heights = {p.height_srid for p in parts if p.height_srid is not None}
    return _Footprint(
        shape=shape,
        kind=kind,
        z_min=min(zs) if zs else None,
        z_max=max(zs) if zs else None,
        height_srid=min(heights) if heights else None,
    )


def _one_srid(
    plan: _Feature,
    plan_parts: list[_Part],
    regulations: list[_Feature],
    parts_by_feature: Mapping[int, list[_Part]],
) -> int:
    """The plan's CRS; every geometry of every object must name the same one."""
    srid = plan_parts[0].srid
    owners = [(plan, plan_parts)] + [(f, parts_by_feature[f.index]) for f in regulations]
    for feature, parts in owners:
        for part in parts:
            if part.srid != srid:
                raise _error(
                    "mixed_crs",
                    f"{part.field} is in EPSG:{part.srid}, the plan area in EPSG:{srid}; "
                    "a plan has one coordinate system",
                    feature,
                    field=part.field,
                    crs=f"EPSG:{part.srid}",
                    plan_crs=f"EPSG:{srid}",
                    plan_object=plan.name,
                )
    return srid


def _check_plausible(
    srid: int,
    plan: _Feature,
    plan_parts: list[_Part],
    regulations: list[_Feature],
    parts_by_feature: Mapping[int, list[_Part]],
) -> None:
    """Coordinates must lie where the named CRS can put Swedish data, in (E, N) order; the first
    object that does not fit is named (a zone's eastings labelled as SWEREF 99 TM, say)."""
    owners = [(plan, plan_parts)] + [(f, parts_by_feature[f.index]) for f in regulations]
    for feature, parts in owners:
        if not parts:
            continue
        xy = shapely.get_coordinates([p.geometry for p in parts])
        try:
            swapped = orient(xy[:, 0], xy[:, 1], srid)
        except CrsProblem as e:
            raise _error(
                "crs_implausible",
                f"the coordinates do not fit EPSG:{srid}: {e}",
                feature,
                crs=SRID_LABELS.get(srid, f"EPSG:{srid}"),
                hint=str(e.params.get("hint", "")),
            ) from e
        if swapped:
            raise _error(
                "crs_implausible",
                f"the coordinates are northing first; the format writes easting, northing (EPSG:{srid})",
                feature,
                crs=SRID_LABELS.get(srid, f"EPSG:{srid}"),
                hint="northing first",
            )


def _vertical_limit(feature: _Feature, footprint: _Footprint | None) -> VerticalLimit | None:
    direction = _choice(feature, "vertikalAvgransning", VERTICAL_LIMITS)
    if not direction:
        return None
    return VerticalLimit(
        direction=direction,
        z_min=footprint.z_min if footprint else None,
        z_max=footprint.z_max if footprint else None,
        height_srid=footprint.height_srid if footprint else None,
    )


# --- regulations -------------------------------------------------------------------------------------


def _regulation(
    feature: _Feature,
    parts: list[_Part],
    catalogue: Catalogue,
    use_ids: set[str],
    plan_id: str,
) -> tuple[Planbestammelse, list[Reported]]:
    reported: list[Reported] = []

    def report(reason: str, **params: object) -> None:
        reported.append(Reported(feature.identity, feature.kind, reason, dict(params)))

    footprint = _footprint(parts, feature, "bestammelsegeometri") if parts else None
    if footprint is None:
        report("no_geometry")
    ref = _string(feature, "planbestammelsekatalogreferens")
    entry = catalogue.get(ref) if ref else None
    code: str | None = None
    if not ref:
        report("no_catalogue_ref")
    elif entry is None:
        report("unknown_catalogue_ref", ref=ref, release=catalogue.release)
    elif (entry.typ == CATALOGUE_USE) != (feature.kind == USE):
        report("catalogue_kind_mismatch", ref=ref, kod=entry.kod, catalogue_kind=entry.typ)
    elif feature.kind == USE:
        code = entry_use_code(entry)
        if code is None:
            report("use_without_code", ref=ref, kod=entry.kod, kategori=entry.kategori)

    regulates = _strings(
        feature,
        feature.props.get("reglerarAnvandningsbestammelse"),
        "reglerarAnvandningsbestammelse",
    )
    for other in regulates:
        if other not in use_ids:
            report("unknown_regulated_use", ref=other)

    vertical = _vertical_limit(feature, footprint)
    if vertical is not None and footprint is not None:
        if footprint.kind != AREA:
            report("vertical_limit_not_area", geometry_type=footprint.kind)
        elif vertical.z_min is None:
            report("vertical_limit_without_height", direction=vertical.direction)

    values = _values(feature)
    for value in values:
        if value.datatyp == "decimaltal" and value.number is None:
            report("value_not_a_number", name=value.name, value=value.raw)

    beskrivning = feature.props.get("planbestammelsebeskrivning")
    motiv = beskrivning.get("motiv") if isinstance(beskrivning, Mapping) else None
    regulation = Planbestammelse(
        objektidentitet=feature.identity,
        kind=feature.kind,
        index=feature.index,
        catalogue_ref=ref.lower(),
        formulering=_string(feature, "bestammelseformulering"),
        values=values,
        footprint=footprint.shape if footprint else None,
        geometry_type=footprint.kind if footprint else "",
        vertical_limit=vertical,
        regulates=regulates,
        regulates_plan=feature.props.get("reglerarDetaljplan") == plan_id,
        motiv=motiv.strip() if isinstance(motiv, str) else "",
        original_formulering=_string(feature, "ursprungligBestammelseformulering"),
        catalogue_entry=entry,
        use_code=code,
    )
    return regulation, reported


def _values(feature: _Feature) -> list[Value]:
    raw = feature.props.get("bestammelsevarde")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _error(
            "wrong_type",
            "bestammelsevarde must be a list",
            feature,
            field="bestammelsevarde",
            expected="list",
        )
    values = []
    for i, item in enumerate(raw):
        where = f"bestammelsevarde[{i}]"
        if not isinstance(item, Mapping):
            raise _error(
                "wrong_type", f"{where} must be an object", feature, field=where, expected="object"
            )
        text = item.get("variabelvarde")
        if not isinstance(text, str):
            raise _error(
                "wrong_type",
                f"{where}.variabelvarde must be a string",
                feature,
                field=f"{where}.variabelvarde",
                expected="string",
            )
        datatyp = str(item.get("datatyp") or "text")
        values.append(
            Value(
                name=str(item.get("beskrivning") or ""),
                datatyp=datatyp,
                raw=text,
                number=parse_decimal(text) if datatyp == "decimaltal" else None,
                vardetyp=str(item.get("vardetyp") or ""),
                enhet=str(item.get("enhet") or ""),
            )
        )
    return values


def _beslut(feature: _Feature) -> list[Beslut]:
    raw = feature.props.get("beslutsinformation")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _error(
            "wrong_type",
            "beslutsinformation must be a list",
            feature,
            field="beslutsinformation",
            expected="list",
        )
    out = []
    for i, item in enumerate(raw):
        where = f"beslutsinformation[{i}]"
        if not isinstance(item, Mapping):
            raise _error(
                "wrong_type", f"{where} must be an object", feature, field=where, expected="object"
            )

        def text(name: str, item: Mapping[str, Any] = item) -> str:
            value = item.get(name)
            return value.strip() if isinstance(value, str) else ""

        out.append(
            Beslut(
                instans=text("instansInomKommunen"),
                beslutstyp=text("beslutstyp"),
                diarienummer=text("diarienummerKommun"),
                datum_paborjat=text("datumPaborjat"),
                datum_antagande=text("datumAntagande"),
                datum_lagakraft=_strings(
                    feature, item.get("datumLagakraft"), f"{where}.datumLagakraft"
                ),
                genomforandetid=_integer(
                    feature, item.get("genomforandetid"), f"{where}.genomforandetid"
                ),
                planbestammelser=_strings(
                    feature, item.get("planbestammelse"), f"{where}.planbestammelse"
                ),
            )
        )
    return out


# --- wording -----------------------------------------------------------------------------------------


def parse_decimal(text: str) -> float | None:
    """A ``decimaltal`` as written: with a decimal point or comma, spaces as thousands separators.

    The schema does not fix the separator, so both are read.

    >>> parse_decimal("12.5"), parse_decimal("12,5"), parse_decimal("5 500"), parse_decimal("tolv")
    (12.5, 12.5, 5500.0, None)
    """
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def swedish_number(number: float) -> str:
    """A number the Swedish way: decimal comma, a space between groups of thousands from 10 000.

    >>> swedish_number(12.5), swedish_number(30.0), swedish_number(5500.0), swedish_number(12500.25)
    ('12,5', '30', '5500', '12 500,25')
    """
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    whole, _dot, decimals = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    if len(digits) >= 5:
        groups: list[str] = []
        while digits:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        digits = " ".join(groups)
    return f"{sign}{digits}" + (f",{decimals}" if decimals else "")


def fill_wording(formulering: str, values: Sequence[Value]) -> str:
    """The wording with its ``[name:type]`` variables replaced by the values, decimals the Swedish way.

    Values are matched by name (``beskrivning``), else in the order of the variables; a variable
    without a value (an optional trailing ``[text:text]``) is left out.

    >>> height = Value(name="höjd", datatyp="decimaltal", raw="12.5", number=12.5)
    >>> fill_wording("Högsta nockhöjd är [höjd:decimaltal] meter.", [height])
    'Högsta nockhöjd är 12,5 meter.'
    >>> fill_wording("Lekplats [text:text]", [])
    'Lekplats'
    """
    by_name = {v.name: v for v in values if v.name}
    unnamed = iter([v for v in values if not v.name])

    def replace(match: re.Match[str]) -> str:
        value = by_name.get(match.group(1)) or next(unnamed, None)
        if value is None:
            return ""
        if value.datatyp == "decimaltal" and value.number is not None:
            return swedish_number(value.number)
        return value.raw

    text = _VARIABLE.sub(replace, formulering)
    text = re.sub(r"\s{2,}", " ", text)
    return re.sub(r"\s+([.,;:])", r"\1", text).strip()
