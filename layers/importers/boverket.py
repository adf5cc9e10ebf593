"""Boverket's planbestämmelsekatalog: catalogue codes to use codes, and regulation texts.

A detaljplan in SS 637040 names each regulation by its catalogue code (``anvandningsslag`` for a use,
``bestammelsetyp`` for a property or administrative regulation) and gives its variables; the plan map's
letter (``beteckning``) is optional. Trygg keeps the letter code of a use (B, C, GATA, …; see
``layers.models.BOVERKET_USE_CODES``) and writes each regulation out as the sentence the catalogue
prescribes, with its variables filled in. The texts below are those of the catalogue versions met in
Swedish plans (07.07.2016 and the 2020 catalogue, "Källa: Boverket, Planbestämmelsekatalogen"); a code
not listed keeps its code and variables, so nothing in the file is lost.
"""

from __future__ import annotations

import re
import unicodedata

from layers.models import BOVERKET_USE_CODES

# Allmän plats (public place) uses, by the last word of the catalogue code, ASCII-folded and lower case.
PUBLIC_PLACE_CODES: dict[str, str] = {
    "gata": "GATA",
    "lokalgata": "LOKALGATA",
    "huvudgata": "HUVUDGATA",
    "torg": "TORG",
    "gang": "GÅNG",
    "gangvag": "GÅNG",
    "cykel": "CYKEL",
    "cykelmoped": "CYKEL",
    "gagata": "GÅGATA",
    "park": "PARK",
    "natur": "NATUR",
    "parkering": "PARKERING",
    "lek": "LEK",
    "odling": "ODLING",
    "vag": "VÄG",
    "badplats": "BADPLATS",
    "skydd": "SKYDD",
    "koloni": "KOLONI",
    "torghandel": "TORGHANDEL",
    "plantering": "PLANTERING",
    "hamn": "HAMN",
    "kanal": "KANAL",
    "spar": "SPÅR",
    "idrott": "IDROTT",
    "angsvard": "ÄNGSVÅRD",
}

# Property (egenskap) and administrative regulations: catalogue code -> the sentence, with the file's
# variables in braces. Codes of the 07.07.2016 catalogue (as in Kristianstad's plan) and common later ones.
REGULATION_TEXTS: dict[str, str] = {
    # höjd
    "DP_KM_Eg_Utform_Nockhojd_Meter": "Högsta nockhöjd är {hojd} meter",
    "DP_KM_Eg_Utform_Totalhojd_Meter": "Högsta totalhöjd är {hojd} meter",
    "DP_KM_Eg_Utform_Byggnadshojd_Meter": "Högsta byggnadshöjd är {hojd} meter",
    "DP_KM_Eg_Utform_Nockhojd_Hojdsystem": "Högsta nockhöjd är {hojd} meter över angivet nollplan",
    "DP_KM_Eg_Utform_Totalhojd_Hojdsystem": "Högsta totalhöjd är {hojd} meter över angivet nollplan",
    "DP_KM_Eg_Utform_Vaningar_Antal": "Högsta antal våningar är {antal}",
    "DP_KM_Eg_Hojd_HogstaHojd_Nockhojd": "Högsta nockhöjd är {hojd} meter",
    "DP_KM_Eg_Hojd_HogstaHojd_Totalhojd": "Högsta totalhöjd är {hojd} meter",
    # omfattning och exploatering
    "DP_KM_Eg_Omfatt_Byggnadsarea_Kvm": "Största byggnadsarea är {exploatering} m²",
    "DP_KM_Eg_Omfatt_Bruttoarea_Kvm": "Största bruttoarea är {exploatering} m²",
    "DP_KM_Eg_Omfatt_Byggnadsarea_Procent": "Största byggnadsarea är {exploatering} % av fastighetsarean",
    "DP_KM_Eg_Omfatt_Prickmark": "Marken får inte förses med byggnad",
    "DP_KM_Eg_Omfatt_Korsmark_A": "Marken får endast förses med {komplementbyggnad}",
    "DP_KM_Eg_Omfatt_Korsmark": "Marken får endast förses med komplementbyggnad",
    "DP_KM_Eg_Omfatt_Ringmark": "Marken får inte förses med byggnad, endast {byggnadsverk}",
    "DP_KM_Eg_BegransningAvMarkensUtnyttjande_EjByggnad_Prickmark": "Marken får inte förses med byggnad",
    "DP_KM_Eg_BegransningAvMarkensUtnyttjande_EjByggnadsverk_Prickmark": "Marken får inte förses med byggnadsverk",
    # utformning (bottenvåningar: the safety-relevant ones)
    "DP_KM_Eg_Utform_Bottenvaning_Lokaler": "Bottenvåning mot gata ska utformas med lokaler",
    "DP_KM_Eg_Utform_Bottenvaning_Entre": "Entréer ska vändas mot gatan",
    "DP_KM_Eg_Utform_Form_Takfot": "Takfoten ska utformas {utformning}",
    # administrativa
    "DP_KM_Ad_Markres_Underjord": "Markreservat för allmännyttiga underjordiska ledningar",
    "DP_KM_Ad_Markres_Luftledning": "Markreservat för allmännyttiga luftledningar",
    "DP_KM_Ad_Markres_Gangtrafik": "Markreservat för allmännyttig gångtrafik",
    "DP_KM_Ad_Markres_Cykeltrafik": "Markreservat för allmännyttig cykeltrafik",
    "DP_PO_Ad_Genomforande": "Genomförandetiden är {antal} år från den dag planen vinner laga kraft",
    "DP_PO_Ad_Strandskydd": "Strandskyddet är upphävt",
    "DP_PO_Ad_Strandskydd_Upphavt": "Strandskyddet är upphävt inom område betecknat {beteckning}",
    "DP_PO_Ad_Lovplikt": "Bygglov krävs även för {atgard}",
    "DP_PO_Ad_Markovan": "Marklov krävs även för {atgard}",
}

