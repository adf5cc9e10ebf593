"""Sensitive incidents cannot be pieced together from any combination of answers (issue 10, point 1).

A generated town (tests/security/disclosure_town.py) holds single and few sensitive incidents in known
cells, days and hours. The attacks ask Trygg what a hostile BRÅ member, a planner with QGIS and the public
can ask, write each answer down as linear statements (tests/security/attacker.py) and bound every small
unit by linear programming: a cell, the part of a cell in a district, a district, a category, a day, a
clock hour, an hour of the day, a weekday, a light. An attack fails the suite when it pins a unit that
holds an incident to fewer than k values above zero (docs/decisions/0600).

The coverage guard lists every address of the URL configuration and of both OpenAPI documents: each must
name the attacks that cover it or say why it aggregates no incident.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import time as clock
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any

import numpy as np
import pytest
import shapely
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from pyproj import Transformer

from geo.crs import STORAGE_SRID
from layers import tiles
from layers.models import Incident
from layers.ogc import auth as ogc_auth
from layers.roles import Role
from tests.conftest import login_verified
from tests.plan_factories import context_layer, rebuilt_plan, small_town
from tests.security.attacker import (
    ALL_PLACES,
    PLACED,
    UNPLACED,
    Attacker,
    Findings,
    MapAnswer,
    PlaceSpec,
    Region,
)
from tests.security.disclosure_town import (
    B1,
    CELL_M,
    DISTRICTS,
    FOCUS_OF,
    LOCAL,
    LONE_EXTREMISM,
    M1,
    M2,
    M4,
    SENSITIVE_BY_GROUP,
    SENSITIVE_CODES,
    Town,
    build_town,
    local_epoch,
    utc,
)
from tests.security.matrix import tile_features

pytestmark = pytest.mark.django_db

TO_SWEREF = Transformer.from_crs(4326, STORAGE_SRID, always_xy=True)


# --- the town and its visitors --------------------------------------------------------------------


def forget_published() -> None:
    """Drop every cache and every stored publication, so the next answer is computed from the data."""
    cache.clear()
    forget = getattr(tiles, "forget_cells", None)
    if forget is not None:
        forget()
    ogc_auth.forget_all()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('layers_publishedrelease')")
        if cursor.fetchone()[0] is not None:
            cursor.execute("DELETE FROM layers_publishedrelease")


@pytest.fixture(scope="module")
def town(django_db_setup: None, django_db_blocker: Any) -> Iterator[Town]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            forget_published()
            built = build_town()
            small_town(context_layer(built.municipality))
            built.plan = rebuilt_plan(built.municipality, plan_id="ANFALL-1")  # type: ignore[attr-defined]
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            forget_published()


def user(role: str, name: str) -> User:
    account = User.objects.create_user(username=name, password="x-test-password-1")
    account.groups.add(Group.objects.get(name=role))
    return account


@dataclass
class Visitors:
    bra: Client
    planner: Client
    public: Client
    analyst: Client


@pytest.fixture(scope="module")
def visitors(town: Town, django_db_blocker: Any) -> Visitors:
    with django_db_blocker.unblock():
        bra, planner = Client(), Client()
        bra.force_login(user(Role.BRA_MEMBER, "anfall-bra"))
        planner.force_login(user(Role.PLANNER, "anfall-planerare"))
        analyst = login_verified(Client(), user(Role.ANALYST, "anfall-analytiker"))
        town.municipality.public_map = True
        town.municipality.save(update_fields=["public_map"])
        return Visitors(bra=bra, planner=planner, public=Client(), analyst=analyst)


# --- reading answers ------------------------------------------------------------------------------


def get(client: Client, url: str, attacker: Attacker | None = None, **params: str) -> Any:
    response = client.get(url, params)
    assert response.status_code == 200, (
        f"{url} {params}: {response.status_code} {response.content[:300]!r}"
    )
    if attacker is not None:
        attacker.requests += 1
    return response


def body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def cell_of(ring: list[list[float]]) -> tuple[int, int]:
    """The fixed cell of a square given in CRS84/WGS 84."""
    lon, lat = np.array(ring[:-1], dtype=float).mean(axis=0)
    x, y = TO_SWEREF.transform(lon, lat)
    return int(x // CELL_M), int(y // CELL_M)


def categories_of(params: dict[str, str]) -> frozenset[str] | None:
    """The sensitive categories a BRÅ filter selects (None: all of them)."""
    chosen = set(SENSITIVE_CODES)
    if params.get("category"):
        chosen &= set(params["category"].split(","))
    if params.get("focus"):
        focus = {int(n) for n in params["focus"].split(",")}
        chosen = {c for c in chosen if FOCUS_OF.get(c, 2) in focus}
    return None if chosen == set(SENSITIVE_CODES) else frozenset(chosen)


def asked_region(params: dict[str, str], year: int) -> Region:
    """What an answer to a BRÅ filter covers if it means what was asked."""
    start = date.fromisoformat(params.get("from", f"{year}-01-01"))
    end = date.fromisoformat(params.get("to", f"{year}-12-31")) + timedelta(days=1)
    hours = frozenset(_ints(params["hours"])) if params.get("hours") else None
    weekdays = frozenset(_ints(params["weekdays"])) if params.get("weekdays") else None
    light = frozenset(params["light"].split(",")) if params.get("light") else None
    return Region(
        PLACED,
        categories_of(params),
        ((local_epoch(start), local_epoch(end)),),
        hours,
        weekdays,
        light,
    )


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",")]


def period_region(period: dict[str, str] | str) -> tuple[tuple[float, float], ...]:
    if isinstance(period, str):
        first, last = period.split("/")
    else:
        first, last = period["from"], period["to"]
    start = date.fromisoformat(first)
    end = date.fromisoformat(last) + timedelta(days=1)
    return ((local_epoch(start), local_epoch(end)),)


def release_maps(
    document: dict[str, Any], source: str, domain: PlaceSpec
) -> list[MapAnswer] | None:
    """A release answer as maps, one per publication period; None for an answer without a release."""
    release = document.get("release")
    if release is None:
        return None
    if release.get("district"):
        domain = PlaceSpec("centre", district=release["district"])
    maps = []
    for period in release["periods"]:
        shown: dict[tuple[int, int], int | None] = {}
        for feature in document["features"]:
            props = feature["properties"]
            value = props.get("periods", {}).get(period["id"], "absent")
            if value != "absent":
                shown[cell_of(feature["geometry"]["coordinates"][0])] = value
        base = Region(PLACED, None, period_region(period))
        maps.append(MapAnswer(base, domain, shown, source))
    return maps


def learn_bra_cells(
    attacker: Attacker, client: Client, town: Town, params: dict[str, str]
) -> dict[str, Any]:
    """Ask /bra/data/kansliga-rutor/ and write down what it says."""
    document = get(client, "/bra/data/kansliga-rutor/", attacker, **params).json()
    source = "kansliga-rutor?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    domain = PlaceSpec("clipped", district=params["district"]) if params.get("district") else PLACED
    maps = release_maps(document, source, domain)
    if maps is None:  # an old answer: it covers what was asked
        shown = {
            cell_of(f["geometry"]["coordinates"][0]): int(f["properties"]["count"])
            for f in document["features"]
        }
        maps = [MapAnswer(asked_region(params, town.year), domain, shown, source)]
    for answer in maps:
        attacker.learn_map(answer)
    return document


def year_params(town: Town, **extra: str) -> dict[str, str]:
    return {"from": f"{town.year}-01-01", "to": f"{town.year}-12-31", **extra}


def group_categories(number: int | None) -> frozenset[str]:
    if number is None:
        return frozenset({SENSITIVE_BY_GROUP["other"]})
    return frozenset({SENSITIVE_BY_GROUP[str(number)]})


def learn_lagesbild(
    attacker: Attacker,
    client: Client,
    town: Town,
    params: dict[str, str],
    data: dict[str, Any] | None = None,
    source: str = "lagesbild",
) -> dict[str, Any]:
    """Ask /bra/data/lagesbild/ (or read ``data``, a lägesbild of the same shape such as a kept
    document's frozen figures) and write down its sensitive rows and police column."""
    if data is None:
        data = get(client, "/bra/data/lagesbild/", attacker, **params).json()
    source += "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    k = town.k
    for row in data["focus_areas"]:
        if not row["sensitive"]:
            continue
        release = row.get("release")
        if release is not None:
            place = (
                PlaceSpec("centre", district=release["district"])
                if release.get("district")
                else ALL_PLACES
            )
            for value in release["periods"].values():
                region = Region(
                    place, group_categories(row["number"]), period_region(value["period"])
                )
                attacker.learn_value(region, value["value"], value["state"] == "hidden", source)
            continue
        asked = asked_region(params, town.year)
        categories = group_categories(row["number"])
        if asked.category is not None:
            categories = categories & asked.category
        place = (
            PlaceSpec("clipped", district=params["district"]) if params.get("district") else PLACED
        )
        for key, region_time in (("current", asked.time), ("previous", _year_before(asked.time))):
            cell = row[key]
            region = Region(place, categories, region_time, asked.hour, asked.weekday, asked.light)
            if cell["suppressed"]:
                attacker.learn(region, 0, k - 1, source)
            else:
                attacker.learn(region, cell["value"], cell["value"], source)
    if data.get("police_counts_sensitive", True) and not params.get("district"):
        # The police column counts every police event of a focus area, the sensitive ones too; the
        # open ones a BRÅ member can count from the other rows and the non-sensitive categories.
        asked = asked_region(params, town.year)
        for row in data["focus_areas"]:
            if row.get("police_current") is None:
                continue
            codes = {c for c in SENSITIVE_CODES if FOCUS_OF.get(c, 2) == row["number"]}
            if asked.category is not None:
                codes &= asked.category
            if not codes:
                continue
            known_open = _open_police(town, row["number"], asked, params)
            region = Region(
                UNPLACED, frozenset(codes), asked.time, asked.hour, asked.weekday, asked.light
            )
            n = int(row["police_current"]) - known_open
            attacker.learn(region, n, n, source + " (polisen)")
    return data


def _year_before(times: Any) -> Any:
    ((a, b),) = times
    start = datetime.fromtimestamp(a, LOCAL).date()
    end = datetime.fromtimestamp(b, LOCAL).date()
    return (
        (
            local_epoch(start.replace(year=start.year - 1)),
            local_epoch(end.replace(year=end.year - 1)),
        ),
    )


def _open_police(town: Town, number: int | None, asked: Region, params: dict[str, str]) -> int:
    """The open police events a row's police column counts besides the sensitive ones."""
    n = 0
    for code, t in town.open_unplaced:
        if {"misshandel": 2, "ordningsstorning": 2, "stold": None}[code] != number:
            continue
        if params.get("category") and code not in params["category"].split(","):
            continue
        local = datetime.fromtimestamp(t, LOCAL)
        if asked.time and not any(a <= t < b for a, b in asked.time):
            continue
        if asked.hour is not None and local.hour not in asked.hour:
            continue
        if asked.weekday is not None and local.isoweekday() not in asked.weekday:
            continue
        if asked.light is not None:
            continue  # the attack does not slice the police column by light
        n += 1
    return n


def ogc_features(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document.get("features", []))


def learn_cell_features(
    attacker: Attacker,
    features: list[dict[str, Any]],
    release: dict[str, Any] | None,
    asked: Region,
    source: str,
    domain: PlaceSpec = PLACED,
) -> None:
    """OGC and export cells: a feature per cell (old) or per cell and publication period (release)."""
    if release is None and not any("period_from" in f["properties"] for f in features):
        shown = {
            cell_of(f["geometry"]["coordinates"][0]): int(f["properties"]["count"])
            for f in features
        }
        attacker.learn_map(MapAnswer(asked, domain, shown, source))
        return
    periods = {p["id"]: p for p in (release or {}).get("periods", [])}
    for f in features:
        props = f["properties"]
        pid = props["period_from"][:4]
        periods.setdefault(pid, {"id": pid, "from": props["period_from"], "to": props["period_to"]})
    for period in periods.values():
        shown: dict[tuple[int, int], int | None] = {}
        for f in features:
            props = f["properties"]
            if props["period_from"] == period["from"]:
                shown[cell_of(f["geometry"]["coordinates"][0])] = (
                    None if props.get("hidden") else int(props["count"])
                )
        attacker.learn_map(
            MapAnswer(Region(PLACED, None, period_region(period)), domain, shown, source)
        )


def ogc_cells(
    attacker: Attacker, client: Client, datetime_param: str | None, asked: Region
) -> dict[tuple[int, int], int | None]:
    params = {"limit": "1000"}
    if datetime_param is not None:
        params["datetime"] = datetime_param
    document = get(
        client, "/ogc/collections/sensitive-incident-cells/items", attacker, **params
    ).json()
    features = ogc_features(document)
    learn_cell_features(
        attacker, features, document.get("release"), asked, f"ogc datetime={datetime_param}"
    )
    return {
        cell_of(f["geometry"]["coordinates"][0]): f["properties"].get("count") for f in features
    }


# --- the attacks ----------------------------------------------------------------------------------

ATTACKS: dict[str, Callable[[Town, Visitors], Attacker]] = {}


def learn_police_events(attacker: Attacker, town: Town) -> None:
    """What every attacker knows before asking Trygg: the police publish their events (polisen.se), so
    the number of sensitive ones with no place is known per category and year."""
    for year in (town.year - 1, town.year, town.year + 1):
        bounds = (town.year_bounds(year),)
        for code in sorted(SENSITIVE_CODES):
            region = Region(UNPLACED, frozenset({code}), bounds)
            n = sum(
                t.piece.cell is None and t.category == code
                for t in town.truth
                if holds_time(t, bounds)
            )
            attacker.learn(region, n, n, "polisen.se", public=True)


def holds_time(incident: Any, bounds: tuple[tuple[float, float], ...]) -> bool:
    return any(a <= incident.t < b for a, b in bounds)


def attack(name: str) -> Callable[[Callable[[Town, Visitors, Attacker], None]], Callable[..., Any]]:
    def register(run: Callable[[Town, Visitors, Attacker], None]) -> Callable[..., Any]:
        def start(town: Town, visitors: Visitors) -> Attacker:
            attacker = Attacker(town.pieces, town.k, name, SENSITIVE_CODES)
            learn_police_events(attacker, town)
            run(town, visitors, attacker)
            return attacker

        ATTACKS[name] = start
        return run

    return register


@attack("category-differencing")
def _categories(town: Town, v: Visitors, a: Attacker) -> None:
    """Every subset of the sensitive categories and of the sensitive focus areas, for the year."""
    codes = sorted(SENSITIVE_CODES)
    for size in range(1, len(codes) + 1):
        for subset in itertools.combinations(codes, size):
            learn_bra_cells(a, v.bra, town, year_params(town, category=",".join(subset)))
    for size in range(1, 5):
        for subset in itertools.combinations((4, 7, 8, 9), size):
            learn_bra_cells(a, v.bra, town, year_params(town, focus=",".join(map(str, subset))))


@attack("sliding-period")
def _sliding(town: Town, v: Visitors, a: Attacker) -> None:
    """The period's end moved a day at a time across the year, and then its start."""
    first, last = date(town.year, 1, 1), date(town.year, 12, 31)
    day = first
    while day <= last:
        learn_bra_cells(a, v.bra, town, {"from": first.isoformat(), "to": day.isoformat()})
        if day > first:
            learn_bra_cells(a, v.bra, town, {"from": day.isoformat(), "to": last.isoformat()})
        day += timedelta(days=1)


@attack("hours-against-totals")
def _hours(town: Town, v: Visitors, a: Attacker) -> None:
    learn_bra_cells(a, v.bra, town, year_params(town))
    for hour in range(24):
        rest = [h for h in range(24) if h != hour]
        learn_bra_cells(a, v.bra, town, year_params(town, hours=str(hour)))
        learn_bra_cells(a, v.bra, town, year_params(town, hours=",".join(map(str, rest))))


@attack("weekdays-against-totals")
def _weekdays(town: Town, v: Visitors, a: Attacker) -> None:
    learn_bra_cells(a, v.bra, town, year_params(town))
    for day in range(1, 8):
        rest = [d for d in range(1, 8) if d != day]
        learn_bra_cells(a, v.bra, town, year_params(town, weekdays=str(day)))
        learn_bra_cells(a, v.bra, town, year_params(town, weekdays=",".join(map(str, rest))))


@attack("light")
def _light(town: Town, v: Visitors, a: Attacker) -> None:
    learn_bra_cells(a, v.bra, town, year_params(town))
    for size in (1, 2):
        for subset in itertools.combinations(("dagsljus", "skymning", "morker"), size):
            learn_bra_cells(a, v.bra, town, year_params(town, light=",".join(subset)))


@attack("district-against-municipality")
def _districts(town: Town, v: Visitors, a: Attacker) -> None:
    learn_bra_cells(a, v.bra, town, year_params(town))
    for code in DISTRICTS:
        learn_bra_cells(a, v.bra, town, year_params(town, district=code))


@attack("ogc-datetime-bisection")
def _bisection(town: Town, v: Visitors, a: Attacker) -> None:
    """A planner in QGIS bisects the OGC ``datetime`` to the second, then to half a second, to find when
    the fifth, sixth … incident of the fullest cell happened."""
    start, end = town.year_bounds()
    year = Region(PLACED, None, ((start, end + 1e-6),))
    whole = ogc_cells(a, v.planner, f"{utc(start)}/{utc(end - 1)}", year)
    counted = {c: n for c, n in whole.items() if n is not None}
    target = max(counted, key=lambda c: counted[c]) if counted else B1
    for threshold in range(town.k, (counted.get(target) or town.k) + 1):
        low, high = start, end - 1  # whole seconds; count(start..high) is at least the threshold
        while high - low > 1:
            mid = (low + high) // 2 if isinstance(low, int) else float(int((low + high) / 2))
            shown = ogc_cells(
                a,
                v.planner,
                f"{utc(start)}/{utc(mid)}",
                Region(PLACED, None, ((start, mid + 1e-6),)),
            )
            if (shown.get(target) or 0) >= threshold:
                high = mid
            else:
                low = mid
        for fraction in (high - 0.5, high + 0.5):  # sub-second: must change nothing
            ogc_cells(
                a,
                v.planner,
                f"{utc(start)}/{utc(fraction)}",
                Region(PLACED, None, ((start, fraction + 1e-6),)),
            )


@attack("lagesbild-slices")
def _lagesbild(town: Town, v: Visitors, a: Attacker) -> None:
    """The focus-area rows of the lägesbild (and its police column) for the year, against an hour and
    the rest of the day, each weekday, each sensitive category, each district."""
    learn_lagesbild(a, v.bra, town, year_params(town))
    learn_lagesbild(a, v.bra, town, year_params(town, hours="21"))
    learn_lagesbild(
        a, v.bra, town, year_params(town, hours=",".join(str(h) for h in range(24) if h != 21))
    )
    for day in range(1, 8):
        learn_lagesbild(a, v.bra, town, year_params(town, weekdays=str(day)))
    for code in sorted(SENSITIVE_CODES):
        learn_lagesbild(a, v.bra, town, year_params(town, category=code))
    for code in DISTRICTS:
        learn_lagesbild(a, v.bra, town, year_params(town, district=code))


@attack("lagesbild-rows-against-cells")
def _rows_cells(town: Town, v: Visitors, a: Attacker) -> None:
    """Focus-area totals against the map's cells, for the municipality and each district."""
    for extra in ({}, *({"district": d} for d in DISTRICTS)):
        learn_lagesbild(a, v.bra, town, year_params(town, **extra))
        learn_bra_cells(a, v.bra, town, year_params(town, **extra))


@attack("exports-of-neighbouring-periods")
def _exports(town: Town, v: Visitors, a: Attacker) -> None:
    """The cells exported for the first and second half of the year and for the whole year."""
    y = town.year
    for first, last in (
        (f"{y}-01-01", f"{y}-06-30"),
        (f"{y}-07-01", f"{y}-12-31"),
        (f"{y}-01-01", f"{y}-12-31"),
    ):
        response = get(
            v.planner, "/export/sensitive-incident-cells.geojson", a, datetime=f"{first}/{last}"
        )
        document = json.loads(body(response))
        asked = Region(PLACED, None, period_region(f"{first}/{last}"))
        learn_cell_features(
            a, document["features"], document.get("release"), asked, f"export {first}/{last}"
        )
        response = get(
            v.planner, "/export/sensitive-incident-cells.csv", a, datetime=f"{first}/{last}"
        )
        rows = list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))
        assert len(rows) == len(document["features"]), "the CSV and the GeoJSON export differ"


