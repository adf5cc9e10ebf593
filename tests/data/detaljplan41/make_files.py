"""Write the Detaljplan 4.1 test files in this folder: an INVENTED plan written from Lantmäteriet's
schema (schemas/detaljplan-4.1.json with geometri-2.0 and geometrimetadata-2.0.1) and Boverket's
planbestämmelsekatalog release 20251201, plus variants that break one rule each. Not a real plan.

    .venv/bin/python tests/data/detaljplan41/make_files.py

Based on the research notes' generator (docs/decisions/0710); ids are uuid5 of fixed names, so the
output is the same on every run (tests/geo/test_detaljplan41.py checks the files match this script).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from pyproj import Transformer

HERE = Path(__file__).resolve().parent
NS = uuid.UUID("6b1f3f0e-0000-4000-8000-000000000114")  # fixed namespace -> stable ids

E0, N0 = 145000.0, 6600300.0  # SWEREF 99 18 00 (EPSG:3011), near Väsby centrum, Upplands Väsby
CRS = "EPSG:3011"
Z_DECK = 24.0  # metres in RH 2000: the deck of the street over the garage
UNKNOWN_CATALOGUE_REF = "0a0b0c0d-1e1f-4a2b-8c3d-4e5f60718293"  # not an entry of release 20251201


def uid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


PLAN = uid("plan")

METADATA_2D = {
    "tidpunktForLagesbestamning": "2025-10-01T00:00:00+02:00",
    "lagesbestamningsmetodIPlan": {
        "typ": "konvertering",
        "variant": "CAD-data till geodata, geodetiskt referenssystem",
    },
}
METADATA_3D = {
    **METADATA_2D,
    "lagesbestamningsmetodIHojd": {
        "typ": "konvertering",
        "variant": "CAD-data till geodata, geodetiskt referenssystem",
    },
}


def rect(x0: float, y0: float, x1: float, y1: float, z: float | None = None) -> dict[str, Any]:
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]  # counter-clockwise (E, N)
    ring = [
        [round(E0 + x, 3), round(N0 + y, 3)] + ([z] if z is not None else []) for x, y in corners
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def geometri(typ: str, position: dict[str, Any]) -> dict[str, Any]:
    first = position["coordinates"]
    while isinstance(first[0], list):
        first = first[0]
    three_d = len(first) == 3
    g: dict[str, Any] = {
        "typ": typ,
        "position": position,
        "koordinatsystemPlan": CRS,
        "dimension": 3 if three_d else 2,
    }
    if three_d:
        g["hojdsystem"] = "EPSG:5613"  # RH 2000, the only value the schema allows
    return {"geometri": g, "geometrimetadata": METADATA_3D if three_d else METADATA_2D}


def yta(x0: float, y0: float, x1: float, y1: float, z: float | None = None) -> dict[str, Any]:
    return geometri("yta", rect(x0, y0, x1, y1, z=z))


def linje(*xy: tuple[float, float]) -> dict[str, Any]:
    coords = [[round(E0 + x, 3), round(N0 + y, 3)] for x, y in xy]
    return geometri("linje", {"type": "LineString", "coordinates": coords})


def punkt(x: float, y: float) -> dict[str, Any]:
    return geometri("punkt", {"type": "Point", "coordinates": [round(E0 + x, 3), round(N0 + y, 3)]})


def feature(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": props["objektidentitet"],
        "geometry": None,
        "properties": props,
    }


def bestammelse(
    name: str,
    typ: str,
    katalog: str,
    formulering: str,
    geometrier: list[dict[str, Any]],
    motiv: str,
    **extra: Any,
) -> dict[str, Any]:
    props = {
        "feature:typ": typ,
        "objektidentitet": uid(name),
        "detaljplan": PLAN,
        "planbestammelsekatalogreferens": katalog,
        "bestammelseformulering": formulering,
        "bestammelsegeometri": geometrier,
        "planbestammelsebeskrivning": {"motiv": motiv},
    }
    props.update(extra)
    return feature(props)


def anv(
    name: str, katalog: str, formulering: str, geometrier: list[Any], motiv: str, **extra: Any
) -> dict[str, Any]:
    return bestammelse(
        name, "användningsbestämmelse", katalog, formulering, geometrier, motiv, **extra
    )


def egen(
    name: str,
    katalog: str,
    formulering: str,
    geometrier: list[Any],
    motiv: str,
    reglerar: list[str],
    **extra: Any,
) -> dict[str, Any]:
    return bestammelse(
        name,
        "egenskapsbestämmelse",
        katalog,
        formulering,
        geometrier,
        motiv,
        reglerarAnvandningsbestammelse=[uid(r) for r in reglerar],
        **extra,
    )


def decimal(beskrivning: str, varde: str, vardetyp: str, enhet: str) -> dict[str, str]:
    return {
        "datatyp": "decimaltal",
        "variabelvarde": varde,
        "beskrivning": beskrivning,
        "vardetyp": vardetyp,
        "enhet": enhet,
    }


# Layout in metres from (E0, N0); plan area 120 x 80 m.
#   y 30-80: B (x 0-70) | C (x 70-120, y 30-55) / S (x 70-120, y 55-80)
#   y 15-30: GATA (x 0-80, 2D) | GATA above +24.0 "uppåt" and P (garage) below +24.0 "nedåt" (x 80-120)
#   y  0-15: PARK (x 0-120)
def regulations() -> list[dict[str, Any]]:
    return [
        anv("B", "f9e056a6-cda8-4b92-a15d-dc70d61dfa36", "Bostäder", [yta(0, 30, 70, 80)],
            "Bostäder i kollektivtrafiknära läge."),
        anv("C", "5df5c910-50b0-4b57-80a4-d139115c3b73", "Centrum", [yta(70, 30, 120, 55)],
            "Verksamheter i bottenvåningar mot gatan ger liv i gaturummet."),
        anv("S", "674b3f0e-d85a-4e8f-9888-6d2d1bb96ebb", "Skola", [yta(70, 55, 120, 80)],
            "Förskola nära bostäderna."),
        anv("GATA1", "7f46c19a-343d-433e-9ff8-59679eed36d8", "Gata", [yta(0, 15, 80, 30)],
            "Lokalgata till kvarteren."),
        anv("GATA2", "7f46c19a-343d-433e-9ff8-59679eed36d8", "Gata", [yta(80, 15, 120, 30, z=Z_DECK)],
            "Gatan fortsätter på bjälklaget över parkeringsgaraget.", vertikalAvgransning="uppåt"),
        anv("P", "cea1a8c2-7fc9-4fb2-8b6f-944716a4aa55", "Parkering", [yta(80, 15, 120, 30, z=Z_DECK)],
            "Parkeringsgarage under gatan.", vertikalAvgransning="nedåt"),
        anv("PARK", "72d5f850-eae5-4cdc-afff-6bf8e1042d52", "Park", [yta(0, 0, 120, 15)],
            "Parkstråk mellan bostäderna och bäcken."),
        egen("e1", "1c38a293-b48c-4572-a4a7-5a5d27697ea1",
             "Största byggnadsarea är [utnyttjandegrad:decimaltal] % av fastighetsarean inom egenskapsområdet.",
             [yta(0, 30, 70, 80)], "Gårdar med plats för lek och grönska.", ["B"],
             bestammelsevarde=[decimal("utnyttjandegrad", "30", "max", "procent")]),
        egen("h1", "ee5f8de3-89b0-479a-a5cb-7439d40623e8", "Högsta nockhöjd är [höjd:decimaltal] meter.",
             [yta(0, 36, 70, 80)], "Bebyggelsens skala anpassas till omgivningen.", ["B"],
             bestammelsevarde=[decimal("höjd", "12.5", "max", "meter")]),
        egen("prickmark", "b423927d-ac5e-4635-b7ec-a309d83b828f", "Marken får inte förses med byggnadsverk.",
             [yta(0, 30, 70, 36)], "Förgårdsmark mot gatan.", ["B"]),
        egen("h2", "05c9ec9d-65e2-4a64-a711-3fde76f1c4f8", "Högsta totalhöjd är [höjd:decimaltal] meter.",
             [yta(70, 30, 120, 80)], "Samma höjd för centrum- och skolbyggnaden.", ["C", "S"],
             bestammelsevarde=[decimal("höjd", "24.0", "max", "meter")]),
        # Two parts, one geometribeskrivning each: the NGP rules allow no multigeometries (DP-0004).
        egen("utfartsforbud", "623a21a0-5d27-4b55-889f-b0841409894d", "Utfartsförbud",
             [linje((70, 30), (100, 30)), linje((0, 30), (10, 30))],
             "Trafiksäkerhet vid korsningen och vid parkens entré.", ["C", "B"]),
        egen("plushojd", "9e2d6352-1bdd-45ea-a0ae-44ec4dfe946a",
             "Markens höjd över nollplanet ska vara [höjd:decimaltal] meter.",
             [punkt(40, 22.5)], "Anslutning till befintlig gata.", ["GATA1"],
             bestammelsevarde=[decimal("höjd", "24.2", "exakt", "meter")]),
        egen("huvudman", "9f9eedb8-a667-4a8d-b932-8225793e4c85",
             "Huvudmannaskapet är enskilt för den allmänna platsen.",
             [yta(0, 0, 120, 15)], "Parken sköts av gemensamhetsanläggning.", ["PARK"]),
        egen("lek", "1cbde9a3-0064-4494-91e5-f3083964e026", "Lekplats [text:text]",
             [yta(10, 2, 40, 13)], "Lekplats nära förskolan och bostäderna.", ["PARK"],
             bestammelsevarde=[{"datatyp": "text", "variabelvarde": "med belysning", "beskrivning": "text"}]),
    ]  # fmt: skip


def plan(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "feature:typ": "detaljplan",
        "objektidentitet": PLAN,
        "objektversion": 1,
        "versionGiltigFran": "2025-11-20T10:00:00+01:00",
        "kommun": "Upplands Väsby",
        "beteckning": "TESTPLAN 2025:1",
        "namn": "Påhittad testplan vid Väsby centrum (ingen verklig plan)",
        "syfte": "Testfil för Trygg: bostäder, centrum och skola kring en gata med garage under, och en park.",
        "status": "samråd",
        "datumStatusforandring": "2025-11-20",
        "typ": "detaljplan",
        "kvalitetsbeskrivning": {
            "digitaliseringsniva": "komplett",
            "korrigeradeGranser": False,
            "kontrolleratPlaneringsunderlag": True,
        },
        "plangeometri": [yta(0, 0, 120, 80)],
        "beslutsinformation": [
            {
                "instansInomKommunen": "byggnadsnämnd enligt PBL",
                "diarienummerKommun": "KS/2025:0000",
                "datumPaborjat": "2025-03-01",
                "genomforandetid": 60,
                "planbestammelse": [f["properties"]["objektidentitet"] for f in features],
            }
        ],
        "planbeskrivning": {
            "planbeskrivning": {
                "namn": "Planbeskrivning, samrådshandling (påhittad)",
                "datum": {"datum": "2025-11-20", "handelse": "publicerad"},
                "referens": [
                    {
                        "identitet": uid("planbeskrivning"),
                        "lank": "https://example.org/trygg/testplan-2025-1/planbeskrivning.pdf",
                    }
                ],
            }
        },
        "planeringsunderlag": [
            {
                "huvudomrade": "utredningar",
                "underlagstyp": "barnkonsekvensanalys",
                "underlag": {
                    "namn": "Barnkonsekvensanalys (påhittad)",
                    "referens": [
                        {
                            "identitet": uid("bka"),
                            "lank": "https://example.org/trygg/testplan-2025-1/bka.pdf",
                        }
                    ],
                },
            }
        ],
    }


def example() -> dict[str, Any]:
    regs = regulations()
    return {
        "type": "FeatureCollection",
        "feature:mediatyp": "application/vnd.lm.detaljplan.v4+json",
        "features": [feature(plan(regs)), *regs],
    }


def _props(doc: dict[str, Any], name: str) -> dict[str, Any]:
    wanted = PLAN if name == "plan" else uid(name)
    for f in doc["features"]:
        if f["properties"]["objektidentitet"] == wanted:
            props: dict[str, Any] = f["properties"]
            return props
    raise KeyError(name)


def without_plan_area() -> dict[str, Any]:
    doc = example()
    del _props(doc, "plan")["plangeometri"]
    return doc


def mixed_crs() -> dict[str, Any]:
    """The C area in SWEREF 99 TM (coordinates transformed), the rest in SWEREF 99 18 00."""
    doc = example()
    to_tm = Transformer.from_crs(3011, 3006, always_xy=True)
    g = _props(doc, "C")["bestammelsegeometri"][0]["geometri"]
    g["koordinatsystemPlan"] = "EPSG:3006"
    ring = g["position"]["coordinates"][0]
    g["position"]["coordinates"][0] = [
        [round(v, 3) for v in to_tm.transform(x, y)] for x, y in ring
    ]
    return doc


def broken_structure() -> dict[str, Any]:
    """The S regulation's bestammelsegeometri is one object, not a list of them."""
    doc = example()
    props = _props(doc, "S")
    props["bestammelsegeometri"] = props["bestammelsegeometri"][0]
    return doc


