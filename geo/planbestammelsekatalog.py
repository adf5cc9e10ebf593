"""Boverket's planbestämmelsekatalog (release 20251201) and the use codes Trygg's scoring reads.

Since BFS 2020:5 every planbestämmelse in a digital detaljplan names its entry in Boverket's catalogue by
the entry's UUID (``planbestammelsekatalogreferens`` in Detaljplan 4.1). The part of the catalogue Trygg
uses ships in ``geo/data/planbestammelsekatalog_20251201.json`` (source, licence and how it was made in
``geo/data/README.md``; "Källa: Boverket, Planbestämmelsekatalogen").

Scoring reads a zone's letter code (B, C, GATA, PARK …; ``layers.models.BOVERKET_USE_CODES``), so a use
regulation is mapped to a code by its catalogue **kategori** within its **användningsform**: every
subtype, ``_Annan`` and ``_Aldre`` entry shares the kategori of its main use (all ``DP_KM_B2_*`` are
"Bostäder"), so a subtype Trygg has never seen still lands on the right code. A few subtypes map to the
finer codes scoring already tells apart (Lokalgata, Huvudgata, Gågata, Lek, Gångväg, Cykelväg,
Salutorg); docs/decisions/0710 gives the table and why. The catalogue is versioned per entry: a
reference missing here may be newer than the fixture, so it is reported by the caller, never guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "planbestammelsekatalog_20251201.json"
SOURCE = "Källa: Boverket, Planbestämmelsekatalogen"

USE = "Användningsbestämmelse"
PROPERTY = "Egenskapsbestämmelse"
KVARTERSMARK = "Kvartersmark"
ALLMAN_PLATS = "Allmän plats"
VATTENOMRADE = "Vattenområde"

# (användningsform, kategori) -> Trygg's use code. "Annan kvartersmark" and "Annan allmän plats" carry
# a free wording ([användning:text]) and no code: the caller reports them as uses without a code.
KATEGORI_CODES: dict[tuple[str, str], str] = {
    (KVARTERSMARK, "Bostäder"): "B",
    (KVARTERSMARK, "Centrum"): "C",
    (KVARTERSMARK, "Vård"): "D",
    (KVARTERSMARK, "Tekniska anläggningar"): "E",
    (KVARTERSMARK, "Flygtrafik"): "F",
    (KVARTERSMARK, "Drivmedel"): "G",
    (KVARTERSMARK, "Detaljhandel"): "H",
    (KVARTERSMARK, "Industri"): "J",
    (KVARTERSMARK, "Kontor"): "K",
    (KVARTERSMARK, "Odling och djurhållning"): "L",
    (KVARTERSMARK, "Begravningsplats"): "M",
    (KVARTERSMARK, "Friluftsliv och camping"): "N",
    (KVARTERSMARK, "Tillfällig vistelse"): "O",
    (KVARTERSMARK, "Parkering"): "P",
    (KVARTERSMARK, "Besöksanläggningar"): "R",
    (KVARTERSMARK, "Skola"): "S",
    (KVARTERSMARK, "Trafik"): "T",
    (KVARTERSMARK, "Räddningstjänst och annat samhällsviktigt ändamål"): "U",
    (KVARTERSMARK, "Hamn"): "V",
    (KVARTERSMARK, "Verksamheter"): "Z",
    (VATTENOMRADE, "Vattenområde"): "W",
    (ALLMAN_PLATS, "Gata"): "GATA",
    (ALLMAN_PLATS, "Torg"): "TORG",
    (ALLMAN_PLATS, "Väg"): "VÄG",
    # Trygg has GÅNG and CYKEL, not the combined GCVÄG; a shared path is walked, and scoring draws
    # every path code but GATA as a pedestrian way (layers/scoring.py), so GÅNG loses nothing.
    (ALLMAN_PLATS, "Gång- och cykelväg"): "GÅNG",
    # Parking on allmän plats (P-PLATS) is PARKERING in Trygg; P is parking on kvartersmark.
    (ALLMAN_PLATS, "Parkering"): "PARKERING",
    (ALLMAN_PLATS, "Park"): "PARK",
    (ALLMAN_PLATS, "Natur"): "NATUR",
    (ALLMAN_PLATS, "Skydd"): "SKYDD",
}

# Subtypes that scoring tells apart from their main use (STREET_CODES, PARK_CODES in layers/scoring.py).
SUBTYPE_CODES: dict[str, str] = {
    "DP_AP_Gata_Lokal": "LOKALGATA",
    "DP_AP_Gata_Huvud": "HUVUDGATA",
    "DP_AP_Gata_Ga": "GÅGATA",
    "DP_AP_Park_Lek": "LEK",
    "DP_AP_GC_Gang": "GÅNG",
    "DP_AP_GC_CykelMoped": "CYKEL",
    "DP_AP_GC_EnbartCykel": "CYKEL",
    "DP_AP_Torg_Salu": "TORGHANDEL",
}

# DP_KM_B2, DP_KM_B2_Annan, DP_VO_W2_Hamn: the letter of a kvartersmark or vattenområde use.
_KM_VO_KOD = re.compile(r"^DP_(?:KM|VO)_([A-Z])2(?:_|$)")
_KM_VO_LETTERS = frozenset(
    code
    for (form, _kategori), code in KATEGORI_CODES.items()
    if form in (KVARTERSMARK, VATTENOMRADE)
)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class CatalogueEntry:
    """One entry of the catalogue, with Boverket's field names (rita-detaljplan's compact form)."""

    id: str  # the UUID a plan file names in planbestammelsekatalogreferens
    kod: str  # bestämmelsekod, e.g. DP_KM_B2, DP_KM_Eg_Hojd_HogstaHojd_Nockhojd
    formulering: str  # the wording, with [name:type] variables
    typ: str  # Användningsbestämmelse or Egenskapsbestämmelse
    anvandningsform: str  # Kvartersmark, Allmän plats, Vattenområde, Planområdet
    geometrityp: str  # Yta/Volym, Linje, Punkt
    beteckning: str  # B, B#, e#, … ("" when the plan map shows a symbol)
    kategori: str
    uttryckt_varde: str = ""  # Min, Max, Exakt
    symbol_id: int | None = None
    borjar_galla: str = ""  # given only where the source noted a date other than 2020-10-01
    tolkning: bool = False  # an interpretation entry (_Aldre) for digitised older plans


@dataclass(frozen=True)
class Catalogue:
    """A release of the catalogue: its name, publication date and entries by UUID."""

    release: str
    published: str
    entries: Mapping[str, CatalogueEntry]

    def get(self, ref: str) -> CatalogueEntry | None:
        """The entry ``ref`` names (UUIDs compared in lower case), or None when this release lacks it.

        >>> catalogue = load_catalogue()
        >>> catalogue.get("F9E056A6-CDA8-4B92-A15D-DC70D61DFA36").kod
        'DP_KM_B2'
        >>> catalogue.get("00000000-0000-4000-8000-000000000000") is None
        True
        """
        return self.entries.get(ref.strip().lower())


def read_catalogue(path: Path) -> Catalogue:
    """Read a catalogue file in the fixture's form (``release_name``, ``published``, ``entries``).

    Raises
    ------
    ValueError
        When an entry lacks a field, or its id is not a lower-case UUID, or two entries share an id.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    entries: dict[str, CatalogueEntry] = {}
    for raw in data["entries"]:
        entry = CatalogueEntry(
            id=str(raw["id"]),
            kod=str(raw["kod"]),
            formulering=str(raw["formulering"]),
            typ=str(raw["typ"]),
            anvandningsform=str(raw["anvandningsform"]),
            geometrityp=str(raw["geometrityp"]),
            beteckning=str(raw.get("beteckning", "")),
            kategori=str(raw.get("kategori", "")),
            uttryckt_varde=str(raw.get("uttryckt_varde", "")),
            symbol_id=int(raw["symbol_id"]) if "symbol_id" in raw else None,
            borjar_galla=str(raw.get("borjar_galla", "")),
            tolkning=bool(raw.get("tolkning", False)),
        )
        if not _UUID.match(entry.id):
            raise ValueError(f"{path.name}: {entry.kod} has the id {entry.id!r}, not a UUID")
        if entry.id in entries:
            raise ValueError(f"{path.name}: the id {entry.id} appears twice")
        entries[entry.id] = entry
    return Catalogue(
        release=str(data["release_name"]), published=str(data["published"]), entries=entries
    )


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The catalogue Trygg ships (release 20251201), read once per process."""
    return read_catalogue(CATALOGUE_PATH)


def entry_use_code(entry: CatalogueEntry) -> str | None:
    """The use code of a use regulation's entry; None for a property regulation or a use without one.

    Examples
    --------
    >>> catalogue = load_catalogue()
    >>> [entry_use_code(catalogue.get(ref)) for ref in (
    ...     "760cc2bf-93ce-4358-9966-d6927b3d46a6",  # DP_KM_S2_Forskola: a subtype of Skola
    ...     "ab6c53ec-74cf-41e4-8133-ba74056e2bcd",  # DP_AP_Parkering (P-PLATS, allmän plats)
    ...     "cea1a8c2-7fc9-4fb2-8b6f-944716a4aa55",  # DP_KM_P2 (parking on kvartersmark)
    ...     "c4ec3543-8aab-42ac-a018-df5025e3e84d",  # DP_AP_Gata_Lokal
    ...     "296d3c8b-d901-4673-b351-d7f459f23894",  # DP_KM_Y2_Annan: free wording, no code
    ...     "ee5f8de3-89b0-479a-a5cb-7439d40623e8",  # högsta nockhöjd: not a use
    ... )]
    ['S', 'PARKERING', 'P', 'LOKALGATA', None, None]
    """
    if entry.typ != USE:
        return None
    if entry.kod in SUBTYPE_CODES:
        return SUBTYPE_CODES[entry.kod]
    code = KATEGORI_CODES.get((entry.anvandningsform, entry.kategori))
    if code is None and not entry.kategori:
        code = code_from_kod(entry.kod)  # one transcribed entry lacks its kategori (data/README.md)
    return code


def use_code(ref: str, catalogue: Catalogue | None = None) -> str | None:
    """The use code for a ``planbestammelsekatalogreferens``; None when the catalogue lacks the
    reference or the entry is not a use with a code (the caller reports it by the regulation's identity).

    Examples
    --------
    >>> use_code("f9e056a6-cda8-4b92-a15d-dc70d61dfa36"), use_code("72d5f850-eae5-4cdc-afff-6bf8e1042d52")
    ('B', 'PARK')
    >>> use_code("426a8a82-96ed-445c-aa60-381d777e8ad5"), use_code("4bc3be30-f343-4b59-a30e-bdae1e0be1b1")
    ('LEK', 'GÅNG')
    >>> use_code("11111111-2222-4333-8444-555555555555") is None  # not in release 20251201
    True
    """
    entry = (catalogue or load_catalogue()).get(ref)
    return entry_use_code(entry) if entry is not None else None


def code_from_kod(kod: str) -> str | None:
    """The code a kvartersmark or vattenområde kod spells (``DP_KM_U2_Utryckning`` -> ``U``).

    Boverket's kod repeats the use letter (``DP_KM_<letter>2``), which is how older catalogue versions
    were mapped too (``layers.importers.boverket.use_code``). Used only where an entry lacks its kategori;
    a test checks that kod and kategori agree for every entry that has both.

    >>> code_from_kod("DP_KM_U2_Utryckning"), code_from_kod("DP_VO_W2_Bryggor"), code_from_kod("DP_KM_Y2_Annan")
    ('U', 'W', None)
    >>> code_from_kod("DP_AP_Gata_Lokal") is None  # allmän plats is mapped by kategori only
    True
    """
    match = _KM_VO_KOD.match(kod)
    if match is None:
        return None
    letter = match.group(1)
    return letter if letter in _KM_VO_LETTERS else None
