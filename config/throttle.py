"""Refuse the excess cleanly under overload, and keep the tablets' sync answering.

Two guards, both answering 429 with Retry-After at once, before any database work:

- Each client (the session, the bearer token, else the address) has a token bucket per kind of request:
  map reads (tiles, OGC API, JSON API reads) share one budget; the tablets' sync (POST of observations and
  photos) has its own, so a BRÅ meeting hammering the map cannot starve a walk that is syncing.
- Each worker process lets at most ``THROTTLE_READ_CONCURRENCY`` map reads run at once and at most
  ``THROTTLE_READ_WAITERS`` wait for a slot, each for at most ``THROTTLE_READ_QUEUE_MS``; so a page's
  burst of tiles is served, a sustained overload is refused with 429 at once instead of queueing, and the
  worker's other threads (it has more than running plus waiting reads) stay free for the sync and the
  pages.

Buckets live in each worker process (no shared store is needed for one municipality); the per-process rate
is the configured rate divided by the worker count.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from core.ratelimit import Limiter

READ_PREFIXES = ("/tiles/", "/ogc/", "/api/", "/offentlig/", "/karta/")
SYNC_PREFIXES = ("/api/v1/observations", "/api/v1/photos")


def classify(request: HttpRequest) -> str | None:
    """'sync' for the tablets' writes, 'read' for map and API reads, None for pages and the rest."""
    path = request.path
    if path.startswith(SYNC_PREFIXES) and request.method in {"POST", "PUT"}:
        return "sync"
    if path.startswith(READ_PREFIXES) and request.method in {"GET", "HEAD"}:
        return "read"
    return None


class ThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        workers = max(1, int(getattr(settings, "THROTTLE_WORKERS", 1)))
        self.limiters = {
            "read": Limiter(
                settings.THROTTLE_READ_PER_S / workers, settings.THROTTLE_READ_BURST / workers
            ),
            "sync": Limiter(
                settings.THROTTLE_SYNC_PER_S / workers, settings.THROTTLE_SYNC_BURST / workers
            ),
        }
        self.reads_in_flight = threading.BoundedSemaphore(
            max(1, int(getattr(settings, "THROTTLE_READ_CONCURRENCY", 3)))
        )
        # How long, and how many, map reads may wait for a slot: a page load bursts.
        self.queue_s = int(getattr(settings, "THROTTLE_READ_QUEUE_MS", 500)) / 1000
        self.max_waiting = max(0, int(getattr(settings, "THROTTLE_READ_WAITERS", 18)))
        self._waiting = 0
        self._waiting_lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        kind = classify(request)
        if kind is None or not settings.THROTTLE_ENABLED:
            return self.get_response(request)
        wait = self.limiters[kind].wait_for(f"{kind}:{_client_key(request)}")
        if wait > 0:
            return _too_many("too many requests; slow down", wait)
        if kind != "read":
            return self.get_response(request)
        if not self._acquire_read_slot():
            return _too_many("the server is busy; try again shortly", 1)
        try:
            return self.get_response(request)
        finally:
            self.reads_in_flight.release()

    def _acquire_read_slot(self) -> bool:
        """A read slot at once, else after a short wait if few wait already; False when refused."""
        if self.reads_in_flight.acquire(blocking=False):
            return True
        with self._waiting_lock:
            if self._waiting >= self.max_waiting:
                return False
            self._waiting += 1
        try:
            return self.reads_in_flight.acquire(timeout=self.queue_s)
        finally:
            with self._waiting_lock:
                self._waiting -= 1


def _too_many(message: str, wait_s: float) -> HttpResponse:
    response = JsonResponse({"error": message}, status=429)
    response["Retry-After"] = str(max(1, round(wait_s)))
    return response


def _client_key(request: HttpRequest) -> str:
    # The session cookie or bearer token identifies a client before authentication has run; else the address.
    auth = request.headers.get("Authorization", "")
    if auth:
        return "t:" + auth[-24:]
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if session:
        return "s:" + session
    return "a:" + str(request.META.get("REMOTE_ADDR", ""))
