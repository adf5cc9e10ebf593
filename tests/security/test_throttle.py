from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

from config.throttle import Bucket, Limiter, classify

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


@override_settings(THROTTLE_ENABLED=True, THROTTLE_READ_CONCURRENCY=1, THROTTLE_WORKERS=1)
def test_when_the_reads_in_flight_are_at_their_limit_more_reads_are_refused_at_once_but_sync_is_not() -> (
    None
):
    from config.throttle import ThrottleMiddleware

    rf = RequestFactory()
    inner_results: list[int] = []
    depth = [0]

    def view(request: object) -> HttpResponse:
        # While the first read is being served, another read must be refused and a sync write must not.
        depth[0] += 1
        if depth[0] == 1:
            inner_results.append(middleware(rf.get("/tiles/incidents/1/0/0.mvt")).status_code)
            inner_results.append(middleware(rf.post("/api/v1/observations/")).status_code)
        return HttpResponse("ok")

    middleware = ThrottleMiddleware(view)  # type: ignore[arg-type]

    outer = middleware(rf.get("/api/v1/districts/"))

    assert outer.status_code == 200
    assert inner_results[0] == 429
    assert inner_results[1] == 200
