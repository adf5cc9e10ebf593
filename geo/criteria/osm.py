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
