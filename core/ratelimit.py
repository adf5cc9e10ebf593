"""Token buckets per key, kept in the process (no shared store is needed for one municipality).

Used by the request throttle (config/throttle.py) and the login guard (accounts/guessing.py). Each gunicorn
worker holds its own buckets, so callers divide their installation-wide rate by the worker count.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Bucket:
    rate: float  # tokens per second
    burst: float
    tokens: float = field(default=-1.0)
    stamp: float = field(default=0.0)

    def take(self, now: float) -> float:
        """Take one token; return 0 when granted, else the seconds until one is free."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class Limiter:
    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def wait_for(self, key: str) -> float:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if (
                    len(self._buckets) > 10_000
                ):  # forget idle clients rather than grow without bound
                    self._buckets.clear()
                bucket = self._buckets[key] = Bucket(self.rate, self.burst)
            return bucket.take(self.clock())
