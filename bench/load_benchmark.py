"""Load benchmark: generated files -> raw tables, rows per second and peak memory.

    .venv/bin/python bench/load_benchmark.py --orders 1000000

Generates (once, cached in the work folder) a seeded inbox, then times `omni load` on a fresh
warehouse in a child process and reads that child's peak resident memory. Not part of the test
suite: figures depend on the machine, so compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
from results import record

ROOT = Path(__file__).resolve().parent.parent
OMNI = [sys.executable, "-m", "loaders.cli"]


def generate(inbox: Path, orders: int, customers: int, days: int) -> None:
    marker = inbox / ".complete"
    if marker.exists():
        return
    shutil.rmtree(inbox, ignore_errors=True)
    subprocess.run(
        [
            *OMNI,
            "generate",
            "--out",
            str(inbox),
            "--orders",
            str(orders),
            "--customers",
            str(customers),
            "--days",
            str(days),
            "--end-date",
            "2026-06-30",
        ],
        check=True,
        cwd=ROOT,
    )
    marker.touch()


def timed_load(inbox: Path, warehouse: Path) -> tuple[float, int]:
    """Seconds and peak RSS (bytes) of one `omni load` child process."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    warehouse.unlink(missing_ok=True)
    env = {**os.environ, "OMNI_WAREHOUSE": str(warehouse)}
    started = time.perf_counter()
    subprocess.run(
        [*OMNI, "load", str(inbox)], check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kib * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--work", type=Path, default=ROOT / "warehouse" / "bench")
    args = parser.parse_args()

    inbox = args.work / f"inbox-{args.orders}"
    generate(inbox, args.orders, args.customers, args.days)
    input_bytes = sum(p.stat().st_size for p in inbox.iterdir() if p.is_file())
    warehouse = args.work / "load.duckdb"
    seconds, peak = timed_load(inbox, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = con.execute(
            "select kind, sum(rows_loaded) from raw.load_manifest group by 1 order by 1"
        ).fetchall()
    rows = sum(n for _, n in counts)
    lines = [
        f"Load benchmark ({date.today()}, {os.cpu_count()} cores)",
        f"input: {input_bytes / 1e6:,.0f} MB in {len(list(inbox.iterdir())) - 1} files",
        *(f"  {kind}: {n:,} rows" for kind, n in counts),
        f"load: {seconds:,.1f} s, {rows / seconds:,.0f} rows/s, "
        f"{input_bytes / 1e6 / seconds:,.1f} MB/s, peak RSS {peak / 2**30:.2f} GiB",
    ]
    print("\n".join(lines))
    record(
        "Load benchmark", f"`{' '.join(sys.argv)}`\n\n" + "\n".join(f"    {line}" for line in lines)
    )


if __name__ == "__main__":
    main()
