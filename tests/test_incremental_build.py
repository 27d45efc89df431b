"""Daily builds update the keyed incremental models to exactly what a full rebuild gives.

A generated inbox (2 instances, re-sends, returns, extra customer columns, malformed rows) is
delivered in three steps, as a retailer would: the history, five more days (one of them
renaming a product), then five more days together with a changed re-delivery of an old orders
file and an e-mail change. `omni run` builds after each step; an as-of rebuild back in time
comes before the last one, and a build three days later, with no file, after it. A copy of the
warehouse is then rebuilt with `--full-refresh`, and every model's rows must match. Last, the
daily build's data tests, which check only the rows written since they last passed, must still
catch a new row duplicating an old one.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_dbt, run_omni

GENERATE = [
    "--customers", "300", "--days", "40", "--instances", "2", "--end-date", "2026-06-30",
    "--extra-customer-columns", "--malformed-share", "0.005",
]  # fmt: skip
KEYED_MODELS = (
    "dq_orphan_order_lines",
    "int_customer_last_purchase",
    "int_customer_value_lists",
    "int_customer_values_last_bought",
    "int_customer_window_metrics",
    "int_customers_consolidated",
    "int_orders_resolved_to_customers",
    "int_orders_enriched",
    "int_order_lines_enriched",
    "int_order_line_categories_orphaned",
    "sales_by_category_daily",
    "sales_by_customer_daily",
    "sales_by_product_daily",
    "stg_icommkt__orders",
    "stg_icommkt__order_lines",
    "stg_icommkt__order_line_categories",
    "stg_icommkt__customers",
)
# three days after the last file: a build with nothing new to load
AS_OF_WITHOUT_FILES = "2026-07-03"
# keyed incremental models holding an order's shipping method
MARKED_TABLES = ("staging.stg_icommkt__orders", "intermediate.int_orders_enriched")
MODEL_SCHEMAS = ("staging", "intermediate", "marts", "data_quality")
FILE_DATE = re.compile(r"_(\d{8})\.txt$")


def file_date(path: Path) -> date:
    found = FILE_DATE.search(path.name)
    assert found, path.name
    return date(int(found[1][:4]), int(found[1][4:6]), int(found[1][6:]))


def deliver(files: list[Path], inbox: Path, first: date, last: date) -> list[Path]:
    """Copy the generated files dated first..last into the inbox."""
    delivered = [f for f in files if first <= file_date(f) <= last]
    for path in delivered:
        shutil.copy2(path, inbox / path.name)
    return delivered


def omni(env: dict[str, str], *args: str) -> None:
    completed = run_omni(env, *args)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]


def order_numbers(files: list[Path]) -> set[str]:
    """Order numbers named in orders, lines or categories files."""
    numbers = set()
    for path in files:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        header = lines[0].split("|")
        if "OrderNumber" in header:
            column = header.index("OrderNumber")
            numbers |= {line.split("|")[column] for line in lines[1:] if "|" in line}
    return numbers


def drop_last_order(path: Path) -> str:
    """Rewrite an orders file without its last row; return the order number dropped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header, last = lines[0].split("|"), lines[-1].split("|")
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    return last[header.index("OrderNumber")]


def change_an_email(customers_file: Path, new_day_file: Path) -> str:
    """Append to a new day's customers file one earlier customer with another e-mail."""
    lines = customers_file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("|")
    row = lines[1].split("|")
    row[header.index("Email")] = "changed.address@example.com"
    new_lines = new_day_file.read_text(encoding="utf-8").splitlines()
    new_header = new_lines[0].split("|")
    by_name = dict(zip(header, row, strict=True))
    appended = "|".join(by_name.get(name, "") for name in new_header)
    new_day_file.write_text("\n".join([*new_lines, appended]) + "\n", encoding="utf-8")
    return by_name["UserId"]


