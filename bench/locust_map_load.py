"""Locust, as a library, sending map reads (vector tiles and API calls) at a fixed rate for a fixed time.

Run by bench/load.py in its own process (gevent patches the standard library):
    python bench/locust_map_load.py SPEC.json RESULT.json
SPEC: {"host", "rate", "duration_s", "sessions": [...], "tiles": [...], "api": [...]}
Each simulated client sends one request a second (open enough to keep the rate when answers slow down);
RESULT lists every request's kind, status and time in milliseconds.
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from locust import HttpUser, constant_throughput, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402

SPEC: dict[str, Any] = json.loads(open(sys.argv[1], encoding="utf-8").read())
RESULTS: list[tuple[str, int, float]] = []


@events.request.add_listener
def _record(
    request_type: str, name: str, response_time: float, response: Any = None, **_: Any
) -> None:
    status = getattr(response, "status_code", 0) or 0
    RESULTS.append((name, int(status), float(response_time)))


class MapReader(HttpUser):
    host = SPEC["host"]
    wait_time = constant_throughput(1)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", random.choice(SPEC["sessions"]))
        gevent.sleep(random.random())  # clients do not all fire at the same instant each second

    @task(7)
    def tile(self) -> None:
        with self.client.get(random.choice(SPEC["tiles"]), name="tile", catch_response=True) as r:
            r.success()  # statuses are judged afterwards, not by locust

    @task(3)
    def api(self) -> None:
        with self.client.get(random.choice(SPEC["api"]), name="api", catch_response=True) as r:
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
