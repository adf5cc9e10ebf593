"""The Upplands Väsby demo: real boundaries, NYKO areas and police events, and generated incidents,
walks, observations, actions and one detaljplan.

Generated data is seeded (the same every run), plausible (clusters near the station, the centre,
schools and evening venues, at the hours such places see trouble) and labelled as generated: every
generated row has ``generated=True`` and the pages say so. Running ``load_demo`` twice gives the same
counts: every row has a natural key and is created only when missing.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.policy import requires_two_factor
from geo.crs import STORAGE_SRID, WEB_SRID, transform_xy
from layers import reference
from layers.geometry import to_shapely
from layers.importers.police import PROFILE as POLICE_PROFILE
from layers.importers.police import import_police_events
from layers.models import (
    ContextFeature,
    Detaljplan,
    District,
    ImportBatch,
    Incident,
    IncidentCategory,
    Membership,
    Municipality,
    Office,
    PlanFeature,
    PlanZone,
    StatisticalArea,
)
from layers.roles import Role
from layers.services import ensure_reference_data, load_municipality_from_nyko
from mapapp import field_demo
from mapapp.demo_context import generate_context
from surveys.importers import load_vasby_survey_2015
from surveys.models import (
    Action,
    CitizenSurveyResponse,
    Light,
    Observation,
    OfficeStaff,
    Trygghetsvandring,
    WalkParticipants,
)
from surveys.services import change_action_status, propose_action, refresh_action_places

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "vasby"
KOMMUNKOD = "0114"
SEED = 114
GENERATED_SOURCE = "genererad"
DEMO_PASSWORD = "trygg-demo-2026"  # noqa: S105  (printed by make demo; demo data only)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
INCIDENTS_PER_YEAR = 2400
YEARS = 3

DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("planerare", "Petra Planerare", Role.PLANNER),
    ("falt", "Fredrik Fältarbetare", Role.FIELD_STAFF),
    ("bra", "Birgitta BRÅ-ledamot", Role.BRA_MEMBER),
    ("analytiker", "Ali Analytiker", Role.ANALYST),
    ("admin", "Anna Administratör", Role.ADMIN),
    ("samordnare", "Sara Samordnare", Role.COORDINATOR),
    ("vasbyhem", "Vera Väsbyhem", Role.EST_REPORTER),  # EST reporters outside the municipality
    ("securitas", "Sam Securitas", Role.EST_REPORTER),  # (est/demo.py)
)

# The office each demo user works at, so actions can be assigned to them.
DEMO_OFFICES: dict[str, str] = {
    "planerare": reference.SAMHALLSBYGGNAD,
    "falt": reference.SOCIAL_OMSORG,
}


@dataclass(frozen=True)
class Hotspot:
    """A place that draws incidents: a centre, a spread, a category mix and the hours it is busy."""

    name: str
    lon: float | None
    lat: float | None
    sigma_m: float
    weight: float
    categories: dict[str, float]
    profile: str  # night, evening, school, day, any
    trend: float = 0.0  # relative change of intensity per year (0.3: 30 % more each year)
    nyko: str = ""  # place it at this NYKO area's inner point instead of lon/lat


HOTSPOTS: tuple[Hotspot, ...] = (
    Hotspot(
        "Upplands Väsby station",
        17.9000,
        59.5218,
        110,
        0.16,
        {
            "misshandel": 3,
            "ran": 2,
            "narkotika": 3,
            "ordningsstorning": 3,
            "stold": 3,
            "fylleri": 2,
            "hot_offentlig": 2,
            "skadegorelse": 1,
        },
        "evening",
        trend=0.35,
    ),
    Hotspot(
        "Väsby centrum",
        17.9115,
        59.5183,
        140,
        0.16,
        {
            "stold": 6,
            "skadegorelse": 2,
            "klotter": 2,
            "ordningsstorning": 2,
            "hot_offentlig": 1,
            "ran": 1,
            "misshandel": 1,
        },
        "day",
    ),
    Hotspot(
        "Folkparken (kvällsnöjen)",
        17.9051,
        59.5165,
        120,
        0.09,
        {
            "misshandel": 4,
            "fylleri": 3,
            "ordningsstorning": 3,
            "sexualbrott": 0.5,
            "hot_offentlig": 1,
        },
        "night",
        trend=-0.25,
    ),
    Hotspot(
        "Messingen (skola och bibliotek)",
        17.8997,
        59.5181,
        90,
        0.05,
        {"vald_skola": 4, "skadegorelse": 2, "klotter": 2, "stold": 1},
        "school",
    ),
    Hotspot(
        "Vilundaparken (idrott och fritid)",
        17.9204,
        59.5197,
        160,
        0.05,
        {"ungdom_fritid": 3, "skadegorelse": 2, "klotter": 1, "narkotika": 1},
        "evening",
    ),
    Hotspot(
        "Runby skola",
        None,
        None,
        120,
        0.03,
        {"vald_skola": 3, "skadegorelse": 2, "klotter": 2},
        "school",
        nyko="111000",
    ),
    Hotspot(
        "Bollstanäs skola",
        None,
        None,
        120,
        0.03,
        {"vald_skola": 3, "skadegorelse": 1, "klotter": 1},
        "school",
        nyko="333000",
    ),
    Hotspot(
        "Infra City",
        None,
        None,
        250,
        0.06,
        {"fordonsstold": 5, "stold": 3, "inbrott": 1},
        "any",
        nyko="334000",
    ),
    Hotspot(
        "Smedby centrum",
        None,
        None,
        120,
        0.04,
        {"stold": 2, "skadegorelse": 2, "ordningsstorning": 1, "narkotika": 1},
        "evening",
        nyko="241000",
        trend=0.2,
    ),
    Hotspot("Kommunhuset", 17.9117, 59.5188, 25, 0.01, {"hot_medarbetare": 1}, "day"),
)
# Spread over homes in the built-up NYKO areas (not the rural "glesbygd" ones).
BACKGROUND_CATEGORIES = {
    "inbrott": 5,
    "fordonsstold": 4,
    "skadegorelse": 3,
    "stold": 2,
    "vald_nara_relation": 3,
    "hedersrelaterat": 0.3,
    "ordningsstorning": 1,
    "extremism": 0.1,
}
RURAL_NYKO = {"190000", "290000", "390000"}
INTERVAL_CATEGORIES = {"inbrott", "fordonsstold"}  # known only as "between … and …"


@dataclass
class DemoSummary:
    municipality: Municipality
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # rows an importer refused, with file and row


def load_demo(*, today: date | None = None) -> DemoSummary:
    """Load the whole demo; safe to run again (nothing is created twice)."""
    today = today or date.today()
    municipality = load_municipality_from_nyko(
        FIXTURES / "nyko3_sweref99tm.geojson", kommunkod=KOMMUNKOD, name="Upplands Väsby"
    )
    ensure_reference_data(municipality)
    _load_police_events(municipality)
    survey = load_vasby_survey_2015(FIXTURES / "medborgarenkat_2015.csv", municipality)
    _generate_incidents(municipality, today)
    field_demo.load_land_owners(municipality)  # before the walks: actions follow the land owner
    _generate_walks(municipality, today)
    field_demo.load_planned_walk(municipality, today)
    _generate_detaljplan(municipality)
    generate_context(municipality, *_hotspot_xy(municipality, HOTSPOTS[1]))
    # The walks' actions were named before the context's streets existed (0821).
    refresh_action_places(municipality)
    _create_demo_users(municipality)
    # The apps above mapapp bring their own demo data (docs/decisions/0014): imported here only.
    from est import demo as est_demo
    from statutory import demo as statutory_demo

    statutory_demo.load(municipality, today)
    est_demo.load_reports(municipality, today)  # after the users: the reporters are demo users
    return DemoSummary(
        municipality=municipality, counts=demo_counts(municipality), notes=survey.messages()
    )


def _est_reports(municipality: Municipality) -> int:
    from est.models import EstReport  # the est app sits above mapapp (docs/decisions/0014)

    return EstReport.objects.filter(municipality=municipality).count()


def demo_counts(municipality: Municipality) -> dict[str, int]:
    return {
        "kommundelar": District.objects.filter(municipality=municipality).count(),
        "nyko_omraden": StatisticalArea.objects.filter(municipality=municipality).count(),
        "handelser_polisen": Incident.objects.filter(
            municipality=municipality, source="polisen"
        ).count(),
        "handelser_genererade": Incident.objects.filter(
            municipality=municipality, generated=True
        ).count(),
        "importer": ImportBatch.objects.filter(municipality=municipality).count(),
        "trygghetsvandringar": Trygghetsvandring.objects.filter(municipality=municipality).count(),
        "observationer": Observation.objects.filter(municipality=municipality).count(),
        "atgarder": Action.objects.filter(municipality=municipality).count(),
        "detaljplaner": Detaljplan.objects.filter(municipality=municipality).count(),
        "enkatsvar_2015": CitizenSurveyResponse.objects.filter(municipality=municipality).count(),
        "est_rapporter": _est_reports(municipality),
        "anvandare": User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).count(),
        "kontextobjekt": ContextFeature.objects.filter(municipality=municipality).count(),
    }


def _load_police_events(municipality: Municipality) -> None:
    path = FIXTURES / "polisen_handelser_upplands_vasby.geojson"
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    if ImportBatch.objects.filter(
        municipality=municipality,
        profile=POLICE_PROFILE,
        file_sha256=sha,
        status=ImportBatch.Status.DONE,
    ).exists():
        return
    import_police_events(path, municipality)


def _nyko_point(municipality: Municipality, code: str) -> tuple[float, float]:
    area = StatisticalArea.objects.get(municipality=municipality, code=code).area
    p = area.point_on_surface
    return p.x, p.y


def _hotspot_xy(municipality: Municipality, spot: Hotspot) -> tuple[float, float]:
    if spot.nyko:
        return _nyko_point(municipality, spot.nyko)
    assert spot.lon is not None and spot.lat is not None
    x, y = transform_xy([spot.lon], [spot.lat], from_srid=WEB_SRID, to_srid=STORAGE_SRID)
    return float(x[0]), float(y[0])


def _profile_weight(profile: str, hours: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
    """Relative chance of an incident at each hour and weekday (0 = Monday) for a kind of place."""
    h = hours
    if profile == "night":
        w = np.where((h >= 21) | (h <= 3), 1.0, 0.08)
        w = w * np.where(np.isin(weekdays, [4, 5]) | ((weekdays == 6) & (h <= 3)), 1.0, 0.3)
    elif profile == "evening":
        w = np.where((h >= 16) & (h <= 23), 1.0, np.where((h >= 7) & (h < 16), 0.35, 0.12))
        w = w * np.where(np.isin(weekdays, [4, 5]), 1.3, 1.0)
    elif profile == "school":
        w = np.where((h >= 8) & (h <= 16), 1.0, np.where((h >= 17) & (h <= 23), 0.3, 0.03))
        w = w * np.where(weekdays <= 4, 1.0, 0.25)
    elif profile == "day":
        w = np.where((h >= 10) & (h <= 19), 1.0, np.where((h >= 7) & (h <= 22), 0.35, 0.05))
    else:
        w = np.where((h >= 7) & (h <= 23), 1.0, 0.5)
    return np.asarray(w, dtype=float)


def _sample_times(
    rng: np.random.Generator, n: int, start: datetime, end: datetime, profile: str, trend: float
) -> np.ndarray:
    """Seconds since ``start`` for n incidents, by rejection against the profile and the trend."""
    span = (end - start).total_seconds()
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        t = rng.uniform(0, span, size=4 * (n - got) + 16)
        local = np.datetime64(start.replace(tzinfo=None)) + (t * 1e6).astype("timedelta64[us]")
        hours = (local.astype("datetime64[h]").astype(np.int64) % 24).astype(int)
        days = local.astype("datetime64[D]").astype(np.int64)
        weekdays = ((days + 3) % 7).astype(int)  # 1970-01-01 was a Thursday
        years = t / (365.25 * 86400)
        intensity = _profile_weight(profile, hours, weekdays) * np.clip(
            1 + trend * (years - YEARS / 2), 0.1, None
        )
        keep = rng.uniform(0, intensity.max() if intensity.size else 1, size=t.size) < intensity
        out.append(t[keep])
        got += int(keep.sum())
    return np.concatenate(out)[:n]


def _generate_incidents(municipality: Municipality, today: date) -> None:
    batch, _ = ImportBatch.objects.get_or_create(
        municipality=municipality,
        kind=ImportBatch.Kind.DEMO,
        profile="genererad_demo",
        filename=f"genererade demohändelser (seed {SEED})",
    )
    if Incident.objects.filter(municipality=municipality, source=GENERATED_SOURCE).exists():
        return
    rng = np.random.default_rng(SEED)
    end = datetime.combine(today.replace(day=1), time(0), tzinfo=STOCKHOLM)
    start = end.replace(year=end.year - YEARS)
    categories = {c.code: c for c in IncidentCategory.objects.all()}
    boundary = to_shapely(municipality.boundary)
    shapely.prepare(boundary)
    total = INCIDENTS_PER_YEAR * YEARS

    plans: list[tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]] = []
    hotspot_share = sum(s.weight for s in HOTSPOTS)
    for spot in HOTSPOTS:
        n = round(total * spot.weight)
        cx, cy = _hotspot_xy(municipality, spot)
        xs, ys = _points_near(rng, boundary, cx, cy, spot.sigma_m, n)
        t = _sample_times(rng, n, start, end, spot.profile, spot.trend)
        plans.append((xs, ys, t, _choose(rng, spot.categories, n)))

    n_background = round(total * (1 - hotspot_share))
    xs, ys = _points_in_homes(rng, municipality, n_background)
    t = _sample_times(rng, n_background, start, end, "any", 0.0)
    plans.append((xs, ys, t, _choose(rng, BACKGROUND_CATEGORIES, n_background)))

    incidents: list[Incident] = []
    number = 0
    for xs, ys, t, codes in plans:
        for x, y, seconds, code in zip(xs, ys, t, codes, strict=True):
            number += 1
            occurred = start + timedelta(seconds=float(seconds))
            occurred_to = None
            if code in INTERVAL_CATEGORIES:
                occurred_to = occurred + timedelta(hours=float(rng.integers(2, 15)))
            incidents.append(
                Incident(
                    municipality=municipality,
                    category=categories[code],
                    source=GENERATED_SOURCE,
                    source_ref=f"demo-{number:06d}",
                    precision=Incident.Precision.POINT,
                    location=Point(float(x), float(y), srid=STORAGE_SRID),
                    occurred_from=occurred,
                    occurred_to=occurred_to,
                    description="Genererad demohändelse",
                    import_batch=batch,
                    generated=True,
                )
            )
    with transaction.atomic():
        Incident.objects.bulk_create(incidents, batch_size=2000, ignore_conflicts=True)
        stored = Incident.objects.filter(import_batch=batch).count()
        ImportBatch.objects.filter(pk=batch.pk).update(rows_read=len(incidents), rows_stored=stored)


def _choose(rng: np.random.Generator, weights: dict[str, float], n: int) -> list[str]:
    codes = list(weights)
    p = np.array([weights[c] for c in codes], dtype=float)
    return [codes[i] for i in rng.choice(len(codes), size=n, p=p / p.sum())]


def _points_near(
    rng: np.random.Generator, boundary: shapely.Geometry, cx: float, cy: float, sigma: float, n: int
) -> tuple[np.ndarray, np.ndarray]:
    xs: list[float] = []
    ys: list[float] = []
    while len(xs) < n:
        x = rng.normal(cx, sigma, size=2 * n)
        y = rng.normal(cy, sigma, size=2 * n)
        inside = shapely.contains_xy(boundary, x, y)
        xs.extend(x[inside].tolist())
        ys.extend(y[inside].tolist())
    return np.array(xs[:n]), np.array(ys[:n])


def _points_in_homes(
    rng: np.random.Generator, municipality: Municipality, n: int
) -> tuple[np.ndarray, np.ndarray]:
    areas = [
        a
        for a in StatisticalArea.objects.filter(municipality=municipality).order_by("code")
        if a.code not in RURAL_NYKO
    ]
    shapes = [to_shapely(a.area) for a in areas]
    weights = np.array([s.area for s in shapes]) ** 0.5  # small dense areas get their share too
    picks = rng.choice(len(shapes), size=n, p=weights / weights.sum())
    xs = np.empty(n)
    ys = np.empty(n)
    for i, shape in enumerate(shapes):
        idx = np.flatnonzero(picks == i)
        if idx.size == 0:
            continue
        minx, miny, maxx, maxy = shape.bounds
        shapely.prepare(shape)
        got: list[tuple[float, float]] = []
        while len(got) < idx.size:
            x = rng.uniform(minx, maxx, size=4 * idx.size)
            y = rng.uniform(miny, maxy, size=4 * idx.size)
            ok = shapely.contains_xy(shape, x, y)
            got.extend(zip(x[ok].tolist(), y[ok].tolist(), strict=True))
        arr = np.array(got[: idx.size])
        xs[idx] = arr[:, 0]
        ys[idx] = arr[:, 1]
    return xs, ys


# Walk routes as (lon, lat) waypoints; observations fall along them.
WALKS: tuple[dict[str, object], ...] = (
    {
        "key": "centrum",
        "name": "Trygghetsvandring stationen–Väsby centrum",
        "district": "centrala",
        "months_ago": 13,
        "start": time(18, 30),
        "light": Light.DARK,
        "route": [
            (17.9000, 59.5218),
            (17.9040, 59.5205),
            (17.9080, 59.5192),
            (17.9115, 59.5183),
            (17.9090, 59.5168),
            (17.9051, 59.5165),
            (17.9010, 59.5185),
            (17.9000, 59.5218),
        ],
        "participants": {
            ("kvinna", "vuxen"): 5,
            ("man", "vuxen"): 4,
            ("kvinna", "ungdom"): 2,
            ("man", "ungdom"): 2,
            ("kvinna", "senior"): 1,
            ("man", "senior"): 1,
            ("annat", "vuxen"): 1,
        },
        "observations": 12,
    },
    {
        "key": "runby",
        "name": "Trygghetsvandring Runby",
        "district": "vastra",
        "months_ago": 8,
        "start": time(19, 0),
        "light": Light.DUSK,
        "nyko": "111000",
        "participants": {
            ("kvinna", "vuxen"): 4,
            ("man", "vuxen"): 2,
            ("kvinna", "barn"): 2,
            ("man", "barn"): 1,
            ("kvinna", "senior"): 2,
        },
        "observations": 8,
    },
    {
        "key": "bollstanas",
        "name": "Trygghetsvandring Bollstanäs",
        "district": "ostra",
        "months_ago": 5,
        "start": time(20, 0),
        "light": Light.DARK,
        "nyko": "333000",
        "participants": {
            ("kvinna", "vuxen"): 3,
            ("man", "vuxen"): 3,
            ("kvinna", "ungdom"): 3,
            ("man", "ungdom"): 2,
        },
        "observations": 8,
    },
    {
        "key": "centrum-uppfoljning",
        "name": "Uppföljning: stationen–Väsby centrum",
        "district": "centrala",
        "months_ago": 1,
        "start": time(18, 30),
        "light": Light.DARK,
        "follow_up_of": "centrum",
        "participants": {
            ("kvinna", "vuxen"): 4,
            ("man", "vuxen"): 3,
            ("kvinna", "ungdom"): 2,
            ("man", "senior"): 1,
        },
        "observations": 7,
    },
)
OBSERVATION_NOTES: dict[str, tuple[str, ...]] = {
    "belysning": (
        "Trasig gatlampa längs gångvägen",
        "Mörk gångtunnel under järnvägen",
        "Belysningen når inte fram till cykelstället",
    ),
    "vegetation": (
        "Höga buskar skymmer sikten vid gångvägen",
        "Igenvuxen slänt intill busshållplatsen",
    ),
    "sikt": ("Skymd hörna vid parkeringshuset", "Ingen överblick från entrén mot gatan"),
    "skotsel": (
        "Klotter på bullerplanket",
        "Nedskräpat kring återvinningsstationen",
        "Krossat glas i busskuren",
    ),
    "folkliv": (
        "Grupp ungdomar samlas vid entrén sent på kvällen",
        "Folktomt efter att butikerna stängt",
    ),
    "gangvag": ("Ojämn beläggning och vattensamlingar", "Otydlig väg mellan stationen och centrum"),
    "trafik": ("Bilar kör fort förbi övergångsstället",),
    "kollektivtrafik": ("Otrygg väntan vid busshållplatsen, ingen belysning i kuren",),
    "bevakning": ("Ingen synlig personal på stationen kvällstid",),
    "ovrigt": ("Saknas skyltning till närmaste öppna butik",),
}
OBSERVATION_CATEGORY_WEIGHTS = {
    "belysning": 5,
    "vegetation": 3,
    "sikt": 2,
    "skotsel": 4,
    "folkliv": 3,
    "gangvag": 2,
    "trafik": 1,
    "kollektivtrafik": 1,
    "bevakning": 1,
    "ovrigt": 1,
}


def _loop_route(cx: float, cy: float, radius: float) -> LineString:
    angles = np.linspace(0, 2 * np.pi, 9)
    pts = [
        (cx + radius * np.cos(a) * (1 + 0.15 * np.sin(3 * a)), cy + radius * np.sin(a))
        for a in angles
    ]
    pts[-1] = pts[0]
    return LineString(pts, srid=STORAGE_SRID)


@transaction.atomic
def _generate_walks(municipality: Municipality, today: date) -> None:
    rng = np.random.default_rng(SEED + 1)
    namespace = uuid.UUID("6d1c6c1e-0114-4a6b-9a51-747279676767")  # fixed: the same UUIDs every run
    walks: dict[str, Trygghetsvandring] = {}
    first_of_month = today.replace(day=1)
    for spec in WALKS:
        key = str(spec["key"])
        months_ago = int(spec["months_ago"])  # type: ignore[call-overload]  # the demo WALKS specs are dicts of mixed values, typed object
        year, month = divmod(first_of_month.year * 12 + first_of_month.month - 1 - months_ago, 12)
        walked_on = date(year, month + 1, 12)
        if "route" in spec:
            waypoints: list[tuple[float, float]] = spec["route"]  # type: ignore[assignment]  # the demo WALKS specs are dicts of mixed values, typed object
            lons, lats = zip(*waypoints, strict=True)
            xs, ys = transform_xy(lons, lats, from_srid=WEB_SRID, to_srid=STORAGE_SRID)
            route = LineString(list(zip(xs.tolist(), ys.tolist(), strict=True)), srid=STORAGE_SRID)
        elif "follow_up_of" in spec:
            earlier_route = walks[str(spec["follow_up_of"])].route
            assert earlier_route is not None
            route = earlier_route.clone()
        else:
            route = _loop_route(*_nyko_point(municipality, str(spec["nyko"])), radius=300)
        # Keyed by name only: the date is relative to the month of the first load, and a load in a
        # later month must find the same walk, not make a second set.
        walk, created = Trygghetsvandring.objects.get_or_create(
            municipality=municipality,
            name=str(spec["name"]),
            generated=True,
            defaults={
                "walked_on": walked_on,
                "district": District.objects.get(municipality=municipality, code=spec["district"]),
                "start_time": spec["start"],
                "light": spec["light"],
                "status": Trygghetsvandring.Status.DONE,
                "route": route,
                "generated": True,
                "follow_up_of": walks.get(str(spec.get("follow_up_of", ""))),
                "checklist": [
                    "Belysning",
                    "Vegetation och skymda platser",
                    "Sikt och överblick",
                    "Skötsel och klotter",
                    "Människor och folkliv",
                    "Gångvägar",
                    "Kollektivtrafik",
                ],
                "notes": "Genererad demovandring.",
            },
        )
        walks[key] = walk
        for (gender, age), count in spec["participants"].items():  # type: ignore[attr-defined]  # the demo WALKS specs are dicts of mixed values, typed object
            WalkParticipants.objects.update_or_create(
                walk=walk, gender=gender, age_group=age, defaults={"count": count}
            )
        if not created:
            continue
        _generate_observations(walk, rng, namespace, key, int(spec["observations"]))  # type: ignore[call-overload]  # the demo WALKS specs are dicts of mixed values, typed object


def _generate_observations(
    walk: Trygghetsvandring, rng: np.random.Generator, namespace: uuid.UUID, key: str, n: int
) -> None:
    route = walk.route
    assert route is not None
    groups = list(walk.participants.values_list("gender", "age_group"))
    categories = list(OBSERVATION_CATEGORY_WEIGHTS)
    p = np.array([OBSERVATION_CATEGORY_WEIGHTS[c] for c in categories], dtype=float)
    start = datetime.combine(walk.walked_on, walk.start_time or time(18), tzinfo=STOCKHOLM)
    statuses = [
        Action.Status.DONE,
        Action.Status.ONGOING,
        Action.Status.PLANNED,
        Action.Status.NEW,
        Action.Status.DONE,
        Action.Status.REJECTED,
    ]
    for i in range(n):
        along = (i + 0.5) / n
        pt = route.interpolate_normalized(along)
        category = categories[int(rng.choice(len(categories), p=p / p.sum()))]
        notes = OBSERVATION_NOTES[category]
        gender, age = groups[int(rng.integers(len(groups)))] if groups else ("", "")
        observation = Observation.objects.create(
            municipality=walk.municipality,
            walk=walk,
            client_uuid=uuid.uuid5(namespace, f"{key}-{i}"),
            location=Point(
                pt.x + float(rng.normal(0, 8)), pt.y + float(rng.normal(0, 8)), srid=STORAGE_SRID
            ),
            accuracy_m=float(np.round(rng.uniform(4, 15), 1)),
            recorded_at=start + timedelta(minutes=5 + 7 * i),
            category=category,
            feeling=int(rng.choice([1, 2, 2, 3, 3, 4])),
            severity=int(rng.choice([1, 2, 2, 3])),
            note=notes[int(rng.integers(len(notes)))],
            raised_by_gender=gender,
            raised_by_age=age,
            generated=True,
        )
        action = propose_action(observation, generated=True)
        action.due_date = walk.walked_on + timedelta(days=int(rng.integers(30, 120)))
        action.save(update_fields=["due_date"])
        status = statuses[(i + len(key)) % len(statuses)]
        if status == Action.Status.REJECTED:
            change_action_status(
                action,
                to_status=status,
                rejection_reason="Marken ägs inte av kommunen; ärendet lämnat till fastighetsägaren.",
            )
        elif status != Action.Status.NEW:
            change_action_status(action, to_status=status, note="Demo: status satt vid generering")


def _rect(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    return MultiPolygon(
        Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))), srid=STORAGE_SRID
    )


@transaction.atomic
def _generate_detaljplan(municipality: Municipality) -> None:
    """One rebuilt area near Väsby centrum (about 8 ha), with today's and the planned use zones."""
    cx, cy = _hotspot_xy(municipality, HOTSPOTS[1])
    x0, y0, x1, y1 = cx - 160, cy - 125, cx + 160, cy + 125
    plan, created = Detaljplan.objects.get_or_create(
        municipality=municipality,
        plan_id="DEMO-2026:1",
        defaults={
            "name": "Väsby centrum, kvarteret Dragonen (demo)",
            "status": Detaljplan.Status.CONSULTATION,
            "kind": Detaljplan.Kind.REBUILT,
            "area": _rect(x0, y0, x1, y1),
            "generated": True,
            "description": "Genererad demoplan: parkering och centrumbyggnad ersätts av kvarter med bostäder, "
            "lokaler i bottenvåningar, ett torg och en park.",
        },
    )
    if not created:
        return
    mid_y = (y0 + y1) / 2
    street = 20.0
    zones = [
        # today: a mall, a surface car park, a street
        ("idag", "C", "Centrumbyggnad", _rect(x0, mid_y + street / 2, x1, y1), []),
        ("idag", "P", "Markparkering", _rect(x0, y0, x1, mid_y - street / 2), []),
        ("idag", "GATA", "Gata", _rect(x0, mid_y - street / 2, x1, mid_y + street / 2), []),
        # planned: mixed blocks with active ground floors, a square, a park
        (
            "planerat",
            "B",
            "Bostäder",
            _rect(x0, y0, cx - 20, mid_y - street / 2),
            [{"kind": "egenskap", "code": "h1", "text": "Högsta nockhöjd 24 meter"}],
        ),
        (
            "planerat",
            "C",
            "Centrum med lokaler i bottenvåning",
            _rect(cx - 20, mid_y + street / 2, x1, y1),
            [
                {
                    "kind": "egenskap",
                    "code": "f1",
                    "text": "Bottenvåning mot gata ska utformas med lokaler och entréer",
                }
            ],
        ),
        ("planerat", "B", "Bostäder med lokaler", _rect(x0, mid_y + street / 2, cx - 60, y1), []),
        ("planerat", "TORG", "Torg", _rect(cx - 60, mid_y + street / 2, cx - 20, y1), []),
        ("planerat", "PARK", "Park", _rect(cx - 20, y0, x1 - 60, mid_y - street / 2), []),
        # a car park for the residents at the plan's east edge (Parkering, method 2026.12)
        ("planerat", "P", "Parkering för boende", _rect(x1 - 60, y0, x1, mid_y - street / 2), []),
        ("planerat", "GATA", "Gata", _rect(x0, mid_y - street / 2, x1, mid_y + street / 2), []),
    ]
    for scenario, code, label, area, regulations in zones:
        PlanZone.objects.create(
            municipality=municipality,
            plan=plan,
            scenario=scenario,
            use_code=code,
            label=label,
            area=area,
            regulations=regulations,
        )
    # What the plan draws besides its zones (method 2026.12): the front doors of the southern housing
    # block, on the street, and a public path across its courtyard from the park to Centralvägen,
    # which the review flags (Revir och ansvar, Genomsläpplighet bakom bostäder).
    features = [
        (
            "poi",
            "Entré",
            Point(x0 + 40, mid_y - street / 2, srid=STORAGE_SRID),
            {"entrance": "main"},
        ),
        (
            "poi",
            "Entré",
            Point(x0 + 110, mid_y - street / 2, srid=STORAGE_SRID),
            {"entrance": "main"},
        ),
        (
            "path",
            "Gångväg över gården",
            LineString((cx - 60, y0), (cx - 60, mid_y - street / 2), srid=STORAGE_SRID),
            {"highway": "footway", "lit": "yes"},
        ),
    ]
    for kind, name, geom, props in features:
        PlanFeature.objects.create(
            municipality=municipality, plan=plan, kind=kind, name=name, geom=geom, properties=props
        )


