"""Published marts: Parquet copies of the marts readers need, swapped in whole after each build.

DuckDB lets one process hold a database file read-write, and that writer (a load or a build)
blocks every reader, read-only ones included. The dashboard and the profile export therefore
never open the warehouse: after each successful build the marts they read are copied to Parquet
files in a new folder `published/sets/<build id>/`, and only once every file is complete does
`published/manifest.json` (written to a temporary name, then `os.replace`d) point at that folder.
A reader reads the manifest once and then only that folder, so it sees one whole build, never a
half-written one. The previous sets are kept for a while, for readers still on them.

The daily marts are written one file per month, and the manifest keeps a fingerprint of each
file's rows (count and sum of row hashes). A month whose rows did not change since the previous
set is hard-linked from it instead of written again: a one-day build rewrites a month of the
10M-row daily marts, not two years of them. The profile holds the build's `as_of_date` on every
row, so after a day's build it is written without hashing its rows; the hash is taken only when
`as_of_date` did not move, when the rows may be the previous set's.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from loaders.validation import sql_string

MARTS_SCHEMA = "marts"
# What the dashboard (SPEC §5) and the profile export read; the exposures in the dbt project
# declare the same models.
PUBLISHED_MARTS: tuple[str, ...] = (
    "sales_daily",
    "sales_by_customer_daily",
    "sales_by_category_daily",
    "sales_by_product_daily",
    "customer_rfm_distribution",
    "customer_profile",
)
# The date column a mart is split on, one file per month; the other marts are one file each.
MONTHLY_PARTS: dict[str, str] = {
    "sales_daily": "order_date",
    "sales_by_customer_daily": "order_date",
    "sales_by_category_daily": "order_date",
    "sales_by_product_daily": "order_date",
}
WHOLE_MART_PART = "all"
# The published rows: every column but `built_at`, the warehouse's record of when a build wrote
# a row (a day's build rewrites old months of sales_by_customer_daily with unchanged values).
PUBLISHED_COLUMNS = "columns(lambda column_name: column_name <> 'built_at')"
# Marts whose every row holds the build's as_of_date: a new as_of_date changes every row, so
# they are written without hashing their rows first (1M-row profile: 0.9 s saved).
DATED_MARTS: tuple[str, ...] = ("customer_profile",)
MANIFEST_NAME = "manifest.json"
SETS_FOLDER = "sets"
# Sets kept besides the current one: a reader that read the previous manifest a moment ago is
# still reading its folder.
KEEP_PREVIOUS_SETS = 2


@dataclass(frozen=True)
class PublishedSet:
    """One build's published marts, as named by the manifest."""

    build_id: str
    built_at: datetime
    as_of_date: date | None
    directory: Path
    row_counts: dict[str, int]
    # mart -> part name -> fingerprint of the part's rows
    fingerprints: dict[str, dict[str, str]] = field(default_factory=dict)

    def files(self, mart: str) -> str:
        """Glob of the mart's Parquet files, for `read_parquet`."""
        return str(self.directory / mart / "*.parquet")

    def part_path(self, mart: str, part: str) -> Path:
        return self.directory / mart / f"{part}.parquet"


def publish(warehouse: Path, published_dir: Path, now: datetime | None = None) -> PublishedSet:
    """Copy the published marts out of the (closed) warehouse and make them the current set."""
    built_at = now or datetime.now(UTC)
    build_id = built_at.strftime("%Y%m%dT%H%M%S%fZ")
    sets_dir = published_dir / SETS_FOLDER
    sets_dir.mkdir(parents=True, exist_ok=True)
    for stale in sets_dir.glob(".*.part"):  # left by a publication that was killed
        shutil.rmtree(stale, ignore_errors=True)
    previous = _reusable(current_set(published_dir))
    partial = sets_dir / f".{build_id}.part"
    partial.mkdir()
    staged = PublishedSet(build_id, built_at, None, partial, {})
    fingerprints: dict[str, dict[str, str]] = {}
    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        as_of = con.execute(
            f"select max(as_of_date) from {MARTS_SCHEMA}.customer_profile"
        ).fetchone()[0]
        new_as_of = previous is None or previous.as_of_date != as_of
        for mart in PUBLISHED_MARTS:
            if mart in DATED_MARTS and new_as_of:
                fingerprints[mart] = _dated_fingerprint(con, mart, as_of)
            else:
                fingerprints[mart] = _part_fingerprints(con, mart)
            _write_mart(con, mart, fingerprints[mart], staged, previous)
    final = sets_dir / build_id
    os.replace(partial, final)
    row_counts = {
        mart: sum(_row_count(fingerprint) for fingerprint in parts.values())
        for mart, parts in fingerprints.items()
    }
    published = PublishedSet(build_id, built_at, as_of, final, row_counts, fingerprints)
    _write_manifest(published_dir, published)
    _prune(sets_dir, keep={build_id, *_newest(sets_dir, KEEP_PREVIOUS_SETS + 1)})
    return published


def _reusable(previous: PublishedSet | None) -> PublishedSet | None:
    """The current set, if its files are still there to link to."""
    if previous is None or not previous.directory.is_dir():
        return None
    return previous


def _part_expression(mart: str) -> str:
    column = MONTHLY_PARTS.get(mart)
    if column is None:
        return f"'{WHOLE_MART_PART}'"
    return f"coalesce(strftime({column}, '%Y-%m'), 'undated')"


