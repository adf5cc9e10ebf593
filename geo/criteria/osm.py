"""Read OpenStreetMap-like tags (a feature's ``properties``) into what the criteria need.

Municipal registers mapped by the context importer carry the same keys (``lit``, ``building:levels``,
``opening_hours`` …), so these rules serve both. Every rule is documented in docs/method.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geo.criteria import opening_hours

Props = Mapping[str, Any]

# Function categories for the mix criterion (docs/method.md, "Blandning av funktioner").
FUNCTIONS = ("bostad", "handel", "arbete", "service", "mat_noje", "rekreation")

_LANDUSE = {
    "residential": "bostad",
    "retail": "handel",
    "commercial": "arbete",
    "industrial": "arbete",
    "education": "service",
    "institutional": "service",
    "religious": "service",
    "civic": "service",
    "recreation_ground": "rekreation",
    "grass": "rekreation",
    "park": "rekreation",
    "playground": "rekreation",
    "garden": "rekreation",
    "pitch": "rekreation",
    "sports_centre": "rekreation",
    "village_green": "rekreation",
}
# Boverket's use codes read as the same functions (a planned zone is land use "as planned").
_USE_CODE = {
    "B": "bostad",
    "C": "handel",
    "H": "handel",
    "K": "arbete",
    "J": "arbete",
    "Z": "arbete",
    "D": "service",
    "S": "service",
    "R": "mat_noje",
    "O": "mat_noje",
    "PARK": "rekreation",
    "LEK": "rekreation",
    "TORG": "rekreation",
    "NATUR": "rekreation",
}
_FOOD_NIGHT = {
    "restaurant",
    "cafe",
    "bar",
    "pub",
    "fast_food",
    "nightclub",
    "cinema",
    "theatre",
    "food_court",
    "ice_cream",
    "biergarten",
    "arts_centre",
    "casino",
}
_SERVICE = {
    "school",
    "kindergarten",
    "library",
    "clinic",
    "doctors",
    "dentist",
    "hospital",
    "pharmacy",
    "townhall",
    "community_centre",
    "place_of_worship",
    "police",
    "post_office",
    "university",
    "college",
    "social_facility",
    "bank",
    "youth_centre",
}
_LEISURE_POI = {"park", "playground", "sports_centre", "fitness_centre", "pitch", "garden"}
# Without opening_hours, these are taken as open in the evening (and the first three at night too).
DEFAULT_EVENING = {"bar", "pub", "nightclub", "restaurant", "cinema", "theatre", "fast_food"}
DEFAULT_NIGHT = {"bar", "pub", "nightclub"}
# Buildings whose walls towards the street have no windows or doors as a rule.
BLIND_BUILDINGS = {
    "garage",
    "garages",
    "parking",
    "warehouse",
    "industrial",
    "shed",
    "storage_tank",
    "service",
    "transformer_tower",
    "hangar",
    "carport",
    "roof",
}
RESIDENTIAL_BUILDINGS = {
    "residential",
    "apartments",
    "house",
    "detached",
    "semidetached_house",
    "terrace",
    "dormitory",
}
DENSE_VEGETATION = {
    ("natural", "wood"),
    ("natural", "scrub"),
    ("landuse", "forest"),
    ("natural", "heath"),
    ("barrier", "hedge"),
}
YES = {"yes", "true", "1", "24/7", "automatic", "limited", "interval"}

M2_PER_RESIDENT = 42.0  # living space per person in Sweden (SCB, boendeyta per person, about 42 m²)
NET_FLOOR_SHARE = 0.8  # share of gross floor area that is living space


def landuse_function(props: Props) -> str | None:
    """The function category of a land-use area, from OSM tags or a Boverket use code.

    >>> landuse_function({"landuse": "retail"}), landuse_function({"use_code": "B"})
    ('handel', 'bostad')
    """
    code = str(props.get("use_code", "")).upper()
    if code:
        return _USE_CODE.get(code)
    for key in ("landuse", "leisure", "amenity"):
        value = str(props.get(key, ""))
        if value in _LANDUSE:
            return _LANDUSE[value]
    return None


def poi_function(props: Props) -> str | None:
    """The function category of a POI.

    >>> poi_function({"amenity": "pub"}), poi_function({"shop": "bakery"}), poi_function({"amenity": "bench"})
    ('mat_noje', 'handel', None)
    """
    amenity = str(props.get("amenity", ""))
    if amenity in _FOOD_NIGHT:
        return "mat_noje"
    if amenity in _SERVICE:
        return "service"
    if props.get("shop"):
        return "handel"
    if props.get("office") or props.get("craft"):
        return "arbete"
    if str(props.get("leisure", "")) in _LEISURE_POI:
        return "rekreation"
    if props.get("tourism") in {"hotel", "hostel", "museum", "gallery"}:
        return "mat_noje"
    return None


def open_days(props: Props, minute: int) -> float:
    """On how many days a week the POI is open at ``minute`` after midnight (0–7).

    From ``opening_hours`` when it can be read; otherwise from the kind of place (bars, pubs and
    nightclubs evening and night, restaurants, cinemas, theatres and fast food in the evening); else 0.

    >>> open_days({"opening_hours": "Mo-Fr 09:00-21:00"}, 20 * 60)
    5.0
    >>> open_days({"amenity": "pub"}, 23 * 60), open_days({"amenity": "restaurant"}, 23 * 60)
    (7.0, 0.0)
    """
    schedule = opening_hours.parse(str(props.get("opening_hours", "")))
    if schedule is not None:
        return float(opening_hours.days_open_at(schedule, minute))
    amenity = str(props.get("amenity", ""))
    if minute >= 22 * 60 or minute < 6 * 60:
        return 7.0 if amenity in DEFAULT_NIGHT else 0.0
    return 7.0 if amenity in DEFAULT_EVENING else 0.0


def is_lit(props: Props) -> bool:
    """Whether a way is tagged as lit.

    >>> is_lit({"lit": "yes"}), is_lit({"lit": "no"}), is_lit({})
    (True, False, False)
    """
    return str(props.get("lit", "")).lower() in YES


def is_tunnel(props: Props) -> bool:
    """A tunnel, a covered way or an underpass (a way below ground level).

    >>> is_tunnel({"tunnel": "yes"}), is_tunnel({"layer": "-1"}), is_tunnel({"bridge": "yes"})
    (True, True, False)
    """
    if str(props.get("tunnel", "no")) not in ("no", ""):
        return True
    if str(props.get("covered", "no")) == "yes":
        return True
    try:
        return int(str(props.get("layer", "0"))) < 0
    except ValueError:
        return False


def levels(props: Props, default: float = 2.0) -> float:
    """Storeys of a building: ``building:levels``, else height / 3 m, else ``default``.

    >>> levels({"building:levels": "4"}), levels({"height": "9.5"}), levels({})
    (4.0, 3.0, 2.0)
    """
    for key in ("building:levels", "building_levels"):
        try:
            return max(1.0, float(str(props[key]).replace(",", ".")))
        except (KeyError, ValueError):
            pass
    try:
        return max(1.0, float(round(float(str(props["height"]).replace(",", ".")) / 3.0)))
    except (KeyError, ValueError):
        return default


def is_residential(props: Props) -> bool:
    return (
        str(props.get("building", "")) in RESIDENTIAL_BUILDINGS
        or str(props.get("use_code", "")).upper() == "B"
    )


def residents(footprint_m2: float, props: Props) -> float:
    """Estimated residents of a building: footprint × storeys × 0.8 / 42 m² when residential.

    >>> round(residents(500.0, {"building": "apartments", "building:levels": "4"}), 1)
    38.1
    >>> residents(500.0, {"building": "retail"})
    0.0
    """
    if not is_residential(props):
        return 0.0
    # A block taken from a plan zone is the whole quarter; only part of it is built (footprint_share).
    share = float(props.get("footprint_share", 1.0))
    return footprint_m2 * share * levels(props) * NET_FLOOR_SHARE / M2_PER_RESIDENT


def is_active_ground_floor(props: Props) -> bool:
    """A ground floor with shops, restaurants, entrances to the public: eyes and life on the street.

    >>> is_active_ground_floor({"building": "retail"}), is_active_ground_floor({"active_ground_floor": True})
    (True, True)
    >>> is_active_ground_floor({"building": "apartments"})
    False
    """
    if props.get("active_ground_floor") in (True, "yes", "true"):
        return True
    if str(props.get("building", "")) in {
        "retail",
        "commercial",
        "kiosk",
        "supermarket",
        "civic",
        "public",
        "train_station",
    }:
        return True
    return bool(props.get("shop")) or str(props.get("amenity", "")) in _FOOD_NIGHT | _SERVICE


def is_blind_building(props: Props) -> bool:
    """A building whose walls facing the street have no windows or entrances as a rule.

    >>> is_blind_building({"building": "garages"}), is_blind_building({"building": "yes"})
    (True, False)
    """
    if props.get("blind_frontage") in (True, "yes", "true"):
        return True
    return str(props.get("building", "")) in BLIND_BUILDINGS


def is_dense_vegetation(props: Props) -> bool:
    """Woodland, scrub, hedges: vegetation one cannot see through.

    >>> is_dense_vegetation({"natural": "wood"}), is_dense_vegetation({"leisure": "park"})
    (True, False)
    """
    if props.get("dense_vegetation") in (True, "yes", "true"):
        return True
    return any(
        (k, str(props.get(k, ""))) in DENSE_VEGETATION for k in ("natural", "landuse", "barrier")
    )


def is_station(props: Props) -> bool:
    """A railway or commuter-train station (rather than a bus stop).

    >>> is_station({"railway": "station"}), is_station({"highway": "bus_stop"})
    (True, False)
    """
    return (
        str(props.get("railway", "")) in {"station", "halt"}
        or str(props.get("public_transport", "")) == "station"
        or str(props.get("train", "")) == "yes"
    )


# --- Tags read by the five criteria of method 2026.12 (docs/method.md, "Fem kriterier till") -------

# A parking garage (under ground, in a building): judged at its entrances, not over its floor.
GARAGE_PARKING = {"underground", "multi-storey", "rooftop"}
GARAGE_WORDS = ("parkeringshus", "garage")
# Roads a child crosses as a main road: trunk, primary and secondary roads whatever their speed (wide,
# busy, often with buses or trams), tertiary roads unless signed 30 km/h or less (the speed Swedish
# guidance asks for where children cross), and any other road signed 50 km/h or more.
MAIN_ROAD_CLASSES = {
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
}
CALMABLE_CLASSES = {"tertiary", "tertiary_link"}
MAIN_ROAD_CODES = {"HUVUDGATA", "VÄG"}  # planned zones read as main roads (their spines)
MAIN_ROAD_KMH = 50
CALM_ROAD_KMH = 30
# Streets a house faces (its front) when no entrance is mapped.
FRONT_STREETS = {
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "pedestrian",
    "service",
    "road",
}
# Paths that can run behind houses (Secured by Design's "rear access footpaths"); sidewalks and the
# crossings between them belong to the street in front.
REAR_PATHS = {"footway", "path", "cycleway", "steps", "bridleway", "track"}
STREET_SIDE_FOOTWAYS = {"sidewalk", "crossing"}
# Entrances that are a front door; service, garage and emergency doors are back doors.
FRONT_DOORS = {"yes", "main", "home", "staircase", "entrance"}
# Where children go (the barnkonsekvens criterion): förskola, skola, and lek och fritid.
CHILD_PRESCHOOL = {"kindergarten", "childcare"}
CHILD_LEISURE_AMENITY = {"library", "youth_centre", "community_centre"}
CHILD_LEISURE = {"playground", "pitch", "sports_centre", "sports_hall", "track", "skatepark"}
# Uses that conflict with homes close by (docs/method.md, "Konfliktande användningar").
NIGHT_AMENITIES = {"bar", "pub", "nightclub", "biergarten", "casino", "stripclub"}
SPORTS_GROUNDS = {"pitch", "stadium", "track"}


def _kmh(props: Props) -> float | None:
    """The speed limit in km/h, when the tag holds a plain number ("50", "50 km/h").

    >>> _kmh({"maxspeed": "30"}), _kmh({"maxspeed": "SE:urban"}), _kmh({})
    (30.0, None, None)
    """
    text = str(props.get("maxspeed", "")).split()
    try:
        return float(text[0]) if text else None
    except ValueError:
        return None


def use_codes(props: Props) -> set[str]:
    """The Boverket use codes of a plan zone ("R S" is two), upper case.

    >>> sorted(use_codes({"use_code": "r s"})), use_codes({})
    (['R', 'S'], set())
    """
    return {c for c in str(props.get("use_code", "")).upper().split() if c}


def parking_kind(props: Props) -> str | None:
    """What kind of parking a feature is: ``"lot"`` (surface parking), ``"garage"`` (under ground or
    in a building) or ``"entrance"`` (a garage's entrance), else None.

    OSM ``amenity=parking`` (``parking=underground/multi-storey/rooftop`` is a garage),
    ``amenity=parking_entrance``, ``building=parking``; a plan's P (kvartersmark) or PARKERING (allmän
    plats) zone, a garage when its name says parkeringshus or garage.

    >>> parking_kind({"amenity": "parking"}), parking_kind({"amenity": "parking", "parking": "underground"})
    ('lot', 'garage')
    >>> parking_kind({"amenity": "parking_entrance"}), parking_kind({"use_code": "P", "name": "Parkeringshus"})
    ('entrance', 'garage')
    >>> parking_kind({"amenity": "bicycle_parking"}) is None
    True
    """
    amenity = str(props.get("amenity", ""))
    if amenity == "parking_entrance":
        return "entrance"
    if amenity == "parking":
        return "garage" if str(props.get("parking", "")) in GARAGE_PARKING else "lot"
    if str(props.get("building", "")) == "parking":
        return "garage"
    if use_codes(props) & {"P", "PARKERING"}:
        name = str(props.get("name", "")).lower()
        return "garage" if any(w in name for w in GARAGE_WORDS) else "lot"
    return None


def is_main_road(props: Props) -> bool:
    """A road a child must cross as a main road (docs/method.md, "Barns vägar").

    >>> is_main_road({"highway": "secondary"}), is_main_road({"highway": "residential"})
    (True, False)
    >>> is_main_road({"highway": "residential", "maxspeed": "50"}), is_main_road({"highway": "tertiary", "maxspeed": "30"})
    (True, False)
    >>> is_main_road({"highway": "primary", "maxspeed": "30"}), is_main_road({"highway": "tertiary"})
    (True, True)
    """
    highway = str(props.get("highway", ""))
    if highway in MAIN_ROAD_CLASSES or use_codes(props) & MAIN_ROAD_CODES:
        return True
    kmh = _kmh(props)
    if highway in CALMABLE_CLASSES:
        return kmh is None or kmh > CALM_ROAD_KMH
    return kmh is not None and kmh >= MAIN_ROAD_KMH and bool(highway)


def is_signalled(props: Props) -> bool:
    """A crossing with traffic signals (tagged on the crossing way).

    >>> is_signalled({"footway": "crossing", "crossing": "traffic_signals"}), is_signalled({"crossing": "zebra"})
    (True, False)
    """
    return (
        str(props.get("crossing", "")) == "traffic_signals"
        or str(props.get("crossing:signals", "")) == "yes"
        or str(props.get("highway", "")) == "traffic_signals"
    )


def is_grade_separated(props: Props) -> bool:
    """A way on a bridge or below ground: it passes another way without meeting it.

    >>> is_grade_separated({"bridge": "yes"}), is_grade_separated({"layer": "-1"}), is_grade_separated({})
    (True, True, False)
    """
    if str(props.get("bridge", "no")) not in ("no", ""):
        return True
    if is_tunnel(props):
        return True
    try:
        return int(str(props.get("layer", "0"))) != 0
    except ValueError:
        return False


def is_front_street(props: Props) -> bool:
    """A street a house can face (its front), when no entrance is mapped.

    >>> is_front_street({"highway": "residential"}), is_front_street({"highway": "footway"})
    (True, False)
    """
    return str(props.get("highway", "")) in FRONT_STREETS


def is_rear_path(props: Props) -> bool:
    """A footpath, cycleway or alley that can run behind houses; not a sidewalk or a crossing.

    >>> is_rear_path({"highway": "footway"}), is_rear_path({"highway": "footway", "footway": "sidewalk"})
    (True, False)
    >>> is_rear_path({"highway": "service", "service": "alley"}), is_rear_path({"highway": "residential"})
    (True, False)
    """
    highway = str(props.get("highway", ""))
    if highway == "service":
        return str(props.get("service", "")) == "alley"
    if highway not in REAR_PATHS:
        return False
    return str(props.get("footway", "")) not in STREET_SIDE_FOOTWAYS


def is_front_door(props: Props) -> bool:
    """An entrance people use as the front door (not a service, garage or emergency door).

    >>> is_front_door({"entrance": "main"}), is_front_door({"entrance": "service"})
    (True, False)
    """
    return str(props.get("entrance", "yes")) in FRONT_DOORS


def child_destination(props: Props) -> str | None:
    """Where children go: ``"förskola"``, ``"skola"`` or ``"fritid"`` (lek och fritid), else None.

    OSM ``amenity=kindergarten/childcare``, ``amenity=school``, playgrounds, pitches, sports centres,
    youth and community centres and libraries; a plan's S zone (skola, or förskola by its name) and
    LEK zone.

    >>> child_destination({"amenity": "kindergarten"}), child_destination({"amenity": "school"})
    ('förskola', 'skola')
    >>> child_destination({"leisure": "playground"}), child_destination({"use_code": "S", "name": "Förskola"})
    ('fritid', 'förskola')
    >>> child_destination({"amenity": "university"}) is None
    True
    """
    amenity = str(props.get("amenity", ""))
    if amenity in CHILD_PRESCHOOL:
        return "förskola"
    if amenity == "school":
        return "skola"
    if amenity in CHILD_LEISURE_AMENITY or str(props.get("leisure", "")) in CHILD_LEISURE:
        return "fritid"
    codes = use_codes(props)
    if "S" in codes:
        return "förskola" if "förskola" in str(props.get("name", "")).lower() else "skola"
    if "LEK" in codes:
        return "fritid"
    return None


def conflict_source(props: Props) -> str | None:
    """A use that can conflict with homes close by: ``"natt"`` (a place open at night),
    ``"buss"`` (a bus terminal or depot), ``"idrott"`` (an outdoor sports ground), or from a plan's
    zones ``"besök"`` (R, besöksanläggningar) and ``"trafik"`` (T, trafikanläggningar).

    A night place is a bar, pub, nightclub (or the like) or any place that is open at 23:00 on some
    day by its ``opening_hours`` (``open_days``).

    >>> conflict_source({"amenity": "pub"}), conflict_source({"amenity": "bus_station"})
    ('natt', 'buss')
    >>> conflict_source({"amenity": "fast_food", "opening_hours": "Mo-Su 10:00-01:00"})
    'natt'
    >>> conflict_source({"amenity": "cafe", "opening_hours": "Mo-Fr 08:00-18:00"}) is None
    True
    >>> conflict_source({"leisure": "pitch"}), conflict_source({"use_code": "T"})
    ('idrott', 'trafik')
    """
    amenity = str(props.get("amenity", ""))
    if amenity == "bus_station" or (
        str(props.get("public_transport", "")) == "station"
        and str(props.get("bus", "")) == "yes"
        and str(props.get("railway", "")) not in {"station", "halt"}
        and str(props.get("train", "")) != "yes"
    ):
        return "buss"
    if amenity in NIGHT_AMENITIES:
        return "natt"
    if amenity in _FOOD_NIGHT and open_days(props, 23 * 60) > 0:
        return "natt"
    if str(props.get("leisure", "")) in SPORTS_GROUNDS:
        return "idrott"
    codes = use_codes(props)
    if "R" in codes:
        return "besök"
    if "T" in codes:
        return "trafik"
    return None


def night_share(props: Props) -> float:
    """The share of the week's nights a place is open at 23:00: from ``opening_hours`` when it can be
    read, else every night for a bar, pub, nightclub or the like, else ``open_days`` by kind.

    >>> night_share({"amenity": "casino"}), round(night_share({"amenity": "bar", "opening_hours": "Fr-Sa 18:00-02:00"}), 3)
    (1.0, 0.286)
    """
    if opening_hours.parse(str(props.get("opening_hours", ""))) is None:
        if str(props.get("amenity", "")) in NIGHT_AMENITIES:
            return 1.0
    return open_days(props, 23 * 60) / 7
