"""The DXF reader on a CAD drawing of a samråd proposal, as AutoCAD 2007 (UTF-8) and 2000 (Windows-1252)."""

from __future__ import annotations

import importlib.util
import itertools
import subprocess
from pathlib import Path
from typing import Any

import pyogrio
import pytest

from geo.dxf import (
    AREA,
    LINE,
    PLAN_BOUNDARY,
    POINT,
    DxfError,
    DxfLayer,
    list_dxf_layers,
    looks_like_dxf,
    read_dxf,
    read_header,
    repair_utf8,
)
from tests.paths import TEST_DATA

HERE = TEST_DATA / "dxf"
R2007 = HERE / "samrad_cad_r2007.dxf"
R2000 = HERE / "samrad_cad_r2000_cp1252.dxf"

MAPPING = {
    "DP-PLANGRÄNS": PLAN_BOUNDARY,
    "DP-ANVÄNDNING-B": "B",
    "DP-ANVÄNDNING-C": "C",
    "DP-ANVÄNDNING-S": "S",
    "DP-ANVÄNDNING-GATA": "GATA",
    "DP-ANVÄNDNING-PARK": "PARK",
    "DP-UTFARTSFÖRBUD": "utfartsförbud",
    "DP-MARKHÖJD": "marknivå",
}


def polylines(path: Path, encoding: str) -> dict[str, tuple[str, list[tuple[float, float]]]]:
    """LWPOLYLINE vertices by handle, read from the group codes directly (not through GDAL)."""
    lines = path.read_text(encoding=encoding).splitlines()
    pairs = list(zip(lines[0::2], lines[1::2], strict=False))
    out: dict[str, tuple[str, list[tuple[float, float]]]] = {}
    current: dict[str, Any] | None = None
    for code, value in pairs:
        code = code.strip()
        if code == "0":
            current = {"xs": [], "ys": []} if value == "LWPOLYLINE" else None
        elif current is not None:
            if code == "5":
                current["handle"] = value
            elif code == "8":
                current["layer"] = value
            elif code == "10":
                current["xs"].append(float(value))
            elif code == "20":
                current["ys"].append(float(value))
                out[current["handle"]] = (
                    current["layer"],
                    list(zip(current["xs"], current["ys"], strict=True)),
                )
    return out


def shoelace(points: list[tuple[float, float]]) -> float:
    ring = [*points, points[0]]
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2.0)


@pytest.fixture(scope="module", params=[R2007, R2000], ids=["r2007_utf8", "r2000_cp1252"])
def drawing(request: pytest.FixtureRequest) -> Any:
    return read_dxf(request.param, layers=MAPPING, srid=3011)


def test_the_drawings_are_what_make_dxf_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_dxf", HERE / "make_dxf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    for name, data in module.files().items():
        assert (HERE / name).read_bytes() == data, name


def test_the_header_tells_a_utf8_drawing_from_a_windows_1252_one() -> None:
    assert read_header(R2007).utf8 and read_header(R2007).codepage == "ANSI_1252"
    assert not read_header(R2000).utf8
    assert looks_like_dxf(R2007.read_bytes()[:4096]) and looks_like_dxf(R2000.read_bytes()[:4096])


@pytest.mark.parametrize("path", [R2007, R2000], ids=["r2007_utf8", "r2000_cp1252"])
def test_layers_are_listed_with_what_they_hold_and_their_swedish_names(path: Path) -> None:
    layers = list_dxf_layers(path)

    assert layers == [
        DxfLayer("DP-ANVÄNDNING-B", areas=1, lines=0, points=0, texts=0),
        DxfLayer("DP-ANVÄNDNING-C", areas=1, lines=0, points=0, texts=0),
        DxfLayer("DP-ANVÄNDNING-GATA", areas=1, lines=0, points=0, texts=0),
        DxfLayer("DP-ANVÄNDNING-PARK", areas=1, lines=0, points=0, texts=0),
        DxfLayer("DP-ANVÄNDNING-S", areas=1, lines=0, points=0, texts=0),
        DxfLayer("DP-BETECKNING", areas=0, lines=0, points=0, texts=4),
        DxfLayer("DP-EGENSKAP-PRICKMARK", areas=1, lines=0, points=0, texts=0),
        DxfLayer("DP-MARKHÖJD", areas=0, lines=0, points=1, texts=0),
        DxfLayer("DP-PLANGRÄNS", areas=1, lines=1, points=0, texts=0),
        DxfLayer("DP-SYMBOL", areas=2, lines=0, points=0, texts=0),
        DxfLayer("DP-UTFARTSFÖRBUD", areas=0, lines=1, points=0, texts=0),
    ]  # RAMAR holds only the title in paper space, so it is not listed


