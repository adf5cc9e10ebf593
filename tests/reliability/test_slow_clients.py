"""Slow clients cannot starve the server (issue 10, docs/decisions/0643): with nginx in front of gunicorn
as in production (deploy/nginx.conf), 60 connections that announce a 100 MB body and send it a byte a
second leave /healthz and a map tile answering.

Before: gunicorn alone gave each such connection a thread until the body had come; 60 of them held all
48 threads (2 workers × 24), and /healthz timed out (bench/slow_clients.py measures both set-ups).
The test asserts liveness, not speed: the timeouts are generous.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.db import connection

from accounts import api_tokens
from layers.roles import Role
from tests.factories import VASBY_CENTRUM, IncidentFactory, MunicipalityFactory, user_with_role
from tests.layers.test_tiles import tile_of
from tests.live_gunicorn import GunicornServer, NginxServer, SlowBodies, timed_get

# nginx comes from Debian (scripts/ensure_system.sh); without it the test fails, it does not skip.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SLOW_CLIENTS = 60
HOLD_S = 8.0  # how long the slow clients trickle before and while we ask
LIVENESS_TIMEOUT_S = 10.0


def test_sixty_slow_uploads_leave_healthz_and_a_map_tile_answering(tmp_path: Path) -> None:
    MunicipalityFactory()
    IncidentFactory()
    planner = user_with_role(Role.PLANNER, "petra")
    _token, key = api_tokens.issue(planner, name="Karta")
    x, y = tile_of(*VASBY_CENTRUM, 14)
    tile = f"/tiles/incidents/14/{x}/{y}.mvt"
    bearer = {"Authorization": f"Bearer {key}"}
    app = GunicornServer(connection.settings_dict, workers=2, threads=24)
    app.start()
    proxy = NginxServer(app, tmp_path / "nginx")
    try:
        proxy.start()
        assert timed_get(proxy.url, tile, headers=bearer)[0] == 200  # warm: the tile works at all

        # /import/ takes bodies up to 513 MB: nginx accepts the 100 MB and keeps taking it in.
        with SlowBodies(proxy.url, "/import/", count=SLOW_CLIENTS, interval_s=1.0) as slow:
            time.sleep(HOLD_S)
            answers = []
            for _ in range(5):
                answers.append(
                    ("healthz", *timed_get(proxy.url, "/healthz", timeout_s=LIVENESS_TIMEOUT_S))
                )
                answers.append(
                    (
                        "tile",
                        *timed_get(proxy.url, tile, headers=bearer, timeout_s=LIVENESS_TIMEOUT_S),
                    )
                )
                time.sleep(0.5)
            still_sending = slow.still_sending()
    finally:
        proxy.stop()
        app.stop()

    assert still_sending == SLOW_CLIENTS, "the slow clients were not all held open during the test"
    assert all(status == 200 for _, status, _ in answers), answers
    # Liveness, with room for a busy machine: each answer came well before the clients' timeout.
    assert max(seconds for _, _, seconds in answers) < LIVENESS_TIMEOUT_S


def test_nginx_refuses_a_body_over_the_addresses_limit_at_once(tmp_path: Path) -> None:
    app = GunicornServer(connection.settings_dict, workers=1, threads=4)
    app.start()
    proxy = NginxServer(app, tmp_path / "nginx")
    try:
        proxy.start()
        # 60 announced 100 MB bodies to an address that takes 1 MB: each refused at the door.
        with SlowBodies(proxy.url, "/healthz", count=SLOW_CLIENTS) as slow:
            time.sleep(3)
            refused = SLOW_CLIENTS - slow.still_sending()
        with SlowBodies(
            proxy.url, "/api/v1/observations/00000000-0000-0000-0000-000000000001/photos/",
            count=1, announced=500 * 1024 * 1024,
        ) as photo:  # fmt: skip
            time.sleep(1)
            answer = photo.sockets[0].recv(4096).decode("utf-8", "replace")
    finally:
        proxy.stop()
        app.stop()

    assert refused == SLOW_CLIENTS
    assert answer.startswith("HTTP/1.1 413") and "större än gränsen" in answer
