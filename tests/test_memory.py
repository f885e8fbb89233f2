"""Freed memory handed back to the system after a read (the app and the service call it)."""

import platform

import numpy as np
import pytest

from htr_core.service.memory import release_free_memory


def _resident_mb() -> float:
    with open("/proc/self/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0]) / 1024


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc_trim")
def test_memory_freed_by_a_read_leaves_the_process():
    # Many small arrays, as a page's crops and searches leave: freed, they stay in the heap.
    arrays = [np.ones(2000, np.uint8) for _ in range(60_000)]
    keep = np.ones(10, np.uint8)  # allocated last, so the heap's top is not free
    held = _resident_mb()
    del arrays
    before = _resident_mb()
    assert release_free_memory()
    after = _resident_mb()
    assert held - before < 0.5 * (held - after)  # most of it comes back only with the trim
    assert before - after > 50
    del keep
