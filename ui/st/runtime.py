"""Process-level settings that make recording fast; nothing here changes a single number.

A recorded forward allocates dozens of fresh trace tensors. glibc hands buffers above 128 KB back to
the operating system on free, so the next forward pays page faults for every one of them: at T = 128
that made recording ~1.6× a plain forward instead of ~1.25× (bench/forward_latency.py).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3   # mallopt parameter numbers from glibc's <malloc.h>


def tune_allocator(mmap_threshold: int = 256 << 20, trim_threshold: int = 1 << 30) -> bool:
    """Keep freed buffers up to ``mmap_threshold`` bytes in the heap. glibc only; returns whether it applied."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold)) and bool(
            libc.mallopt(M_TRIM_THRESHOLD, trim_threshold))
    except (OSError, AttributeError):   # musl or another libc without mallopt
        return False


def release_memory() -> bool:
    """Hand the heap's free memory back to the operating system (glibc's malloc_trim), after what an ended session
    owned was freed: with the trim threshold above, glibc would otherwise keep the server at its peak size
    after every tab has closed. glibc only; returns whether it ran."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.malloc_trim(0))
    except (OSError, AttributeError):   # musl or another libc without malloc_trim
        return False
