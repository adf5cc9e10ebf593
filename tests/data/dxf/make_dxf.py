"""Write the DXF test drawings in this folder: an INVENTED plan proposal as a CAD user draws it, with
the layout of ../detaljplan41/exempel_detaljplan_4.1.json (SWEREF 99 18 00, EPSG:3011, near Väsby
centrum). Written by hand from Autodesk's DXF reference (group codes), not by a CAD program.

    .venv/bin/python tests/data/dxf/make_dxf.py

- ``samrad_cad_r2007.dxf``: AutoCAD 2007 (``$ACADVER AC1021``), so UTF-8 text, while ``$DWGCODEPAGE``
  says ``ANSI_1252`` as AutoCAD writes it: the encoding trap of GDAL's DXF driver.
- ``samrad_cad_r2000_cp1252.dxf``: the same drawing as AutoCAD 2000 (``AC1015``), text in Windows-1252.

What is in them: closed LWPOLYLINEs per use layer (as CAD users draw areas), a HATCH (PARK), an open
polyline on the plan-boundary layer (a left-over line, to be skipped), a LINE (utfartsförbud), a POINT
with Z (marknivå +24.2), TEXT and MTEXT labels ("S\\PFörskola"), a block inserted twice (a small
square on DP-SYMBOL) with a label "P" inside the first, and a title TEXT in paper space (to be left out). Layer names carry å, ä, ö.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
E0, N0 = 145000.0, 6600300.0


def entity(
    kind: str, handle: str, layer: str, *, codes: list[str], paper: bool = False
) -> list[str]:
    """An entity: its type, handle, paper-space flag (67), layer (8), then its own group codes."""
    space = ["67", "1"] if paper else []
    return ["0", kind, "5", handle, "100", "AcDbEntity", *space, "8", layer, *codes]


def lw(handle: str, layer: str, pts: list[tuple[float, float]], closed: bool = True) -> list[str]:
    codes = ["100", "AcDbPolyline", "90", str(len(pts)), "70", "1" if closed else "0"]
    for x, y in pts:
        codes += ["10", f"{E0 + x:.3f}", "20", f"{N0 + y:.3f}"]
    return entity("LWPOLYLINE", handle, layer, codes=codes)


def rect(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def text(
    handle: str,
    layer: str,
    x: float,
    y: float,
    s: str,
    *,
    paper: bool = False,
    origin: bool = False,
) -> list[str]:
    x0, y0 = (0.0, 0.0) if origin else (E0, N0)
    return entity("TEXT", handle, layer, paper=paper, codes=[
        "100", "AcDbText", "10", f"{x0 + x:.3f}", "20", f"{y0 + y:.3f}", "30", "0.0",
        "40", "2.5", "1", s, "100", "AcDbText",
    ])  # fmt: skip


def mtext(handle: str, layer: str, x: float, y: float, s: str) -> list[str]:
    return entity("MTEXT", handle, layer, codes=[
        "100", "AcDbMText", "10", f"{E0 + x:.3f}", "20", f"{N0 + y:.3f}", "30", "0.0",
        "40", "2.5", "1", s,
    ])  # fmt: skip


def line(handle: str, layer: str, a: tuple[float, float], b: tuple[float, float]) -> list[str]:
    return entity("LINE", handle, layer, codes=[
        "100", "AcDbLine",
        "10", f"{E0 + a[0]:.3f}", "20", f"{N0 + a[1]:.3f}", "30", "0.0",
        "11", f"{E0 + b[0]:.3f}", "21", f"{N0 + b[1]:.3f}", "31", "0.0",
    ])  # fmt: skip


def point(handle: str, layer: str, x: float, y: float, z: float) -> list[str]:
    return entity("POINT", handle, layer, codes=[
        "100", "AcDbPoint", "10", f"{E0 + x:.3f}", "20", f"{N0 + y:.3f}", "30", f"{z:.3f}",
    ])  # fmt: skip


def hatch(handle: str, layer: str, pts: list[tuple[float, float]]) -> list[str]:
    out = entity("HATCH", handle, layer, codes=[
        "100", "AcDbHatch", "10", "0.0", "20", "0.0", "30", "0.0",
        "210", "0.0", "220", "0.0", "230", "1.0", "2", "SOLID", "70", "1", "71", "0",
        "91", "1", "92", "2", "72", "0", "73", "1", "93", str(len(pts)),
    ])  # fmt: skip
    for x, y in pts:
        out += ["10", f"{E0 + x:.3f}", "20", f"{N0 + y:.3f}"]
    return [*out, "97", "0", "75", "0", "76", "1", "98", "0"]


def insert(handle: str, layer: str, block: str, x: float, y: float) -> list[str]:
    return entity("INSERT", handle, layer, codes=[
        "100", "AcDbBlockReference", "2", block, "10", f"{E0 + x:.3f}", "20", f"{N0 + y:.3f}", "30", "0.0",
    ])  # fmt: skip


def block(name: str) -> list[str]:
    """A 2 x 2 m square around the insertion point, drawn on layer 0 (so it takes the INSERT's layer)."""
    square = ["0", "LWPOLYLINE", "5", "80", "100", "AcDbEntity", "8", "0", "100", "AcDbPolyline"]
    square += ["90", "4", "70", "1"]
    for x, y in [(-1, -1), (1, -1), (1, 1), (-1, 1)]:
        square += ["10", f"{x:.1f}", "20", f"{y:.1f}"]
    return [
        "0", "BLOCK", "5", "7F", "100", "AcDbEntity", "8", "0", "100", "AcDbBlockBegin",
        "2", name, "70", "0", "10", "0.0", "20", "0.0", "30", "0.0", "3", name, "1", "",
        *square,
        "0", "ENDBLK", "5", "81", "100", "AcDbEntity", "8", "0", "100", "AcDbBlockEnd",
    ]  # fmt: skip


def entities() -> list[str]:
    ents: list[str] = []
    ents += lw("10", "DP-PLANGRÄNS", rect(0, 0, 120, 80))
    ents += lw("11", "DP-ANVÄNDNING-B", rect(0, 30, 70, 80))
    ents += lw("12", "DP-ANVÄNDNING-C", rect(70, 30, 120, 55))
    ents += lw("13", "DP-ANVÄNDNING-S", rect(70, 55, 120, 80))
    ents += lw("14", "DP-ANVÄNDNING-GATA", rect(0, 15, 120, 30))
    ents += hatch("15", "DP-ANVÄNDNING-PARK", rect(0, 0, 120, 15))
    ents += lw("16", "DP-EGENSKAP-PRICKMARK", rect(0, 30, 70, 36))
    ents += line("17", "DP-UTFARTSFÖRBUD", (70, 30), (100, 30))
    ents += point("18", "DP-MARKHÖJD", 40, 22.5, 24.2)
    ents += text("19", "DP-BETECKNING", 35, 55, "B e1 h1")
    ents += mtext("1A", "DP-BETECKNING", 95, 67, "S\\PFörskola")
    ents += text("1B", "DP-BETECKNING", 60, 5, "PARK")
    ents += lw("1C", "DP-PLANGRÄNS", [(-5, -5), (125, -5)], closed=False)  # a left-over line
    ents += insert("1D", "DP-SYMBOL", "P-RUTA", 100, 22)
    ents += insert("1E", "DP-SYMBOL", "P-RUTA", 110, 22)
    ents += text("1F", "RAMAR", 10, 10, "Plankarta – samrådshandling", paper=True, origin=True)
    ents += text("20", "DP-BETECKNING", 100, 22, "P")  # inside the first P-RUTA, which lies in GATA
    return ents


def drawing(acadver: str) -> str:
    header = [
        "0", "SECTION", "2", "HEADER",
        "9", "$ACADVER", "1", acadver,
        "9", "$DWGCODEPAGE", "3", "ANSI_1252",
        "9", "$INSUNITS", "70", "6",
        "0", "ENDSEC",
    ]  # fmt: skip
    blocks = ["0", "SECTION", "2", "BLOCKS", *block("P-RUTA"), "0", "ENDSEC"]
    body = ["0", "SECTION", "2", "ENTITIES", *entities(), "0", "ENDSEC", "0", "EOF"]
    return "\r\n".join(header + blocks + body) + "\r\n"


def files() -> dict[str, bytes]:
    return {
        "samrad_cad_r2007.dxf": drawing("AC1021").encode("utf-8"),
        "samrad_cad_r2000_cp1252.dxf": drawing("AC1015").encode("cp1252"),
    }


if __name__ == "__main__":
    for name, data in files().items():
        (HERE / name).write_bytes(data)
        print(HERE / name)
