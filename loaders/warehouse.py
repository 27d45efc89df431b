"""DuckDB warehouse: connection settings and the raw layer's tables.

The raw layer is typed (validation happens while landing), carries lineage on every row, and
keeps a manifest of every file and every rejected row, so nothing is lost silently.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from loaders.contract import (
    EXTRA_ATTRIBUTES_COLUMN,
    LINEAGE_COLUMNS,
    RAW_SCHEMA,
    FileKind,
)

MANIFEST_TABLE = f"{RAW_SCHEMA}.load_manifest"
REJECTS_TABLE = f"{RAW_SCHEMA}.rejected_rows"

MANIFEST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "varchar primary key"),
    ("kind", "varchar not null"),
    ("instance_id", "varchar not null"),
    ("file_date", "date not null"),
    ("file_name", "varchar not null"),
    ("source_uri", "varchar not null"),
    ("size_bytes", "bigint not null"),
    ("sha256", "varchar not null"),
    ("encoding", "varchar"),
    ("rows_read", "bigint not null"),
    ("rows_loaded", "bigint not null"),
    ("rows_rejected", "bigint not null"),
    ("status", "varchar not null"),
    ("message", "varchar"),
    ("started_at", "timestamp not null"),
    ("finished_at", "timestamp not null"),
)

REJECT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "varchar not null"),
    ("kind", "varchar not null"),
    ("instance_id", "varchar not null"),
    ("file_date", "date not null"),
    ("file_name", "varchar not null"),
    ("line_number", "bigint"),
    ("raw_line", "varchar"),
    ("reason", "varchar not null"),
)


def raw_table_name(kind: FileKind) -> str:
    return f"{RAW_SCHEMA}.{kind.raw_table}"


def raw_table_columns(kind: FileKind) -> list[tuple[str, str]]:
    """Contract fields (snake_case, typed), then extra attributes (Customers), then lineage."""
    columns = [(field.column, field.duckdb_type) for field in kind.fields]
    if kind.keeps_extra_columns:
        columns.append((EXTRA_ATTRIBUTES_COLUMN, "map(varchar, varchar)"))
    columns.extend(LINEAGE_COLUMNS)
    return columns


def _create_table_sql(table: str, columns: tuple[tuple[str, str], ...] | list) -> str:
    body = ",\n    ".join(f"{name} {type_}" for name, type_ in columns)
    return f"create table if not exists {table} (\n    {body}\n)"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and its tables when missing (idempotent)."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for kind in FileKind:
        con.execute(_create_table_sql(raw_table_name(kind), raw_table_columns(kind)))
    con.execute(_create_table_sql(MANIFEST_TABLE, MANIFEST_COLUMNS))
    con.execute(_create_table_sql(REJECTS_TABLE, REJECT_COLUMNS))


def connect(path: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-write; beyond memory_limit DuckDB spills to `<file>.tmp/`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    if memory_limit:
        con.execute(f"set memory_limit = '{memory_limit}'")
    # Every file is its own transaction; checkpointing after each one costs more than the load.
    # The write-ahead log keeps every commit durable until the next checkpoint.
    con.execute("set checkpoint_threshold = '1GB'")
    ensure_raw_schema(con)
    return con
