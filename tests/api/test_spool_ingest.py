"""Spool and ingestion against real DuckDB files: torn lines, exactly once, crash before commit,
and no interference with the file loader's replace-by-load-id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from loaders.api import ingest
from loaders.api.ingest import ingest_spool
from loaders.api.models import OrderIn, order_record
from loaders.api.spool import SpoolWriter, encode_line, list_segments, pending_api_orders
from loaders.contract import FileKind
from loaders.landing import FileStatus, Lander
from tests.api.conftest import order
from tests.conftest import WriteFile, header


def _post(writer: SpoolWriter, *orders: dict) -> None:
    lines = [
        writer.record("order", o["instance"], order_record(OrderIn.model_validate(o)))[0]
        for o in orders
    ]
    writer.submit(lines).result(timeout=10)


def _orders(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select order_number, total_amount from raw.orders order by file_name"
    ).fetchall()


@pytest.fixture
def writer(tmp_path: Path):
    spool_writer = SpoolWriter(tmp_path / "spool")
    yield spool_writer
    spool_writer.close()


def test_rows_lineage_and_exactly_once(
    writer: SpoolWriter, warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    _post(writer, order("A1", TotalAmount="10.00"), order("A2", TotalAmount="20.00"))
    first = ingest_spool(warehouse, writer.spool_dir, tmp_path)
    assert (first.ranges, first.orders) == (1, 2)
    assert ingest_spool(warehouse, writer.spool_dir, tmp_path).ranges == 0  # nothing new
    _post(writer, order("A1", TotalAmount="11.00"))
    second = ingest_spool(warehouse, writer.spool_dir, tmp_path)
    assert (second.ranges, second.orders) == (1, 1)
    assert _orders(warehouse) == [("A1", 10), ("A2", 20), ("A1", 11)]
    lines = warehouse.execute(
        "select sku, quantity, line_amount, line_number from raw.order_lines"
    ).fetchall()
    assert lines == [("S1", 1, 10, 1)] * 3
    lineage = warehouse.execute(
        "select distinct file_date, left(file_name, 4), load_id like 'API-%' from raw.orders"
    ).fetchall()
    assert lineage == [(datetime.now(UTC).date(), "API_", True)]
    manifest = warehouse.execute(
        "select kind, instance_id, status, rows_loaded, source_uri from raw.load_manifest "
        "order by started_at"
    ).fetchall()
    assert [row[:4] for row in manifest] == [
        ("API", "AR", "ingested", 2),
        ("API", "AR", "ingested", 1),
    ]
    size = list_segments(writer.spool_dir)[0].stat().st_size
    assert manifest[1][4].endswith(f"#bytes={manifest[0][4].split('-')[-1]}-{size}")


def test_torn_and_corrupt_lines(
    writer: SpoolWriter, warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    _post(writer, order("A1"))
    [segment] = list_segments(writer.spool_dir)
    full = encode_line({"v": 1, "kind": "order"})
    with segment.open("ab") as out:
        out.write(full[:20])  # a crash in the middle of a write: never acknowledged
    assert ingest_spool(warehouse, writer.spool_dir, tmp_path).orders == 1
    assert ingest_spool(warehouse, writer.spool_dir, tmp_path).ranges == 0  # still torn: waits
    with segment.open("ab") as out:
        out.write(b"\n")  # completed, but its checksum does not match: skipped and counted
        out.write(b"00000000 {}\n")
    result = ingest_spool(warehouse, writer.spool_dir, tmp_path)
    assert (result.ranges, result.orders, result.corrupt_lines) == (1, 0, 2)
    assert warehouse.execute(
        "select instance_id, rows_rejected from raw.load_manifest order by started_at desc limit 1"
    ).fetchall() == [("-", 2)]
    assert len(_orders(warehouse)) == 1


def test_crash_before_commit_ingests_nothing_then_everything_once(
    writer: SpoolWriter,
    warehouse: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _post(writer, order("A1"), order("A2"))

    def crash(*args: object) -> None:
        raise RuntimeError("killed between the rows and the manifest")

    monkeypatch.setattr(ingest, "_insert_manifest", crash)
    with pytest.raises(RuntimeError):
        ingest_spool(warehouse, writer.spool_dir, tmp_path)
    assert _orders(warehouse) == []
    monkeypatch.undo()
    assert ingest_spool(warehouse, writer.spool_dir, tmp_path).orders == 2
    assert ingest_spool(warehouse, writer.spool_dir, tmp_path).orders == 0
    assert len(_orders(warehouse)) == 2


def test_file_replacement_leaves_api_rows(
    writer: SpoolWriter,
    warehouse: duckdb.DuckDBPyConnection,
    lander: Lander,
    write_file: WriteFile,
    tmp_path: Path,
) -> None:
    name = "ICOMMKT_ORDERS_AR_20261120.txt"
    row = "F1|WEB01|U1|20/11/2026|1|1|{}|5|0|0|||||"
    assert lander.land(write_file(name, [header(FileKind.ORDERS), row.format(5)])).ok
    _post(writer, order("A1"))
    ingest_spool(warehouse, writer.spool_dir, tmp_path)
    replaced = lander.land(write_file(name, [header(FileKind.ORDERS), row.format(7)]))
    assert replaced.status is FileStatus.REPLACED
    numbers = warehouse.execute(
        "select order_number, total_amount from raw.orders order by order_number"
    ).fetchall()
    assert numbers == [("A1", 10), ("F1", 7)]


def test_pending_api_orders_counts_distinct_keys_after_since(writer: SpoolWriter) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    _post(writer, order("A1"), order("A1", TotalAmount="3"), order("A2", StoreCode="BA01"))
    middle = datetime.now(UTC)
    _post(writer, order("A3"), order("A3", instance="CL"))
    assert pending_api_orders(writer.spool_dir, before) == 4
    assert pending_api_orders(writer.spool_dir, middle) == 2
    assert pending_api_orders(writer.spool_dir, middle.replace(tzinfo=None)) == 2  # naive = UTC
    assert pending_api_orders(writer.spool_dir, datetime.now(UTC)) == 0
    assert pending_api_orders(writer.spool_dir, before, instance_id="CL") == 1
    assert pending_api_orders(writer.spool_dir, before, instance_id="BR") == 0
    assert pending_api_orders(writer.spool_dir.parent / "nowhere", before) == 0
