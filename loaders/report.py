"""What the CLI prints: per-file results, per-kind totals, warehouse row counts, status."""

from __future__ import annotations

from collections import defaultdict

import duckdb
from rich.console import Console
from rich.table import Table

from loaders.contract import KIND_ORDER
from loaders.landing import FileResult, FileStatus
from loaders.warehouse import MANIFEST_TABLE, REJECTS_TABLE

STAGING_MODELS = (
    "stg_icommkt__customers",
    "stg_icommkt__orders",
    "stg_icommkt__order_lines",
    "stg_icommkt__order_line_categories",
)


def kind_totals_table(results: list[FileResult]) -> Table:
    """Rows read / loaded / rejected per file kind, plus file outcomes."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for result in results:
        row = totals[result.identity.kind.value]
        row[0] += 1
        row[1] += result.rows_read
        row[2] += result.rows_loaded
        row[3] += result.rows_rejected
        row[4] += result.status in (FileStatus.REJECTED, FileStatus.FAILED)
    table = Table(title="Load summary (rows per file kind)")
    for header in ("kind", "files", "read", "loaded", "rejected", "refused files"):
        table.add_column(header, justify="left" if header == "kind" else "right")
    for kind in KIND_ORDER:
        if kind.value in totals:
            table.add_row(kind.value, *(f"{n:,}" for n in totals[kind.value]))
    return table


def file_problems(results: list[FileResult]) -> list[str]:
    return [
        f"{r.file_name}: {r.status.value}: {r.message}"
        for r in results
        if r.status in (FileStatus.REJECTED, FileStatus.FAILED)
    ]


def status_counts(results: list[FileResult]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for result in results:
        counts[result.status.value] += 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))


def staging_counts_table(con: duckdb.DuckDBPyConnection) -> Table:
    table = Table(title="Staging models")
    table.add_column("model")
    table.add_column("rows", justify="right")
    for model in STAGING_MODELS:
        count = con.execute(f"select count(*) from staging.{model}").fetchone()[0]
        table.add_row(model, f"{count:,}")
    return table


def segment_distribution_table(con: duckdb.DuckDBPyConnection) -> Table:
    rows = con.execute(
        """
        select instance_id, "RFM_Group", "RFM_Segment", count(*) as customers,
               sum("ICOMMKT_Total_Value") as total_value
        from marts.customer_profile
        group by all
        order by instance_id, "RFM_Group", customers desc
        """
    ).fetchall()
    table = Table(title="Customers per RFM segment")
    for header in ("instance", "group", "segment", "customers", "lifetime value"):
        table.add_column(
            header, justify="right" if header in ("customers", "lifetime value") else "left"
        )
    for instance, group, segment, customers, value in rows:
        table.add_row(instance, group, segment, f"{customers:,}", f"{value:,.2f}")
    return table


def profile_sample_table(con: duckdb.DuckDBPyConnection, limit: int = 5) -> Table:
    """The most valuable customers, a glimpse of what analysts query."""
    rows = con.execute(
        f"""
        select email, "RFM_Segment", "ICOMMKT_Total_Purchases", "ICOMMKT_Total_Value",
               "ICOMMKT_Days_Since_Last_Purchase", "ICOMMKT_Favorite_Brand", "ICOMMKT_Channels"
        from marts.customer_profile
        order by "ICOMMKT_Total_Value" desc, email
        limit {limit}
        """
    ).fetchall()
    table = Table(title=f"customer_profile: top {limit} customers by lifetime value")
    for header in (
        "email",
        "segment",
        "purchases",
        "value",
        "days since last",
        "favorite brand",
        "channels",
    ):
        table.add_column(header)
    for row in rows:
        table.add_row(*(", ".join(v) if isinstance(v, list) else str(v) for v in row))
    return table


def manifest_table(con: duckdb.DuckDBPyConnection) -> Table:
    rows = con.execute(
        f"""
        select instance_id, kind,
               count(*) filter (where status in ('loaded', 'replaced', 'ingested')),
               count(*) filter (where status in ('rejected', 'failed')),
               min(file_date), max(file_date), sum(rows_loaded), sum(rows_rejected)
        from {MANIFEST_TABLE}
        group by all order by 1, 2
        """
    ).fetchall()
    table = Table(title="Files in the manifest")
    for header in (
        "instance",
        "kind",
        "loads",
        "refused",
        "first date",
        "last date",
        "rows loaded",
        "rows rejected",
    ):
        table.add_column(header)
    for row in rows:
        table.add_row(*(str(value) for value in row))
    return table


def rejects_table(con: duckdb.DuckDBPyConnection, limit: int = 10) -> Table:
    rows = con.execute(
        f"""
        select kind, reason, count(*) as n from {REJECTS_TABLE}
        group by all order by n desc limit {limit}
        """
    ).fetchall()
    table = Table(title=f"Most frequent reject reasons (top {limit})")
    for header in ("kind", "reason", "rows"):
        table.add_column(header)
    for kind, reason, n in rows:
        table.add_row(kind, reason, f"{n:,}")
    return table


def gaps_table(con: duckdb.DuckDBPyConnection, limit: int = 20) -> Table | str:
    try:
        rows = con.execute(
            f"select * from data_quality.dq_missing_files order by 1, 2 limit {limit}"
        ).fetchall()
        columns = [d[0] for d in con.description]
    except duckdb.CatalogException:
        return "Gaps: not built yet (run `omni build`)."
    table = Table(title=f"Missing daily files (first {limit})")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(value) for value in row))
    return table


def print_all(console: Console, *renderables: object) -> None:
    for renderable in renderables:
        console.print(renderable)
