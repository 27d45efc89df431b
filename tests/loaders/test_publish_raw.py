"""`omni publish-raw`: the raw layer as Parquet partitioned by instance and file date."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from loaders.contract import FileKind
from loaders.publish_raw import EMPTY_TABLE_FILE, publish_raw
from loaders.warehouse import ensure_raw_schema
from tests.conftest import header, run_omni

ORDERS_HEADER = header(FileKind.ORDERS)


def order_row(number: str, amount: str = "100.00", order_date: str = "30/06/2026") -> str:
    return f"{number}|BA01|U1|{order_date}|2|1|{amount}|82.64|0|0|CREDIT_CARD|PICKUP||S1|"


def land_two_days_of_orders(write_file, lander) -> None:
    """AR on 06-29 (one order) and 06-30 (two, one of them bad), CL on 06-30 (one)."""
    for name, lines in (
        ("ICOMMKT_ORDERS_AR_20260629.txt", [order_row("O1", "10.50", "29/06/2026")]),
        ("ICOMMKT_ORDERS_AR_20260630.txt", [order_row("O2"), order_row("O3", "12,50")]),
        ("ICOMMKT_ORDERS_CL_20260630.txt", [order_row("C1", "-5.00")]),
    ):
        lander.land(write_file(name, [ORDERS_HEADER, *lines]))


def test_orders_are_written_one_folder_per_instance_and_day(
    write_file, lander, warehouse, tmp_path: Path
):
    land_two_days_of_orders(write_file, lander)
    warehouse.close()  # publish opens the file read-only, like a second process would
    out = tmp_path / "raw_parquet"
    published = {p.table: p.rows for p in publish_raw(tmp_path / "warehouse" / "omni.duckdb", out)}

    assert published["raw.orders"] == 3  # O3 was rejected (decimal comma)
    assert published["raw.rejected_rows"] == 1
    assert published["raw.load_manifest"] == 3
    assert published["raw.customers"] == 0
    assert sorted(
        str(p.relative_to(out / "orders")) for p in (out / "orders").glob("*/*") if p.is_dir()
    ) == [
        "instance_id=AR/file_date=2026-06-29",
        "instance_id=AR/file_date=2026-06-30",
        "instance_id=CL/file_date=2026-06-30",
    ]
    # the partition columns live in the folder names only, as Spark expects
    one_file = next((out / "orders" / "instance_id=CL" / "file_date=2026-06-30").iterdir())
    columns = [
        row[0] for row in duckdb.sql(f"select name from parquet_schema('{one_file}')").fetchall()
    ]
    assert "instance_id" not in columns
    assert "file_date" not in columns


def test_published_rows_read_back_with_their_partition_values(
    write_file, lander, warehouse, tmp_path: Path
):
    land_two_days_of_orders(write_file, lander)
    warehouse.close()
    out = tmp_path / "raw_parquet"
    publish_raw(tmp_path / "warehouse" / "omni.duckdb", out)
    read_back = duckdb.sql(
        f"select instance_id, cast(file_date as date), order_number, total_amount "
        f"from read_parquet('{out}/orders/*/*/*.parquet', hive_partitioning = true) "
        f"order by order_number"
    ).fetchall()
    assert read_back == [
        ("CL", date(2026, 6, 30), "C1", Decimal("-5.00")),
        ("AR", date(2026, 6, 29), "O1", Decimal("10.50")),
        ("AR", date(2026, 6, 30), "O2", Decimal("100.00")),
    ]


def test_an_empty_table_is_one_file_with_every_column_and_republishing_replaces(
    write_file, lander, warehouse, tmp_path: Path
):
    warehouse.close()
    database = tmp_path / "warehouse" / "omni.duckdb"
    out = tmp_path / "raw_parquet"
    publish_raw(database, out)
    assert [p.name for p in (out / "orders").iterdir()] == [EMPTY_TABLE_FILE]
    columns = duckdb.sql(f"describe select * from '{out}/orders/{EMPTY_TABLE_FILE}'").fetchall()
    assert {"order_number", "instance_id", "file_date", "load_id"} <= {c[0] for c in columns}

    with duckdb.connect(str(database)) as con:
        con.execute(
            "insert into raw.orders (order_number, store_code, user_id, date, total_items, "
            "total_products, total_amount, items_amount, discounts_amount, shipping_amount, "
            "instance_id, file_date, file_name, line_number, load_id) values "
            "('O9', 'BA01', 'U1', '2026-06-30', 1, 1, 1.00, 1.00, 0, 0, "
            "'AR', '2026-06-30', 'F', 2, 'L1')"
        )
    publish_raw(database, out)
    assert sorted(p.name for p in (out / "orders").iterdir()) == ["instance_id=AR"]
    assert not list(out.glob(".*"))  # no half-written or previous copy left beside it


def test_cli_publishes_beside_the_warehouse_and_spark_build_needs_it(tmp_path: Path):
    env = {
        **os.environ,
        "OMNI_WAREHOUSE": str(tmp_path / "wh" / "omni.duckdb"),
        "COLUMNS": "200",
    }
    env.pop("OMNI_RAW_PARQUET", None)
    missing_warehouse = run_omni(env, "publish-raw")
    assert missing_warehouse.returncode == 1
    assert "run `omni load` first" in missing_warehouse.stdout

    no_parquet = run_omni(env, "build", "--target", "spark")
    assert no_parquet.returncode == 1
    assert "run `omni publish-raw` first" in no_parquet.stdout

    (tmp_path / "wh").mkdir()
    with duckdb.connect(env["OMNI_WAREHOUSE"]) as con:
        ensure_raw_schema(con)
    published = run_omni(env, "publish-raw")
    assert published.returncode == 0, published.stdout + published.stderr
    assert "raw.orders: 0 rows" in published.stdout
    assert (tmp_path / "wh" / "raw_parquet" / "orders" / EMPTY_TABLE_FILE).exists()
