"""The hostile files of tests/security/test_hostile_files.py, each made here from nothing or from a real file.

Every entry names the channel it is sent to, the file name it arrives under, the status it must get and a
fragment the answer must hold, so that a refusal for the wrong reason (or with a message that does not say
what is wrong) fails the test. The limits in ``LIMITS`` are set low by the test so that the files stay
small and the suite quick; the production defaults are in ``layers.uploads.Limits`` and docs/security.md.
"""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from PIL import Image, PngImagePlugin

from tests.factories import VASBY_CENTRUM
from tests.paths import TEST_DATA

SHARED = TEST_DATA
KRISTIANSTAD_XML = (
    SHARED / "detaljplan_ss637040_exempel_kristianstad" / "plankarta_oppmanna_tollarp_ss637040.xml"
)
MUNICIPAL_SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "import"
    / "kommun_incidentrapport_exempel.csv"
)

MB = 1024 * 1024
LIMITS = {
    "max_bytes": 6 * MB,
    "max_unpacked_bytes": 24 * MB,
    "max_files": 16,
    "max_ratio": 100.0,
    "max_features": 2_000,
    "max_vertices": 40_000,
    "max_xml_bytes": 3 * MB,
}
PHOTO_MAX_BYTES = 2 * MB

PLAN = "plan"  # /plan/importera/ (a planner)
CONTEXT = "context"  # /plan/kontext/importera/ (a planner)
INCIDENTS = "incidents"  # /import/ (an analyst)
PHOTO = "photo"  # /api/v1/observations/<uuid>/photos/ (field staff)

CX, CY = VASBY_CENTRUM


@dataclass(frozen=True)
class Hostile:
    id: str
    channel: str
    name: str
    make: Callable[[], bytes]
    status: int | tuple[int, ...]
    says: str  # a fragment of the answer that names the problem
    fields: tuple[tuple[str, str], ...] = ()
    names_file: bool = (
        True  # the answer names the file as uploaded (else ``says`` names what is wrong)
    )


# --- building blocks -------------------------------------------------------------------------------


def ring(cx: float = CX, cy: float = CY, w: float = 100.0, h: float = 80.0) -> list[list[float]]:
    return [[cx, cy], [cx + w, cy], [cx + w, cy + h], [cx, cy + h], [cx, cy]]


def feature_collection(
    geometries: list[dict[str, object]], *, crs: str | None = "EPSG:3006"
) -> dict[str, object]:
    data: dict[str, object] = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"kod": "B", "id": f"kv{i}"}, "geometry": g}
            for i, g in enumerate(geometries, start=1)
        ],
    }
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return data


def polygon(coords: list[list[float]]) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [coords]}


def geojson(data: object) -> bytes:
    return json.dumps(data).encode()


def geojson_text(text: str) -> Callable[[], bytes]:
    return lambda: text.encode()


def vasby_geojson_with(first_x: str) -> Callable[[], bytes]:
    """A one-area plan in Väsby with its first x coordinate written as ``first_x`` (raw JSON)."""

    def make() -> bytes:
        text = json.dumps(feature_collection([polygon(ring())]))
        return text.replace(f"[{CX}, {CY}]", f"[{first_x}, {CY}]", 1).encode()

    return make


