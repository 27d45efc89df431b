"""Published marts: Parquet copies of the marts readers need, swapped in whole after each build.

DuckDB lets one process hold a database file read-write, and that writer (a load or a build)
blocks every reader, read-only ones included. The dashboard and the profile export therefore
never open the warehouse: after each successful build the marts they read are copied to Parquet
files in a new folder `published/sets/<build id>/`, and only once every file is complete does
`published/manifest.json` (written to a temporary name, then `os.replace`d) point at that folder.
A reader reads the manifest once and then only that folder, so it sees one whole build, never a
half-written one. The previous sets are kept for a while, for readers still on them.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import closing
from dataclasses import dataclass
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

    def path(self, mart: str) -> Path:
        return self.directory / f"{mart}.parquet"


def publish(warehouse: Path, published_dir: Path, now: datetime | None = None) -> PublishedSet:
    """Copy the published marts out of the (closed) warehouse and make them the current set."""
    built_at = now or datetime.now(UTC)
    build_id = built_at.strftime("%Y%m%dT%H%M%S%fZ")
    sets_dir = published_dir / SETS_FOLDER
    sets_dir.mkdir(parents=True, exist_ok=True)
    for stale in sets_dir.glob(".*.part"):  # left by a publication that was killed
        shutil.rmtree(stale, ignore_errors=True)
    partial = sets_dir / f".{build_id}.part"
    partial.mkdir()
    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        row_counts = {}
        for mart in PUBLISHED_MARTS:
            target = partial / f"{mart}.parquet"
            con.execute(
                f"copy {MARTS_SCHEMA}.{mart} to {sql_string(str(target))} "
                "(format parquet, compression zstd)"
            )
            row_counts[mart] = con.execute(
                f"select count(*) from {MARTS_SCHEMA}.{mart}"
            ).fetchone()[0]
        as_of = con.execute(
            f"select max(as_of_date) from {MARTS_SCHEMA}.customer_profile"
        ).fetchone()[0]
    final = sets_dir / build_id
    os.replace(partial, final)
    published = PublishedSet(build_id, built_at, as_of, final, row_counts)
    _write_manifest(published_dir, published)
    _prune(sets_dir, keep={build_id, *_newest(sets_dir, KEEP_PREVIOUS_SETS + 1)})
    return published


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
    )


def open_set(published: PublishedSet) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per published mart, named like the mart."""
    con = duckdb.connect(":memory:")
    for mart in PUBLISHED_MARTS:
        parquet = sql_string(str(published.path(mart)))
        con.execute(f"create view {mart} as select * from read_parquet({parquet})")
    return con


def _write_manifest(published_dir: Path, published: PublishedSet) -> None:
    manifest = {
        "build_id": published.build_id,
        "built_at": published.built_at.isoformat(),
        "as_of_date": published.as_of_date.isoformat() if published.as_of_date else None,
        "directory": str(published.directory.relative_to(published_dir)),
        "row_counts": published.row_counts,
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