def reported_not_refused() -> dict[str, Any]:
    """Two problems the plan can live with: the lekplats has no geometry, and h2 names a catalogue
    entry that release 20251201 does not have (a newer release, say)."""
    doc = example()
    _props(doc, "lek")["bestammelsegeometri"] = []
    _props(doc, "h2")["planbestammelsekatalogreferens"] = UNKNOWN_CATALOGUE_REF
    return doc


def other_municipality() -> dict[str, Any]:
    """The file says Sigtuna; the coordinates are unchanged (the importer refuses it, not the reader)."""
    doc = example()
    _props(doc, "plan")["kommun"] = "Sigtuna"
    return doc


def dump(doc: dict[str, Any]) -> str:
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    # One position per line: [145000.0, 6600300.0] instead of four lines.
    text = re.sub(
        r"\[\s+(-?[\d.]+(?:,\s+-?[\d.]+)*)\s+\]",
        lambda m: "[" + re.sub(r"\s+", " ", m.group(1)) + "]",
        text,
    )
    return text + "\n"


def files() -> dict[str, str]:
    """File name -> content of every file this script writes."""
    out = {
        "exempel_detaljplan_4.1.json": dump(example()),
        "fel_saknar_plangeometri.json": dump(without_plan_area()),
        "fel_blandade_koordinatsystem.json": dump(mixed_crs()),
        "fel_trasig_struktur.json": dump(broken_structure()),
        "fel_annan_kommun.json": dump(other_municipality()),
        "rapport_utan_geometri_okand_katalogreferens.json": dump(reported_not_refused()),
    }
    # Cut off in the middle, as an interrupted download would be.
    whole = out["exempel_detaljplan_4.1.json"]
    out["fel_inte_json.json"] = whole[: len(whole) // 2]
    return out


if __name__ == "__main__":
    for name, text in files().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(HERE / name)
