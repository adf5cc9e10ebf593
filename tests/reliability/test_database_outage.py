"""The database goes away for 30 s under a running server: pages and API answer 503, then recover by themselves."""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User
from django.db import connection

from tests.factories import DistrictFactory
from tests.reliability.proxy import CuttableProxy

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
OUTAGE_S = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def proxy() -> Iterator[CuttableProxy]:
    p = CuttableProxy(("127.0.0.1", 5432))
    p.start()
    yield p
    p.close()


@pytest.fixture
def server(proxy: CuttableProxy) -> Iterator[str]:
    port = free_port()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.test_settings",
        DATABASE_URL=f"postgres://{connection.settings_dict.get('USER') or getpass.getuser()}@127.0.0.1:{proxy.port}/{connection.settings_dict['NAME']}",
        TRYGG_DB_CONN_MAX_AGE="60",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # a busy 2-core machine may take a while to boot the workers
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_database_down_for_30_seconds_gives_503s_and_the_app_recovers(
    server: str, proxy: CuttableProxy
) -> None:
    User.objects.create_user("birgitta", password="x-test-password-1")
    DistrictFactory()
    session = requests.Session()
    session.get(f"{server}/konto/logga-in/", timeout=10)
    session.post(
        f"{server}/konto/logga-in/",
        data={
            "username": "birgitta",
            "password": "x-test-password-1",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{server}/konto/logga-in/"},
        timeout=10,
    )
    assert session.get(f"{server}/", timeout=10).status_code == 200

    proxy.cut()
    started = time.monotonic()
    seen: list[tuple[int, int, int, float]] = []
    while time.monotonic() - started < OUTAGE_S:
        t0 = time.monotonic()
        page = session.get(f"{server}/", timeout=15)
        api = session.get(f"{server}/api/v1/districts/", timeout=15)
        health = requests.get(f"{server}/healthz", timeout=15)
        seen.append((page.status_code, api.status_code, health.status_code, time.monotonic() - t0))
        assert page.headers.get("Retry-After") == "30"
        assert "error" in api.json()
        time.sleep(1)
    proxy.restore()
    recovered_after = None
    for i in range(40):
        if session.get(f"{server}/", timeout=15).status_code == 200:
            recovered_after = i * 0.25
            break
        time.sleep(0.25)

    assert {s[:3] for s in seen} == {(503, 503, 503)}
    assert max(s[3] for s in seen) < 6  # every answer during the outage came within seconds
    assert recovered_after is not None and recovered_after < 10
    assert session.get(f"{server}/api/v1/districts/", timeout=10).status_code == 200