# Use codes Trygg knows beyond BOVERKET_USE_CODES (public-place uses that are less common).
EXTRA_USE_LABELS: dict[str, str] = {
    "PLANTERING": "Plantering",
    "HAMN": "Hamn",
    "KANAL": "Kanal",
    "SPÅR": "Spårtrafik",
    "IDROTT": "Idrott",
    "ÄNGSVÅRD": "Ängsvård",
    # Boverket's kvartersmark letters that Detaljplan 4.1 plans bring (docs/decisions/0710).
    "F": "Flygtrafik",
    "M": "Begravningsplats",
    "U": "Räddningstjänst och annat samhällsviktigt ändamål",
    "V": "Hamn",
}

USE_CODE_RE = re.compile(r"^[A-ZÅÄÖ][A-ZÅÄÖ0-9 ]{0,29}$")


def fold(text: str) -> str:
    """ASCII-fold and lower-case: ``fold("GÅNG") == "gang"``.

    >>> fold("GÅNG"), fold("Gångväg")
    ('gang', 'gangvag')
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def use_label(code: str) -> str:
    """The Swedish name of a use code, or the code itself when unknown.

    >>> use_label("GÅNG"), use_label("R S"), use_label("XYZ")
    ('Gångväg', 'Besöksanläggningar, Skola', 'XYZ')
    """
    parts = code.split()
    names = [BOVERKET_USE_CODES.get(p) or EXTRA_USE_LABELS.get(p) or p for p in parts]
    return ", ".join(names)


def is_known_use(code: str) -> bool:
    return code in BOVERKET_USE_CODES or code in EXTRA_USE_LABELS


def use_code(catalogue_code: str = "", beteckning: str = "") -> str:
    """The letter code of a use from its plan-map letter or its catalogue code; "" when neither says.

    A beteckning with an index (``B1``) gives its letters; otherwise the catalogue code is read:
    ``DP_KM_<letter>…`` (kvartersmark), ``DP_AP_…_<name>`` (allmän plats), ``DP_VO_…`` (vatten).

    >>> use_code("DP_KM_R_A"), use_code("DP_AP_Ko_Gang"), use_code("DP_AP_Ko_Cykelmoped")
    ('R', 'GÅNG', 'CYKEL')
    >>> use_code("DP_KM_R2_Motorsport"), use_code(beteckning="B1"), use_code("DP_VO_W1")
    ('R', 'B', 'W')
    >>> use_code("", "gata"), use_code("DP_KM_S", "S"), use_code("unknown")
    ('GATA', 'S', '')
    """
    letters = beteckning.strip().upper()
    if letters:
        stripped = re.sub(r"[0-9]+$", "", letters).strip()
        if is_known_use(stripped):
            return stripped
    code = catalogue_code.strip()
    parts = code.split("_")
    if len(parts) >= 3 and parts[0] == "DP":
        form = parts[1]
        if form == "KM":
            letter = re.sub(r"[0-9]+$", "", parts[2]).upper()
            if letter in BOVERKET_USE_CODES and len(letter) == 1:
                return letter
        elif form == "VO":
            return "W"
        elif form == "AP":
            name = fold(re.sub(r"[0-9]+$", "", parts[-1]))
            if name in PUBLIC_PLACE_CODES:
                return PUBLIC_PLACE_CODES[name]
    if letters and USE_CODE_RE.match(letters):
        return letters
    return ""


def regulation_text(
    code: str, variables: dict[str, str], *, beteckning: str = "", precisering: str = ""
) -> str:
    """The regulation's sentence from its catalogue code and variables.

    >>> regulation_text("DP_KM_Eg_Utform_Nockhojd_Meter", {"hojd": "13"})
    'Högsta nockhöjd är 13 meter'
    >>> regulation_text("DP_PO_Ad_Genomforande", {"antal": "5"})
    'Genomförandetiden är 5 år från den dag planen vinner laga kraft'
    >>> regulation_text("DP_KM_Eg_Okand", {"x": "1"})
    'DP_KM_Eg_Okand (x = 1)'
    """
    template = REGULATION_TEXTS.get(code)
    if template is not None:
        values = {fold(k): v for k, v in variables.items()}
        values.setdefault("beteckning", beteckning)
        names = re.findall(r"\{(\w+)\}", template)
        if all(n in values and values[n] for n in names):
            text = template.format(**{n: values[n] for n in names})
            return f"{text} ({precisering})" if precisering else text
    detail = ", ".join(f"{k} = {v}" for k, v in variables.items())
    base = code or beteckning or "bestämmelse"
    text = f"{base} ({detail})" if detail else base
    return f"{text}: {precisering}" if precisering else text