def _part_fingerprints(con: duckdb.DuckDBPyConnection, mart: str) -> dict[str, str]:
    """Part name -> "<row count>:<sum of row hashes>"; an empty mart has one empty part."""
    rows = con.execute(
        f"select {_part_expression(mart)} as part, count(*), "
        f"sum(hash(published_rows)::hugeint) "
        f"from (select {PUBLISHED_COLUMNS} from {MARTS_SCHEMA}.{mart}) as published_rows "
        "group by part"
    ).fetchall()
    return {part: f"{count}:{row_hashes}" for part, count, row_hashes in rows} or {
        WHOLE_MART_PART: "0:0"
    }


def _dated_fingerprint(con: duckdb.DuckDBPyConnection, mart: str, as_of: date) -> dict[str, str]:
    """Fingerprint "<row count>:as of <date>": unequal to any other as_of_date's, or a hash."""
    count = con.execute(f"select count(*) from {MARTS_SCHEMA}.{mart}").fetchone()[0]
    return {WHOLE_MART_PART: f"{count}:as of {as_of}"}


def _row_count(fingerprint: str) -> int:
    return int(fingerprint.split(":", 1)[0])


def _write_mart(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    fingerprints: dict[str, str],
    staged: PublishedSet,
    previous: PublishedSet | None,
) -> None:
    """Link each unchanged part from the previous set; write the others."""
    mart_dir = staged.directory / mart
    mart_dir.mkdir()
    changed = []
    for part, fingerprint in fingerprints.items():
        if previous is not None and previous.fingerprints.get(mart, {}).get(part) == fingerprint:
            try:
                os.link(previous.part_path(mart, part), staged.part_path(mart, part))
                continue
            except FileNotFoundError:  # pruned by hand: write it again
                pass
        changed.append(part)
    if not changed:
        return
    if mart in MONTHLY_PARTS:
        _write_monthly_parts(con, mart, changed, staged)
    else:
        _write_whole_mart(con, mart, staged)


def _write_whole_mart(con: duckdb.DuckDBPyConnection, mart: str, staged: PublishedSet) -> None:
    """One file, written in any row order: the profile's rows have none, and keeping the
    table's order costs a third of the write (1M-row profile: 5.3 s against 3.7 s)."""
    target = sql_string(str(staged.part_path(mart, WHOLE_MART_PART)))
    con.execute("set preserve_insertion_order = false")
    try:
        con.execute(
            f"copy (select {PUBLISHED_COLUMNS} from {MARTS_SCHEMA}.{mart}) to {target} "
            "(format parquet, compression zstd)"
        )
    finally:
        con.execute("reset preserve_insertion_order")


def _write_monthly_parts(
    con: duckdb.DuckDBPyConnection, mart: str, parts: list[str], staged: PublishedSet
) -> None:
    """The changed months in one pass over the mart."""
    mart_dir = staged.directory / mart
    # DuckDB writes <folder>/published_part=<part>/data_0.parquet, without the part column.
    written = mart_dir / ".written"
    listed = ", ".join(sql_string(part) for part in parts)
    con.execute(
        f"copy (select {PUBLISHED_COLUMNS}, {_part_expression(mart)} as published_part "
        f"from {MARTS_SCHEMA}.{mart} where {_part_expression(mart)} in ({listed})) "
        f"to {sql_string(str(written))} "
        "(format parquet, compression zstd, partition_by (published_part))"
    )
    for part in parts:
        files = list((written / f"published_part={part}").glob("*.parquet"))
        if files:
            (file,) = files
            os.replace(file, staged.part_path(mart, part))
        else:  # an empty mart: a file with its columns and no rows
            con.execute(
                f"copy (select {PUBLISHED_COLUMNS} from {MARTS_SCHEMA}.{mart} limit 0) "
                f"to {sql_string(str(staged.part_path(mart, part)))} (format parquet)"
            )
    shutil.rmtree(written, ignore_errors=True)  # absent when no row was written


def current_set(published_dir: Path) -> PublishedSet | None:
    """The set the manifest names, or None before the first publication."""
    try:
        manifest = json.loads((published_dir / MANIFEST_NAME).read_text())
    except FileNotFoundError:
        return None
    return PublishedSet(
        build_id=manifest["build_id"],
        built_at=datetime.fromisoformat(manifest["built_at"]),
        as_of_date=date.fromisoformat(manifest["as_of_date"]) if manifest["as_of_date"] else None,
        directory=published_dir / manifest["directory"],
        row_counts=manifest["row_counts"],
        fingerprints=manifest.get("fingerprints", {}),
    )


def open_set(published: PublishedSet) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per published mart, named like the mart."""
    con = duckdb.connect(":memory:")
    for mart in PUBLISHED_MARTS:
        parquet = sql_string(published.files(mart))
        con.execute(f"create view {mart} as select * from read_parquet({parquet})")
    return con


def _write_manifest(published_dir: Path, published: PublishedSet) -> None:
    manifest = {
        "build_id": published.build_id,
        "built_at": published.built_at.isoformat(),
        "as_of_date": published.as_of_date.isoformat() if published.as_of_date else None,
        "directory": str(published.directory.relative_to(published_dir)),
        "row_counts": published.row_counts,
        "fingerprints": published.fingerprints,
    }
    temporary = published_dir / f".{MANIFEST_NAME}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(temporary, published_dir / MANIFEST_NAME)


def _newest(sets_dir: Path, count: int) -> list[str]:
    """Build ids sort by time, so the newest are the last names."""
    names = sorted(p.name for p in sets_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    return names[-count:]


def _prune(sets_dir: Path, keep: set[str]) -> None:
    for folder in sets_dir.iterdir():
        if folder.is_dir() and not folder.name.startswith(".") and folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)
