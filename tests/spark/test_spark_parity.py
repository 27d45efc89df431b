"""The same dbt project on DuckDB and on Spark gives the same customer profile, cell by cell.

One small generated inbox (2 instances, 60 days, returns, re-sends, extra customer columns,
a few malformed rows) is loaded into DuckDB and built there; the raw layer is published as
Parquet and the models and seeds are built again on a local SparkSession (dbt-spark, session
method). Spark's `customer_profile` table is Parquet in its warehouse folder, read here with
DuckDB.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_dbt, run_omni
from tests.spark.profile_parity import COMPARED_COLUMNS, differences, read_profile

GENERATE = [
    "generate",
    "--customers",
    "300",
    "--days",
    "60",
    "--instances",
    "2",
    "--end-date",
    "2026-06-30",
    "--extra-customer-columns",
    "--malformed-share",
    "0.005",
]


def spark_table(spark_dir: Path, schema: str, table: str) -> str:
    """DuckDB's name for a table of the local Spark warehouse (a folder of Parquet files)."""
    return f"'{spark_dir}/spark-warehouse/{schema}.db/{table}/*.parquet'"


def build_models(env: dict[str, str], folder: Path, target: str) -> None:
    """`dbt build` of the models, seeds and singular tests on one target (profiles.yml)."""
    completed = run_dbt(
        env,
        "build",
        "--target",
        target,
        "--target-path",
        str(folder / f"target_{target}"),
        "--log-path",
        str(folder / f"logs_{target}"),
        "--select",
        "resource_type:model resource_type:seed test_type:singular",
        "--indirect-selection",
        "empty",
        "--exclude-resource-type",
        "unit_test",
    )
    assert completed.returncode == 0, completed.stdout[-5000:] + completed.stderr[-5000:]


@pytest.fixture(scope="module")
def engines(tmp_path_factory) -> tuple[Path, Path]:
    """Build the same inbox on DuckDB and on Spark; (DuckDB file, Spark folder)."""
    if shutil.which("java") is None:
        pytest.fail("Java is required for Spark (.ci/run installs openjdk-17-jre-headless)")
    folder = tmp_path_factory.mktemp("spark")
    env = {
        **os.environ,
        "OMNI_WAREHOUSE": str(folder / "omni.duckdb"),
        "OMNI_INBOX": str(folder / "inbox"),
        "OMNI_RAW_PARQUET": str(folder / "raw_parquet"),
        "OMNI_SPARK_DIR": str(folder / "spark"),
        "COLUMNS": "200",
    }
    for args in (GENERATE, ["load"]):
        completed = run_omni(env, *args)
        assert completed.returncode == 0, completed.stdout + completed.stderr
    # Models, seeds and the singular data tests on each engine. The generic data tests and unit
    # tests run in every DuckDB build elsewhere (tests/test_demo_end_to_end.py); on Spark the
    # whole `omni build --target spark` takes ~4.5 minutes here, 1 minute without them.
    build_models(env, folder, "duckdb")
    completed = run_omni(env, "publish-raw")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    build_models(env, folder, "spark")
    return folder / "omni.duckdb", folder / "spark"


@pytest.mark.slow
def test_customer_profile_is_the_same_on_duckdb_and_spark(engines):
    warehouse, spark_dir = engines
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as duck (read_only)")
        on_duckdb = read_profile(con, "duck.marts.customer_profile")
        on_spark = read_profile(con, spark_table(spark_dir, "marts", "customer_profile"))
    # 300 customers in each of the 2 instances
    assert len(on_duckdb) == 600
    assert len(on_spark) == len(on_duckdb)
    assert differences(on_duckdb, on_spark) == []


@pytest.mark.slow
def test_the_compared_profile_exercises_every_kind_of_column(engines):
    """Equality means little on empty columns: the inbox must fill lists, maps and returns."""
    warehouse, _ = engines
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (buyers, with_returns, multi_brand, with_promo, with_extras, segments, omni) = con.execute(
            """
            select
                count(*) filter (where "ICOMMKT_Total_Purchases" > 0),
                count(*) filter (where "ICOMMKT_Total_Returns" > 0),
                count(*) filter (where len("ICOMMKT_Total_Brands") >= 2),
                count(*) filter (where len("ICOMMKT_Total_Promo_Codes") >= 1),
                count(*) filter (where cardinality(extra_attributes) >= 1),
                count(distinct "RFM_Segment"),
                count(*) filter (where "ICOMMKT_Is_Omnichannel")
            from marts.customer_profile
            """
        ).fetchall()[0]
        resent = con.execute(
            "select count(*) from (select instance_id, store_code, order_number from raw.orders "
            "group by all having count(*) >= 2)"
        ).fetchall()[0][0]
        rejected = con.execute("select count(*) from raw.rejected_rows").fetchall()[0][0]
    for count in (buyers, with_returns, multi_brand, with_promo, with_extras, omni, resent):
        assert count > 0
    assert segments >= 5
    assert rejected > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("schema", "table"),
    [
        ("marts", "sales_daily"),
        ("marts", "sales_by_product_daily"),
        ("marts", "sales_by_category_daily"),
        ("marts", "sales_by_customer_daily"),
        ("marts", "customer_rfm_distribution"),
        ("data_quality", "dq_rejected_rows"),
        ("data_quality", "dq_orphan_order_lines"),
        ("data_quality", "dq_orphan_order_line_categories"),
    ],
)
def test_sales_and_data_quality_marts_are_the_same_on_both_engines(engines, schema, table):
    """The marts without lists compare as multisets of whole rows, both ways."""
    warehouse, spark_dir = engines
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as duck (read_only)")
        duck, spark = f"duck.{schema}.{table}", spark_table(spark_dir, schema, table)
        rows = con.execute(f"select count(*) from {duck}").fetchall()[0][0]
        duck_rows = f"select {COMPARED_COLUMNS} from {duck}"
        spark_rows = f"select {COMPARED_COLUMNS} from {spark}"
        only_duck = con.execute(f"{duck_rows} except all {spark_rows}")
        only_duck_rows = only_duck.fetchall()
        only_spark = con.execute(f"{spark_rows} except all {duck_rows}")
        only_spark_rows = only_spark.fetchall()
    assert rows > 0
    assert only_duck_rows == []
    assert only_spark_rows == []
