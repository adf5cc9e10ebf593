"""The generated town of the disclosure suite: few, known sensitive incidents in known cells and hours.

A municipality of 10 × 10 km built by the factories, three districts in vertical strips (their borders cut
fixed 500 m cells, so a district filter that clips cells would split them), and, in one calendar year
(two years back, always published), sensitive incidents of every focus area placed as a hostile reader
would want them: a few per cell, some cells just above k, one cell just under it, thirteen extremism
incidents of which six share cells with other sensitive incidents (as issue 10 found them), two of them
at 21 o'clock, incidents in the years around it, and police events with no place. Around them, open
incidents as a town has them. The random generator has a fixed seed, so every run builds the same town.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import shapely
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection
from django.utils import timezone

from geo.crs import STORAGE_SRID
from geo.timepatterns import DAYLIGHT_MIN_DEG, TWILIGHT_MIN_DEG, VASBY_LAT, VASBY_LON
from layers.models import District, Incident, IncidentCategory, Municipality
from layers.services import ensure_reference_data
from tests.factories import VASBY_CENTRUM, MunicipalityFactory
from tests.security.attacker import Incident as Truth
from tests.security.attacker import Piece

LOCAL = ZoneInfo("Europe/Stockholm")
CELL_M = 500
HALF = 5000.0  # the municipality is a square of 10 km around Väsby centrum
X0, Y0 = VASBY_CENTRUM[0] - HALF, VASBY_CENTRUM[1] - HALF
X1, Y1 = VASBY_CENTRUM[0] + HALF, VASBY_CENTRUM[1] + HALF
# District borders: not on the 500 m grid, so they cut cells (663 100 lies inside cell column 1326).
BORDERS = (663_100.0, 666_400.0)
DISTRICTS = ("vastra", "centrala", "ostra")

SENSITIVE_BY_GROUP = {
    "4": "hot_medarbetare",
    "7": "vald_nara_relation",
    "8": "hedersrelaterat",
    "9": "extremism",
    "other": "sexualbrott",
}
SENSITIVE_CODES = frozenset(SENSITIVE_BY_GROUP.values())
FOCUS_OF = {"hot_medarbetare": 4, "vald_nara_relation": 7, "hedersrelaterat": 8, "extremism": 9}

# (cell column, row) -> sensitive incidents by category, in the attacked year.
M1, M2, M3, M4 = (1326, 13200), (1330, 13203), (1333, 13198), (1328, 13206)
B1, S1, W1, X1C = (1331, 13201), (1324, 13196), (1335, 13205), (1322, 13208)
LONE_EXTREMISM = [(1321, 13195), (1323, 13202), (1327, 13193), (1329, 13210), (1332, 13194),
                  (1334, 13209), (1337, 13200)]  # fmt: skip
PLAN: dict[tuple[int, int], dict[str, int]] = {
    M1: {"vald_nara_relation": 5, "extremism": 2},  # straddles the västra/centrala border
    M2: {"vald_nara_relation": 4, "hot_medarbetare": 2, "extremism": 2},
    M3: {"vald_nara_relation": 3, "hedersrelaterat": 1, "sexualbrott": 2, "extremism": 1},
    M4: {"vald_nara_relation": 6, "extremism": 1},
    B1: {"vald_nara_relation": 8},  # bisected in time; three of them in March
    S1: {"vald_nara_relation": 3},  # under k
    W1: {"hot_medarbetare": 4},  # a workplace, under k
    X1C: {"sexualbrott": 3, "hedersrelaterat": 2},
} | {cell: {"extremism": 1} for cell in LONE_EXTREMISM}
UNPLACED_SEXUAL = 3  # police events of the year with no place


def attacked_year(today: date | None = None) -> int:
    """Two years back: complete and published whatever the publication lag (under a year)."""
    return (today or timezone.localdate()).year - 2


@dataclass
class Town:
    municipality: Municipality
    year: int
    k: int
    pieces: list[Piece]
    truth: list[Truth]  # the sensitive incidents (all years)
    sensitive_ids: list[int]
    open_unplaced: list[tuple[str, float]]  # (category, epoch) of the open police events
    cell_of_piece: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    categories: dict[str, IncidentCategory] = field(default_factory=dict)

    def year_bounds(self, year: int | None = None) -> tuple[float, float]:
        y = year or self.year
        return local_epoch(date(y, 1, 1)), local_epoch(date(y + 1, 1, 1))

    def in_year(self) -> list[Truth]:
        a, b = self.year_bounds()
        return [t for t in self.truth if a <= t.t < b]


def local_epoch(day: date, hour: int = 0) -> float:
    return datetime.combine(day, time(hour), tzinfo=LOCAL).timestamp()


def _district_polygons() -> dict[str, shapely.Polygon]:
    """Vertical strips reaching 500 m past the municipality, so every cell that touches it has its
    centre in a district: then a group's municipality row is the sum of its district rows (and the
    public police events), and a release must hide a row to keep a small district row secret."""
    xs = (X0 - CELL_M, *BORDERS, X1 + CELL_M)
    return {
        code: shapely.box(xs[i], Y0 - CELL_M, xs[i + 1], Y1 + CELL_M)
        for i, code in enumerate(DISTRICTS)
    }


def pieces_of_grid() -> tuple[list[Piece], dict[tuple[int, int], list[Piece]]]:
    """Every 500 m cell touching the municipality, cut by the district borders."""
    polygons = _district_polygons()
    pieces: list[Piece] = [Piece("U", None, None, None)]
    by_cell: dict[tuple[int, int], list[Piece]] = defaultdict(list)
    for col in range(int(X0 // CELL_M), int(X1 // CELL_M) + 1):
        for row in range(int(Y0 // CELL_M), int(Y1 // CELL_M) + 1):
            square = shapely.box(col * CELL_M, row * CELL_M, (col + 1) * CELL_M, (row + 1) * CELL_M)
            centre = shapely.Point((col + 0.5) * CELL_M, (row + 0.5) * CELL_M)
            centre_district = next((c for c, p in polygons.items() if p.contains(centre)), None)
            covered = shapely.box(0, 0, 0, 0)
            for code, polygon in polygons.items():
                part = square.intersection(polygon)
                if part.area > 0:
                    piece = Piece(f"{col}/{row}/{code}", (col, row), code, centre_district)
                    pieces.append(piece)
                    by_cell[(col, row)].append(piece)
                    covered = covered.union(part)
            if square.area - covered.area > 1e-6:
                piece = Piece(f"{col}/{row}/-", (col, row), None, centre_district)
                pieces.append(piece)
                by_cell[(col, row)].append(piece)
    return pieces, by_cell


def _when(
    rng: random.Random, y: int, *, month: int | None = None, hour: int | None = None
) -> datetime:
    """A random local time in year ``y`` (in ``month`` and at ``hour`` when given)."""
    start = date(y, month or 1, 1)
    if month is None:
        end = date(y + 1, 1, 1)
    else:
        end = date(y + month // 12, month % 12 + 1, 1)
    day = start + timedelta(days=rng.randrange((end - start).days))
    h = hour if hour is not None else rng.randrange(24)
    return datetime.combine(day, time(h, rng.randrange(60), rng.randrange(60)), tzinfo=LOCAL)


def _place(rng: random.Random, cell: tuple[int, int]) -> Point:
    # 2.5 m ≡ (mod 5) positions, never on a grid line; M1's incidents on both sides of the border
    col, row = cell
    x = col * CELL_M + 2.5 + 5 * rng.randrange(99)
    y = row * CELL_M + 2.5 + 5 * rng.randrange(99)
    return Point(x, y, srid=STORAGE_SRID)


def build_town(seed: int = 20251207) -> Town:
    rng = random.Random(seed)
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    for code, polygon in _district_polygons().items():
        District.objects.create(
            municipality=municipality,
            code=code,
            name=code.capitalize(),
            nyko_prefix=str(DISTRICTS.index(code) + 1),
            area=MultiPolygon(Polygon(list(polygon.exterior.coords)), srid=STORAGE_SRID),
        )
    categories = {c.code: c for c in IncidentCategory.objects.all()}
    year = attacked_year()
    rows: list[Incident] = []

    when = partial(_when, rng)
    place = partial(_place, rng)

    n = 0
    for cell, by_category in PLAN.items():
        for code, count in by_category.items():
            for i in range(count):
                n += 1
                month = 3 if cell == B1 and i < 3 else None
                hour = 21 if code == "extremism" and cell in (M2,) else None
                rows.append(
                    Incident(
                        municipality=municipality,
                        category=categories[code],
                        source="test",
                        source_ref=f"K-{n}",
                        location=place(cell),
                        occurred_from=when(year, month=month, hour=hour),
                    )
                )
    for y in (year - 1, year + 1):  # the years around: their cells are other releases
        for _ in range(6):
            n += 1
            cell = rng.choice([M1, M2, B1, M4])
            rows.append(
                Incident(
                    municipality=municipality,
                    category=categories["vald_nara_relation"],
                    source="test",
                    source_ref=f"K-{n}",
                    location=place(cell),
                    occurred_from=when(y),
                )
            )
    for _ in range(UNPLACED_SEXUAL):
        n += 1
        rows.append(
            Incident(
                municipality=municipality,
                category=categories["sexualbrott"],
                source="polisen",
                source_ref=f"P-{n}",
                precision=Incident.Precision.MUNICIPALITY,
                location=None,
                occurred_from=when(year),
            )
        )
    open_codes = ["misshandel", "skadegorelse", "stold", "klotter", "ran", "narkotika", "inbrott"]
    for i in range(500):
        x = VASBY_CENTRUM[0] + rng.gauss(0, 900)
        y = VASBY_CENTRUM[1] + rng.gauss(0, 900)
        x, y = min(max(x, X0 + 10), X1 - 10), min(max(y, Y0 + 10), Y1 - 10)
        rows.append(
            Incident(
                municipality=municipality,
                category=categories[rng.choice(open_codes)],
                source="test",
                source_ref=f"O-{i}",
                location=Point(x, y, srid=STORAGE_SRID),
                occurred_from=when(rng.choice((year - 1, year, year, year + 1))),
            )
        )
    for y in (
        year - 1,
        year,
        year + 1,
        year + 2,
    ):  # hot spots by the station and the square, each year
        for i in range(60):
            spot = VASBY_CENTRUM if i % 2 else (VASBY_CENTRUM[0] + 900, VASBY_CENTRUM[1] - 600)
            rows.append(
                Incident(
                    municipality=municipality,
                    category=categories[rng.choice(open_codes)],
                    source="test",
                    source_ref=f"H-{y}-{i}",
                    location=Point(
                        spot[0] + rng.gauss(0, 60), spot[1] + rng.gauss(0, 60), srid=STORAGE_SRID
                    ),
                    occurred_from=when(y) if y <= timezone.localdate().year else when(year + 1),
                )
            )
    today = timezone.localdate()
    for i in range(300):  # the last twelve months, which the public map showed before issue 10
        x = VASBY_CENTRUM[0] + rng.gauss(0, 900)
        y = VASBY_CENTRUM[1] + rng.gauss(0, 900)
        x, y = min(max(x, X0 + 10), X1 - 10), min(max(y, Y0 + 10), Y1 - 10)
        day = today - timedelta(days=1 + rng.randrange(360))
        rows.append(
            Incident(
                municipality=municipality,
                category=categories[rng.choice(open_codes)],
                source="test",
                source_ref=f"R-{i}",
                location=Point(x, y, srid=STORAGE_SRID),
                occurred_from=datetime.combine(day, time(rng.randrange(24)), tzinfo=LOCAL),
            )
        )
    open_unplaced = []
    for i in range(12):
        code = rng.choice(["misshandel", "stold", "ordningsstorning"])
        t = when(year)
        open_unplaced.append((code, t.timestamp()))
        rows.append(
            Incident(
                municipality=municipality,
                category=categories[code],
                source="polisen",
                source_ref=f"OP-{i}",
                precision=Incident.Precision.MUNICIPALITY,
                location=None,
                occurred_from=t,
            )
        )
    Incident.objects.bulk_create(rows)
    pieces, _by_cell = pieces_of_grid()
    truth, ids = read_truth(municipality, pieces)
    from django.conf import settings

    return Town(
        municipality=municipality,
        year=year,
        k=int(getattr(settings, "SENSITIVE_MIN_COUNT", 5)),
        pieces=pieces,
        truth=truth,
        sensitive_ids=ids,
        open_unplaced=open_unplaced,
        categories=categories,
    )


def read_truth(municipality: Municipality, pieces: list[Piece]) -> tuple[list[Truth], list[int]]:
    """The sensitive incidents as the database holds them now, with every attribute the attacker uses."""
    polygons = _district_polygons()
    by_id = {p.id: p for p in pieces}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.id, c.code, i.occurred_from, ST_X(i.location), ST_Y(i.location),"
            " trygg_sun_elevation(i.occurred_from, %s, %s)"
            " FROM layers_incident i JOIN layers_incidentcategory c ON c.id = i.category_id"
            " LEFT JOIN layers_focusarea f ON f.id = c.focus_area_id"
            " WHERE i.municipality_id = %s AND (c.sensitive OR coalesce(f.sensitive, false))"
            " ORDER BY i.id",
            [VASBY_LAT, VASBY_LON, municipality.pk],
        )
        rows = cursor.fetchall()
    truth, ids = [], []
    for pk, code, occurred, x, y, sun in rows:
        if x is None:
            piece = by_id["U"]
        else:
            col, row = int(x // CELL_M), int(y // CELL_M)
            district = next(
                (c for c, p in polygons.items() if p.contains(shapely.Point(x, y))), "-"
            )
            piece = by_id[f"{col}/{row}/{district}"]
        local = occurred.astimezone(LOCAL)
        day = local.date()
        light = (
            "dagsljus"
            if sun > DAYLIGHT_MIN_DEG
            else "skymning"
            if sun > TWILIGHT_MIN_DEG
            else "morker"
        )
        truth.append(
            Truth(
                piece=piece,
                category=code,
                t=occurred.timestamp(),
                day=(local_epoch(day), local_epoch(day + timedelta(days=1))),
                clock_hour=(
                    datetime.combine(day, time(local.hour), tzinfo=LOCAL).timestamp(),
                    (
                        datetime.combine(day, time(local.hour), tzinfo=LOCAL) + timedelta(hours=1)
                    ).timestamp(),
                ),
                year=(local_epoch(date(day.year, 1, 1)), local_epoch(date(day.year + 1, 1, 1))),
                hour=local.hour,
                weekday=local.isoweekday(),
                light=light,
            )
        )
        ids.append(pk)
    return truth, ids


def utc(t: float) -> str:
    """An epoch as an RFC 3339 time with its fraction, as an OGC client writes it."""
    moment = datetime.fromtimestamp(t, tz=UTC)
    if moment.microsecond:
        return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