def demo_totp_key(username: str) -> str:
    """A fixed TOTP key (hex, 20 bytes) for a demo user, so the printed secret works on every machine."""
    return hashlib.sha1(f"trygg-demo-totp-{username}".encode()).hexdigest()  # noqa: S324  (not a password hash)


def demo_totp_secret(username: str) -> str:
    """The key as the base32 text an authenticator app takes."""
    return base64.b32encode(bytes.fromhex(demo_totp_key(username))).decode().rstrip("=")


def _create_demo_users(municipality: Municipality) -> None:
    for username, full_name, role in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        first, _, last = full_name.partition(" ")
        user.first_name, user.last_name = first, last
        user.is_staff = role in (Role.ADMIN, Role.ANALYST)
        user.is_superuser = role == Role.ADMIN
        if created:
            user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        Membership.objects.get_or_create(user=user, defaults={"municipality": municipality})
        office_name = DEMO_OFFICES.get(username)
        if office_name:  # who may be assigned an office's actions (decision 0824)
            office = Office.objects.get(municipality=municipality, name=office_name)
            OfficeStaff.objects.get_or_create(office=office, user=user)
        if requires_two_factor(user):
            TOTPDevice.objects.get_or_create(
                user=user, name="Demo", defaults={"key": demo_totp_key(username), "confirmed": True}
            )