def test_gdal_by_itself_garbles_the_utf8_drawing_unless_told_the_encoding() -> None:
    # GDAL's own client shows the trap this module handles.
    def ogrinfo(*config: str) -> str:
        return subprocess.run(
            ["ogrinfo", *config, "-ro", "-al", "-q", str(R2007)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    assert "FÃ¶rskola" in ogrinfo() and "DP-PLANGRÃ" in ogrinfo()
    assert "Förskola" in ogrinfo("--config", "DXF_ENCODING", "UTF-8")


def test_on_a_gdal_without_the_encoding_option_the_strings_are_repaired_to_the_same() -> None:
    # GDAL before 3.10 has no ENCODING open option; repair_utf8 must then give what the option gives.
    fields = ["Layer", "Text"]
    _meta, _fids, _wkb, garbled = pyogrio.raw.read(str(R2007), columns=fields)
    _meta, _fids, _wkb, right = pyogrio.raw.read(str(R2007), columns=fields, ENCODING="UTF-8")

    for garbled_column, right_column in zip(garbled, right, strict=True):
        repaired = [repair_utf8(v) if isinstance(v, str) else v for v in garbled_column]
        assert repaired == list(right_column)
    assert "S\nFörskola" in list(right[1])


def test_a_windows_1252_drawing_is_not_repaired_twice() -> None:
    texts = [t.text for t in read_dxf(R2000, layers={}, srid=3011).texts]

    assert "S\nFörskola" in texts


def test_the_drawing_records_how_its_text_was_read() -> None:
    assert read_dxf(R2007, layers={}, srid=3011).encoding == "UTF-8"
    assert read_dxf(R2000, layers={}, srid=3011).encoding == "ANSI_1252"


def test_closed_polylines_become_areas_of_the_drawn_size(drawing: Any) -> None:
    drawn = polylines(R2007, "utf-8")
    by_handle = {f.handle: f for f in drawing.features}

    for handle in ("11", "12", "13", "14"):  # B, C, S, GATA: closed LWPOLYLINEs
        layer, vertices = drawn[handle]
        feature = by_handle[handle]
        assert (feature.layer, feature.kind, feature.geometry.geom_type) == (layer, AREA, "Polygon")
        assert feature.target == MAPPING[layer]
        assert feature.geometry.area == pytest.approx(shoelace(vertices))
        assert not feature.geometry.has_z


def test_the_plan_area_comes_from_the_boundary_layer_and_an_open_line_there_is_skipped(
    drawing: Any,
) -> None:
    _layer, vertices = polylines(R2007, "utf-8")["10"]

    assert drawing.plan_area.area == pytest.approx(shoelace(vertices)) == pytest.approx(9600.0)
    assert [(s.handle, s.layer, s.reason) for s in drawing.skipped] == [
        ("1C", "DP-PLANGRÄNS", "not_closed")
    ]
    assert all(f.target != PLAN_BOUNDARY for f in drawing.features)


def test_a_hatch_a_line_and_a_point_keep_their_kinds_and_the_point_its_height(drawing: Any) -> None:
    by_handle = {f.handle: f for f in drawing.features}

    park, utfart, markhojd = by_handle["15"], by_handle["17"], by_handle["18"]
    assert (park.kind, park.geometry.area) == (AREA, pytest.approx(120.0 * 15.0))
    assert (utfart.kind, utfart.geometry.length) == (LINE, pytest.approx(30.0))
    assert markhojd.kind == POINT
    assert markhojd.geometry.coords[0] == (145040.0, 6600322.5)
    assert markhojd.z_min == markhojd.z_max == pytest.approx(24.2)
    assert utfart.z_min is None  # drawn flat at Z 0


def test_texts_label_the_area_they_lie_in(drawing: Any) -> None:
    labels = {f.layer: f.labels for f in drawing.features if f.labels}

    assert labels == {
        "DP-ANVÄNDNING-B": ("B e1 h1",),
        "DP-ANVÄNDNING-S": ("S\nFörskola",),
        "DP-ANVÄNDNING-GATA": ("P",),
        "DP-ANVÄNDNING-PARK": ("PARK",),
    }


def test_paper_space_and_unmapped_layers_stay_out(drawing: Any) -> None:
    handles = {f.handle for f in drawing.features} | {t.handle for t in drawing.texts}

    assert "1F" not in handles  # the title in paper space
    assert drawing.unmapped_layers == ["DP-BETECKNING", "DP-EGENSKAP-PRICKMARK", "DP-SYMBOL"]
    assert "16" not in handles  # prickmark was not mapped


def test_a_block_inserted_twice_gives_two_shapes_and_a_label_goes_to_the_smallest_area() -> None:
    drawing = read_dxf(R2007, layers={"DP-SYMBOL": "P", "DP-ANVÄNDNING-GATA": "GATA"}, srid=3011)

    squares = sorted((f for f in drawing.features if f.target == "P"), key=lambda f: f.handle)
    assert [(f.handle, f.kind, f.geometry.area) for f in squares] == [
        ("1D", AREA, 4.0),
        ("1E", AREA, 4.0),
    ]
    assert [f.geometry.centroid.coords[0] for f in squares] == [
        (145100.0, 6600322.0),
        (145110.0, 6600322.0),
    ]
    street = next(f for f in drawing.features if f.target == "GATA")
    assert [f.labels for f in squares] == [("P",), ()]
    assert street.labels == ()  # the square inside the street is the smaller holder


# --- refused ---------------------------------------------------------------------------------------------


def test_a_mapping_that_names_a_missing_layer_is_refused_naming_it() -> None:
    with pytest.raises(DxfError) as caught:
        read_dxf(R2007, layers={"B_OMR": "B"}, srid=3011)

    assert caught.value.key == "unknown_layer"
    assert caught.value.params["layer"] == "B_OMR"
    assert "DP-ANVÄNDNING-B" in str(caught.value.params["layers"])


def test_a_boundary_layer_without_a_closed_shape_is_refused() -> None:
    with pytest.raises(DxfError) as caught:
        read_dxf(R2007, layers={"DP-UTFARTSFÖRBUD": PLAN_BOUNDARY}, srid=3011)

    assert caught.value.key == "no_plan_area"
    assert caught.value.params["layer"] == "DP-UTFARTSFÖRBUD"


def test_local_zone_coordinates_given_as_sweref_99_tm_are_refused_with_a_hint() -> None:
    with pytest.raises(DxfError) as caught:
        read_dxf(R2007, layers=MAPPING, srid=3006)

    assert caught.value.key == "crs_implausible"
    assert caught.value.params["hint"] == "a local SWEREF 99 zone"


def test_a_crs_trygg_does_not_read_is_refused() -> None:
    with pytest.raises(DxfError) as caught:
        read_dxf(R2007, layers=MAPPING, srid=2154)

    assert caught.value.key == "unknown_srid"


@pytest.mark.parametrize(
    "content, key",
    [
        (b'{"type": "FeatureCollection", "features": []}', "not_dxf"),
        (b"AutoCAD Binary DXF\r\n\x1a\x00" + bytes(64), "binary_dxf"),
    ],
)
def test_a_file_that_is_no_ascii_dxf_is_refused(tmp_path: Path, content: bytes, key: str) -> None:
    path = tmp_path / "ritning.dxf"
    path.write_bytes(content)

    with pytest.raises(DxfError) as caught:
        list_dxf_layers(path)

    assert caught.value.key == key


def test_a_drawing_over_the_entity_limit_is_refused() -> None:
    with pytest.raises(DxfError) as caught:
        read_dxf(R2007, layers=MAPPING, srid=3011, max_entities=5)

    assert caught.value.key == "too_many_entities"
    assert caught.value.params["count"] > 5
