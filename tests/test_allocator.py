"""The server keeps response-sized buffers between requests (app/allocator.py).

A ListRecords page is a few hundred kilobytes joined from about a hundred fragments, then
freed. With glibc's default thresholds every page maps fresh memory and faults it in, 4 KiB
at a time; with the thresholds the server sets, the next page reuses the same memory.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.allocator import keep_response_buffers

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")

_PAGES = textwrap.dedent(
    """
    import os, resource, sys
    if sys.argv[1] == "tuned":
        from app.allocator import keep_response_buffers
        assert keep_response_buffers()

    def page():
        fragments = [os.urandom(8) * 500 for _ in range(100)]  # like a fetched page
        return len(b"".join(fragments))

    page()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(300):
        page()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    """
)


def _page_faults(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _PAGES, mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return int(done.stdout)


def test_glibc_takes_the_thresholds() -> None:
    assert keep_response_buffers() is True


def test_pages_after_the_first_reuse_memory_instead_of_faulting_it_in() -> None:
    """With the thresholds fixed, 300 pages fault in less than one 4 KiB page each.

    Without them the count depends on where the heap happens to end (glibc moves its
    thresholds as blocks are freed): in one process 46,000 faults for the same 300 pages,
    about one per 4 KiB of every page, in another a hundred. Fixing them removes the luck.
    """
    assert _page_faults("tuned") < 300
