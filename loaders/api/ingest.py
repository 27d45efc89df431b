"""Ingest the API's spool into the raw tables the files land in, exactly once.

Each accepted record becomes rows of `raw.orders`, `raw.order_lines`, `raw.order_line_categories`
or `raw.customers` with lineage that staging's "latest version wins" order understands:

- `file_date` = the UTC date the API received it;
- `file_name` = `API_<receive time, microseconds>Z_<server>_<sequence>`, one per record, so a
  later re-post sorts after an earlier one and an order's lines come from one post;
- `line_number` = 1 for the order, the position for lines and categories.

The byte range of a segment taken in one pass is recorded in `raw.load_manifest` (kind `API`,
status `ingested`, `source_uri` ending in `#bytes=START-END`) in the same transaction as the
rows: a crash before the commit leaves neither, so the next load takes the same range again, and
a committed range is never taken twice. Load ids start with `API-`, and the file loader only
deletes load ids of its own kinds' manifest rows, so the two never touch each other's rows.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from loaders.api.spool import SegmentRead, SpoolRecord, list_segments, read_segment
from loaders.contract import EXTRA_ATTRIBUTES_COLUMN, FileKind
from loaders.validation import sql_string
from loaders.warehouse import MANIFEST_TABLE, raw_table_name

API_KIND = "API"
INGESTED_STATUS = "ingested"
NO_INSTANCE = "-"
_BYTE_RANGE = r"#bytes=[0-9]+-([0-9]+)$"
_LINEAGE = ("instance_id", "file_date", "file_name", "line_number", "load_id")


@dataclass
class IngestResult:
    ranges: int = 0
    orders: int = 0
    customers: int = 0
    corrupt_lines: int = 0
    instances: set[str] = field(default_factory=set)

    @property
    def records(self) -> int:
        return self.orders + self.customers


def ingested_positions(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per segment name, the byte offset up to which it is in the warehouse."""
    rows = con.execute(
        f"""
        select file_name, max(cast(regexp_extract(source_uri, '{_BYTE_RANGE}', 1) as bigint))
        from {MANIFEST_TABLE}
        where kind = '{API_KIND}' and status = '{INGESTED_STATUS}'
        group by file_name
        """
    ).fetchall()
    return {name: end for name, end in rows}


def ingest_spool(
    con: duckdb.DuckDBPyConnection, spool_dir: Path, work_dir: Path | None = None
) -> IngestResult:
    """Ingest every complete record not yet in the warehouse; one transaction per segment."""
    result = IngestResult()
    positions = ingested_positions(con)
    for segment in list_segments(spool_dir):
        start = positions.get(segment.name, 0)
        if segment.stat().st_size <= start:
            continue
        read = read_segment(segment, start)
        if read.end == start:
            continue  # only a line still being written (or torn): wait until it is complete
        _ingest_range(con, segment, read, work_dir)
        result.ranges += 1
        result.orders += sum(r.kind == "order" for r in read.records)
        result.customers += sum(r.kind == "customer" for r in read.records)
        result.corrupt_lines += read.corrupt_lines
        result.instances.update(r.instance for r in read.records)
    return result


def _load_id(segment: Path, read: SegmentRead, instance: str) -> str:
    return f"API-{segment.stem}-{read.start}-{read.end}-{instance}"


def _ingest_range(
    con: duckdb.DuckDBPyConnection, segment: Path, read: SegmentRead, work_dir: Path | None
) -> None:
    rows = _flatten(segment, read)
    started = datetime.now()
    with tempfile.TemporaryDirectory(dir=work_dir, prefix="omni-api-ingest-") as tmp:
        files = _write_ndjson(Path(tmp), rows)
        con.execute("begin transaction")
        try:
            for kind, path in files.items():
                con.execute(_insert_sql(kind, path))
            _insert_manifest(con, segment, read, started)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise


def _flatten(segment: Path, read: SegmentRead) -> dict[FileKind, list[dict[str, Any]]]:
    rows: dict[FileKind, list[dict[str, Any]]] = defaultdict(list)
    for record in read.records:
        lineage = {
            "instance_id": record.instance,
            "file_date": record.received_at.date().isoformat(),
            "file_name": record.name,
            "load_id": _load_id(segment, read, record.instance),
        }
        if record.kind == "order":
            _order_rows(record, lineage, rows)
        elif record.kind == "customer":
            rows[FileKind.CUSTOMERS].append(_customer_row(record, lineage))
    return rows