def rename_a_product(lines_file: Path, new_name: str) -> str:
    """Rename, in every line of a lines file, one Sku all of whose lines parse plainly."""
    lines = lines_file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("|")
    sku, name = header.index("Sku"), header.index("ProductName")
    rows = [line.split("|") for line in lines[1:]]
    plain = {row[sku] for row in rows if len(row) == len(header)}
    plain -= {row[sku] for row in rows if len(row) != len(header) and len(row) > sku}
    renamed = sorted(plain)[0]
    for row in rows:
        if len(row) == len(header) and row[sku] == renamed:
            row[name] = new_name
    lines_file.write_text(
        "\n".join([lines[0], *("|".join(row) for row in rows)]) + "\n", encoding="utf-8"
    )
    return renamed


def model_rows(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[tuple]]:
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = ? and list_contains(?, schema_name) order by all",
        [catalog, list(MODEL_SCHEMAS)],
    ).fetchall()
    return {
        # built_at says when a row was written, which differs by design
        f"{schema}.{table}": con.execute(
            "select to_json(t)::varchar as row from ("
            f"select columns(lambda c: c != 'built_at') from {catalog}.{schema}.{table}"
            ") as t order by row"
        ).fetchall()
        for schema, table in tables
    }


@pytest.mark.slow
def test_incremental_builds_match_a_full_rebuild(tmp_path: Path):
    generated, inbox = tmp_path / "generated", tmp_path / "inbox"
    inbox.mkdir()
    env = {
        **os.environ,
        "OMNI_WAREHOUSE": str(tmp_path / "omni.duckdb"),
        "OMNI_INBOX": str(inbox),
        "OMNI_API_SPOOL": str(tmp_path / "api-spool"),
    }
    omni(env, "generate", "--out", str(generated), *GENERATE)
    files = sorted(generated.iterdir())

    deliver(files, inbox, date(2026, 5, 1), date(2026, 6, 20))
    omni(env, "run")
    # mark the staged row of one order the next days do not mention: recomputing it would
    # erase the mark, so it survives only if the build touched the new days' keys alone
    untouched_by_next_days = sorted(
        order_numbers([f for f in files if date(2026, 6, 21) <= file_date(f) <= date(2026, 6, 25)])
    )
    with duckdb.connect(env["OMNI_WAREHOUSE"]) as con:
        marked = con.execute(
            "select instance_id, store_code, order_number, shipping_method "
            "from staging.stg_icommkt__orders where not list_contains(?, order_number) "
            "order by all limit 1",
            [untouched_by_next_days],
        ).fetchone()
        for table in MARKED_TABLES:
            con.execute(
                f"update {table} set shipping_method = 'NOT RECOMPUTED' "
                "where instance_id = ? and store_code = ? and order_number = ?",
                list(marked[:3]),
            )

    deliver(files, inbox, date(2026, 6, 21), date(2026, 6, 25))
    renamed_sku = rename_a_product(inbox / "ICOMMKT_ORDERSDETAIL_AR_20260625.txt", "Renamed")
    omni(env, "run")
    with duckdb.connect(env["OMNI_WAREHOUSE"]) as con:
        where = "where instance_id = ? and store_code = ? and order_number = ?"
        for table in MARKED_TABLES:
            assert con.execute(
                f"select shipping_method from {table} {where}", list(marked[:3])
            ).fetchone() == ("NOT RECOMPUTED",), table
            con.execute(f"update {table} set shipping_method = ? {where}", [marked[3], *marked[:3]])
        # the latest name applies to the product's days this build did not recompute too
        names_before_the_new_days = con.execute(
            "select distinct product_name from marts.sales_by_product_daily "
            "where instance_id = 'AR' and sku = ? and order_date < '2026-06-21'",
            [renamed_sku],
        ).fetchall()
        assert names_before_the_new_days == [("Renamed",)]

    # an as-of rebuild back in time, then days after it: the next build must take in the
    # orders of 06-23..06-25 again although no new load holds them
    omni(env, "build", "--as-of", "2026-06-22")
    deliver(files, inbox, date(2026, 6, 26), date(2026, 6, 30))
    redelivered = inbox / "ICOMMKT_ORDERS_AR_20260610.txt"
    dropped_order = drop_last_order(redelivered)
    user_id = change_an_email(
        inbox / "ICOMMKT_CUSTOMERS_AR_20260601.txt", inbox / "ICOMMKT_CUSTOMERS_AR_20260628.txt"
    )
    omni(env, "run")

    with duckdb.connect(env["OMNI_WAREHOUSE"], read_only=True) as con:
        assert con.execute(
            "select email from staging.stg_icommkt__customers "
            "where instance_id = 'AR' and user_id = ?",
            [user_id],
        ).fetchone() == ("changed.address@example.com",)
        states = {
            model: (loaded_through, as_of_date)
            for model, loaded_through, as_of_date in con.execute(
                "select model_name, loaded_through, as_of_date from meta.incremental_state"
            ).fetchall()
        }
        last_load = con.execute("select max(finished_at) from raw.load_manifest").fetchone()[0]
    assert {m: states.get(m, (None,))[0] for m in KEYED_MODELS} == dict.fromkeys(
        KEYED_MODELS, last_load
    )
    assert states["int_customer_values_last_bought"][1] == date(2026, 6, 30)

    # days without files: only the windows' edges move, so the customers with an order that has
    # just left a window (dated 06-01..06-03 for 30 days) are recomputed though nothing was loaded
    omni(env, "build", "--as-of", AS_OF_WITHOUT_FILES)
    with duckdb.connect(env["OMNI_WAREHOUSE"], read_only=True) as con:
        # the profile rewrote the rows of some customers and moved the others to the new date
        rewritten, kept, as_of_dates = con.execute(
            "select count(*) filter (where built_at = (select max(built_at) from "
            "marts.customer_profile)), count(*) filter (where built_at < (select max(built_at) "
            "from marts.customer_profile)), list(distinct as_of_date) "
            "from marts.customer_profile"
        ).fetchone()
    assert rewritten > 0 and kept > 0
    assert as_of_dates == [date(2026, 7, 3)]

    rebuilt = tmp_path / "rebuilt.duckdb"
    shutil.copy2(env["OMNI_WAREHOUSE"], rebuilt)
    omni(
        {**env, "OMNI_WAREHOUSE": str(rebuilt)},
        "build", "--full-refresh", "--as-of", AS_OF_WITHOUT_FILES,
    )  # fmt: skip

    with duckdb.connect() as con:
        con.execute(f"attach '{env['OMNI_WAREHOUSE']}' as incremental (read_only)")
        con.execute(f"attach '{rebuilt}' as rebuilt (read_only)")
        incremental, full = model_rows(con, "incremental"), model_rows(con, "rebuilt")
        # the order only the replaced delivery held is gone, as in the full rebuild
        assert not con.execute(
            "select count(*) from incremental.staging.stg_icommkt__orders "
            "where instance_id = 'AR' and order_number = ? and source_file_date = '2026-06-10'",
            [dropped_order],
        ).fetchone()[0]
    assert set(incremental) == set(full)
    assert not [t for t in full if not full[t] and not t.startswith("data_quality.")]
    for table in sorted(full):
        assert incremental[table] == full[table], table

    # The daily build tested only the rows it wrote, keyed uniqueness tests every row sharing a
    # key with them: a new row duplicating an old order is caught although the old one is not new.
    with duckdb.connect(env["OMNI_WAREHOUSE"]) as con:
        con.execute(
            "insert into staging.stg_icommkt__orders "
            "select * replace ((select max(passed_in_build_started_at) from meta.test_passes)"
            " + interval 1 second as built_at) "
            "from staging.stg_icommkt__orders "
            "where built_at = (select min(built_at) from staging.stg_icommkt__orders) limit 1"
        )
    failed = run_dbt(env, "test", "--select", "stg_icommkt__orders", timeout=300)
    assert failed.returncode == 1, failed.stdout[-4000:]
    assert "Failure in test unique_stg_icommkt__orders_order_key " in failed.stdout