def zip_of(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_with_symlink() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("plan.shp")
        info.external_attr = (0o120777 << 16) | 0  # a symbolic link to /etc/passwd
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def zip_with_flag(flag: int) -> bytes:
    """A zip whose member says it is encrypted (general purpose bit 0), as a password-protected one does."""
    data = bytearray(zip_of({"plan.shp": b"\x00\x00\x27\x0a" + b"\x00" * 200}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        (bits,) = struct.unpack_from("<H", data, at + offset)
        struct.pack_into("<H", data, at + offset, bits | flag)
    return bytes(data)


def zip_lying_about_size() -> bytes:
    """A member of 30 MB of zeros whose headers claim 100 bytes (more than the 24 MB unpacked limit)."""
    payload = b"\x00" * (30 * MB)
    data = bytearray(zip_of({"plan.shp": payload}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        struct.pack_into("<I", data, at + offset, 100)
    return bytes(data)


def zip_bomb() -> bytes:
    return zip_of({"plan.shp": b"\x00\x00\x27\x0a" + b"\x00" * (20 * MB)})


def nested_zip() -> bytes:
    return zip_of({"inner.zip": zip_of({"plan.shp": b"\x00\x00\x27\x0a" + b"\x00" * 96})})


def many_files_zip() -> bytes:
    return zip_of({f"lager{i}.txt": b"x" for i in range(LIMITS["max_files"] + 4)})  # type: ignore[operator]


def truncated_zip() -> bytes:
    return zip_of({"plan.shp": b"\x00\x00\x27\x0a" + bytes(range(256)) * 400})[:3000]


def shapefile_zip(
    geoms: list[shapely.Geometry], *, crs: str | None, extra: dict[str, bytes] | None = None
) -> bytes:
    """A zipped shapefile written by GDAL, with or without its .prj."""
    with tempfile.TemporaryDirectory() as folder:
        shp = Path(folder) / "plan.shp"
        write_layer(shp, geoms, crs or "EPSG:3006")
        members = {p.name: p.read_bytes() for p in Path(folder).iterdir()}
    if crs is None:
        members.pop("plan.prj", None)
    members.update(extra or {})
    return zip_of(members)


def gpkg(geoms: list[shapely.Geometry], crs: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.gpkg"
        write_layer(path, geoms, crs)
        return path.read_bytes()


def sqlite_not_gpkg() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.sqlite"
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE t (x INTEGER)")
        return path.read_bytes()


def kristianstad(transform: Callable[[str], str] = lambda s: s) -> Callable[[], bytes]:
    return lambda: transform(KRISTIANSTAD_XML.read_text(encoding="utf-8")).encode()


def with_doctype(doctype: str) -> Callable[[], bytes]:
    def add(text: str) -> str:
        head, rest = text.split("?>", 1)
        return f"{head}?>{doctype}{rest}"

    return kristianstad(add)


def boundary_vertex(replacement: str) -> Callable[[], bytes]:
    """The Kristianstad plan with one vertex of its boundary lines (shared by two segments) replaced."""
    return kristianstad(lambda text: text.replace("6228002.6946", replacement))


def png(width: int, height: int, **info: str) -> bytes:
    img = Image.new("1", (width, height))  # one bit per pixel: a huge picture in a small file
    meta = PngImagePlugin.PngInfo()
    for key, value in info.items():
        meta.add_text(key, value, zip=True)
    out = io.BytesIO()
    img.save(out, format="PNG", pnginfo=meta)
    return out.getvalue()


def jpeg(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 90, 90)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def osm_pbf_header_then_garbage() -> bytes:
    header = b"\x0a\x09OSMHeader\x18\xff\xff\xff\x0f"
    return struct.pack(">I", len(header)) + header + bytes(range(256)) * 64


def csv_rows(n: int) -> bytes:
    """The municipality's own incident export (cp1252, semicolons) grown to ``n`` rows with new ids."""
    header, *rows = MUNICIPAL_SAMPLE.read_bytes().decode("cp1252").splitlines()
    grown = [rows[i % len(rows)].replace("IR-2025-", f"IR-{i:06d}-", 1) for i in range(n)]
    return "\r\n".join([header, *grown]).encode("cp1252")


def write_layer(path: Path, geoms: list[shapely.Geometry], crs: str) -> None:
    """A one-layer GeoPackage or Shapefile written by GDAL, with a use code per feature."""
    kinds = {g.geom_type for g in geoms}
    pyogrio.raw.write(
        str(path),
        shapely.to_wkb(np.asarray(geoms, dtype=object)),
        geometry_type=kinds.pop() if len(kinds) == 1 else "Unknown",
        field_data=[np.asarray(["B"] * len(geoms), dtype=object)],
        fields=["kod"],
        crs=crs,
        driver="GPKG" if path.suffix == ".gpkg" else "ESRI Shapefile",
        layer="plan",
    )


def box(cx: float = CX, cy: float = CY, size: float = 100.0) -> shapely.Geometry:
    return shapely.box(cx, cy, cx + size, cy + size)


def many_vertices_polygon() -> dict[str, object]:
    n = int(LIMITS["max_vertices"]) + 500
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    coords = [[CX + 200 * np.cos(a), CY + 200 * np.sin(a)] for a in angles]
    return polygon([*coords, coords[0]])


DETALJPLAN41 = SHARED / "detaljplan41" / "exempel_detaljplan_4.1.json"
DXF_DRAWING = SHARED / "dxf" / "samrad_cad_r2007.dxf"
MEDIA_TYPE_41 = b'"feature:mediatyp": "application/vnd.lm.detaljplan.v4+json"'


def detaljplan41_with(old: str, new: str) -> Callable[[], bytes]:
    """The Detaljplan 4.1 test plan with its first ``old`` replaced."""
    return lambda: DETALJPLAN41.read_bytes().replace(old.encode(), new.encode(), 1)


def detaljplan41_deep_nesting() -> bytes:
    return b"{" + MEDIA_TYPE_41 + b', "features": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"


def deep_nesting() -> bytes:
    return b'{"type": "FeatureCollection", "features": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"


# --- the catalogue -----------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ).replace("&lol0;", "&lol;")
    + "]>"
)
QUADRATIC = f'<!DOCTYPE q [<!ENTITY a "{"a" * 50_000}">]>'

# fmt: off
HOSTILE: list[Hostile] = [
    # XML: entities, DTDs and other ways to make the parser fetch or expand (SS 637040, GML).
    Hostile("xxe-file", PLAN, "plan.xml", with_doctype('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'), 422, "DTD"),
    Hostile("xxe-http", PLAN, "plan.xml", with_doctype('<!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]>'), 422, "DTD"),
    Hostile("xxe-parameter-entity", PLAN, "plan.xml", with_doctype('<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>'), 422, "DTD"),
    Hostile("external-dtd", PLAN, "plan.gml", with_doctype('<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">'), 422, "DTD"),
    Hostile("billion-laughs", PLAN, "plan.xml", with_doctype(BILLION_LAUGHS), 422, "DTD"),
    Hostile("quadratic-blowup", PLAN, "plan.xml", with_doctype(QUADRATIC), 422, "DTD"),
    Hostile("xml-truncated", PLAN, "plan.xml", lambda: KRISTIANSTAD_XML.read_bytes()[:20_000], 422, "välformad"),
    Hostile("xml-too-large", PLAN, "plan.xml", lambda: b'<?xml version="1.0"?><!--' + b"x" * (4 * MB) + b"--><a/>", 413, "högst 3 MB"),
    Hostile("xml-not-a-plan", PLAN, "plan.xml", lambda: b'<?xml version="1.0"?><html><body>hej</body></html>', 422, "plan.xml"),
    Hostile("vrt-as-xml", PLAN, "plan.vrt", lambda: b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/vsicurl/http://127.0.0.1:9/x.shp</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>', 422, "plan.vrt"),
    Hostile("xml-nan-coordinate", PLAN, "plan.xml", boundary_vertex("NaN"), 422, "plan.xml"),
    Hostile("xml-absurd-coordinate", PLAN, "plan.xml", boundary_vertex("1e300"), 422, "plan.xml"),
    Hostile("xml-other-municipality", PLAN, "plan.xml", kristianstad(), 422, "plan.xml"),
    Hostile("xml-unknown-crs", PLAN, "plan.xml", kristianstad(lambda t: t.replace("<gml:Curve ", '<gml:Curve srsName="EPSG:9999" ')), 422, "koordinatsystem"),
    # GeoJSON: numbers that are not numbers, places that are nowhere, sizes that are too big.
    Hostile("geojson-nan", PLAN, "plan.geojson", vasby_geojson_with("NaN"), 422, "NaN"),
    Hostile("geojson-infinity", PLAN, "plan.geojson", vasby_geojson_with("Infinity"), 422, "Infinity"),
    Hostile("geojson-minus-infinity", PLAN, "plan.geojson", vasby_geojson_with("-Infinity"), 422, "-Infinity"),
    Hostile("geojson-overflow", PLAN, "plan.geojson", vasby_geojson_with("1e400"), 422, "ändligt tal"),
    Hostile("geojson-absurd", PLAN, "plan.geojson", vasby_geojson_with("1e15"), 422, "plan.geojson"),
    Hostile("geojson-no-crs-in-metres", PLAN, "plan.geojson", lambda: geojson(feature_collection([polygon(ring())], crs=None)), 422, "plan.geojson"),
    Hostile("geojson-null-island", PLAN, "plan.geojson", lambda: geojson(feature_collection([polygon([[0, 0], [0.001, 0], [0.001, 0.001], [0, 0]])], crs=None)), 422, "plan.geojson"),
    Hostile("geojson-unknown-crs", PLAN, "plan.geojson", lambda: geojson(feature_collection([polygon(ring())], crs="EPSG:3857")), 422, "EPSG:3857"),
    Hostile("geojson-too-many-features", PLAN, "plan.geojson", lambda: geojson(feature_collection([polygon(ring(CX + i, CY, 1, 1)) for i in range(int(LIMITS["max_features"]) + 1)])), 422, "fler än"),
    Hostile("geojson-too-many-vertices", PLAN, "plan.geojson", lambda: geojson(feature_collection([many_vertices_polygon()])), 422, "brytpunkter"),
    Hostile("geojson-deep-nesting", PLAN, "plan.geojson", deep_nesting, 422, "plan.geojson"),
    Hostile("geojson-not-a-collection", PLAN, "plan.geojson", geojson_text("[1, 2, 3]"), 422, "FeatureCollection"),
    Hostile("geojson-degenerate-area", PLAN, "plan.geojson", lambda: geojson(feature_collection([polygon([[CX, CY], [CX + 100, CY], [CX + 200, CY], [CX, CY]])])), 422, "plan.geojson"),
    Hostile("geojson-unknown-geometry", PLAN, "plan.geojson", lambda: geojson(feature_collection([{"type": "Hypercube", "coordinates": [1]}])), 422, "plan.geojson"),
    Hostile("too-large", PLAN, "plan.geojson", lambda: b'{"type": "FeatureCollection", "features": [], "x": "' + b"x" * (6 * MB + 200_000) + b'"}', 413, "6 MB"),
    Hostile("empty", PLAN, "plan.geojson", lambda: b"", 400, "tom", names_file=False),
    # Formats passed off under another name; files GDAL must not open.
    Hostile("garbage-as-gpkg", PLAN, "plan.gpkg", lambda: bytes(range(256)) * 64, 415, "plan.gpkg"),
    Hostile("xml-as-gpkg", PLAN, "plan.gpkg", kristianstad(), 415, "namnet säger gpkg"),
    Hostile("sqlite-as-gpkg", PLAN, "plan.gpkg", sqlite_not_gpkg, 415, "GeoPackage"),
    Hostile("geojson-as-csv", PLAN, "plan.csv", lambda: geojson(feature_collection([polygon(ring())])), 415, "namnet säger csv"),
    Hostile("pdf-as-zip", PLAN, "plan.zip", lambda: b"%PDF-1.4\n" + bytes(range(256)) * 16, 415, "plan.zip"),
    Hostile("gpkg-web-mercator", PLAN, "plan.gpkg", lambda: gpkg([box(2_000_000, 8_300_000)], "EPSG:3857"), 422, "plan.gpkg"),
    Hostile("gpkg-outside-municipality", PLAN, "plan.gpkg", lambda: gpkg([box(CX + 300_000, CY)], "EPSG:3006"), 422, "plan.gpkg"),
    # Archives: bombs, escapes, links, nesting, lies, encryption.
    Hostile("zip-bomb-ratio", PLAN, "plan.zip", zip_bomb, 422, "zip-bomb"),
    Hostile("zip-lying-sizes", PLAN, "plan.zip", zip_lying_about_size, 422, "plan.zip"),
    Hostile("zip-dot-dot", PLAN, "plan.zip", lambda: zip_of({"../../evil.shp": b"\x00\x00\x27\x0a"}), 422, "utanför sin mapp"),
    Hostile("zip-absolute", PLAN, "plan.zip", lambda: zip_of({"/etc/evil.shp": b"\x00\x00\x27\x0a"}), 422, "utanför sin mapp"),
    Hostile("zip-drive-letter", PLAN, "plan.zip", lambda: zip_of({"C:\\evil.shp": b"\x00\x00\x27\x0a"}), 422, "utanför sin mapp"),
    Hostile("zip-symlink", PLAN, "plan.zip", zip_with_symlink, 422, "symbolisk länk"),
    Hostile("zip-nested", PLAN, "plan.zip", nested_zip, 422, "arkiv i arkiv"),
    Hostile("zip-too-many-files", PLAN, "plan.zip", many_files_zip, 422, "fler än gränsen 16"),
    Hostile("zip-truncated", PLAN, "plan.zip", truncated_zip, 422, "plan.zip"),
    Hostile("zip-encrypted", PLAN, "plan.zip", lambda: zip_with_flag(0x1), 422, "plan.zip"),
    Hostile("zip-vrt-inside", PLAN, "plan.zip", lambda: zip_of({"plan.vrt": b"<OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>/vsicurl/http://127.0.0.1:9/</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"}), 422, "shapefil"),
    Hostile("zip-vrt-as-shp", PLAN, "plan.zip", lambda: zip_of({"plan.shp": b"<OGRVRTDataSource/>"}), 415, "inte en shapefil"),
    Hostile("shapefile-without-prj", PLAN, "plan.zip", lambda: shapefile_zip([box()], crs=None), 422, "koordinatsystem"),
    Hostile("shapefile-wrong-prj", PLAN, "plan.zip", lambda: shapefile_zip([box()], crs="EPSG:4326"), 422, "plan.zip"),
    # Detaljplan 4.1 (JSON recognised by its media type) and DXF drawings from CAD.
    Hostile("dp41-too-large", PLAN, "plan.json", lambda: b"{" + MEDIA_TYPE_41 + b', "x": "' + b"x" * (4 * MB) + b'"}', 413, "högst 3 MB"),
    Hostile("dp41-deep-nesting", PLAN, "plan.json", detaljplan41_deep_nesting, 422, "JSON"),
    Hostile("dp41-nan", PLAN, "plan.json", detaljplan41_with("145000.0", "NaN"), 422, "NaN"),
    Hostile("dp41-absurd-coordinate", PLAN, "plan.json", detaljplan41_with("145000.0", "1e300"), 422, "plan.json"),
    Hostile("dp41-crs-outside-the-list", PLAN, "plan.json", detaljplan41_with('"EPSG:3011"', '"EPSG:3857"'), 422, "koordinatsystemPlan"),
    Hostile("dxf-binary", PLAN, "plan.dxf", lambda: b"AutoCAD Binary DXF\r\n\x1a\x00" + bytes(range(256)) * 16, 422, "binär DXF"),
    Hostile("dxf-as-csv", PLAN, "plan.csv", DXF_DRAWING.read_bytes, 415, "namnet säger csv"),
    Hostile("dxf-without-mapping", PLAN, "plan.dxf", DXF_DRAWING.read_bytes, 400, "DP-PLANGRÄNS", fields=(("srid", "3011"),)),
    Hostile("dxf-without-crs", PLAN, "plan.dxf", DXF_DRAWING.read_bytes, 400, "koordinatsystem", fields=(("dxf_layers", "DP-PLANGRÄNS=plangrans"),)),
    Hostile("shapefile-too-many-vertices", PLAN, "plan.zip", lambda: shapefile_zip([shapely.geometry.shape(many_vertices_polygon())], crs="EPSG:3006"), 422, "plan.shp: geometrierna har", names_file=False),
    # Context layers (streets, lamps, buildings).
    Hostile("context-xml", CONTEXT, "lager.xml", kristianstad(), 415, "lager.xml"),
    Hostile("context-pbf-garbage", CONTEXT, "osm.pbf", osm_pbf_header_then_garbage, 422, "osm.pbf"),
    Hostile("context-zip-bomb", CONTEXT, "lager.zip", zip_bomb, 422, "zip-bomb"),
    Hostile("context-absurd-point", CONTEXT, "lampor.geojson", lambda: geojson(feature_collection([{"type": "Point", "coordinates": [1e12, 1e12]}])), 422, "lampor.geojson", (("mapping", "kind=lamp"),)),
    Hostile("context-csv-nan", CONTEXT, "lampor.csv", lambda: f"x;y\nNaN;{CY}\n".encode(), 422, "lampor.csv", (("mapping", "kind=lamp,x=x,y=y,srid=3006"),)),
    # Incident imports (CSV, GeoJSON, zip) by analysts.
    Hostile("incidents-garbage", INCIDENTS, "export.csv", lambda: bytes(range(256)) * 32, 415, "export.csv"),
    Hostile("incidents-too-many-rows", INCIDENTS, "export.csv", lambda: csv_rows(int(LIMITS["max_features"]) + 10), 422, "export.csv"),
    Hostile("incidents-huge-header", INCIDENTS, "export.csv", lambda: b"x" * (5 * MB) + b";y\r\n" + csv_rows(3), 422, "export.csv"),
    Hostile("incidents-utf16", INCIDENTS, "export.csv", lambda: MUNICIPAL_SAMPLE.read_bytes().decode("cp1252").encode("utf-16"), 415, "export.csv"),
    Hostile("incidents-zip-escape", INCIDENTS, "export.zip", lambda: zip_of({"../export.csv": csv_rows(5)}), 422, "utanför sin mapp"),
    Hostile("incidents-zip-bomb", INCIDENTS, "export.zip", lambda: zip_of({"export.csv": csv_rows(3) + b" " * (20 * MB)}), 422, "zip-bomb"),
    Hostile("incidents-geojson-nan", INCIDENTS, "export.geojson", lambda: b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [NaN, 59.5]}}]}', 422, "export.geojson"),
    # Photos from the tablets.
    Hostile("photo-pixel-bomb", PHOTO, "IMG_0001.png", lambda: png(20_000, 20_000), 422, "megapixel"),
    Hostile("photo-text-chunk-bomb", PHOTO, "IMG_0002.png", lambda: png(64, 64, Comment="a" * (40 * MB)), 422, "IMG_0002.png"),
    Hostile("photo-truncated-jpeg", PHOTO, "IMG_0003.jpg", lambda: jpeg()[:2000], 422, "IMG_0003.jpg"),
    Hostile("photo-jpeg-magic-then-garbage", PHOTO, "IMG_0004.jpg", lambda: b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64, 422, "IMG_0004.jpg"),
    Hostile("photo-gif", PHOTO, "IMG_0005.jpg", lambda: b"GIF89a" + b"\x00" * 200, 415, "JPEG, PNG"),
    Hostile("photo-svg-script", PHOTO, "IMG_0006.jpg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 415, "JPEG, PNG"),
    Hostile("photo-pdf", PHOTO, "IMG_0007.png", lambda: b"%PDF-1.4\n" + b"x" * 500, 415, "JPEG, PNG"),
    Hostile("photo-too-large", PHOTO, "IMG_0008.jpg", lambda: b"\xff\xd8\xff\xe0" + b"\x00" * (3 * MB), 413, "MB"),
    Hostile("photo-empty", PHOTO, "IMG_0009.jpg", lambda: b"", 400, "image"),
]
# fmt: on
