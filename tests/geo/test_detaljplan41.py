"""The Detaljplan 4.1 reader and Boverket's catalogue, on the test plan written from Lantmäteriet's schema."""

from __future__ import annotations

import copy
import importlib.util
import itertools
import json
import math
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import shapely
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from geo.detaljplan41 import (
    ADMINISTRATIVE,
    AREA,
    LINE,
    POINT,
    PROPERTY,
    Detaljplan41Error,
    is_detaljplan41,
    loads,
    read_detaljplan41,
)
from geo.planbestammelsekatalog import (
    ALLMAN_PLATS,
    KATEGORI_CODES,
    KVARTERSMARK,
    VATTENOMRADE,
    code_from_kod,
    entry_use_code,
    load_catalogue,
    use_code,
)
from tests.paths import TEST_DATA

HERE = TEST_DATA / "detaljplan41"
EXAMPLE = HERE / "exempel_detaljplan_4.1.json"


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make = _module(HERE / "make_files.py")


def raw(path: Path = EXAMPLE) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def props_of(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The properties of the feature the generator calls ``name`` ("plan", "B", "h1" …)."""
    wanted = make.PLAN if name == "plan" else make.uid(name)
    for feature in document["features"]:
        if feature["properties"]["objektidentitet"] == wanted:
            found: dict[str, Any] = feature["properties"]
            return found
    raise KeyError(name)


def shoelace(ring: list[list[float]]) -> float:
    """Area of a closed ring from its coordinates, without shapely."""
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2.0)


def path_length(coords: list[list[float]]) -> float:
    return sum(math.dist(a[:2], b[:2]) for a, b in itertools.pairwise(coords))


# --- the file and the specification ------------------------------------------------------------------

SCHEMA_BASE = "http://namespace.lantmateriet.se/distribution/"
SCHEMAS = {
    SCHEMA_BASE + "geodatakatalog/detaljplan/v4/detaljplan-4.1.json": "detaljplan-4.1.json",
    SCHEMA_BASE + "geodatakatalog/geometri/geometri-2.0.json": "geometri-2.0.json",
    SCHEMA_BASE
    + "geodatakatalog/geometri/geometrimetadata-2.0.1.json": "geometrimetadata-2.0.1.json",
    SCHEMA_BASE + "produkter/geojson/v1.1/geojson-1.1.json": "geojson-1.1-standin.json",
}


def schema_validator() -> Draft4Validator:
    def load(name: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((HERE / "schemas" / name).read_text(encoding="utf-8"))
        document.pop("id", None)  # "#detaljplan-4.1.json": resolve by the namespace address instead
        return document

    registry: Registry[Any] = Registry().with_resources(
        (url, Resource.from_contents(load(name), default_specification=DRAFT4))
        for url, name in SCHEMAS.items()
    )
    root = next(iter(SCHEMAS))
    return Draft4Validator({"$ref": root}, registry=registry, format_checker=FormatChecker())


def test_the_example_is_valid_against_lantmateriets_schema() -> None:
    errors = list(schema_validator().iter_errors(raw()))

    assert errors == []


@pytest.mark.parametrize(
    "name, schema_valid",
    [
        ("fel_saknar_plangeometri.json", False),
        ("fel_trasig_struktur.json", False),
        ("rapport_utan_geometri_okand_katalogreferens.json", False),  # bestammelsegeometri: []
        ("fel_blandade_koordinatsystem.json", True),  # each CRS is in the enum: the rule is Trygg's
        ("fel_annan_kommun.json", True),
    ],
)
def test_the_variants_break_the_schema_only_where_a_schema_can_tell(
    name: str, schema_valid: bool
) -> None:
    errors = list(schema_validator().iter_errors(raw(HERE / name)))

    assert (errors == []) is schema_valid


def test_the_test_files_are_what_make_files_writes() -> None:
    for name, text in make.files().items():
        assert (HERE / name).read_text(encoding="utf-8") == text, name


def test_gdal_opens_the_file_as_a_geojson_layer_without_geometry() -> None:
    # The trap: GDAL's own client reads it "successfully", as WGS 84 with 16 features and no shapes.
    out = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-q", str(EXAMPLE)], capture_output=True, text=True, check=True
    ).stdout

    assert out.count("OGRFeature(") == 16
    assert not any(word in out for word in ("POLYGON", "LINESTRING", "POINT ("))
    assert is_detaljplan41(raw())


def test_plain_geojson_is_not_taken_for_a_detaljplan() -> None:
    geojson = {"type": "FeatureCollection", "features": []}

    assert not is_detaljplan41(geojson)
    with pytest.raises(Detaljplan41Error) as caught:
        read_detaljplan41(geojson)
    assert caught.value.key == "not_detaljplan41"


# --- reading the example ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan() -> Any:
    return read_detaljplan41(loads(EXAMPLE.read_bytes()))


def test_the_plan_object_is_read_with_its_identity_and_swedish_text_intact(plan: Any) -> None:
    source = props_of(raw(), "plan")

    assert plan.objektidentitet == source["objektidentitet"] == make.PLAN
    assert plan.kommun == "Upplands Väsby"
    assert plan.kommunkod is None  # a name, not a code
    assert plan.namn == "Påhittad testplan vid Väsby centrum (ingen verklig plan)"
    assert plan.syfte.startswith("Testfil för Trygg: bostäder, centrum och skola")
    assert (plan.beteckning, plan.status, plan.typ) == ("TESTPLAN 2025:1", "samråd", "detaljplan")
    assert plan.objektversion == 1


def test_the_plan_area_is_in_the_local_zone_with_the_area_of_its_coordinates(plan: Any) -> None:
    ring = props_of(raw(), "plan")["plangeometri"][0]["geometri"]["position"]["coordinates"][0]

    assert plan.srid == 3011
    assert plan.plan_area.geom_type == "MultiPolygon"
    assert plan.plan_area.area == pytest.approx(shoelace(ring)) == pytest.approx(9600.0)
    assert plan.plan_area.bounds == (145000.0, 6600300.0, 145120.0, 6600380.0)


def test_every_regulation_is_read_with_its_kind_geometry_and_catalogue_reference(plan: Any) -> None:
    document = raw()
    regulations = [f["properties"] for f in document["features"][1:]]

    assert [r.objektidentitet for r in plan.regulations] == [
        p["objektidentitet"] for p in regulations
    ]
    assert [r.kind for r in plan.regulations] == [p["feature:typ"] for p in regulations]
    assert [r.catalogue_ref for r in plan.regulations] == [
        p["planbestammelsekatalogreferens"] for p in regulations
    ]
    assert [r.formulering for r in plan.regulations] == [
        p["bestammelseformulering"] for p in regulations
    ]
    assert plan.reported == []
    assert all(r.catalogue_entry is not None for r in plan.regulations)


def test_each_footprint_is_2d_with_the_area_length_or_point_of_the_file(plan: Any) -> None:
    document = raw()
    by_id = {r.objektidentitet: r for r in plan.regulations}

    for feature in document["features"][1:]:
        props = feature["properties"]
        read = by_id[props["objektidentitet"]]
        parts = [g["geometri"] for g in props["bestammelsegeometri"]]
        kinds = {g["typ"] for g in parts}
        assert not read.footprint.has_z
        assert len(read.footprint.geoms) == len(parts)
        if kinds == {"yta"}:
            expected = sum(shoelace(g["position"]["coordinates"][0]) for g in parts)
            assert read.geometry_type == AREA
            assert read.footprint.area == pytest.approx(expected)
        elif kinds == {"linje"}:
            expected = sum(path_length(g["position"]["coordinates"]) for g in parts)
            assert read.geometry_type == LINE
            assert read.footprint.length == pytest.approx(expected)
        else:
            assert kinds == {"punkt"}
            assert read.geometry_type == POINT
            assert [list(p.coords[0]) for p in read.footprint.geoms] == [
                g["position"]["coordinates"] for g in parts
            ]


def test_the_line_and_the_point_regulations_are_where_the_file_draws_them(plan: Any) -> None:
    utfart = next(r for r in plan.regulations if r.objektidentitet == make.uid("utfartsforbud"))
    plushojd = next(r for r in plan.regulations if r.objektidentitet == make.uid("plushojd"))

    assert utfart.footprint.geom_type == "MultiLineString"
    assert utfart.footprint.length == pytest.approx(40.0)  # 30 m + 10 m, two parts
    assert plushojd.footprint.geom_type == "MultiPoint"
    assert plushojd.footprint.geoms[0].coords[0] == (145040.0, 6600322.5)
    assert plushojd.text == "Markens höjd över nollplanet ska vara 24,2 meter."


def test_the_uses_cover_the_plan_area_in_the_same_crs(plan: Any) -> None:
    uses = shapely.union_all([r.footprint for r in plan.uses])

    assert shapely.symmetric_difference(uses, plan.plan_area).area == pytest.approx(0.0)


def test_uses_map_to_the_codes_scoring_reads(plan: Any) -> None:
    codes = [(r.objektidentitet, r.use_code) for r in plan.uses]

    assert codes == [
        (make.uid(name), code)
        for name, code in [
            ("B", "B"),
            ("C", "C"),
            ("S", "S"),
            ("GATA1", "GATA"),
            ("GATA2", "GATA"),
            ("P", "P"),
            ("PARK", "PARK"),
        ]
    ]
    assert all(r.use_code is None for r in plan.regulations if r.kind == PROPERTY)


def test_vertical_limits_are_recorded_with_their_height_and_height_system(plan: Any) -> None:
    limits = {r.objektidentitet: r.vertical_limit for r in plan.regulations if r.vertical_limit}
    deck = props_of(raw(), "GATA2")["bestammelsegeometri"][0]["geometri"]["position"]
    z_values = {c[2] for c in deck["coordinates"][0]}

    assert set(limits) == {make.uid("GATA2"), make.uid("P")}
    above, below = limits[make.uid("GATA2")], limits[make.uid("P")]
    assert (above.direction, below.direction) == ("uppåt", "nedåt")
    assert above.z_min == above.z_max == below.z_min == below.z_max == z_values.pop() == 24.0
    assert above.height_srid == below.height_srid == 5613  # RH 2000
    assert plan.vertical_limit is None


def test_values_fill_the_wording_the_swedish_way(plan: Any) -> None:
    by_id = {r.objektidentitet: r for r in plan.regulations}
    e1, h1, lek = by_id[make.uid("e1")], by_id[make.uid("h1")], by_id[make.uid("lek")]

    assert (e1.values[0].number, e1.values[0].vardetyp, e1.values[0].enhet) == (
        30.0,
        "max",
        "procent",
    )
    assert h1.values[0].raw == "12.5"
    assert h1.text == "Högsta nockhöjd är 12,5 meter."
    assert lek.text == "Lekplats med belysning"
    assert e1.text == ("Största byggnadsarea är 30 % av fastighetsarean inom egenskapsområdet.")


def test_property_regulations_name_the_uses_they_regulate_and_keep_their_motiv(plan: Any) -> None:
    h2 = next(r for r in plan.regulations if r.objektidentitet == make.uid("h2"))

    assert h2.regulates == [make.uid("C"), make.uid("S")]
    assert h2.motiv == "Samma höjd för centrum- och skolbyggnaden."


def test_beslutsinformation_lists_every_regulation(plan: Any) -> None:
    (beslut,) = plan.beslut

    assert beslut.instans == "byggnadsnämnd enligt PBL"
    assert beslut.datum_paborjat == "2025-03-01"
    assert beslut.genomforandetid == 60
    assert beslut.planbestammelser == [r.objektidentitet for r in plan.regulations]


# --- bad input: refused, naming the object ------------------------------------------------------------


@pytest.mark.parametrize(
    "name, key, culprit",
    [
        ("fel_saknar_plangeometri.json", "no_plan_area", "plan"),
        ("fel_blandade_koordinatsystem.json", "mixed_crs", "C"),
        ("fel_trasig_struktur.json", "wrong_type", "S"),
    ],
)
def test_a_bad_file_is_refused_naming_the_object(name: str, key: str, culprit: str) -> None:
    document = raw(HERE / name)
    # Which object is to blame, found in the file itself rather than trusted from the generator.
    if key == "mixed_crs":
        culprits = [
            f["properties"]["objektidentitet"]
            for f in document["features"]
            for g in f["properties"].get("bestammelsegeometri", [])
            if g["geometri"]["koordinatsystemPlan"] != "EPSG:3011"
        ]
    elif key == "wrong_type":
        culprits = [
            f["properties"]["objektidentitet"]
            for f in document["features"]
            if isinstance(f["properties"].get("bestammelsegeometri"), dict)
        ]
    else:
        culprits = [
            f["properties"]["objektidentitet"]
            for f in document["features"]
            if f["properties"]["feature:typ"] == "detaljplan"
        ]

    with pytest.raises(Detaljplan41Error) as caught:
        read_detaljplan41(loads((HERE / name).read_bytes()))

    assert caught.value.key == key
    assert culprits == [props_of(document, culprit)["objektidentitet"]]
    assert caught.value.params["object"] == culprits[0]
    assert culprits[0] in str(caught.value)


def test_a_truncated_file_is_refused_as_not_json() -> None:
    with pytest.raises(Detaljplan41Error) as caught:
        loads((HERE / "fel_inte_json.json").read_bytes())

    assert caught.value.key == "not_json"


def test_a_plan_of_another_municipality_is_read_with_its_kommun_for_the_caller_to_refuse() -> None:
    read = read_detaljplan41(loads((HERE / "fel_annan_kommun.json").read_bytes()))

    assert read.kommun == "Sigtuna"


Change = Callable[[dict[str, Any]], None]


def _set_crs(name: str, crs: str) -> Change:
    def change(d: dict[str, Any]) -> None:
        props_of(d, name)["bestammelsegeometri"][0]["geometri"]["koordinatsystemPlan"] = crs

    return change


def _swap_axes(d: dict[str, Any]) -> None:
    for feature in d["features"]:
        p = feature["properties"]
        for g in p.get("plangeometri", []) + p.get("bestammelsegeometri", []):
            pos = g["geometri"]["position"]
            if pos["type"] == "Polygon":
                pos["coordinates"] = [[[c[1], c[0], *c[2:]] for c in r] for r in pos["coordinates"]]
            elif pos["type"] == "LineString":
                pos["coordinates"] = [[c[1], c[0]] for c in pos["coordinates"]]
            else:
                pos["coordinates"] = [pos["coordinates"][1], pos["coordinates"][0]]


def _add_plan(d: dict[str, Any]) -> None:
    second = copy.deepcopy(d["features"][0])
    second["properties"]["objektidentitet"] = "11111111-2222-4333-8444-555555555555"
    d["features"].append(second)


def _open_ring(d: dict[str, Any]) -> None:
    props_of(d, "C")["bestammelsegeometri"][0]["geometri"]["position"]["coordinates"][0].pop()


def _line_for_area(d: dict[str, Any]) -> None:
    geometri = props_of(d, "S")["bestammelsegeometri"][0]["geometri"]
    geometri["position"] = {
        "type": "LineString",
        "coordinates": [[145070.0, 6600355.0], [145120.0, 6600380.0]],
    }


def _plan_area_as_line(d: dict[str, Any]) -> None:
    geometri = props_of(d, "plan")["plangeometri"][0]["geometri"]
    geometri["typ"] = "linje"
    geometri["position"] = {
        "type": "LineString",
        "coordinates": [[145000.0, 6600300.0], [145120.0, 6600380.0]],
    }


def _other_plan(d: dict[str, Any]) -> None:
    props_of(d, "PARK")["detaljplan"] = "99999999-2222-4333-8444-555555555555"


def _duplicate(d: dict[str, Any]) -> None:
    props_of(d, "S")["objektidentitet"] = make.uid("C")


def _unknown_kind(d: dict[str, Any]) -> None:
    props_of(d, "PARK")["feature:typ"] = "planbestämmelse"


def _geometry_not_null(d: dict[str, Any]) -> None:
    d["features"][3]["geometry"] = {"type": "Point", "coordinates": [0, 0]}


def _bad_status(d: dict[str, Any]) -> None:
    props_of(d, "plan")["status"] = "laga_kraft"


def _no_kommun(d: dict[str, Any]) -> None:
    del props_of(d, "plan")["kommun"]


def _text_coordinate(d: dict[str, Any]) -> None:
    ring = props_of(d, "B")["bestammelsegeometri"][0]["geometri"]["position"]["coordinates"][0]
    ring[1][0] = "145070"


def _wrong_mediatyp(d: dict[str, Any]) -> None:
    d["feature:mediatyp"] = "application/geo+json"


def _no_plan(d: dict[str, Any]) -> None:
    d["features"].pop(0)


@pytest.mark.parametrize(
    "change, key, culprit",
    [
        (_set_crs("C", "EPSG:3021"), "unknown_crs", "C"),  # RT90: not in the format's list
        (_swap_axes, "crs_implausible", "plan"),
        (_add_plan, "several_plans", ""),
        (_no_plan, "no_plan", ""),
        (_wrong_mediatyp, "not_detaljplan41", ""),
        (_open_ring, "bad_geometry", "C"),
        (_line_for_area, "bad_geometry", "S"),
        (_plan_area_as_line, "bad_geometry", "plan"),
        (_other_plan, "other_plan", "PARK"),
        (_duplicate, "duplicate_identity", "C"),  # the second holder of C's identity is named
        (_unknown_kind, "unknown_kind", "PARK"),
        (_geometry_not_null, "bad_value", "S"),
        (_bad_status, "bad_value", "plan"),
        (_no_kommun, "missing_field", "plan"),
        (_text_coordinate, "bad_geometry", "B"),
    ],
)
def test_each_broken_rule_is_refused_naming_the_object(
    change: Change, key: str, culprit: str
) -> None:
    document = raw()
    change(document)

    with pytest.raises(Detaljplan41Error) as caught:
        read_detaljplan41(document)

    assert caught.value.key == key
    expected = "" if not culprit else (make.PLAN if culprit == "plan" else make.uid(culprit))
    assert caught.value.params["object"] == expected


def test_local_zone_coordinates_labelled_as_sweref_99_tm_are_refused_with_a_hint() -> None:
    document = raw()
    for feature in document["features"]:
        p = feature["properties"]
        for g in p.get("plangeometri", []) + p.get("bestammelsegeometri", []):
            g["geometri"]["koordinatsystemPlan"] = "EPSG:3006"

    with pytest.raises(Detaljplan41Error) as caught:
        read_detaljplan41(document)

    assert caught.value.key == "crs_implausible"
    assert caught.value.params["object"] == make.PLAN
    assert caught.value.params["hint"] == "a local SWEREF 99 zone"


# --- reported, not refused ------------------------------------------------------------------------------


def test_a_regulation_without_geometry_or_with_an_unknown_reference_is_kept_and_reported() -> None:
    read = read_detaljplan41(
        loads((HERE / "rapport_utan_geometri_okand_katalogreferens.json").read_bytes())
    )
    by_id = {r.objektidentitet: r for r in read.regulations}

    assert len(read.regulations) == 15
    assert sorted((r.objektidentitet, r.reason) for r in read.reported) == sorted(
        [(make.uid("lek"), "no_geometry"), (make.uid("h2"), "unknown_catalogue_ref")]
    )
    unknown = next(r for r in read.reported if r.reason == "unknown_catalogue_ref")
    assert unknown.params == {"ref": make.UNKNOWN_CATALOGUE_REF, "release": "20251201"}
    assert by_id[make.uid("lek")].footprint is None
    assert by_id[make.uid("lek")].geometry_type == ""
    assert by_id[make.uid("h2")].catalogue_entry is None
    assert by_id[make.uid("h2")].footprint.area == pytest.approx(2500.0)


def _reasons(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r.objektidentitet, r.reason) for r in read_detaljplan41(document).reported]


def test_a_use_citing_a_property_entry_is_reported_as_a_kind_mismatch() -> None:
    document = raw()
    props_of(document, "PARK")["planbestammelsekatalogreferens"] = (
        "ee5f8de3-89b0-479a-a5cb-7439d40623e8"
    )

    assert _reasons(document) == [(make.uid("PARK"), "catalogue_kind_mismatch")]


def test_a_use_of_free_wording_is_reported_as_a_use_without_code() -> None:
    document = raw()
    props_of(document, "C")["planbestammelsekatalogreferens"] = (
        "296d3c8b-d901-4673-b351-d7f459f23894"
    )

    assert _reasons(document) == [(make.uid("C"), "use_without_code")]


def test_a_reference_to_a_missing_use_is_reported() -> None:
    document = raw()
    props_of(document, "e1")["reglerarAnvandningsbestammelse"].append(make.uid("nothing"))

    assert _reasons(document) == [(make.uid("e1"), "unknown_regulated_use")]


def test_a_vertical_limit_on_a_line_is_recorded_and_reported() -> None:
    document = raw()
    props_of(document, "utfartsforbud")["vertikalAvgransning"] = "uppåt"

    read = read_detaljplan41(document)

    assert [(r.objektidentitet, r.reason) for r in read.reported] == [
        (make.uid("utfartsforbud"), "vertical_limit_not_area")
    ]
    regulation = next(r for r in read.regulations if r.objektidentitet == make.uid("utfartsforbud"))
    assert regulation.vertical_limit is not None
    assert regulation.vertical_limit.direction == "uppåt"


def test_a_decimal_comma_is_read_and_a_word_is_reported() -> None:
    document = raw()
    props_of(document, "h1")["bestammelsevarde"][0]["variabelvarde"] = "12,5"
    props_of(document, "h2")["bestammelsevarde"][0]["variabelvarde"] = "tjugofyra"

    read = read_detaljplan41(document)
    by_id = {r.objektidentitet: r for r in read.regulations}

    assert by_id[make.uid("h1")].values[0].number == 12.5
    assert [(r.objektidentitet, r.reason) for r in read.reported] == [
        (make.uid("h2"), "value_not_a_number")
    ]


def test_an_administrative_regulation_is_read_as_its_kind() -> None:
    document = raw()
    props_of(document, "huvudman")["feature:typ"] = ADMINISTRATIVE

    read = read_detaljplan41(document)

    huvudman = next(r for r in read.regulations if r.objektidentitet == make.uid("huvudman"))
    assert huvudman.kind == ADMINISTRATIVE
    assert read.reported == []  # the a# entries have been egenskapsbestämmelser since 2020


def box(x0: float, y0: float, x1: float, y1: float, z0: float, z1: float) -> list[Any]:
    """The six faces of a box, as the polygons of a Detaljplan 4.1 kropp."""

    def face(*corners: tuple[float, float, float]) -> list[Any]:
        return [[list(c) for c in (*corners, corners[0])]]

    a, b, c, d = (x0, y0), (x1, y0), (x1, y1), (x0, y1)
    return [
        face(*[(*p, z0) for p in (a, d, c, b)]),  # bottom
        face(*[(*p, z1) for p in (a, b, c, d)]),  # top
        *[
            face((*p, z0), (*q, z0), (*q, z1), (*p, z1))
            for p, q in ((a, b), (b, c), (c, d), (d, a))  # the four walls project to nothing
        ],
    ]


def test_a_solid_gives_the_footprint_of_its_faces_and_its_height_range() -> None:
    document = raw()
    geometri = props_of(document, "GATA2")["bestammelsegeometri"][0]["geometri"]
    geometri["typ"] = "kropp"
    geometri["position"] = {
        "type": "MultiPolygon",
        "coordinates": box(145080.0, 6600315.0, 145120.0, 6600330.0, 24.0, 29.5),
    }

    read = read_detaljplan41(document)

    street = next(r for r in read.regulations if r.objektidentitet == make.uid("GATA2"))
    assert street.geometry_type == AREA
    assert street.footprint.area == pytest.approx(40.0 * 15.0)
    assert (street.vertical_limit.z_min, street.vertical_limit.z_max) == (24.0, 29.5)
    assert read.reported == []


def test_a_regulation_in_several_parts_keeps_every_part() -> None:
    document = raw()
    props_of(document, "prickmark")["bestammelsegeometri"].append(make.yta(0, 76, 70, 80))

    read = read_detaljplan41(document)

    prickmark = next(r for r in read.regulations if r.objektidentitet == make.uid("prickmark"))
    assert len(prickmark.footprint.geoms) == 2
    assert prickmark.footprint.area == pytest.approx(70 * 6 + 70 * 4)


# --- the catalogue ---------------------------------------------------------------------------------------


def test_the_catalogue_is_release_20251201_with_unique_lower_case_ids() -> None:
    catalogue = load_catalogue()

    assert (catalogue.release, catalogue.published) == ("20251201", "2025-12-01")
    assert len(catalogue.entries) == 265
    assert all(entry.id == entry.id.lower() for entry in catalogue.entries.values())


def test_every_use_entrys_kod_agrees_with_its_kategori() -> None:
    # The fixture was transcribed by hand: a slip in kategori or kod would map a use to a wrong code.
    uses = [e for e in load_catalogue().entries.values() if e.typ == "Användningsbestämmelse"]

    for entry in uses:
        form = {"DP_KM": KVARTERSMARK, "DP_AP": ALLMAN_PLATS, "DP_VO": VATTENOMRADE}[entry.kod[:5]]
        assert entry.anvandningsform == form, entry.kod
        if entry.kategori and entry.anvandningsform != ALLMAN_PLATS:
            kategori_code = KATEGORI_CODES.get((entry.anvandningsform, entry.kategori))
            assert code_from_kod(entry.kod) == kategori_code, entry.kod
        if entry.beteckning and entry.beteckning[0].isupper() and entry.kod.startswith("DP_KM"):
            assert entry.beteckning[0] == entry.kod[6], entry.kod


def test_every_use_entry_maps_to_a_code_except_the_free_wordings() -> None:
    uses = [e for e in load_catalogue().entries.values() if e.typ == "Användningsbestämmelse"]

    unmapped = sorted(e.kod for e in uses if entry_use_code(e) is None)

    assert unmapped == ["DP_AP_AnnanAP_Annan", "DP_KM_Y2_Annan"]


def test_every_code_the_catalogue_gives_is_one_trygg_knows() -> None:
    from layers.importers.boverket import EXTRA_USE_LABELS
    from layers.models import BOVERKET_USE_CODES

    codes = {entry_use_code(e) for e in load_catalogue().entries.values()} - {None}

    # F, M, U, V (flygtrafik, begravningsplats, räddningstjänst, hamn) have labels since the importer
    # reads 4.1 plans (docs/decisions/0711).
    assert codes - set(BOVERKET_USE_CODES) - set(EXTRA_USE_LABELS) == set()
    assert {"F", "M", "U", "V"} <= set(EXTRA_USE_LABELS)


@pytest.mark.parametrize(
    "ref, code",
    [
        ("f9e056a6-cda8-4b92-a15d-dc70d61dfa36", "B"),  # DP_KM_B2
        ("760cc2bf-93ce-4358-9966-d6927b3d46a6", "S"),  # förskola: a subtype of skola
        ("cea1a8c2-7fc9-4fb2-8b6f-944716a4aa55", "P"),  # parking on kvartersmark
        ("ab6c53ec-74cf-41e4-8133-ba74056e2bcd", "PARKERING"),  # P-PLATS on allmän plats
        ("b9836edf-2bce-4e2c-b047-e38a43fd2dc7", "HUVUDGATA"),
        ("426a8a82-96ed-445c-aa60-381d777e8ad5", "LEK"),
        ("48505449-0997-4f60-bdbe-f3b9575d2f56", "TORG"),  # kollektivtrafiktorg
        ("54b2efa8-1c5b-467c-b125-fbe6c6269b47", "W"),
        ("1c38a293-b48c-4572-a4a7-5a5d27697ea1", None),  # utnyttjandegrad: not a use
        ("0a0b0c0d-1e1f-4a2b-8c3d-4e5f60718293", None),  # not in the release
    ],
)
def test_a_catalogue_reference_maps_to_a_use_code(ref: str, code: str | None) -> None:
    assert use_code(ref) == code
    assert use_code(ref.upper()) == code
