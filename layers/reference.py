"""Reference data from the municipality's strategy (docs/glossary.md, ../DOMAIN in the design docs).

The nine focus areas, the offices that answer for them, the partners, and the incident categories
with their focus area and sensitivity. Loaded by ``layers.services.ensure_reference_data``.
"""

from __future__ import annotations

from typing import NamedTuple


class FocusAreaRef(NamedTuple):
    number: int
    name: str
    name_en: str
    sensitive: bool
    offices: tuple[str, ...]


class OfficeRef(NamedTuple):
    name: str
    short_name: str
    kind: str  # "kontor" or "partner"


class CategoryRef(NamedTuple):
    code: str
    label: str
    label_en: str
    focus_area: int | None  # None: outside the nine focus areas, still counted
    sensitive: bool = False


SAMHALLSBYGGNAD = "Kontoret för samhällsbyggnad"
KOMMUNLEDNING = "Kommunledningskontoret"
UTBILDNING = "Utbildningskontoret"
KULTUR_FRITID = "Kultur- och fritidskontoret"
SOCIAL_OMSORG = "Social- och omsorgskontoret"
POLISEN = "Polisen, lokalpolisområde Upplands Väsby"
VASBYHEM = "AB Väsbyhem"
KOLLEKTIVTRAFIK = "Region Stockholm, trafikförvaltningen (SL)"
CENTRUMLEDNING = "Väsby centrumledning"

OFFICES: tuple[OfficeRef, ...] = (
    OfficeRef(SAMHALLSBYGGNAD, "SBK", "kontor"),
    OfficeRef(KOMMUNLEDNING, "KLK", "kontor"),
    OfficeRef(UTBILDNING, "UBK", "kontor"),
    OfficeRef(KULTUR_FRITID, "KFK", "kontor"),
    OfficeRef(SOCIAL_OMSORG, "SOK", "kontor"),
    OfficeRef(POLISEN, "Polisen", "partner"),
    OfficeRef(VASBYHEM, "Väsbyhem", "partner"),
    OfficeRef(KOLLEKTIVTRAFIK, "SL", "partner"),
    OfficeRef(CENTRUMLEDNING, "Centrumledningen", "partner"),
)

# The strategy's nine focus areas and the responsible office (ansvarigt kontor) for each.
FOCUS_AREAS: tuple[FocusAreaRef, ...] = (
    FocusAreaRef(1, "Stadsbyggnad", "Urban planning", False, (SAMHALLSBYGGNAD,)),
    FocusAreaRef(
        2,
        "Hot och våld i offentlig miljö",
        "Threats and violence in public space",
        False,
        (KOMMUNLEDNING, SAMHALLSBYGGNAD),
    ),
    FocusAreaRef(
        3, "Hot och våld i skolan", "Threats and violence in schools", False, (UTBILDNING,)
    ),
    FocusAreaRef(
        4,
        "Hot och våld mot medarbetare och förtroendevalda",
        "Threats and violence against staff and elected officials",
        True,
        (KOMMUNLEDNING,),
    ),
    FocusAreaRef(5, "Organiserad brottslighet", "Organised crime", False, (KOMMUNLEDNING,)),
    FocusAreaRef(
        6,
        "Barn och ungdomars fritid",
        "Children's and young people's leisure",
        False,
        (KULTUR_FRITID,),
    ),
    FocusAreaRef(7, "Våld i nära relationer", "Domestic violence", True, (SOCIAL_OMSORG,)),
    FocusAreaRef(8, "Hedersrelaterat våld", "Honour-related violence", True, (SOCIAL_OMSORG,)),
    FocusAreaRef(9, "Våldsbejakande extremism", "Violent extremism", True, (KOMMUNLEDNING,)),
)