def _tile_range(z: int) -> Iterator[tuple[int, int]]:
    to_web = Transformer.from_crs(STORAGE_SRID, 3857, always_xy=True)
    half = 20037508.342789244
    size = 2 * half / (1 << z)
    xs, ys = to_web.transform([659_700, 669_900], [6_596_300, 6_606_500])
    for tx in range(int((xs[0] + half) // size), int((xs[1] + half) // size) + 1):
        for ty in range(int((half - ys[1]) // size), int((half - ys[0]) // size) + 1):
            yield tx, ty


@attack("vector-tiles")
def _tiles(town: Town, v: Visitors, a: Attacker) -> None:
    z = 11
    shown: dict[tuple[int, int], int | None] = {}
    periods: set[str] = set()
    for tx, ty in _tile_range(z):
        response = v.planner.get(f"/tiles/sensitive-cells/{z}/{tx}/{ty}.mvt")
        a.requests += 1
        assert response.status_code in (200, 204), response.status_code
        if response.get("Trygg-Release-Periods"):
            periods.update(response["Trygg-Release-Periods"].split(","))
        for vertices, feature in tile_features(body(response), z, tx, ty):
            cx, cy = np.asarray(vertices).mean(axis=0)
            props = feature["properties"]
            shown[(int(cx // CELL_M), int(cy // CELL_M))] = (
                None if props.get("hidden") else int(props["count"])
            )
    if periods:
        for period in periods:
            a.learn_map(
                MapAnswer(
                    Region(PLACED, None, period_region(period)), PLACED, shown, f"tiles {period}"
                )
            )
    else:  # an old tile: every sensitive incident there is
        a.learn_map(MapAnswer(Region(PLACED), PLACED, shown, "tiles"))


def _table_rows(html: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(row name, "Nu" text, release data) of the sensitive rows of the printed focus-area table."""
    out = []
    for match in re.finditer(
        r'<tr class="sensitive-row"(?P<attrs>[^>]*)>(?P<row>.*?)</tr>', html, re.S
    ):
        cells = re.findall(r"<td>(.*?)</td>", match["row"], re.S)
        release = re.search(r'data-release="([^"]*)"', match["attrs"])
        out.append(
            (
                re.sub(r"<[^>]+>", "", cells[0]).strip(),
                cells[1].strip(),
                json.loads(unescape(release[1])) if release else None,
            )
        )
    return out


@attack("print-page")
def _print(town: Town, v: Visitors, a: Attacker) -> None:
    """The printed lägesbild (what the PDF holds) for the year, at 21 o'clock and for the other hours."""
    numbers = {f"{n}.": n for n in (4, 7, 8, 9)}
    for extra in ({}, {"hours": "21"}, {"hours": ",".join(str(h) for h in range(24) if h != 21)}):
        params = year_params(town, **extra)
        html = get(v.bra, "/bra/utskrift/", a, **params).content.decode()
        for name, shown, release in _table_rows(html):
            number = next((n for prefix, n in numbers.items() if name.startswith(prefix)), None)
            if release is not None:
                place = (
                    PlaceSpec("centre", district=release["district"])
                    if release.get("district")
                    else ALL_PLACES
                )
                for value in release["periods"].values():
                    region = Region(place, group_categories(number), period_region(value["period"]))
                    a.learn_value(
                        region, value["value"], value["state"] == "hidden", "print " + str(extra)
                    )
                continue
            asked = asked_region(params, town.year)
            region = Region(PLACED, group_categories(number), asked.time, asked.hour)
            if shown.isdigit():
                a.learn(region, int(shown), int(shown), "print " + str(extra))
            else:
                a.learn(region, 0, town.k - 1, "print " + str(extra))


def _html_cell_collections(html: str) -> list[dict[str, Any]]:
    decoder = json.JSONDecoder()
    out = []
    for match in re.finditer(r'\{"(?:type|features|bbox)"', html):
        try:
            document, _end = decoder.raw_decode(html, match.start())
        except ValueError:
            continue
        if document.get("type") == "FeatureCollection" and any(
            f.get("properties", {}).get("sensitive") for f in document.get("features", [])
        ):
            out.append(document)
    return out


@attack("offline-html-map")
def _html_map(town: Town, v: Visitors, a: Attacker) -> None:
    """The offline HTML map of the year with four sensitive categories and with extremism added."""
    four = ",".join(sorted(SENSITIVE_CODES - {"extremism"}))
    for categories in (four, four + ",extremism"):
        params = year_params(town, category=categories)
        html = get(v.bra, "/bra/export/karta.html", a, **params).content.decode()
        collections = _html_cell_collections(html)
        document = collections[0] if collections else {"type": "FeatureCollection", "features": []}
        maps = release_maps(document, f"karta.html {categories}", PLACED)
        if maps is None:
            shown = {
                cell_of(f["geometry"]["coordinates"][0]): int(f["properties"]["count"])
                for f in document["features"]
            }
            maps = [
                MapAnswer(
                    asked_region(params, town.year), PLACED, shown, f"karta.html {categories}"
                )
            ]
        for answer in maps:
            a.learn_map(answer)


@attack("planner-map")
def _planner_map(town: Town, v: Visitors, a: Attacker) -> None:
    plan = town.plan  # type: ignore[attr-defined]
    document = get(v.planner, f"/plan/{plan.pk}/karta.json", a).json()["sensitive_cells"]
    shown_cells = {cell_of(f["geometry"]["coordinates"][0]) for f in document["features"]}
    domain = PlaceSpec("ids", ids=frozenset(p.id for p in town.pieces if p.cell in shown_cells))
    maps = release_maps(document, "plan map", domain)
    if maps is None:
        shown = {
            cell_of(f["geometry"]["coordinates"][0]): int(f["properties"]["count"])
            for f in document["features"]
        }
        maps = [MapAnswer(Region(PLACED), domain, shown, "plan map")]
    for answer in maps:
        a.learn_map(answer)


@attack("statutory-documents")
def _statutory(town: Town, v: Visitors, a: Attacker) -> None:
    """Kept lägesbilder (lag 2023:196) that a samordnare makes for the year, each district, each
    sensitive category and both halves of the year, one after each other; a BRÅ member reads their
    frozen figures and every pair of them side by side."""
    from layers.models import District
    from statutory.models import Lagesbild

    coordinator = Client()
    coordinator.force_login(user(Role.COORDINATOR, "anfall-samordnare"))
    y = town.year
    variants = [
        year_params(town),
        *(year_params(town, district=d) for d in DISTRICTS),
        *(year_params(town, category=c) for c in sorted(SENSITIVE_CODES)),
        {"from": f"{y}-01-01", "to": f"{y}-06-30"},
        {"from": f"{y}-07-01", "to": f"{y}-12-31"},
    ]
    made: list[int] = []
    for params in variants:
        form = {"title": "Anfall", "date_from": params["from"], "date_to": params["to"]}
        form["compare"] = "year"
        if "district" in params:
            district = District.objects.get(municipality=town.municipality, code=params["district"])
            form["district"] = str(district.pk)
        if "category" in params:
            form["categories"] = params["category"]
        response = coordinator.post("/lagesbild/dokument/ny/", form)
        assert response.status_code == 302, response.content[:300]
        made.append(Lagesbild.objects.latest("pk").pk)
        document = get(v.bra, f"/lagesbild/dokument/{made[-1]}/siffror.json", a).json()
        learn_lagesbild(
            a, v.bra, town, params, data=document["figures"]["lagesbild"], source="dokument"
        )
        printed = get(v.bra, f"/lagesbild/dokument/{made[-1]}/utskrift/", a).content.decode()
        assert "sensitive-row" in printed  # the printed rows are the frozen ones read above
    for first, second in itertools.pairwise(made):
        rows = get(v.bra, f"/lagesbild/dokument/{first}/jamfor/{second}/", a, format="json")
        for row in rows.json()["rows"]:
            if row["section"] == "Fokusområden" and row["diff"] not in (None, 0):
                # a printed difference of sensitive rows is a difference of two release values
                assert row["a"].isdigit() and row["b"].isdigit(), row


ATTACK_NAMES = list(ATTACKS)


@pytest.fixture(scope="module")
def attackers(town: Town, visitors: Visitors, django_db_blocker: Any) -> dict[str, Attacker]:
    """Every attack run once against the town (each later test audits one, or all together)."""
    out = {}
    with django_db_blocker.unblock():
        forget_published()
        for name, run in ATTACKS.items():
            started = clock.perf_counter()
            out[name] = run(town, visitors)
            out[name].seconds = clock.perf_counter() - started  # type: ignore[attr-defined]
    return out


def _fail_with(findings: Findings) -> None:
    assert not findings.failed, "\n" + findings.report()


@pytest.mark.parametrize("name", ATTACK_NAMES)
def test_an_attack_recovers_no_sensitive_incident(
    town: Town, attackers: dict[str, Attacker], name: str
) -> None:
    findings = attackers[name].audit(town.truth)

    print(findings.report())
    _fail_with(findings)
    assert findings.requests > 0 and findings.statements > 0


def test_all_answers_together_recover_no_sensitive_incident(
    town: Town, attackers: dict[str, Attacker]
) -> None:
    """The answers of every attack pooled, as BRÅ members who share what they saw would pool them."""
    names = [n for n in ATTACK_NAMES if n != "sliding-period"]
    first, *rest = (attackers[n] for n in names)
    pooled = first.merged_with(rest, "all attacks together")

    findings = pooled.audit(town.truth)

    print(findings.report())
    _fail_with(findings)


# --- watching over time: new data between two looks -----------------------------------------------


def _cells_now(client: Client, params: dict[str, str]) -> dict[tuple[int, int], int | None]:
    document = client.get("/bra/data/kansliga-rutor/", params).json()
    return {
        cell_of(f["geometry"]["coordinates"][0]): f["properties"].get("count")
        for f in document["features"]
    }


def _gains(
    before: dict[Any, int | None], after: dict[Any, int | None], k: int, what: str
) -> list[str]:
    """Cells whose printed count grew by fewer than k between two looks: the new incidents found."""
    out = []
    for cell, n in after.items():
        old = before.get(cell)
        if n is not None and old is not None and 0 < n - old < k:
            out.append(f"{what}: cell {cell} went from {old} to {n}")
        if n is not None and old is None and cell in before:  # was hidden, now printed
            continue
    return out


def _add_incident(town: Town, code: str, cell: tuple[int, int], when: datetime, ref: str) -> None:
    x, y = cell[0] * CELL_M + 247.5, cell[1] * CELL_M + 252.5
    Incident.objects.create(
        municipality=town.municipality,
        category=town.categories[code],
        source="test",
        source_ref=ref,
        location=Point(x, y, srid=STORAGE_SRID),
        occurred_from=when,
    )


def test_watching_over_time_finds_no_new_or_late_incident(town: Town, visitors: Visitors) -> None:
    """A BRÅ member saves the map, the lägesbild and the OGC cells; an incident is imported late into the
    published year and another one happens yesterday; they look again and subtract."""
    y = town.year
    this_year = {"from": f"{date.today().year}-01-01", "to": date.today().isoformat()}
    looks = [year_params(town), this_year]
    found: list[str] = []
    with transaction.atomic():
        forget_published()
        before = [_cells_now(visitors.bra, p) for p in looks]
        rows_before = get(visitors.bra, "/bra/data/lagesbild/", **year_params(town)).json()
        default_before = visitors.planner.get(
            "/ogc/collections/sensitive-incident-cells/items"
        ).json()
        _add_incident(town, "vald_nara_relation", B1, datetime(y, 6, 1, 12, tzinfo=LOCAL), "SEN-1")
        _add_incident(town, "extremism", B1, datetime.now(LOCAL) - timedelta(days=1), "NY-1")
        after = [_cells_now(visitors.bra, p) for p in looks]
        rows_after = get(visitors.bra, "/bra/data/lagesbild/", **year_params(town)).json()
        default_after = visitors.planner.get(
            "/ogc/collections/sensitive-incident-cells/items"
        ).json()
        transaction.set_rollback(True)
    for params, b, a in zip(looks, before, after, strict=True):
        found += _gains(b, a, town.k, f"kansliga-rutor {params}")
    for rb, ra in zip(rows_before["focus_areas"], rows_after["focus_areas"], strict=True):
        nb, na = rb["current"]["value"], ra["current"]["value"]
        if rb["sensitive"] and nb is not None and na is not None and 0 < na - nb < town.k:
            found.append(f"lägesbild row {rb['name']}: {nb} → {na}")
    ogc_b = {f["id"]: f["properties"].get("count") for f in default_before["features"]}
    ogc_a = {f["id"]: f["properties"].get("count") for f in default_after["features"]}
    found += _gains(ogc_b, ogc_a, town.k, "ogc sensitive-incident-cells")

    assert not found, "\n".join(found)


def test_the_public_map_shows_no_new_incident_between_two_looks(
    town: Town, visitors: Visitors
) -> None:
    """Anyone looks at /offentlig/ before and after one open incident happens in a hot cell."""
    with transaction.atomic():
        forget_published()
        before = get(visitors.public, "/offentlig/brottskoncentrationer.geojson").json()
        hot = [f for f in before["features"] if f["properties"]["count"] is not None]
        found: list[str] = []
        if hot:
            ring = np.array(hot[0]["geometry"]["coordinates"][0][:-1], dtype=float)
            lon, lat = ring.mean(axis=0)
            x, y = TO_SWEREF.transform(lon, lat)
            for i in range(2):
                Incident.objects.create(
                    municipality=town.municipality,
                    category=town.categories["misshandel"],
                    source="test",
                    source_ref=f"PUB-{i}",
                    location=Point(x + i, y, srid=STORAGE_SRID),
                    occurred_from=datetime.now(LOCAL) - timedelta(days=1),
                )
            after = get(visitors.public, "/offentlig/brottskoncentrationer.geojson").json()
            counts_before = {
                json.dumps(f["geometry"]): f["properties"]["count"] for f in before["features"]
            }
            for f in after["features"]:
                old, new = counts_before.get(json.dumps(f["geometry"])), f["properties"]["count"]
                if old is not None and new is not None and 0 < new - old < town.k:
                    found.append(f"public cell went from {old} to {new}")
        transaction.set_rollback(True)

    assert hot, "the public map shows no cell with a count: the attack has nothing to watch"
    assert not found, "\n".join(found)


def test_the_planners_exposure_evidence_does_not_change_from_day_to_day(town: Town) -> None:
    """Rescored every day of a month, a plan over one cell must not date the incidents that leave the
    three-year window (the exposure criterion's sensitive part, docs/decisions/0353)."""
    from layers.scoring import incident_evidence

    study = shapely.box(B1[0] * CELL_M, B1[1] * CELL_M, (B1[0] + 1) * CELL_M, (B1[1] + 1) * CELL_M)
    forget_published()
    seen: list[tuple[date, float]] = []
    day = date(town.year + 3, 3, 1)
    while day.month == 3:
        now = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL) + timedelta(hours=12)
        evidence = incident_evidence(town.municipality, study, now=now)
        assert evidence is not None
        seen.append((day, evidence.sensitive_from_cells))
        day += timedelta(days=1)
    changes = [
        f"{d}: {before:g} → {after:g}"
        for (d0, before), (d, after) in itertools.pairwise(seen)
        if before != after and 0 < abs(after - before) < town.k
    ]

    assert any(v for _d, v in seen), "the cell holds no published sensitive count: nothing to watch"
    assert not changes, "\n".join(changes)


# --- analysts keep exact values -------------------------------------------------------------------


def test_analysts_still_get_exact_counts_and_points(town: Town, visitors: Visitors) -> None:
    start, end = town.year_bounds()
    at_21 = [
        t for t in town.truth if start <= t.t < end and t.category == "extremism" and t.hour == 21
    ]
    placed_9 = [t for t in town.truth if start <= t.t < end and t.category == "extremism"]

    rows = get(visitors.analyst, "/bra/data/lagesbild/", **year_params(town, hours="21")).json()
    points = get(visitors.analyst, "/bra/data/handelser/", **year_params(town, focus="9")).json()

    row_9 = next(r for r in rows["focus_areas"] if r["number"] == 9)
    assert len(at_21) == 2 and row_9["current"]["value"] == 2  # exact, under k
    assert points["total"] == len(placed_9) == 13
    assert all(f["properties"]["sensitive"] for f in points["features"])


# --- nothing else depends on the sensitive incidents ----------------------------------------------


def _evaluations(town: Town) -> list[Any]:
    """Effect evaluations a hostile BRÅ member would draw (made once per town): whole cells that hold
    sensitive incidents as target, a year cut in two around them, and a 10 m square drawn around one
    sensitive incident, so that target minus nothing would be that incident."""
    from followup.models import Evaluation
    from followup.services import buffer_ring, cell_polygon

    made = list(
        Evaluation.objects.filter(
            municipality=town.municipality, title__startswith="Anfall"
        ).order_by("pk")
    )
    if made:
        return made
    y = town.year
    lone = (
        Incident.objects.sensitive()
        .filter(municipality=town.municipality, occurred_from__year=y, location__isnull=False)
        .order_by("pk")
        .first()
    )
    assert lone is not None
    x, yy = lone.location.x, lone.location.y
    tiny = MultiPolygon(
        Polygon(
            ((x - 5, yy - 5), (x + 5, yy - 5), (x + 5, yy + 5), (x - 5, yy + 5), (x - 5, yy - 5))
        ),
        srid=STORAGE_SRID,
    )
    specs = [
        ("Anfall M1", MultiPolygon(cell_polygon(*M1)), M2, date(y, 7, 1), 6),
        ("Anfall B1", MultiPolygon(cell_polygon(*B1)), LONE_EXTREMISM[0], date(y, 4, 1), 3),
        ("Anfall en händelse", tiny, M4, date(y, lone.occurred_from.month, 1), 1),
    ]
    out = []
    for title, target, comparison_cell, start, months in specs:
        target.srid = STORAGE_SRID
        comparison = MultiPolygon(cell_polygon(*comparison_cell), srid=STORAGE_SRID)
        out.append(
            Evaluation.objects.create(
                municipality=town.municipality,
                title=title,
                target_area=target,
                buffer_area=buffer_ring(target, 300),
                comparison_area=comparison,
                start_date=start,
                months=months,
            )
        )
    return out


def test_a_bra_members_effect_evaluation_never_counts_a_sensitive_incident(
    town: Town, visitors: Visitors
) -> None:
    """Freely drawn areas and periods could subtract counts down to single incidents, so a user who may
    not see sensitive incidents as points gets evaluations without them (the page says so); an analyst
    gets them all. Every area and period of every evaluation is checked against the database."""
    forget_published()
    held = 0
    for evaluation in _evaluations(town):
        url = f"/uppfoljning/{evaluation.pk}/resultat.json"
        bra = get(visitors.bra, url).json()
        analyst = get(visitors.analyst, url).json()
        page = get(visitors.bra, f"/uppfoljning/{evaluation.pk}/").content.decode()
        assert "Känsliga händelser (t.ex. våld i nära relationer) ingår inte" in page
        assert bra["sensitive_included"] is False and bra["sensitive_count"] == 0
        geometry = {
            "target": evaluation.target_area,
            "buffer": evaluation.buffer_area,
            "comparison": evaluation.comparison_area,
        }
        for seen_by_bra, seen_by_analyst in zip(bra["areas"], analyst["areas"], strict=True):
            area = seen_by_bra["area"]
            for period in ("before", "after"):
                first = date.fromisoformat(bra["periods"][period]["start"])
                end = date.fromisoformat(bra["periods"][period]["end"])
                qs = Incident.objects.placed().filter(
                    municipality=town.municipality,
                    location__intersects=geometry[area],
                    occurred_from__gte=datetime.combine(first, datetime.min.time(), LOCAL),
                    occurred_from__lt=datetime.combine(end, datetime.min.time(), LOCAL),
                )
                if area == "buffer":
                    qs = qs.exclude(location__intersects=evaluation.target_area)
                assert seen_by_bra[period] == qs.non_sensitive().count(), (evaluation, area, period)
                assert seen_by_analyst[period] == qs.count(), (evaluation, area, period)
                held += qs.sensitive().count()
    assert held > 10  # the drawn areas do hold sensitive incidents: counting them would fail above

    target = {
        "kind": "rutor",
        "cells": [f"{M1[0]}_{M1[1]}"],
    }
    body = json.dumps({"target": target, "start_date": f"{town.year}-07-01", "months": 6})
    asked = [
        c.post("/uppfoljning/forslag/", body, content_type="application/json").json()
        for c in (visitors.bra, visitors.analyst)
    ]
    assert asked[0] == asked[1]  # suggestions rank on non-sensitive incidents for everyone


def _noninterference_urls(town: Town) -> list[tuple[str, str]]:
    """(who, address) of every channel that aggregates incidents, with the attacked year's filter."""
    y = town.year
    year = f"from={y}-01-01&to={y}-12-31"
    dt = f"datetime={y}-03-01/{y}-05-01"
    plan = town.plan  # type: ignore[attr-defined]
    tx, ty = next(_tile_range(11))
    urls = [
        ("bra", f"/bra/?{year}"),
        ("bra", f"/bra/utskrift/?{year}&hours=21"),
        ("bra", f"/bra/data/lagesbild/?{year}"),
        ("bra", f"/bra/data/lagesbild/?{year}&hours=21&weekdays=1,2,3"),
        ("bra", f"/bra/data/lagesbild/?{year}&district=vastra"),
        ("bra", f"/bra/data/tathet/?{year}"),
        ("bra", f"/bra/data/tathet.png?{year}"),
        ("bra", f"/bra/data/hotspots/?{year}"),
        ("bra", f"/bra/data/trender/?{year}"),
        ("bra", f"/bra/data/handelser/?{year}"),
        ("bra", f"/bra/data/kansliga-rutor/?{year}"),
        ("bra", f"/bra/data/kansliga-rutor/?{year}&hours=21&category=extremism"),
        ("bra", f"/bra/data/kansliga-rutor/?{year}&district=vastra&light=morker"),
        ("bra", f"/bra/data/observationer/?{year}"),
        ("bra", f"/bra/export/karta.html?{year}&weekdays=6,7"),
        ("bra", f"/bra/export/tathet.tif?{year}"),
        ("bra", "/api/v1/incidents/"),
        ("bra", "/"),
        ("planner", "/ogc/collections/incidents/items?limit=1000"),
        ("planner", f"/ogc/collections/sensitive-incident-cells/items?{dt}"),
        ("planner", f"/ogc/collections/hotspot-cells/items?{dt}&limit=1000"),
        ("planner", f"/tiles/incidents/11/{tx}/{ty}.mvt"),
        ("planner", f"/tiles/sensitive-cells/11/{tx}/{ty}.mvt"),
        ("planner", f"/tiles/hotspots/11/{tx}/{ty}.mvt"),
        ("planner", "/export/incidents.csv"),
        ("planner", f"/export/sensitive-incident-cells.geojson?{dt}"),
        ("planner", f"/export/hotspot-cells.csv?{dt}"),
        ("planner", f"/export/tathet.tif?{year}"),
        ("planner", f"/plan/{plan.pk}/karta.json"),
        ("planner", f"/plan/{plan.pk}/"),
        ("public", "/offentlig/brottskoncentrationer.geojson"),
    ]
    for evaluation in _evaluations(town):
        urls += [
            ("bra", f"/uppfoljning/{evaluation.pk}/"),
            ("bra", f"/uppfoljning/{evaluation.pk}/resultat.json"),
        ]
    return urls


# What differs between two renderings of the same data: CSRF tokens, clock times, folium's element ids.
_VOLATILE = re.compile(
    rb'(name="csrfmiddlewaretoken" value="[^"]*"|"(generated_at|timeStamp)": ?"[^"]*"'
    rb'|nonce="[^"]*"|\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(\+\d\d:\d\d|Z)?'
    rb"|[0-9a-f]{32})"
)


def _fingerprint(response: Any) -> Any:
    data = body(response)
    if response.get("Content-Type", "").startswith("image/tiff"):
        import rasterio

        with rasterio.open(io.BytesIO(data)) as raster:
            return raster.read().tobytes()
    return _VOLATILE.sub(b"", data)


def _move_sensitive_within_year_and_cell(town: Town, seed: int = 7) -> int:
    """Every sensitive incident of the attacked year to another day and hour of the year, and to
    another place in its cell (across the district border where one cuts it)."""
    import random

    rng = random.Random(seed)
    moved = 0
    for incident in Incident.objects.filter(pk__in=town.sensitive_ids):
        local = incident.occurred_from.astimezone(LOCAL)
        if local.year != town.year:
            continue
        day = date(town.year, 1, 1) + timedelta(days=rng.randrange(365))
        incident.occurred_from = datetime.combine(
            day, datetime.min.time().replace(hour=rng.randrange(24), minute=7), tzinfo=LOCAL
        )
        if incident.location is not None:
            col, row = int(incident.location.x // CELL_M), int(incident.location.y // CELL_M)
            incident.location = Point(
                col * CELL_M + 2.5 + 5 * rng.randrange(99),
                row * CELL_M + 2.5 + 5 * rng.randrange(99),
                srid=STORAGE_SRID,
            )
        incident.save(update_fields=["occurred_from", "location"])
        moved += 1
    return moved


def test_nothing_a_user_without_the_permission_gets_depends_on_when_or_where_in_its_cell_a_sensitive_incident_happened(
    town: Town, visitors: Visitors
) -> None:
    """Noninterference: moving every sensitive incident of the year to another day, hour and spot of
    the same cell leaves the release as it is, so every answer of every channel must stay the same
    byte for byte (pages, JSON, tiles, exports, rasters, the public map)."""
    clients = {"bra": visitors.bra, "planner": visitors.planner, "public": visitors.public}
    urls = _noninterference_urls(town)
    with transaction.atomic():
        forget_published()
        before = [_fingerprint(get(clients[who], url)) for who, url in urls]
        moved = _move_sensitive_within_year_and_cell(town)
        forget_published()
        after = [_fingerprint(get(clients[who], url)) for who, url in urls]
        transaction.set_rollback(True)
    changed = [url for (who, url), b, a in zip(urls, before, after, strict=True) if b != a]

    assert moved > 40
    assert not changed, "these answers changed with the sensitive incidents:\n" + "\n".join(changed)


# --- every channel is covered ---------------------------------------------------------------------

NONINTERFERENCE = "noninterference"
WATCHING = "watching-over-time"
PUBLIC_WATCHING = "public-map-watching"
EXPOSURE = "planner-exposure-by-day"
ANALYST = "analysts-exact"
EFFECT_FOLLOWUP = "effect-followup-counts-no-sensitive"
BRA_CELLS = [
    "category-differencing",
    "sliding-period",
    "hours-against-totals",
    "weekdays-against-totals",
    "light",
    "district-against-municipality",
    "lagesbild-rows-against-cells",
    WATCHING,
    NONINTERFERENCE,
]
NO_INCIDENTS = "holds no incident: walks, observations, photos, actions, plans or context"
BACKGROUND = (
    "the background map: the map service's tiles and the municipality's own streets, buildings, "
    "water, parks and area names; no incident"
)
EST = "EST reports and their counts per NYKO area; no incident (est app)"
ACCOUNT = "account pages: logins, two-factor, API keys; no incident"
ADMIN_STAFF = (
    "admin for staff: lists visible_incidents(user) only (sensitive rows for analysts and "
    "administrators, who may see them), counts are of those rows (channel matrix, admin rows)"
)

# Every address of the URL configuration: the attacks that cover it, or why it aggregates no incident.
ROUTES: dict[str, list[str] | str] = {
    "": [NONINTERFERENCE],  # the overview map: non-sensitive points, hot spots of visible incidents
    "healthz": "200 or 503; no data",
    "plan/importera/": NO_INCIDENTS,
    "plan/importera/<int:batch_id>/": NO_INCIDENTS,
    "plan/importera/<int:batch_id>/angra/": NO_INCIDENTS,
    "plan/kontext/importera/": NO_INCIDENTS,
    "plan/kontext/importera/<int:batch_id>/": NO_INCIDENTS,
    "plan/kontext/importera/<int:batch_id>/angra/": NO_INCIDENTS,
    "plan/kontext/objekt.json": NO_INCIDENTS,
    "plan/ny/": NO_INCIDENTS,
    "plan/ny/spara/": NO_INCIDENTS,
    "plan/<int:pk>/redigera/": NO_INCIDENTS,
    "plan/<int:pk>/redigera/spara/": NO_INCIDENTS,
    "plan/": "plan list: names and overall scores (scores: see plan/<int:pk>/)",
    "plan/kalibrering/": "calibration fits non-sensitive placed incidents only (decision 0353)",
    "plan/planomraden.geojson": "plan areas with their latest overall score (see plan/<int:pk>/)",
    "plan/<int:pk>/": [EXPOSURE, NONINTERFERENCE],
    "plan/<int:pk>/bedom/": [EXPOSURE],
    "plan/<int:pk>/atgard/": "a measure of the latest review as an action; no incident",
    "plan/<int:pk>/karta.json": ["planner-map", NONINTERFERENCE],
    "plan/<int:pk>/rapport/": [EXPOSURE, "planner-map"],
    "plan/<int:pk>/rapport.pdf": "prints plan/<int:pk>/rapport/ as its user (channel matrix, PDF)",
    "falt/": NO_INCIDENTS,
    "falt/sw.js": NO_INCIDENTS,
    "falt/karta.json": NO_INCIDENTS,
    "falt/manifest.webmanifest": NO_INCIDENTS,
    # EST reports are not incidents: reporters' own reports, counts of them per NYKO area (decision 0830)
    "est/rapport/": EST,
    "est/rapport/sw.js": EST,
    "est/rapport/karta.json": "district and NYKO outlines; no incident",
    "est/rapport/manifest.webmanifest": EST,
    "est/rapport/rapporter/": EST,
    "est/rapport/<uuid:client_uuid>/": EST,
    "est/lagesbild/": EST,
    "est/lagesbild.csv": EST,
    "est/lagesbild.gpkg": EST,
    "vandringar/": NO_INCIDENTS,
    "vandringar/ny/": NO_INCIDENTS,
    "vandringar/perspektiv/": NO_INCIDENTS,
    "vandringar/perspektiv/karta.json": NO_INCIDENTS,
    "vandringar/foto/<uuid:photo_uuid>/": NO_INCIDENTS,
    "vandringar/foto/<uuid:photo_uuid>/miniatyr/": NO_INCIDENTS,
    "vandringar/<int:walk_id>/": NO_INCIDENTS,
    "vandringar/<int:walk_id>/andra/": NO_INCIDENTS,
    "vandringar/<int:walk_id>/status/": NO_INCIDENTS,
    "vandringar/<int:walk_id>/karta.json": NO_INCIDENTS,
    "vandringar/<int:walk_id>/protokoll/": NO_INCIDENTS,
    "vandringar/<int:walk_id>/protokoll.pdf": NO_INCIDENTS,
    "vandringar/<int:walk_id>/protokoll.csv": NO_INCIDENTS,
    "vandringar/<int:walk_id>/uppfoljning/": NO_INCIDENTS,
    "vandringar/<int:walk_id>/uppfoljning/karta.json": NO_INCIDENTS,
    "atgarder/": NO_INCIDENTS,
    "atgarder/atgarder.csv": NO_INCIDENTS,
    "atgarder/kontor/": NO_INCIDENTS,
    "atgarder/kontor/<int:office_id>/": NO_INCIDENTS,
    "atgarder/kontor/<int:office_id>/veckobrev/": NO_INCIDENTS,
    "atgarder/<int:action_id>/": NO_INCIDENTS,
    "import/": "analysts and administrators only (may see sensitive incidents)",
    "import/<int:pk>/": "an import's report, per category: analysts and administrators only",
    "import/<int:pk>/avvisade.csv": "rejected rows: analysts and administrators only",
    "import/<int:pk>/angra/": "analysts and administrators only",
    "import/progress/<uuid:job>/": "analysts and administrators only",
    "lagesbild/dokument/": "the list of kept lägesbilder and plans: titles, periods, status",
    "lagesbild/dokument/ny/": "makes a document; its figures: lagesbild/dokument/<int:pk>/siffror.json",
    "lagesbild/dokument/<int:pk>/": ["statutory-documents"],  # the frozen figures of siffror.json
    "lagesbild/dokument/<int:pk>/siffror.json": ["statutory-documents"],
    "lagesbild/dokument/<int:pk>/jamfor/<int:other>/": ["statutory-documents"],
    "lagesbild/dokument/<int:pk>/utskrift/": ["statutory-documents"],
    "lagesbild/dokument/<int:pk>/lagesbild.pdf": "prints lagesbild/dokument/<int:pk>/utskrift/",
    "lagesbild/dokument/<int:pk>/lagesbild.docx": (
        "the frozen figures of siffror.json in Word (statutory-documents; tests/statutory)"
    ),
    "lagesbild/dokument/<int:pk>/avsnitt/<slug:kind>/": "writes a text; no figure",
    "lagesbild/dokument/<int:pk>/problem/ny/": "writes a cause analysis; no figure",
    "lagesbild/dokument/<int:pk>/problem/<int:problem_id>/": "writes a cause analysis; no figure",
    "lagesbild/dokument/<int:pk>/faststall/": "records a decision; no figure",
    "lagesbild/dokument/<int:pk>/ny-version/": "makes a document (as ny/)",
    "lagesbild/dokument/<int:pk>/kommentar/": "writes a comment; no figure",
    "lagesbild/dokument/<int:pk>/atgardsplan/ny/": "makes a plan; no figure",
    **{
        f"lagesbild/dokument/atgardsplan/<int:plan_id>/{tail}": (
            "operativa mål count non-sensitive categories and walk observations only; a sensitive "
            "category is refused as an indicator (tests/statutory/test_documents.py); linked effect "
            "follow-ups are followup.services.result_of for the reader, as /uppfoljning/<pk>/ "
            "(effect-followup-counts-no-sensitive; tests/statutory/test_followups.py)"
        )
        for tail in ("", "matt.json", "utskrift/", "atgardsplan.pdf", "atgardsplan.docx")
    },
    **{
        f"lagesbild/dokument/atgardsplan/<int:plan_id>/{tail}": "writes a plan; no figure"
        for tail in (
            "rad/ny/",
            "rad/<int:row_id>/",
            "rad/<int:row_id>/status/",
            "faststall/",
            "kommentar/",
        )
    },
    "bra/": ["print-page", NONINTERFERENCE],  # the same lägesbild as bra/utskrift/
    "bra/utskrift/": ["print-page", NONINTERFERENCE],
    "bra/data/lagesbild/": [
        "lagesbild-slices",
        "lagesbild-rows-against-cells",
        WATCHING,
        NONINTERFERENCE,
        ANALYST,
    ],
    "bra/data/tathet/": [NONINTERFERENCE],
    "bra/data/tathet.png": [NONINTERFERENCE],
    "bra/data/hotspots/": [NONINTERFERENCE],
    "bra/data/trender/": [NONINTERFERENCE],
    "bra/data/handelser/": [NONINTERFERENCE, ANALYST],
    "bra/data/kansliga-rutor/": BRA_CELLS,
    "bra/data/observationer/": [NONINTERFERENCE],
    "bra/export/lagesbild.pdf": "prints bra/utskrift/ as its user (attacked as print-page)",
    "bra/export/karta.html": ["offline-html-map", NONINTERFERENCE],
    "bra/export/tathet.tif": [NONINTERFERENCE],
    "offentlig/": "the public map's page; its data is offentlig/brottskoncentrationer.geojson",
    "offentlig/brottskoncentrationer.geojson": [PUBLIC_WATCHING, NONINTERFERENCE],
    "api/v1/districts/": "district areas; no incident",
    "api/v1/statistical-areas/": "NYKO areas; no incident",
    "api/v1/incidents/": [NONINTERFERENCE],
    "api/v1/observations.geojson": NO_INCIDENTS,
    "api/v1/observations/": NO_INCIDENTS,
    "api/v1/observations/<uuid:client_uuid>/": NO_INCIDENTS,
    "api/v1/observations/<uuid:client_uuid>/photos/": NO_INCIDENTS,
    "api/v1/walks/": NO_INCIDENTS,
    "api/v1/walks/<int:walk_id>/": NO_INCIDENTS,
    "api/v1/walks/<int:walk_id>/track/": NO_INCIDENTS,
    "api/v1/walks/<int:walk_id>/status/": NO_INCIDENTS,
    "api/v1/schema/": "the OpenAPI document",
    "ogc/": "landing page",
    "ogc": "landing page",
    "ogc/api": "the OpenAPI document",
    "ogc/conformance": "conformance classes",
    "ogc/collections": "collection list (see the OGC paths below, one per collection)",
    "ogc/collections/<str:collection_id>": "collection metadata (see the OGC paths below)",
    "ogc/collections/<str:collection_id>/queryables": "queryables (see the OGC paths below)",
    "ogc/collections/<str:collection_id>/items": "by collection: the OGC paths below",
    "ogc/collections/<str:collection_id>/items/<str:item_id>": "by collection: the OGC paths below",
    "tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt": "by layer: the tile layers below",
    "export/plan/<int:plan_pk>.gpkg": "layers of the OGC collections below (cells with the plan's period)",
    "export/walk/<int:walk_pk>.gpkg": NO_INCIDENTS,
    "export/tathet.tif": [NONINTERFERENCE],
    r"^export/(?P<collection_id>[a-z0-9-]+)\.(?P<fmt>geojson|csv)$": "by collection: the exports below",
    "konto/logga-in/": ACCOUNT,
    "konto/logga-ut/": ACCOUNT,
    "konto/verifiera/": ACCOUNT,
    "konto/tvafaktor/": ACCOUNT,
    "konto/api-nycklar/": ACCOUNT,
    "konto/api-nycklar/<int:pk>/aterkalla/": ACCOUNT,
    "i18n/setlang/": "language switch",
    "karta/bakgrund.json": BACKGROUND,
    "karta/bakgrund/<int:z>/<int:x>/<int:y>.png": BACKGROUND,
    "karta/vektor/<int:z>/<int:x>/<int:y>.mvt": BACKGROUND,
    "offentlig/bakgrund.json": BACKGROUND,
    "offentlig/bakgrund/<int:z>/<int:x>/<int:y>.png": BACKGROUND,
    "offentlig/vektor/<int:z>/<int:x>/<int:y>.mvt": BACKGROUND,
    "uppfoljning/": "effect evaluations: names, start dates and actions; no count",
    "uppfoljning/ny/": "the empty evaluation form; no count",
    "uppfoljning/ny/spara/": "saves an evaluation; answers its id and address, no count",
    "uppfoljning/<int:pk>/spara/": "saves an evaluation; answers its id and address, no count",
    "uppfoljning/forslag/": [EFFECT_FOLLOWUP],
    "uppfoljning/<int:pk>/": [EFFECT_FOLLOWUP, NONINTERFERENCE],
    "uppfoljning/<int:pk>/resultat.json": [EFFECT_FOLLOWUP, NONINTERFERENCE],
}
ADMIN: dict[str, str] = {
    "basemap/basemapservice": "the background map's service settings; no incident",
    "layers/incident": ADMIN_STAFF,
    "layers/importbatch": "import batches: counts per category, analysts and administrators",
    "layers/auditevent": "the audit log: administrators; counts of reads, no incident",
    "layers/publishedrelease": "frozen releases: what the release shows, nothing more",
    **{
        model: "no incident"
        for model in (
            "accounts/apitoken",
            "est/reporter",
            "auth/group",
            "auth/user",
            "followup/evaluation",
            "axes/accessattempt",
            "axes/accessfailurelog",
            "axes/accesslog",
            "layers/contextfeature",
            "layers/contextlayer",
            "layers/detaljplan",
            "layers/district",
            "layers/focusarea",
            "layers/importprofile",
            "layers/incidentcategory",
            "layers/membership",
            "layers/municipality",
            "layers/office",
            "layers/planassessment",
            "layers/planfeature",
            "layers/planzone",
            "layers/regulationarea",
            "layers/riskcalibration",
            "layers/scoringweights",
            "layers/statisticalarea",
            "otp_totp/totpdevice",
            "surveys/action",
            "surveys/actionevent",
            "surveys/actiondigest",
            "surveys/officestaff",
            "surveys/citizensurveyresponse",
            "surveys/devicetoken",
            "surveys/observation",
            "surveys/observationphoto",
            "surveys/trygghetsvandring",
            "surveys/walkparticipants",
        )
    },
}
ADMIN_PAGES = "the admin's own pages (index, login, app lists, jsi18n, autocomplete, view on site)"
OGC_COLLECTIONS: dict[str, list[str] | str] = {
    "incidents": [NONINTERFERENCE],  # points the user may see; analysts audited (matrix)
    "sensitive-incident-cells": [
        "ogc-datetime-bisection",
        "exports-of-neighbouring-periods",
        WATCHING,
        NONINTERFERENCE,
    ],
    "hotspot-cells": [NONINTERFERENCE],
    "districts": "district areas",
    "nyko-areas": "NYKO areas",
    "detaljplaner": NO_INCIDENTS,
    "plan-zones": NO_INCIDENTS,
    "walks": NO_INCIDENTS,
    "observations": NO_INCIDENTS,
    "actions": NO_INCIDENTS,
}
TILE_LAYERS: dict[str, list[str] | str] = {
    "incidents": [NONINTERFERENCE],
    "sensitive-cells": ["vector-tiles", NONINTERFERENCE],
    "hotspots": [NONINTERFERENCE],
    "observations": NO_INCIDENTS,
    "context": NO_INCIDENTS,
}
KNOWN_ATTACKS = {
    *ATTACK_NAMES,
    NONINTERFERENCE,
    WATCHING,
    PUBLIC_WATCHING,
    EXPOSURE,
    ANALYST,
    EFFECT_FOLLOWUP,
}


def _routes() -> Iterator[str]:
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    yield from walk(get_resolver().url_patterns, "")


def _covered(entry: list[str] | str | None, where: str) -> list[str]:
    if entry is None:
        return [f"{where}: neither attacked nor explained"]
    if isinstance(entry, str):
        return [] if entry.strip() else [f"{where}: no reason given"]
    return [f"{where}: unknown attack {a!r}" for a in entry if a not in KNOWN_ATTACKS]


def _collection_of(path: str) -> str | None:
    match = re.match(r"^/collections/([^/{}]+)", path)
    return match[1] if match else None


def test_every_channel_is_attacked_or_says_why_it_aggregates_no_incident(
    town: Town, visitors: Visitors
) -> None:
    missing: list[str] = []
    for route in _routes():
        if route.startswith("admin/"):
            model = re.match(r"admin/([a-z_]+/[a-z_]+)/", route)
            if model and not model[1].startswith("^") and model[1] not in ("password_change/done",):
                if model[1] in ADMIN:
                    continue
                if model[1].split("/")[0] in ("r", "autocomplete", "jsi18n", "login", "logout"):
                    continue
                missing += _covered(None, route)
            continue
        missing += _covered(ROUTES.get(route), route)
    ogc = get(visitors.planner, "/ogc/api", f="json").json()
    collections = set()
    for path in ogc["paths"]:
        collection = _collection_of(path)
        if collection is None:
            continue  # /, /api, /conformance, /collections: no data
        name = re.sub(r"^context-.*", "context", collection)
        if name == "context":
            continue  # context layers: OSM-like urban context, no incident
        collections.add(collection)
        missing += _covered(OGC_COLLECTIONS.get(collection), f"OGC {path}")
    for collection in collections:  # every collection is also an export
        missing += _covered(OGC_COLLECTIONS.get(collection), f"/export/{collection}.geojson|csv")
    api = get(visitors.bra, "/api/v1/schema/", format="json").json()
    for path in api["paths"]:
        route = (
            path.lstrip("/")
            .replace("{client_uuid}", "<uuid:client_uuid>")
            .replace("{walk_id}", "<int:walk_id>")
        )
        missing += _covered(ROUTES.get(route), f"API {path}")
    for layer in tiles.LAYERS:
        missing += _covered(TILE_LAYERS.get(layer), f"tiles {layer}")

    assert "sensitive-incident-cells" in collections and "hotspot-cells" in collections
    assert not missing, "\n".join(missing)


def test_the_towns_release_hides_the_rows_that_would_give_small_ones_away(
    town: Town, visitors: Visitors
) -> None:
    """The generated year needs complementary suppression: domestic violence and extremism in västra
    and östra are under k while centrala and the municipality are printed, so centrala's rows of those
    groups are hidden (otherwise the municipality minus centrala would give västra plus östra)."""
    forget_published()
    shown = {}
    for district in ("", *DISTRICTS):
        params = year_params(town, **({"district": district} if district else {}))
        rows = get(visitors.bra, "/bra/data/lagesbild/", **params).json()["focus_areas"]
        shown[district] = {r["number"]: r["current"]["shown"] for r in rows if r["sensitive"]}

    assert shown[""][7] == "29" and shown[""][9] == "13"
    assert shown["centrala"][7] == shown["centrala"][9] == "minst 5, dolt"
    assert shown["vastra"][7] == shown["ostra"][7] == "färre än 5"
