"""Locust, as a library, sending map reads (vector tiles and API calls) at a fixed rate for a fixed time.

Run by bench/load.py in its own process (gevent patches the standard library):
    python bench/locust_map_load.py SPEC.json RESULT.json
SPEC: {"host", "rate", "duration_s", "sessions": [...], "tiles": [...], "api": [...]}
Each simulated client sends a request on average once a second, at exponentially distributed intervals, so
that the clients together send like many independent browsers (a Poisson stream); with locust's
``constant_throughput`` the clients fell into step and sent each second's requests within 50 ms.
RESULT lists every request's kind, status and time in milliseconds.
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from locust import FastHttpUser, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402

SPEC: dict[str, Any] = json.loads(open(sys.argv[1], encoding="utf-8").read())
RESULTS: list[tuple[str, int, float, str]] = []


@events.request.add_listener
def _record(
    request_type: str, name: str, response_time: float, response: Any = None, **_: Any
) -> None:
    status = int(getattr(response, "status_code", 0) or 0)
    why = ""
    if status == 429:  # which guard refused: the client's budget or the worker's read slots
        body = getattr(response, "content", b"") or b""
        why = "budget" if b"slow down" in body else "busy" if b"busy" in body else repr(body[:80])
    RESULTS.append((name, status, float(response_time), why))


class MapReader(FastHttpUser):  # geventhttpclient: far less CPU per request than requests
    host = SPEC["host"]

    def wait_time(self) -> float:
        return random.expovariate(1.0)

    def on_start(self) -> None:
        self.cookie = {"Cookie": f"sessionid={random.choice(SPEC['sessions'])}"}
        gevent.sleep(random.random())  # clients do not all fire at the same instant each second

    @task(7)
    def tile(self) -> None:
        with self.client.get(
            random.choice(SPEC["tiles"]), name="tile", headers=self.cookie, catch_response=True
        ) as r:
            r.success()  # statuses are judged afterwards, not by locust

    @task(3)
    def api(self) -> None:
        with self.client.get(
            random.choice(SPEC["api"]), name="api", headers=self.cookie, catch_response=True
        ) as r:
            r.success()


def main() -> None:
    env = Environment(user_classes=[MapReader], events=events)
    runner = env.create_local_runner()
    users = int(SPEC["rate"])  # one request a second each
    runner.start(users, spawn_rate=max(1, users / 5))
    gevent.sleep(float(SPEC["duration_s"]))
    runner.quit()
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(RESULTS, f)


if __name__ == "__main__":
    main()