CATEGORIES: tuple[CategoryRef, ...] = (
    CategoryRef("misshandel", "Misshandel", "Assault", 2),
    CategoryRef("grovt_vald", "Mord, dråp och försök", "Murder, manslaughter and attempts", 2),
    CategoryRef("ran", "Rån", "Robbery", 2),
    CategoryRef(
        "hot_offentlig", "Olaga hot i offentlig miljö", "Unlawful threat in public space", 2
    ),
    CategoryRef("ordningsstorning", "Ordningsstörning", "Public disorder", 2),
    CategoryRef("fylleri", "Fylleri och berusning", "Drunkenness", 2),
    CategoryRef("sexualbrott", "Sexualbrott", "Sexual offence", 2, sensitive=True),
    CategoryRef("skadegorelse", "Skadegörelse", "Criminal damage", 1),
    CategoryRef("klotter", "Klotter", "Graffiti", 1),
    CategoryRef("vald_skola", "Hot och våld i skolan", "Threats and violence at school", 3),
    CategoryRef(
        "hot_medarbetare",
        "Hot och våld mot medarbetare",
        "Threats and violence against staff",
        4,
        sensitive=True,
    ),
    CategoryRef("narkotika", "Narkotikabrott", "Drug offence", 5),
    CategoryRef("vapen", "Vapenbrott", "Weapons offence", 5),
    CategoryRef("skjutning", "Skottlossning och sprängning", "Shooting and explosion", 5),
    CategoryRef(
        "ungdom_fritid", "Stök vid fritidsgård eller idrottsplats", "Disorder at youth venue", 6
    ),
    CategoryRef(
        "vald_nara_relation", "Våld i nära relation", "Domestic violence", 7, sensitive=True
    ),
    CategoryRef(
        "hedersrelaterat",
        "Hedersrelaterat våld och förtryck",
        "Honour-related violence",
        8,
        sensitive=True,
    ),
    CategoryRef("extremism", "Våldsbejakande extremism", "Violent extremism", 9, sensitive=True),
    CategoryRef("stold", "Stöld", "Theft", None),
    CategoryRef("inbrott", "Inbrott", "Burglary", None),
    CategoryRef("fordonsstold", "Fordonsstöld och stöld ur fordon", "Vehicle crime", None),
    CategoryRef("bedrageri", "Bedrägeri", "Fraud", None),
    CategoryRef("brand", "Brand", "Fire", None),
    CategoryRef("trafik", "Trafikhändelse", "Traffic event", None),
    CategoryRef("ovrigt", "Övrig händelse", "Other event", None),
)

# The police open events' "type" (Swedish) mapped to a category code; anything else is "ovrigt".
POLICE_TYPE_TO_CATEGORY: dict[str, str] = {
    "Misshandel": "misshandel",
    "Misshandel, grov": "misshandel",
    "Larm Överfall": "misshandel",
    "Mord/dråp": "grovt_vald",
    "Mord/dråp, försök": "grovt_vald",
    "Rån": "ran",
    "Rån, försök": "ran",
    "Rån väpnat": "ran",
    "Rån övrigt": "ran",
    "Olaga hot": "hot_offentlig",
    "Våld/hot mot tjänsteman": "hot_offentlig",
    "Ofredande/förargelse": "ordningsstorning",
    "Bråk": "ordningsstorning",
    "Fylleri/LOB": "fylleri",
    "Sedlighetsbrott": "sexualbrott",
    "Våldtäkt": "sexualbrott",
    "Våldtäkt, försök": "sexualbrott",
    "Skadegörelse": "skadegorelse",
    "Sabotage mot blåljusverksamhet": "skadegorelse",
    "Narkotikabrott": "narkotika",
    "Vapenlagen": "vapen",
    "Skottlossning": "skjutning",
    "Skottlossning, misstänkt": "skjutning",
    "Detonation": "skjutning",
    "Explosion": "skjutning",
    "Stöld": "stold",
    "Stöld, försök": "stold",
    "Stöld/inbrott": "stold",
    "Snatteri": "stold",
    "Inbrott": "inbrott",
    "Inbrott, försök": "inbrott",
    "Larm Inbrott": "inbrott",
    "Motorfordon, stöld": "fordonsstold",
    "Motorfordon, anträffat stulet": "fordonsstold",
    "Bedrägeri": "bedrageri",
    "Brand": "brand",
    "Brand automatlarm": "brand",
    "Trafikolycka": "trafik",
    "Trafikolycka, personskada": "trafik",
    "Trafikolycka, vilt": "trafik",
    "Trafikolycka, singel": "trafik",
    "Trafikolycka, smitning från": "trafik",
    "Rattfylleri": "trafik",
    "Trafikbrott": "trafik",
    "Trafikkontroll": "trafik",
}

# The municipality's own incident reporting system (the "kommun_incidentrapport" export, layout in
# docs/decisions/0203-municipal-incident-export.md): its "Händelsetyp" mapped to a category code. A type not
# listed here is rejected with its value in the report, because it might be a sensitive kind of incident
# (docs/decisions/0202-unknown-categories.md).
MUNICIPAL_TYPE_TO_CATEGORY: dict[str, str] = {
    "Skadegörelse": "skadegorelse",
    "Klotter": "klotter",
    "Inbrott": "inbrott",
    "Inbrottsförsök": "inbrott",
    "Stöld": "stold",
    "Stöld ur fordon": "fordonsstold",
    "Fordonsstöld": "fordonsstold",
    "Brand": "brand",
    "Anlagd brand": "brand",
    "Ordningsstörning": "ordningsstorning",
    "Berusad person": "fylleri",
    "Narkotikafynd": "narkotika",
    "Misshandel": "misshandel",
    "Rån": "ran",
    "Olaga hot": "hot_offentlig",
    "Sexuellt ofredande": "sexualbrott",
    "Hot mot medarbetare": "hot_medarbetare",
    "Våld mot medarbetare": "hot_medarbetare",
    "Hot mot förtroendevald": "hot_medarbetare",
    "Hot och våld i skolan": "vald_skola",
    "Stök vid fritidsgård": "ungdom_fritid",
    "Stök vid idrottsplats": "ungdom_fritid",
}
