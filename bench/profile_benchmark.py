"""Profile benchmark: load, full `dbt build`, and a one-day increment at retail scale.

    .venv/bin/python bench/profile_benchmark.py                     # 1M customers, ~10M orders
    .venv/bin/python bench/profile_benchmark.py --repeat 3          # median and range of 3 rounds
    .venv/bin/python bench/profile_benchmark.py --customers 100000 --orders 1000000 --days 365

Generates (once, cached) a seeded inbox over `--days` days, lands every day but the last, times a
full build, then lands the last day and times the rebuild. Each step runs as its own child process
so its peak resident memory (dbt's included) is measured alone, and starts once the disk has
written out the previous steps' data. With `--repeat N`, the full build and the increment run N
times, each round from a copy of the landed history, and the table shows their median and range:
one build on this kind of machine varies by several seconds. Prints a table and writes it to
bench/RESULTS.md's profile section. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from results import record

from loaders.settings import Settings

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


def remove_earlier_run(settings: Settings) -> None:
    """Delete what an earlier run left beside the warehouse. A full build finding an earlier
    run's published marts would link the unchanged months instead of writing them, and time
    less than a first build does."""
    warehouse = settings.warehouse
    for leftover in (warehouse, warehouse.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    for folder in (
        settings.published_directory,
        settings.landing_directory,
        warehouse.parent / f"{warehouse.name}.tmp",
    ):
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == STEP:
        measure_child(sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--memory-limit", default="7GB")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of full build + increment")
    parser.add_argument("--work", type=Path, default=ROOT / "warehouse" / "bench")
    args = parser.parse_args()

    inbox = args.work / f"inbox-{args.customers}-{args.orders}-{args.days}"
    started = time.perf_counter()
    generate(inbox, args)
    generation_seconds = time.perf_counter() - started
    history, last_day = split_last_day(inbox, args.work / "split")
    warehouse = (args.work / "profile.duckdb").resolve()
    settings = Settings(ROOT, warehouse, inbox, args.memory_limit)
    remove_earlier_run(settings)
    env = {**os.environ, "OMNI_WAREHOUSE": str(warehouse), "OMNI_MEMORY_LIMIT": args.memory_limit}
    omni = [sys.executable, "-m", "loaders.cli"]

    load = run_step("load history", [*omni, "load", str(history)], env)
    landed = warehouse.with_name("profile.landed.duckdb")
    if args.repeat > 1:
        shutil.copyfile(warehouse, landed)  # `omni load` checkpoints on exit: no WAL to copy
    round_steps = [
        ("full build", [*omni, "build"]),
        ("load last day", [*omni, "load", str(last_day)]),
        ("build after last day", [*omni, "build"]),
    ]
    rounds = []
    for number in range(args.repeat):
        if number:
            remove_earlier_run(settings)
            shutil.copyfile(landed, warehouse)
        rounds.append([run_step(name, command, env) for name, command in round_steps])
    landed.unlink(missing_ok=True)
    table = render(args, generation_seconds, load, [name for name, _ in round_steps], rounds)
    print(table)
    record("Profile benchmark", f"`{' '.join(sys.argv)}`\n\n{table}")


def render(
    args: argparse.Namespace,
    generation_seconds: float,
    load: tuple[float, int],
    step_names: list[str],
    rounds: list[list[tuple[float, int]]],
) -> str:
    """One row per step; with several rounds, each round's step in a median and a range."""
    first_day = END_DATE - timedelta(days=args.days - 1)
    several = len(rounds) > 1
    header = (
        "| step | seconds (median) | range (s) | peak RSS, highest (GiB) |\n|---|---:|---:|---:|"
        if several
        else "| step | seconds | peak RSS (GiB) |\n|---|---:|---:|"
    )
    lines = [
        f"Profile benchmark, {date.today()}, {os.cpu_count()} cores, DuckDB memory_limit "
        f"{args.memory_limit}: {args.customers:,} customers, ~{args.orders:,} orders, "
        f"{first_day} to {END_DATE}" + (f"; {len(rounds)} rounds" if several else ""),
        "",
        header,
        _row("generate (cached after the first run)", [generation_seconds], None, several),
        _row("load history", [load[0]], load[1], several),
    ]
    for position, name in enumerate(step_names):
        steps = [steps_of_round[position] for steps_of_round in rounds]
        lines.append(_row(name, [s for s, _ in steps], max(p for _, p in steps), several))
    # the increment is the load of the last day and the build after it, summed per round
    increments = [round_steps[1][0] + round_steps[2][0] for round_steps in rounds]
    lines.append(_row("one-day increment (load + build)", increments, None, several))
    if several:
        full_builds = ", ".join(f"{round_steps[0][0]:,.1f}" for round_steps in rounds)
        lines += [
            "",
            f"Rounds in the order run: full build {full_builds} s; one-day increment "
            + ", ".join(f"{seconds:,.1f}" for seconds in increments)
            + " s.",
        ]
    return "\n".join(lines)


def _row(name: str, seconds: list[float], peak: int | None, several: bool) -> str:
    cells = [name, f"{statistics.median(seconds):,.1f}"]
    if several:
        cells.append(f"{min(seconds):,.1f} to {max(seconds):,.1f}" if len(seconds) > 1 else "")
    cells.append(f"{peak / 2**30:.2f}" if peak is not None else "")
    return "| " + " | ".join(cells) + " |"


if __name__ == "__main__":
    main()
