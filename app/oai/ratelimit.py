"""Flow control (section 3.1.2.2): requests a minute per client; past it, HTTP 503 + Retry-After.

Counted by ``limits``, the library Flask-Limiter is built on, in fixed windows of a minute (a
client's window starts with its first request; its cheapest strategy), in the storage that
``rate_limit_storage_uri`` names: ``memory://`` (the default) counts in each worker process,
so with N workers a client can get up to N times the rate; ``redis://host:6379`` or
``memcached://host:11211`` share the count between every worker and host. Flask-Limiter itself
is not used because GET ``/oai`` is answered in front of Flask (app/oai/views.py): the limit is
applied in :func:`app.oai.views.answer`, which both that fast path and the Flask view call. A
rate of 0 turns the limit off (benchmarks do).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

_NAMESPACE = "oai"


class _InProcess(MemoryStorage):
    """limits' ``memory://`` storage, sweeping expired counters at most once a second within a
    request instead of starting a timer thread 10 ms after each one, which cost 13% of an
    in-process harvest's rate (118,000 against 136,000 records/s unlimited)."""

    _next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - the library's own hook
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + 1.0
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def _storage(uri: str) -> Storage:
    return _InProcess() if uri == "memory://" else storage_from_string(uri)


class RateLimiter:
    """``per_minute`` requests a minute per client."""

    def __init__(
        self,
        per_minute: int,
        storage_uri: str = "memory://",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._item = RateLimitItemPerMinute(per_minute) if per_minute > 0 else None
        self._window = FixedWindowRateLimiter(_storage(storage_uri))

    def acquire(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before trying again."""
        if self._item is None or self._window.hit(self._item, _NAMESPACE, client):
            return 0.0
        reset = self._window.get_window_stats(self._item, _NAMESPACE, client).reset_time
        return max(reset - self.clock(), 0.001)

    @staticmethod
    def retry_after(wait: float) -> int:
        """Whole seconds for the Retry-After header, at least 1."""
        return max(1, math.ceil(wait))
