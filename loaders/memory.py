"""How much memory DuckDB may keep for reuse between queries during a build.

DuckDB hands the buffers a query freed back to the kernel, and the next query faults them in
again, one zeroed 4 KiB page at a time. Its block allocator instead keeps a pool of buffers for
the whole process (`block_allocator_memory`). At 10M orders a full build took 18.9M page faults
and 64 s of kernel time without the pool, 12M and 46 s with it (bench/RESULTS.md).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# the container's memory limit, cgroup v2 and v1 ("max" or a huge number when unlimited)
CGROUP_MEMORY_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)
# DuckDB reserves 80 % of the machine's (or the container's) memory for the pool and refuses a
# larger one; staying below it leaves room for a slightly different reading of that size.
POOL_SHARE_OF_MACHINE = 0.75
DECIMAL_UNITS = {"k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4}
BINARY_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(i?)b|b|bytes)?\s*$", re.IGNORECASE)


def size_in_bytes(size: str) -> int | None:
    """DuckDB's memory sizes ('7GB', '6.5 GiB', '7000000000B'); None for others ('80%')."""
    match = SIZE.match(size)
    if not match:
        return None
    number, unit, binary = match.groups()
    if not unit:
        return int(float(number))
    units = BINARY_UNITS if binary else DECIMAL_UNITS
    return int(float(number) * units[unit.lower()])


def machine_memory() -> int:
    """Physical memory, or the container's limit when it is lower."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for path in CGROUP_MEMORY_LIMITS:
        try:
            limit = path.read_text().strip()
        except OSError:
            continue
        if limit.isdigit():
            memory = min(memory, int(limit))
    return memory


def block_allocator_memory(memory_limit: str, machine_bytes: int) -> str:
    """The pool for a build: its whole memory limit, within what DuckDB can reserve.

    '0B' (no pool) when the limit is not a plain size.
    """
    limit = size_in_bytes(memory_limit)
    if limit is None:
        return "0B"
    return f"{min(limit, int(machine_bytes * POOL_SHARE_OF_MACHINE))}B"
