"""Load run (issue 7): vector tiles and API at 50 requests/s for 60 s, then at four times that rate.

A real gunicorn (2 workers × 4 threads, throttling on, as in production) serves the Upplands Väsby demo
data from a throwaway database. Locust (bench/locust_map_load.py, its own process) sends map reads —
70 % vector tiles over the municipality at zoom 11–16, 30 % API calls (OGC items, walks, districts) —
from ten BRÅ members' sessions. During the 4× run a tablet keeps syncing observations with its device
token, to show that the sync API still answers while the excess map reads are refused.

Run: `python -m bench load` (writes its section of docs/performance.md).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
os.environ.setdefault(
    "TRYGG_TEST_DB_NAME", f"bench_load_{os.environ.get('TRYGG_DB_NAME', 'trygg')}"
)

BASE_RATE = 50
DURATION_S = 60
SYNC_PER_S = 2
ROOT = Path(__file__).resolve().parents[1]


def _tile_x(lon: float, n: int) -> int:
    return int((lon + 180) / 360 * n)


def _tile_y(lat: float, n: int) -> int:
    return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _tiles(bounds_lonlat: tuple[float, float, float, float], zooms: range) -> list[str]:
    west, south, east, north = bounds_lonlat
    return [
        f"/tiles/incidents/{z}/{x}/{y}.mvt"
        for z in zooms
        for x in range(_tile_x(west, 2**z), _tile_x(east, 2**z) + 1)
        for y in range(_tile_y(north, 2**z), _tile_y(south, 2**z) + 1)
    ]


def _tablet(
    url: str,
    token: str,
    payloads: list[dict[str, Any]],
    stop: threading.Event,
    latencies: list[float],
    codes: Counter[int],
) -> None:
    """A tablet syncing its observations, SYNC_PER_S a second, until told to stop."""
    for payload in payloads:
        if stop.is_set():
            return
        started = time.perf_counter()
        status = _post_observation(url, token, payload)
        latencies.append(time.perf_counter() - started)
        codes[status] += 1
        time.sleep(max(0.0, 1 / SYNC_PER_S - (time.perf_counter() - started)))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _run_locust(spec: dict[str, Any]) -> list[tuple[str, int, float, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        spec_path, out_path = Path(tmp, "spec.json"), Path(tmp, "out.json")
        spec_path.write_text(json.dumps(spec))
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "locust_map_load.py"),
                str(spec_path),
                str(out_path),
            ],
            check=True,
            cwd=ROOT,
            timeout=spec["duration_s"] + 120,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return [tuple(r) for r in json.loads(out_path.read_text())]  # type: ignore[misc]


def _post_observation(url: str, token: str, payload: dict[str, Any]) -> int:
    import http.client

    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(
            "POST",
            "/api/v1/observations/",
            body=json.dumps(payload),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        response = conn.getresponse()
        response.read()
        return int(response.status)
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        conn.close()


def _summary(rows: list[tuple[str, int, float, str]], duration_s: float) -> dict[str, Any]:
    by_kind: dict[str, Any] = {}
    for kind in ("tile", "api"):
        mine = [r for r in rows if r[0] == kind]
        served = [r[2] for r in mine if 200 <= r[1] < 300 or r[1] == 304]
        by_kind[kind] = {
            "n": len(mine),
            "statuses": Counter(r[1] for r in mine),
            "p50": _pct(served, 0.5),
            "p95": _pct(served, 0.95),
            "refused_p95": _pct([r[2] for r in mine if r[1] == 429], 0.95),
        }
    statuses = Counter(r[1] for r in rows)
    why = Counter(r[3] for r in rows if r[1] == 429)
    return {
        "n": len(rows),
        "rate": len(rows) / duration_s,
        "statuses": statuses,
        "kinds": by_kind,
        "why": why,
    }


def _codes(counter: Counter[int]) -> str:
    return ", ".join(f"{n}× {code or 'no answer'}" for code, n in sorted(counter.items()))


def main() -> str:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench.report import machine
    from geo.crs import STORAGE_SRID, WEB_SRID, transform_xy
    from layers.models import Municipality
    from layers.roles import Role
    from mapapp import demo
    from surveys.auth import issue_device_token
    from surveys.models import Trygghetsvandring
    from tests.factories import user_with_role
    from tests.live_gunicorn import gunicorn
    from tests.surveys.conftest import lon_lat, observation_payload

    load_before = os.getloadavg()[0]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        demo.load_demo()
        municipality = Municipality.objects.get(kommunkod=demo.KOMMUNKOD)
        minx, miny, maxx, maxy = municipality.boundary.extent
        lons, lats = transform_xy(
            [minx, maxx], [miny, maxy], from_srid=STORAGE_SRID, to_srid=WEB_SRID
        )
        tiles = _tiles(
            (float(lons[0]), float(lats[0]), float(lons[1]), float(lats[1])), range(11, 17)
        )
        bbox = f"{lons[0]:.4f},{lats[0]:.4f},{lons[1]:.4f},{lats[1]:.4f}"
        api = [
            f"/ogc/collections/incidents/items?limit=100&bbox={bbox}",
            "/ogc/collections/districts/items",
            "/api/v1/districts/",
            "/api/v1/walks/",
        ]
        sessions = []
        for i in range(10):
            client = Client()
            client.force_login(user_with_role(Role.BRA_MEMBER, f"bra-load-{i}"))
            sessions.append(client.cookies["sessionid"].value)
        walk = Trygghetsvandring.objects.filter(municipality=municipality).order_by("pk").first()
        assert walk is not None
        _token, raw = issue_device_token(
            municipality, name="Load", user=user_with_role(Role.FIELD_STAFF, "falt-load")
        )
        os.environ["TRYGG_THROTTLE"] = "1"  # production behaviour in the server process
        results: list[tuple[int, dict[str, Any], dict[str, Any] | None]] = []
        with gunicorn(connection.settings_dict, workers=2, threads=24) as server:
            spec = {
                "host": server.url,
                "duration_s": DURATION_S,
                "sessions": sessions,
                "tiles": tiles,
                "api": api,
            }
            _run_locust({**spec, "rate": 10, "duration_s": 10})  # warm up the workers
            for factor in (1, 4):
                rate = BASE_RATE * factor
                sync: dict[str, Any] | None = None
                stop = threading.Event()
                sender: threading.Thread | None = None
                if factor > 1:
                    payloads = [
                        observation_payload(
                            walk, lon=lon_lat(i * 3.0, 0)[0], lat=lon_lat(0, i * 2.0)[1]
                        )
                        for i in range(SYNC_PER_S * DURATION_S)
                    ]
                    latencies: list[float] = []
                    codes: Counter[int] = Counter()

                    sender = threading.Thread(
                        target=_tablet, args=(server.url, raw, payloads, stop, latencies, codes)
                    )
                    sender.start()
                rows = _run_locust({**spec, "rate": rate})
                if sender is not None:
                    stop.set()
                    sender.join(timeout=60)
                    sync = {
                        "n": sum(codes.values()),
                        "codes": codes,
                        "p50": _pct([x * 1000 for x in latencies], 0.5),
                        "p95": _pct([x * 1000 for x in latencies], 0.95),
                    }
                results.append((rate, _summary(rows, DURATION_S), sync))
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)

    lines = [
        "## Load: vector tiles and API at 50 and 200 requests/s (bench/load.py)",
        "",
        f"{machine()}; load average before the run {load_before:.1f}. gunicorn 2 workers × 24 threads,",
        "throttling on (per-client budgets; per worker at most 3 map reads at once and 18 waiting, each at most",
        "0.5 s). Locust (as a library, FastHttpUser; each simulated client sends on average once a second at",
        f"exponential intervals, a Poisson stream together) for {DURATION_S} s per rate: 70 % vector tiles of the",
        "demo incidents at zoom 11–16, 30 % API calls (OGC items with bbox, districts, walks), from ten BRÅ",
        "members' sessions. Times in ms for the requests served (2xx/304).",
        "",
        "| asked | sent/s | tiles p50 | tiles p95 | API p50 | API p95 | answers |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for rate, s, _sync in results:
        t, a = s["kinds"]["tile"], s["kinds"]["api"]
        lines.append(
            f"| {rate}/s | {s['rate']:.0f} | {t['p50']:.0f} | {t['p95']:.0f} | {a['p50']:.0f} | "
            f"{a['p95']:.0f} | {_codes(s['statuses'])} |"
        )
    for rate, s, sync in results:
        if sync is None:
            continue
        refused = s["statuses"].get(429, 0)
        lines += [
            "",
            f"At {rate}/s, {refused} map reads were refused with 429 ({s['why']['busy']} because the "
            f"worker's read slots were taken, {s['why']['budget']} over a client's budget; p95 of a refusal "
            f"{max(s['kinds']['tile']['refused_p95'], s['kinds']['api']['refused_p95']):.0f} ms), "
            f"no answer was a 5xx: {not any(c >= 500 for c in s['statuses'])}. Meanwhile a tablet synced "
            f"{sync['n']} observations ({SYNC_PER_S}/s): {_codes(sync['codes'])}, p50 {sync['p50']:.0f} ms, "
            f"p95 {sync['p95']:.0f} ms.",
        ]
    return "\n".join(lines)
