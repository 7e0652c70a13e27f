"""The one way every benchmark times a call, so their figures compare."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(fn: Callable[[], object], repeat: int, *, warm_up: bool = True) -> float:
    """Median wall time of ``repeat`` calls in milliseconds.

    The warm-up call fills caches (compiled schemas, templates) that a running service
    keeps, so the figure is the steady state; turn it off where the first call is the point.
    """
    if warm_up:
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
