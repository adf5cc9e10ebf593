"""Vector tile latency under load: /tiles/incidents/… at a fixed 50 requests/s for 60 s, against gunicorn,
side by side with the bare ST_AsMVT query for the same tiles; then the same rate with If-None-Match
(a browser revalidating tiles it holds, answered 304 from the data version without drawing them).

Data: 1,000,000 generated incidents, COPY-loaded into a database of the bench's own
(``<TRYGG_DB_NAME>_bench_tiles``, dropped afterwards), on Upplands Väsby's real NYKO boundary, spread over
hot spots around the centre. About 10 % are sensitive, so the BRÅ member the bench logs in as gets
the filtered query a real user gets.

Load generator: a Python asyncio client (aiohttp) with a fixed arrival rate (open model: request i is
sent at t0 + i/50 s whatever earlier requests are doing, so a slow server cannot slow the client down and
hide its own latency; latency is measured from that scheduled time). The server is gunicorn as
``make serve`` runs it (2 workers, 4 threads), DEBUG off.
"""

from __future__ import annotations

import asyncio
import io
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RATE = 50  # requests per second
DURATION_S = 60
INCIDENTS = 1_000_000
SENSITIVE_SHARE = 0.10
ZOOMS = (10, 11, 12, 13, 14, 15, 16)
SEED = 114
DISTINCT_TILES = 300  # requests cycle through these, so each tile is asked for about 10 times
WARM_UP_S = 10
GENTLE_RATE, GENTLE_S = 10, 30  # a second, lighter run: latency when requests do not queue
REVALIDATE_S = (
    30  # a third run at RATE, each request carrying the ETag the server gave for the tile
)
TIMEOUT_S = 20  # a request not answered by then counts as failed (status 0) at this latency
ROOT = Path(__file__).resolve().parent.parent


def _db_names() -> tuple[str, str]:
    base = os.environ.get("TRYGG_DB_NAME", "trygg")
    return base, f"{base}_bench_tiles"


def _admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _setup_django(db_name: str) -> None:
    os.environ["TRYGG_DB_NAME"] = db_name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()
    from django.db import connections

    connections["default"].close()
    connections["default"].settings_dict["NAME"] = db_name


def _load_data(rng: random.Random) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from layers.models import IncidentCategory, Municipality
    from layers.roles import Role
    from layers.services import ensure_reference_data, load_municipality_from_nyko
    from tests.factories import user_with_role

    call_command("migrate", verbosity=0)
    municipality: Municipality = load_municipality_from_nyko(
        ROOT / "fixtures" / "vasby" / "nyko3_sweref99tm.geojson",
        kommunkod="0114",
        name="Upplands Väsby",
    )
    ensure_reference_data(municipality)
    categories = list(IncidentCategory.objects.select_related("focus_area"))
    sensitive = [
        c.pk for c in categories if c.sensitive or (c.focus_area and c.focus_area.sensitive)
    ]
    plain = [c.pk for c in categories if c.pk not in sensitive]

    cx, cy = municipality.boundary.centroid.coords
    minx, miny, maxx, maxy = municipality.boundary.extent
    spots = [(cx + rng.uniform(-3000, 3000), cy + rng.uniform(-4000, 4000), rng.uniform(150, 900))
             for _ in range(40)]  # fmt: skip
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy(
            "COPY layers_incident (municipality_id, category_id, source, source_ref, precision, location,"
            " occurred_from, description, generated) FROM STDIN"
        ) as copy:
            for i in range(INCIDENTS):
                if rng.random() < 0.8:
                    sx, sy, sigma = spots[rng.randrange(len(spots))]
                    x, y = rng.gauss(sx, sigma), rng.gauss(sy, sigma)
                else:
                    x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                category = (
                    rng.choice(sensitive) if rng.random() < SENSITIVE_SHARE else rng.choice(plain)
                )
                day = 1_600_000_000 + rng.randrange(0, 3 * 365 * 86400)
                copy.write_row(
                    (
                        municipality.pk,
                        category,
                        "bench",
                        f"B-{i}",
                        "punkt",
                        f"SRID=3006;POINT({x:.2f} {y:.2f})",
                        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(day)),
                        "",
                        True,
                    )
                )
        cursor.execute("ANALYZE layers_incident")
    load_s = time.perf_counter() - started
    user = user_with_role(Role.BRA_MEMBER, username="bench-bra")
    client = Client()
    client.force_login(user)
    return {
        "municipality": municipality,
        "user": User.objects.get(pk=user.pk),
        "session": client.cookies["sessionid"].value,
        "load_s": load_s,
    }


