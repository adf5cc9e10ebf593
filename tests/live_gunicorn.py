"""A real gunicorn server against the test database, nginx in front of it as in production, a
tablet-like outbox that sends to it, and clients that send their bodies a byte at a time.

Used by the crash test (tests/surveys/test_sync_crash.py), the slow-client test
(tests/reliability/test_slow_clients.py) and the benchmarks (bench/sync.py, bench/slow_clients.py):
unlike Django's live_server thread, this is the production server in its own processes, which can be
killed with SIGKILL in the middle of a request and started again.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_env(db_settings: dict[str, Any]) -> dict[str, str]:
    """The environment for a server process that uses the database ``db_settings`` describes."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.test_settings",
            "TRYGG_DB_NAME": str(db_settings["NAME"]),
            "PGHOST": str(db_settings.get("HOST") or ""),
            "PGPORT": str(db_settings.get("PORT") or ""),
            "PGUSER": str(db_settings.get("USER") or ""),
            "TRYGG_LOG_LEVEL": "ERROR",
        }
    )
    if db_settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(db_settings["PASSWORD"])
    return env


class GunicornServer:
    """gunicorn serving config.wsgi on a free port, in its own process group (so SIGKILL takes it all)."""

    def __init__(
        self, db_settings: dict[str, Any], *, workers: int = 2, threads: int = 4, port: int = 0
    ) -> None:
        self.env = server_env(db_settings)
        self.workers = workers
        self.threads = threads
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"trygg-gunicorn-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(gunicorn),
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--threads",
                    str(self.threads),
                    "--log-level",
                    "error",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited: {self.log.read_text(errors='replace')[-2000:]}"
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: a crash, not a shutdown."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.unlink(missing_ok=True)


@contextmanager
def gunicorn(db_settings: dict[str, Any], **options: Any) -> Iterator[GunicornServer]:
    server = GunicornServer(db_settings, **options)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class NginxServer:
    """nginx with Trygg's configuration (deploy/nginx.conf via config.proxy) on a free port, in front of
    ``upstream`` (a running GunicornServer). Needs Django's settings (for the body limits)."""

    def __init__(self, upstream: GunicornServer, run_dir: Path, *, port: int = 0) -> None:
        self.upstream = upstream
        self.run_dir = run_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> None:
        from config import proxy

        proxy.prepare_run_dir(self.run_dir)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(
            proxy.render(
                listen=f"127.0.0.1:{self.port}",
                upstream=f"127.0.0.1:{self.upstream.port}",
                run_dir=self.run_dir,
            ),
            encoding="utf-8",
        )
        log = self.run_dir / "error.log"
        self.process = subprocess.Popen(
            ["nginx", "-e", str(log), "-p", str(self.run_dir), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("nginx did not answer /healthz in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # nginx's fast shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


class SlowBodies:
    """``count`` connections that each announce a body of ``announced`` bytes and send it one byte every
    ``interval_s`` seconds: the attack of issue 10 (a slow-body, or "R.U.D.Y.", attack)."""

    def __init__(
        self,
        url: str,
        path: str,
        *,
        count: int = 60,
        announced: int = 100 * 1024 * 1024,
        interval_s: float = 1.0,
    ) -> None:
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        self.path = path
        self.count = count
        self.announced = announced
        self.interval_s = interval_s
        self.sockets: list[socket.socket] = []
        self.closed_by_server = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> SlowBodies:
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {self.announced}\r\n\r\n"
        ).encode()
        for _ in range(self.count):
            sock = socket.create_connection((self.host, self.port), timeout=5)
            sock.sendall(head + b"x")
            self.sockets.append(sock)
        self._thread.start()
        return self

    def _trickle(self) -> None:
        while not self._stop.wait(self.interval_s):
            for sock in list(self.sockets):
                try:
                    sock.sendall(b"x")
                except OSError:
                    self.sockets.remove(sock)
                    self.closed_by_server += 1

    def still_sending(self) -> int:
        """How many connections the server has neither answered nor closed."""
        waiting = 0
        for sock in self.sockets:
            sock.setblocking(False)
            try:
                sock.recv(1, socket.MSG_PEEK)  # an answer, or b"" when the server closed it
            except BlockingIOError:
                waiting += 1  # nothing to read: the server is still taking the body
            except OSError:
                pass
            finally:
                sock.setblocking(True)
        return waiting

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for sock in self.sockets:
            sock.close()


def timed_get(
    url: str, path: str, *, headers: dict[str, str] | None = None, timeout_s: float = 10.0
) -> tuple[int, float]:
    """(status, seconds) of one GET on a new connection; status 0 when it failed or timed out."""
    host, port = url.removeprefix("http://").split(":")
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout_s)
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        status = response.status
        conn.close()
    except (OSError, http.client.HTTPException):
        status = 0
    return status, time.perf_counter() - started


@dataclass
class SendResult:
    sent: int = 0
    acknowledged: dict[str, int] = field(default_factory=dict)  # uuid -> status (200/201)
    other: dict[str, int] = field(default_factory=dict)  # uuid -> other status (409, 4xx, 5xx)
    network_errors: int = 0
    latencies_s: list[float] = field(default_factory=list)


class Outbox:
    """Observations waiting to be sent, as on a tablet: removed only when the server answered 200/201."""

    def __init__(self, payloads: list[dict[str, Any]], *, token: str) -> None:
        self.waiting: dict[str, dict[str, Any]] = {p["client_uuid"]: p for p in payloads}
        self.token = token
        self.lock = threading.Lock()

    def send_all(
        self,
        server_url: str,
        *,
        concurrency: int = 4,
        stop: threading.Event | None = None,
        result: SendResult | None = None,
        on_ack: Any = None,
    ) -> SendResult:
        """Send every waiting observation once (in ``concurrency`` threads, one keep-alive each)."""
        result = result or SendResult()
        with self.lock:
            queue = list(self.waiting.values())
        host, port = server_url.removeprefix("http://").split(":")
        position = {"i": 0}

        def worker() -> None:
            conn: http.client.HTTPConnection | None = None
            while True:
                if stop is not None and stop.is_set():
                    return
                with self.lock:
                    if position["i"] >= len(queue):
                        return
                    payload = queue[position["i"]]
                    position["i"] += 1
                body = json.dumps(payload)
                started = time.perf_counter()
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection(host, int(port), timeout=30)
                    conn.request(
                        "POST",
                        "/api/v1/observations/",
                        body=body,
                        headers={
                            "Content-Type": "application/json",
                            "Authorization": f"Bearer {self.token}",
                        },
                    )
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    with self.lock:
                        result.network_errors += 1
                    if conn is not None:
                        conn.close()
                    conn = None
                    continue  # stays in the outbox
                elapsed = time.perf_counter() - started
                with self.lock:
                    result.sent += 1
                    result.latencies_s.append(elapsed)
                    if status in (200, 201):
                        result.acknowledged[payload["client_uuid"]] = status
                        self.waiting.pop(payload["client_uuid"], None)
                    else:
                        result.other[payload["client_uuid"]] = status
                if status in (200, 201) and on_ack is not None:
                    on_ack(len(result.acknowledged))

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return result
