"""Publish the raw layer as Parquet, the form a distributed engine (Spark) reads.

Every raw table, the manifest and the rejected rows included, is written to
`<out>/<table>/instance_id=<id>/file_date=<yyyy-mm-dd>/*.parquet`: the same folder layout
Spark, Trino or Athena discover as partitions, so a query on one instance or a range of days
reads only those files. dbt's Spark sources are views over these folders
(macros/raw_sources.sql).
"""

from __future__ import annotations

import shutil
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb

from loaders.contract import RAW_SCHEMA, FileKind
from loaders.validation import sql_string
from loaders.warehouse import MANIFEST_TABLE, REJECTS_TABLE

PARTITION_COLUMNS = ("instance_id", "file_date")
# An empty table still needs one file, so the reader learns its columns.
EMPTY_TABLE_FILE = "empty.parquet"


@dataclass(frozen=True)
class PublishedTable:
    table: str
    rows: int
    folder: Path


def raw_tables() -> list[str]:
    """Qualified names of every raw table: one per file kind, then manifest and rejects."""
    return [f"{RAW_SCHEMA}.{kind.raw_table}" for kind in FileKind] + [
        MANIFEST_TABLE,
        REJECTS_TABLE,
    ]


def publish_table(con: duckdb.DuckDBPyConnection, table: str, out: Path) -> PublishedTable:
    """Write one raw table under `out/<name>`, replacing the previous copy as a whole.

    The new copy is written beside the old one and swapped in, so a crash leaves either the
    old or the new folder, never a mix of both.
    """
    name = table.split(".")[-1]
    folder = out / name
    staging = out / f".{name}.new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    rows = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    if rows:
        partitions = ", ".join(PARTITION_COLUMNS)
        con.execute(
            f"copy (select * from {table}) to {sql_string(str(staging))} "
            f"(format parquet, partition_by ({partitions}), overwrite_or_ignore)"
        )
    else:
        empty_file = sql_string(str(staging / EMPTY_TABLE_FILE))
        con.execute(f"copy (select * from {table}) to {empty_file} (format parquet)")
    previous = out / f".{name}.old"
    shutil.rmtree(previous, ignore_errors=True)
    if folder.exists():
        folder.rename(previous)
    staging.rename(folder)
    shutil.rmtree(previous, ignore_errors=True)
    return PublishedTable(table=table, rows=rows, folder=folder)


def publish_raw(warehouse: Path, out: Path) -> list[PublishedTable]:
    """Publish every raw table of the warehouse (opened read-only) to `out`."""
    out.mkdir(parents=True, exist_ok=True)
    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        return [publish_table(con, table, out) for table in raw_tables()]