def _tiles(municipality: Any, rng: random.Random, count: int) -> list[tuple[int, int, int]]:
    """Tiles a map user would load: a zoom from ZOOMS, then a tile over the built-up middle."""
    from geo.crs import transform_xy

    cx, cy = municipality.boundary.centroid.coords
    chosen = []
    for _ in range(count):
        z = rng.choice(ZOOMS)
        x, y = cx + rng.uniform(-3500, 3500), cy + rng.uniform(-4500, 4500)
        (lon,), (lat,) = transform_xy([x], [y], from_srid=3006, to_srid=4326)
        n = 1 << z
        tx = int((lon + 180) / 360 * n)
        ty = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        chosen.append((z, tx, ty))
    return chosen


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_gunicorn(db_name: str, port: int) -> subprocess.Popen[bytes]:
    from django.conf import settings

    env = {
        **os.environ,
        "TRYGG_DB_NAME": db_name,
        "TRYGG_DEBUG": "0",
        "TRYGG_SECRET_KEY": settings.SECRET_KEY,  # the session cookie was signed in this process
        "TRYGG_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(
        [
            gunicorn,
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


async def _load_test(
    port: int,
    session: str,
    tiles: list[tuple[int, int, int]],
    duration_s: int,
    rate: int = RATE,
    etags: dict[tuple[int, int, int], str] | None = None,
) -> dict[str, Any]:
    """Request ``tiles`` in turn at ``rate`` for ``duration_s``; with ``etags``, as a revalidating browser
    (If-None-Match). The ETags the server sends are collected in the result."""
    import aiohttp

    latencies: list[float] = []
    by_zoom: dict[int, list[float]] = {}
    statuses: dict[int, int] = {}
    sizes: list[int] = []
    seen: dict[tuple[int, int, int], str] = {}
    connector = aiohttp.TCPConnector(limit=200)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookies={"sessionid": session}
    ) as http:

        async def one(scheduled: float, tile: tuple[int, int, int]) -> None:
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            z, x, y = tile
            headers = {"If-None-Match": etags[tile]} if etags and tile in etags else {}
            try:
                async with http.get(
                    f"http://127.0.0.1:{port}/tiles/incidents/{z}/{x}/{y}.mvt", headers=headers
                ) as r:
                    body = await r.read()
                    statuses[r.status] = statuses.get(r.status, 0) + 1
                    sizes.append(len(body))
                    if "ETag" in r.headers:
                        seen[tile] = r.headers["ETag"]
            except (TimeoutError, aiohttp.ClientError):
                statuses[0] = statuses.get(0, 0) + 1
            latencies.append(time.perf_counter() - scheduled)
            by_zoom.setdefault(z, []).append(latencies[-1])

        t0 = time.perf_counter() + 0.5
        total = rate * duration_s
        tasks = [
            asyncio.create_task(one(t0 + i / rate, tiles[i % len(tiles)])) for i in range(total)
        ]
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    return {
        "latencies": latencies,
        "by_zoom": by_zoom,
        "statuses": statuses,
        "sizes": sizes,
        "elapsed": elapsed,
        "etags": seen,
    }


def _bare_sql(
    user: Any, municipality: Any, tiles: list[tuple[int, int, int]]
) -> dict[int, list[float]]:
    from django.db import connection

    from layers import tiles as tile_module

    by_zoom: dict[int, list[float]] = {}
    for z, x, y in tiles:
        name, params = tile_module.incidents_tile_plan(user, municipality, z, x, y)  # not timed
        started = time.perf_counter()
        # The bare ST_AsMVT query the server runs for this tile (and for a crowded one, the counts).
        with connection.cursor() as cursor:
            cursor.execute(tile_module._sql(name), params)
            crowded = cursor.fetchone()[0] is None  # the points SQL answers NULL over MAX_POINTS
        if crowded:
            tile_module.run_tile_sql(*tile_module.crowded_tile_plan(params, z))
        by_zoom.setdefault(z, []).append(time.perf_counter() - started)
    return by_zoom


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _ms(v: float) -> str:
    return f"{v * 1000:.1f}"


def _load() -> str:
    """The machine's load averages (1, 5, 15 min) as ``uptime`` prints them: how busy it was."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def main() -> str:
    # Stopped with SIGTERM, still stop gunicorn and drop the database (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    load_before = _load()
    rng = random.Random(SEED)
    _base, bench_db = _db_names()
    _admin_sql(f'DROP DATABASE IF EXISTS "{bench_db}"')
    _admin_sql(f'CREATE DATABASE "{bench_db}"')
    process: subprocess.Popen[bytes] | None = None
    try:
        _setup_django(bench_db)
        from bench.report import machine

        loaded = _load_data(rng)
        tiles = _tiles(loaded["municipality"], rng, DISTINCT_TILES)
        from layers.tiles import fresh_bins

        started = time.perf_counter()
        fresh_bins()  # what the first zoomed-out tile after an import pays once
        refresh_s = time.perf_counter() - started
        port = _free_port()
        process = _start_gunicorn(bench_db, port)
        # Warm the workers and the database (DESIGN.md: keep workers long-lived), not counted.
        asyncio.run(_load_test(port, loaded["session"], tiles, WARM_UP_S))
        load_during = _load()
        result = asyncio.run(_load_test(port, loaded["session"], tiles, DURATION_S))
        load_during = f"{load_during} at the start and {_load()} at the end"
        time.sleep(TIMEOUT_S)  # let a queue left by an overload drain
        gentle = asyncio.run(_load_test(port, loaded["session"], tiles, GENTLE_S, rate=GENTLE_RATE))
        revalidated = asyncio.run(
            _load_test(port, loaded["session"], tiles, REVALIDATE_S, etags=result["etags"])
        )
        # The bare query, one tile at a time in this process, on the same tiles (as warm as the server's).
        bare = _bare_sql(loaded["user"], loaded["municipality"], tiles)
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        _admin_sql(f'DROP DATABASE IF EXISTS "{bench_db}"')

    from layers.tiles import MAX_POINTS

    lat = result["latencies"]
    sql_all = [v for values in bare.values() for v in values]
    ok = result["statuses"].get(200, 0)
    out = io.StringIO()
    out.write("## Vector tiles under load (bench/tiles.py)\n\n")
    out.write(
        f"Machine: {machine()}. Load averages (1, 5, 15 min, as `uptime` prints them): {load_before} "
        f"when the bench started; {load_during} of the 50 requests/s run; {_load()} when done. The "
        f"machine is shared with other work (a load above 2 means processes waited for one of its 2 "
        f"cores), so the figures are an upper bound.\n\n"
    )
    out.write(
        f"{INCIDENTS:,} incidents COPY-loaded in {loaded['load_s']:.1f} s into the bench's own database "
        f"(dropped afterwards); the pre-aggregated 160 m and 40 m squares were refreshed from them in "
        f"{refresh_s:.1f} s; logged in as a BRÅ member (sensitive categories filtered out). "
        f"{len(tiles)} distinct tiles at zooms {ZOOMS[0]}–{ZOOMS[-1]} over the built-up middle, requested at a "
        f"fixed {RATE} requests/s for {DURATION_S} s by a Python asyncio client (aiohttp, open model: "
        f"latency from each request's scheduled send time) against gunicorn (2 workers × 4 threads). "
        f"Below zoom 14 a tile holds counts per fixed square, summed from pre-aggregated 160 m squares (a "
        f"materialized view, refreshed when incidents change); from 14 points, unless the tile would hold more "
        f"than {MAX_POINTS:,}: then counts per smaller square, at zoom 14 and 15 summed from pre-aggregated "
        f"40 m squares (which also tell that the tile is crowded, so its points are never read), from 16 "
        f"counted from the points. The first two runs send no If-None-Match, so their figures are for "
        f"tiles drawn in full; the third sends the ETag each tile got in the first run, as a browser "
        f"revalidating its tiles does (answered 304 from the data version, undrawn).\n\n"
    )
    out.write(
        "| measure | requests | p50 ms | p95 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n"
    )
    out.write(
        f"| HTTP via gunicorn at {RATE} requests/s for {DURATION_S} s (all zooms) | {len(lat)} | {_ms(_pct(lat, 50))} | {_ms(_pct(lat, 95))} | "
        f"{_ms(_pct(lat, 99))} | {_ms(max(lat))} |\n"
    )
    gl = gentle["latencies"]
    out.write(
        f"| HTTP via gunicorn at {GENTLE_RATE} requests/s for {GENTLE_S} s (all zooms) | {len(gl)} | "
        f"{_ms(_pct(gl, 50))} | {_ms(_pct(gl, 95))} | {_ms(_pct(gl, 99))} | {_ms(max(gl))} |\n"
    )
    rv = revalidated["latencies"]
    out.write(
        f"| HTTP via gunicorn at {RATE} requests/s for {REVALIDATE_S} s with If-None-Match (304) | "
        f"{len(rv)} | {_ms(_pct(rv, 50))} | {_ms(_pct(rv, 95))} | {_ms(_pct(rv, 99))} | {_ms(max(rv))} |\n"
    )
    out.write(
        f"| bare ST_AsMVT query (same tiles, one at a time) | {len(sql_all)} | {_ms(_pct(sql_all, 50))} | "
        f"{_ms(_pct(sql_all, 95))} | {_ms(_pct(sql_all, 99))} | {_ms(max(sql_all))} |\n\n"
    )
    out.write(
        "By zoom:\n\n| zoom | HTTP requests | HTTP p50 ms | HTTP p95 ms | bare query p50 ms | bare query p95 ms |\n"
        "|---:|---:|---:|---:|---:|---:|\n"
    )
    for z in sorted(bare):
        http_z = result["by_zoom"].get(z, [0.0])
        out.write(
            f"| {z} | {len(http_z)} | {_ms(_pct(http_z, 50))} | {_ms(_pct(http_z, 95))} | "
            f"{_ms(_pct(bare[z], 50))} | {_ms(_pct(bare[z], 95))} |\n"
        )
    sizes = result["sizes"]
    out.write(
        f"\nAchieved {len(lat) / result['elapsed']:.1f} requests/s; status codes {dict(sorted(result['statuses'].items()))}"
        f" ({ok} OK; 0 = no answer within {TIMEOUT_S} s); at {GENTLE_RATE}/s: "
        f"{dict(sorted(gentle['statuses'].items()))}; revalidating at {RATE}/s: "
        f"{dict(sorted(revalidated['statuses'].items()))} in {len(rv) / revalidated['elapsed']:.1f} "
        f"requests/s; tile size median {statistics.median(sizes) / 1024:.1f} KiB, "
        f"largest {max(sizes) / 1024:.0f} KiB.\n"
    )
    return out.getvalue()