def _contract_values(kind: FileKind, data: dict[str, Any]) -> dict[str, Any]:
    return {f.column: _text(data.get(f.name)) for f in kind.fields}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _order_rows(
    record: SpoolRecord, lineage: dict[str, Any], rows: dict[FileKind, list[dict[str, Any]]]
) -> None:
    order = record.data
    key = {"OrderNumber": order["OrderNumber"], "StoreCode": order["StoreCode"]}
    rows[FileKind.ORDERS].append(
        {**_contract_values(FileKind.ORDERS, order), **lineage, "line_number": 1}
    )
    category_number = 0
    for line_number, line in enumerate(order.get("lines", []), start=1):
        values = _contract_values(FileKind.ORDERSDETAIL, {**line, **key})
        rows[FileKind.ORDERSDETAIL].append({**values, **lineage, "line_number": line_number})
        for category in line.get("categories", []):
            category_number += 1
            values = _contract_values(
                FileKind.ORDERSDETAILCATEGORIES, {**key, "Sku": line["Sku"], "Category": category}
            )
            rows[FileKind.ORDERSDETAILCATEGORIES].append(
                {**values, **lineage, "line_number": category_number}
            )


def _customer_row(record: SpoolRecord, lineage: dict[str, Any]) -> dict[str, Any]:
    extras = record.data.get(EXTRA_ATTRIBUTES_COLUMN) or {}
    return {
        **_contract_values(FileKind.CUSTOMERS, record.data),
        **lineage,
        "line_number": 1,
        "extra_keys": list(extras),
        "extra_values": list(extras.values()),
    }


def _write_ndjson(folder: Path, rows: dict[FileKind, list[dict[str, Any]]]) -> dict[FileKind, Path]:
    files = {}
    for kind, kind_rows in rows.items():
        path = folder / f"{kind.value}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for row in kind_rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        files[kind] = path
    return files


def _insert_sql(kind: FileKind, path: Path) -> str:
    """Insert from the NDJSON file, every value read as text and cast to the raw type."""
    text_columns = [f.column for f in kind.fields] + list(_LINEAGE)
    read_types = {column: "VARCHAR" for column in text_columns}
    targets = [f.column for f in kind.fields]
    values = [f"cast({f.column} as {f.duckdb_type})" for f in kind.fields]
    if kind.keeps_extra_columns:
        read_types.update(extra_keys="VARCHAR[]", extra_values="VARCHAR[]")
        targets.append(EXTRA_ATTRIBUTES_COLUMN)
        values.append("cast(map(extra_keys, extra_values) as map(varchar, varchar))")
    targets += list(_LINEAGE)
    values += [
        "instance_id",
        "cast(file_date as date)",
        "file_name",
        "cast(line_number as bigint)",
        "load_id",
    ]
    columns = ", ".join(f"{sql_string(c)}: {sql_string(t)}" for c, t in read_types.items())
    return f"""
        insert into {raw_table_name(kind)} ({", ".join(targets)})
        select {", ".join(values)}
        from read_json({sql_string(path.as_posix())}, format = 'newline_delimited',
                       columns = {{{columns}}})
    """


def _insert_manifest(
    con: duckdb.DuckDBPyConnection, segment: Path, read: SegmentRead, started: datetime
) -> None:
    """One row per instance of the range (a range of only corrupt lines gets one `-` row)."""
    by_instance: dict[str, list[SpoolRecord]] = defaultdict(list)
    for record in read.records:
        by_instance[record.instance].append(record)
    if not by_instance:
        by_instance[NO_INSTANCE] = []
    sha256 = hashlib.sha256(read.data).hexdigest()
    uri = f"{segment.resolve().as_uri()}#bytes={read.start}-{read.end}"
    message = (
        f"{read.corrupt_lines} line(s) with a bad checksum skipped" if read.corrupt_lines else None
    )
    for position, (instance, records) in enumerate(sorted(by_instance.items())):
        dates = [r.received_at.date() for r in records] or [started.date()]
        con.execute(
            f"insert into {MANIFEST_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                _load_id(segment, read, instance),
                API_KIND,
                instance,
                max(dates),
                segment.name,
                uri,
                read.end - read.start,
                sha256,
                "utf-8",
                len(records),
                len(records),
                read.corrupt_lines if position == 0 else 0,  # counted once per range
                INGESTED_STATUS,
                message,
                started,
                datetime.now(),
            ],
        )
