"""Keep response-sized buffers in the process between requests (glibc's allocator only).

A ListRecords page is joined into one buffer of a few hundred kilobytes and freed once it is
sent. glibc moves its thresholds as blocks are freed, so depending on where the heap happens
to end, a block that size is either reused or mapped afresh for every page (or handed back
to the system once freed at the top of the heap), and then each page pays a page fault for
every 4 KiB of its buffer. Fixing the thresholds (mmap only above 16 MiB, give memory back only when
32 MiB lie free at the top) makes the reuse certain; a worker's memory stays bounded by the
largest page, not by the collection. With another C library (musl, macOS) nothing changes.
"""

from __future__ import annotations

import ctypes

# glibc's mallopt parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 16 << 20
TRIM_THRESHOLD = 32 << 20


def keep_response_buffers() -> bool:
    """Set the thresholds once per process; True when the C library took them."""
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - only glibc knows these parameters
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
