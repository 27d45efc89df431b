"""Profile benchmark: load, full `dbt build`, and a one-day increment at retail scale.

    .venv/bin/python bench/profile_benchmark.py                     # 1M customers, ~10M orders
    .venv/bin/python bench/profile_benchmark.py --customers 100000 --orders 1000000 --days 365

Generates (once, cached) a seeded inbox over `--days` days, lands every day but the last, times a
full build, then lands the last day and times the rebuild. Each step runs as its own child process
so its peak resident memory (dbt's included) is measured alone, and starts once the disk has
written out the previous steps' data. Prints a table and writes it to
bench/RESULTS.md's profile section. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from results import record

ROOT = Path(__file__).resolve().parent.parent
END_DATE = date(2026, 6, 30)
STEP = "step"


def run_step(name: str, command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Seconds and peak RSS (bytes) of one command run in a fresh child process.

    The disk first finishes writing what earlier steps left in the page cache (a full build
    leaves gigabytes), so a step is not timed with the previous one's write-back.
    """
    wrapper = [sys.executable, str(Path(__file__)), STEP, "--", *command]
    os.sync()
    started = time.perf_counter()
    completed = subprocess.run(wrapper, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"{name} failed:\n{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}")
    peak = json.loads(completed.stdout.strip().splitlines()[-1])["peak_rss_bytes"]
    return seconds, peak


def measure_child(command: list[str]) -> None:
    """Inside the wrapper: run the command, then print the peak RSS of it and its children."""
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"peak_rss_bytes": peak_kib * 1024}))


def generate(inbox: Path, args: argparse.Namespace) -> None:
    marker = inbox / ".complete"
    if marker.exists():
        return
    shutil.rmtree(inbox, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "loaders.cli",
            "generate",
            "--out",
            str(inbox),
            "--customers",
            str(args.customers),
            "--orders",
            str(args.orders),
            "--days",
            str(args.days),
            "--end-date",
            END_DATE.isoformat(),
        ],
        check=True,
        cwd=ROOT,
    )
    marker.touch()


def split_last_day(inbox: Path, work: Path) -> tuple[Path, Path]:
    """Hard-link the inbox into 'history' (all days but the last) and 'last day' folders."""
    history, last_day = work / "history", work / "last-day"
    for folder in (history, last_day):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    suffix = END_DATE.strftime("%Y%m%d")
    for path in inbox.glob("ICOMMKT_*"):
        target = last_day if suffix in path.name else history
        os.link(path, target / path.name)
    return history, last_day


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == STEP:
        measure_child(sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--memory-limit", default="7GB")
    parser.add_argument("--work", type=Path, default=ROOT / "warehouse" / "bench")
    args = parser.parse_args()

    inbox = args.work / f"inbox-{args.customers}-{args.orders}-{args.days}"
    started = time.perf_counter()
    generate(inbox, args)
    generation_seconds = time.perf_counter() - started
    history, last_day = split_last_day(inbox, args.work / "split")
    warehouse = args.work / "profile.duckdb"
    for leftover in (warehouse, warehouse.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    env = {**os.environ, "OMNI_WAREHOUSE": str(warehouse), "OMNI_MEMORY_LIMIT": args.memory_limit}
    omni = [sys.executable, "-m", "loaders.cli"]

    steps = [
        ("load history", [*omni, "load", str(history)]),
        ("full build", [*omni, "build"]),
        ("load last day", [*omni, "load", str(last_day)]),
        ("build after last day", [*omni, "build"]),
    ]
    results = [(name, *run_step(name, command, env)) for name, command in steps]
    table = render(args, generation_seconds, results)
    print(table)
    record("Profile benchmark", f"`{' '.join(sys.argv)}`\n\n{table}")


def render(args: argparse.Namespace, generation_seconds: float, results: list) -> str:
    first_day = END_DATE - timedelta(days=args.days - 1)
    lines = [
        f"Profile benchmark, {date.today()}, {os.cpu_count()} cores, DuckDB memory_limit "
        f"{args.memory_limit}: {args.customers:,} customers, ~{args.orders:,} orders, "
        f"{first_day} to {END_DATE}",
        "",
        "| step | seconds | peak RSS (GiB) |",
        "|---|---:|---:|",
        f"| generate (cached after the first run) | {generation_seconds:,.1f} | |",
    ]
    lines += [
        f"| {name} | {seconds:,.1f} | {peak / 2**30:.2f} |" for name, seconds, peak in results
    ]
    increment = results[2][1] + results[3][1]
    lines.append(f"| one-day increment (load + build) | {increment:,.1f} | |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
