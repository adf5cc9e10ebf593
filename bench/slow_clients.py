"""Slow clients: /healthz and a map tile while 60 connections trickle a 100 MB body, with nginx in front of
gunicorn (deploy/nginx.conf, `make prod`) and with gunicorn alone (docs/decisions/0643).

Each slow client announces a 100 MB body to /import/ (which takes up to 513 MB) and sends one byte a
second. Meanwhile one request at a time asks /healthz (no login) and an incidents tile at zoom 14 (a
planner's personal API key); each has 5 s, after which it counts as failed. gunicorn runs as in
production: 2 workers × 24 threads. The database is a throwaway copy (a test database).

Run: `python -m bench slow_clients` (writes its section of docs/performance.md).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
os.environ.setdefault(
    "TRYGG_TEST_DB_NAME", f"bench_slow_{os.environ.get('TRYGG_DB_NAME', 'trygg')}"
)

SLOW_CLIENTS = 60
ANNOUNCED_MB = 100
HOLD_S = 8.0  # the slow clients trickle this long before the first probe
PROBES = 20  # of each kind, per set-up
TIMEOUT_S = 5.0
GUNICORN = {"workers": 2, "threads": 24}


def _summary(results: list[tuple[int, float]]) -> str:
    answered = sorted(s for status, s in results if status == 200)
    failed = len(results) - len(answered)
    if not answered:
        return f"none answered ({failed} of {len(results)} failed after {TIMEOUT_S:.0f} s)"
    p50 = statistics.median(answered) * 1000
    p95 = answered[min(len(answered) - 1, round(0.95 * (len(answered) - 1)))] * 1000
    text = f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {answered[-1] * 1000:.0f} ms"
    if failed:
        text += f"; **{failed} of {len(results)} failed** (no answer in {TIMEOUT_S:.0f} s)"
    return text


def _probe(
    url: str, tile: str, headers: dict[str, str]
) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    from tests.live_gunicorn import timed_get

    health, tiles = [], []
    for _ in range(PROBES):
        health.append(timed_get(url, "/healthz", timeout_s=TIMEOUT_S))
        tiles.append(timed_get(url, tile, headers=headers, timeout_s=TIMEOUT_S))
        time.sleep(0.2)
    return health, tiles


def main() -> str:
    import django

    django.setup()
    from django.db import connection

    from accounts import api_tokens
    from bench.report import machine
    from layers.roles import Role
    from tests.factories import VASBY_CENTRUM, IncidentFactory, MunicipalityFactory, user_with_role
    from tests.layers.test_tiles import tile_of
    from tests.live_gunicorn import GunicornServer, NginxServer, SlowBodies, timed_get

    load_before = os.getloadavg()[0]
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    rows: list[str] = []
    try:
        MunicipalityFactory()
        for _ in range(50):
            IncidentFactory()
        _token, key = api_tokens.issue(user_with_role(Role.PLANNER, "bench"), name="bench")
        headers = {"Authorization": f"Bearer {key}"}
        x, y = tile_of(*VASBY_CENTRUM, 14)
        tile = f"/tiles/incidents/14/{x}/{y}.mvt"
        app = GunicornServer(connection.settings_dict, **GUNICORN)
        app.start()
        proxy = NginxServer(app, Path(tempfile.mkdtemp(prefix="bench-nginx-")))
        try:
            proxy.start()
            timed_get(proxy.url, tile, headers=headers)  # warm up
            setups = [
                ("nginx + gunicorn, no slow clients", proxy.url, False),
                (f"nginx + gunicorn, {SLOW_CLIENTS} slow clients", proxy.url, True),
                (f"gunicorn alone, {SLOW_CLIENTS} slow clients", app.url, True),
            ]
            for name, url, slow in setups:
                if slow:
                    with SlowBodies(
                        url, "/import/", count=SLOW_CLIENTS, announced=ANNOUNCED_MB * 1024 * 1024
                    ) as held:
                        time.sleep(HOLD_S)
                        health, tiles = _probe(url, tile, headers)
                        open_ = held.still_sending()
                else:
                    health, tiles = _probe(url, tile, headers)
                    open_ = 0
                rows.append(f"| {name} | {open_} | {_summary(health)} | {_summary(tiles)} |")
                print(rows[-1], flush=True)
        finally:
            proxy.stop()
            app.stop()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    return "\n".join(
        [
            "## Slow clients (bench/slow_clients.py)",
            "",
            f"Machine: {machine()} (load average {load_before:.1f} before it started). {SLOW_CLIENTS} "
            f"connections announce a {ANNOUNCED_MB} MB body to /import/ and send one byte a second; after "
            f"{HOLD_S:.0f} s, {PROBES} requests of each kind are asked one at a time, each with {TIMEOUT_S:.0f} s "
            f"to answer. gunicorn: {GUNICORN['workers']} workers × {GUNICORN['threads']} threads; nginx from "
            "Debian with deploy/nginx.conf (`make prod`). The tile is incidents z14 over Väsby centrum with "
            "a planner's personal API key.",
            "",
            "| set-up | slow clients held open | /healthz | map tile |",
            "|---|---|---|---|",
            *rows,
            "",
            "nginx holds the slow connections itself and passes a request on only when its body is complete, "
            "so gunicorn's threads stay free. Alone, gunicorn gives each connection a thread: it answers the "
            "slow upload at once (a redirect to the login page), but then reads the rest of the body in that "
            "thread to keep the connection alive, so 60 slow clients hold all 48 threads and most requests "
            "get no answer (the clients still held open are those waiting for a thread). "
            "`tests/reliability/test_slow_clients.py` checks the liveness of the second row on every test run.",
        ]
    )
