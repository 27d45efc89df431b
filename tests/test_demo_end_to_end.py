"""The README's main command, run as a user would, in a temporary folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_DIR, run_dbt, run_omni

ROOT = PROJECT_DIR
RAW_TABLES = ("customers", "orders", "order_lines", "order_line_categories", "rejected_rows")
SMALL_DEMO = ["--customers", "300", "--days", "12", "--end-date", "2026-06-30"]


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: con.execute(
                f"select * exclude (load_id) from raw.{table} order by all"
            ).fetchall()
            for table in RAW_TABLES
        }


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[dict[str, str], Path, Path, subprocess.CompletedProcess]:
    folder = tmp_path_factory.mktemp("demo")
    env = {
        **os.environ,
        "OMNI_WAREHOUSE": str(folder / "omni.duckdb"),
        "OMNI_INBOX": str(folder / "inbox"),
        "COLUMNS": "200",
    }
    completed = run_omni(env, "demo", *SMALL_DEMO)
    return env, folder / "omni.duckdb", folder / "inbox", completed


@pytest.mark.slow
def test_demo_loads_builds_and_summarises(demo):
    _, warehouse, inbox, completed = demo
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for expected in (
        "Load summary",
        "ORDERSDETAILCATEGORIES",
        "rejected",
        "stg_icommkt__orders",
        "stg_icommkt__customers",
        "top 5 customers by lifetime value",
        "Customers per RFM segment",
        "PROSPECTS",
    ):
        assert expected in completed.stdout
    files = list(inbox.iterdir())
    assert len(files) == 4 * 12 * 2  # 4 kinds x 12 days x the demo's 2 instances
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw_keys = con.execute(
            "select count(distinct (instance_id, store_code, order_number)) from raw.orders"
        ).fetchone()[0]
        staged = con.execute("select count(*) from staging.stg_icommkt__orders").fetchone()[0]
        rejected = con.execute("select count(*) from raw.rejected_rows").fetchone()[0]
        profiled_buyers = con.execute(
            """select count(*) from marts.customer_profile
               where "ICOMMKT_Total_Purchases" > 0 and "RFM_Segment" != 'PROSPECTS'"""
        ).fetchone()[0]
    assert staged == raw_keys > 0  # one row per order key
    assert profiled_buyers > 0
    assert rejected > 0  # the demo injects malformed rows, and they are kept with a reason


@pytest.mark.slow
def test_loading_the_same_folder_twice_changes_nothing(demo):
    env, warehouse, inbox, _ = demo
    before = snapshot(warehouse)
    completed = run_omni(env, "load", str(inbox))
    assert completed.returncode == 0, completed.stdout
    assert f"{len(list(inbox.iterdir()))} unchanged" in completed.stdout
    assert snapshot(warehouse) == before


@pytest.mark.slow
def test_a_changed_file_replaces_exactly_its_rows(demo):
    env, warehouse, inbox, _ = demo
    target = sorted(inbox.glob("ICOMMKT_ORDERS_AR_*"))[5]
    before = snapshot(warehouse)["orders"]
    lines = target.read_bytes().splitlines(keepends=True)
    assert len(lines) > 2, "the chosen day should hold orders"
    target.write_bytes(b"".join(lines[:-1]))  # the retailer re-sends the day without its last row

    completed = run_omni(env, "load", str(inbox))
    assert completed.returncode == 0, completed.stdout
    assert "1 replaced" in completed.stdout
    after = snapshot(warehouse)["orders"]
    file_name_at = 17  # position of file_name in raw.orders without load_id
    untouched_before = [r for r in before if r[file_name_at] != target.name]
    untouched_after = [r for r in after if r[file_name_at] != target.name]
    assert untouched_after == untouched_before
    changed_before = [r for r in before if r[file_name_at] == target.name]
    changed_after = [r for r in after if r[file_name_at] == target.name]
    last_line = len(lines)
    assert changed_after == [r for r in changed_before if r[file_name_at + 1] != last_line]


@pytest.mark.slow
def test_docs_site_describes_every_profile_column(demo):
    env, _, _, _ = demo
    target = Path(env["OMNI_WAREHOUSE"]).parent / "docs-target"
    completed = run_dbt(env, "docs", "generate", "--target-path", str(target))
    assert completed.returncode == 0, completed.stdout[-3000:]
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    node_id = "model.omnichannel.customer_profile"
    built_columns = {name.lower() for name in catalog["nodes"][node_id]["columns"]}
    described = {
        name.lower()
        for name, column in manifest["nodes"][node_id]["columns"].items()
        if column["description"].strip()
    }
    assert len(built_columns) >= 90
    assert built_columns - described == set()
    lineage = manifest["parent_map"][node_id]
    assert "model.omnichannel.int_customer_window_metrics" in lineage


@pytest.mark.slow
def test_not_null_columns_names_each_column_holding_nulls(demo, tmp_path: Path):
    env, warehouse, _, _ = demo
    broken = tmp_path / "broken.duckdb"
    shutil.copy(warehouse, broken)
    with duckdb.connect(str(broken)) as con:
        # built_at now: the scoped tests check rows written since their last pass
        con.execute(
            "update staging.stg_icommkt__orders set user_id = null, built_at = now() "
            "where order_key in (select order_key from staging.stg_icommkt__orders limit 2)"
        )
        con.execute(
            'update marts.customer_profile set "ICOMMKT_Value_90_Days" = null, '
            "built_at = now() "
            "where customer_key in (select customer_key from marts.customer_profile limit 1)"
        )
    completed = run_dbt(
        {**env, "OMNI_WAREHOUSE": str(broken)},
        "test",
        "--select",
        "test_name:not_null_columns",
        "--store-failures",
        "--target-path",
        str(tmp_path / "target"),
    )

    assert completed.returncode == 1, completed.stdout[-3000:]
    with duckdb.connect(str(broken), read_only=True) as con:
        failures = {
            table: con.execute(f"select * from {schema}.{table}").fetchall()
            for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where table_name like 'not_null_columns_%'"
            ).fetchall()
        }
    failed = {table: rows for table, rows in failures.items() if rows}
    assert failed == {
        "not_null_columns_stg_icommkt__orders": [("user_id", 2)],
        "not_null_columns_customer_profile_windowed": [("ICOMMKT_Value_90_Days", 1)],
    }


@pytest.mark.slow
def test_build_as_of_an_earlier_date_ignores_later_orders(demo):
    env, warehouse, _, _ = demo
    completed = run_omni(env, "build", "--as-of", "2026-06-25")
    assert completed.returncode == 0, completed.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        as_of_dates = con.execute(
            "select distinct as_of_date from marts.customer_profile"
        ).fetchall()
        latest_purchase = con.execute(
            'select max("ICOMMKT_Last_Purchase_Date") from marts.customer_profile'
        ).fetchone()[0]
        profiled_purchases = con.execute(
            'select sum("ICOMMKT_Total_Purchases") from marts.customer_profile'
        ).fetchone()[0]
        # Worked out from staging alone: purchases up to the date by customers with an email.
        expected_purchases = con.execute(
            """
            select count(*)
            from staging.stg_icommkt__orders as orders
            inner join staging.stg_icommkt__customers as customers
                on orders.instance_id = customers.instance_id
                and orders.user_id = customers.user_id
            where orders.total_amount >= 0
              and orders.order_date <= date '2026-06-25'
              and customers.email_normalized <> ''
            """
        ).fetchone()[0]
    assert as_of_dates == [(date(2026, 6, 25),)]
    assert latest_purchase == date(2026, 6, 25)
    assert profiled_purchases == expected_purchases > 0


@pytest.mark.slow
def test_the_demo_runs_every_unit_test_and_a_daily_build_none(demo):
    env, _, _, completed = demo
    manifest = json.loads((ROOT / "target" / "manifest.json").read_text())
    unit_tests = len(manifest["unit_tests"])
    assert unit_tests >= 20
    assert f"unit tests: {unit_tests} run" in completed.stdout

    daily = run_omni(env, "build")

    assert daily.returncode == 0, daily.stdout[-3000:]
    assert "unit tests: not run" in daily.stdout
    results = json.loads((ROOT / "target" / "run_results.json").read_text())["results"]
    kinds = {result["unique_id"].split(".")[0] for result in results}
    assert "unit_test" not in kinds
    assert {"model", "test", "seed"} <= kinds
