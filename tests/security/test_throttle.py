from __future__ import annotations

import threading
import time

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

from config.throttle import classify
from core.ratelimit import Bucket, Limiter

pytestmark = pytest.mark.django_db


def test_a_bucket_grants_its_burst_then_its_rate() -> None:
    now = [0.0]
    limiter = Limiter(rate=10, burst=5, clock=lambda: now[0])

    granted = [limiter.wait_for("a") == 0 for _ in range(7)]
    now[0] += 0.1  # one more token
    after = limiter.wait_for("a")

    assert granted == [True] * 5 + [False] * 2
    assert after == 0


def test_clients_have_their_own_buckets() -> None:
    limiter = Limiter(rate=1, burst=1, clock=lambda: 0.0)

    assert [limiter.wait_for("a"), limiter.wait_for("b")] == [0, 0]
    assert limiter.wait_for("a") > 0


def test_a_refused_request_says_when_to_come_back() -> None:
    bucket = Bucket(rate=2, burst=1)

    bucket.take(0.0)

    assert bucket.take(0.0) == pytest.approx(0.5)


def test_sync_writes_and_map_reads_are_separate_budgets() -> None:
    rf = RequestFactory()

    assert classify(rf.post("/api/v1/observations/")) == "sync"
    assert classify(rf.get("/tiles/incidents/12/2200/1100.mvt")) == "read"
    assert classify(rf.get("/api/v1/districts/")) == "read"
    assert classify(rf.get("/")) is None


@override_settings(
    THROTTLE_ENABLED=True,
    THROTTLE_READ_PER_S=1,
    THROTTLE_READ_BURST=3,
    THROTTLE_WORKERS=1,
    THROTTLE_SYNC_PER_S=100,
    THROTTLE_SYNC_BURST=100,
)
def test_over_its_budget_a_client_gets_429_but_its_sync_still_answers(bra_client: Client) -> None:
    reads = [bra_client.get("/api/v1/districts/").status_code for _ in range(6)]
    sync = bra_client.post("/api/v1/observations/", {}, content_type="application/json")

    assert reads.count(429) >= 2
    refused = bra_client.get("/api/v1/districts/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused.json() == {"error": "too many requests; slow down"}
    assert sync.status_code != 429


@override_settings(
    THROTTLE_ENABLED=True, THROTTLE_READ_CONCURRENCY=1, THROTTLE_WORKERS=1, THROTTLE_READ_WAITERS=0
)
def test_when_the_reads_in_flight_are_at_their_limit_more_reads_are_refused_at_once_but_sync_is_not() -> (
    None
):
    from config.throttle import ThrottleMiddleware

    rf = RequestFactory()
    inner_results: list[int] = []
    waited: list[float] = []
    depth = [0]

    def view(request: object) -> HttpResponse:
        # While the first read is being served, another read must be refused and a sync write must not.
        depth[0] += 1
        if depth[0] == 1:
            started = time.monotonic()
            inner_results.append(middleware(rf.get("/tiles/incidents/1/0/0.mvt")).status_code)
            waited.append(time.monotonic() - started)
            inner_results.append(middleware(rf.post("/api/v1/observations/")).status_code)
        return HttpResponse("ok")

    middleware = ThrottleMiddleware(view)  # type: ignore[arg-type]

    outer = middleware(rf.get("/api/v1/districts/"))

    assert outer.status_code == 200
    assert inner_results[0] == 429 and waited[0] < 0.1  # no one may wait: refused at once
    assert inner_results[1] == 200


@override_settings(
    THROTTLE_ENABLED=True,
    THROTTLE_READ_CONCURRENCY=1,
    THROTTLE_WORKERS=1,
    THROTTLE_READ_WAITERS=1,
    THROTTLE_READ_QUEUE_MS=300,
)
def test_a_read_waits_for_a_slot_while_few_wait_and_is_refused_when_the_wait_is_over() -> None:
    from config.throttle import ThrottleMiddleware

    release = threading.Event()
    entered = threading.Event()

    def view(request: object) -> HttpResponse:
        entered.set()
        release.wait(5)
        return HttpResponse("ok")

    middleware = ThrottleMiddleware(view)  # type: ignore[arg-type]
    rf = RequestFactory()
    results: dict[str, int] = {}
    holder = threading.Thread(
        target=lambda: results.setdefault("holder", middleware(rf.get("/tiles/a")).status_code)
    )
    holder.start()
    entered.wait(5)
    waiter = threading.Thread(
        target=lambda: results.setdefault("waiter", middleware(rf.get("/tiles/b")).status_code)
    )
    waiter.start()
    time.sleep(0.05)  # the waiter is now waiting for the one slot
    started = time.monotonic()
    third = middleware(rf.get("/tiles/c")).status_code  # a second waiter is one too many
    refused_after = time.monotonic() - started
    waiter.join(5)  # its 300 ms are over before the holder lets go
    release.set()
    holder.join(5)

    assert third == 429 and refused_after < 0.1
    assert results == {"holder": 200, "waiter": 429}


@override_settings(
    THROTTLE_ENABLED=True,
    THROTTLE_READ_CONCURRENCY=1,
    THROTTLE_WORKERS=1,
    THROTTLE_READ_WAITERS=1,
    THROTTLE_READ_QUEUE_MS=2000,
)
def test_a_read_that_waits_is_served_when_a_slot_frees_within_its_wait() -> None:
    from config.throttle import ThrottleMiddleware

    release = threading.Event()
    entered = threading.Event()

    def view(request: object) -> HttpResponse:
        if not entered.is_set():
            entered.set()
            release.wait(5)
        return HttpResponse("ok")

    middleware = ThrottleMiddleware(view)  # type: ignore[arg-type]
    rf = RequestFactory()
    results: list[int] = []
    holder = threading.Thread(
        target=lambda: results.append(middleware(rf.get("/tiles/a")).status_code)
    )
    holder.start()
    entered.wait(5)
    threading.Timer(0.2, release.set).start()

    waited = middleware(rf.get("/tiles/b")).status_code
    holder.join(5)

    assert waited == 200 and results == [200]
