"""Flow control (section 3.1.2.2): a token bucket per client; past it, HTTP 503 + Retry-After.

The buckets live in the memory of one worker process. With N workers a client can get up
to N times the configured rate; that is the price of needing no shared state, and it is
written down in docs/oai-pmh.md. A rate of 0 turns the limit off (benchmarks do).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    """``per_minute`` requests a minute per client, with bursts of up to a minute's worth."""

    MAX_CLIENTS = 10_000

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before trying again."""
        if self.per_minute <= 0:
            return 0.0
        capacity = float(self.per_minute)
        rate = self.per_minute / 60.0
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[client] = (tokens, now)
                wait = (1.0 - tokens) / rate
            if len(self._buckets) > self.MAX_CLIENTS:
                self._forget_idle(now, capacity, rate)
        return wait

    def _forget_idle(self, now: float, capacity: float, rate: float) -> None:
        """Drop clients whose bucket has refilled: they would start full anyway."""
        for client, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * rate >= capacity:
                del self._buckets[client]

    @staticmethod
    def retry_after(wait: float) -> int:
        """Whole seconds for the Retry-After header, at least 1."""
        return max(1, math.ceil(wait))
