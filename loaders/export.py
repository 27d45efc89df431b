"""`omni export profile`: the customer profile as a CSV a campaign tool imports.

Reads the published Parquet copy of `customer_profile` (see `loaders.publish`), never the
warehouse, so an export runs while a load or build holds the DuckDB file. DuckDB's `COPY … TO`
streams the rows from Parquet to CSV, so millions of customers take constant memory. The file is
written under a temporary name and renamed, so `--out` is either the previous file or the whole
new one.

Layout: `Email` first, then the customer's attributes under the Customers file's header names
(`FirstName` … `OptIn`, `UserIds`, then each extra attribute under the name the retailer sent),
then the `ICOMMKT_*` indicators and `RFM_Group` / `RFM_Segment` in the profile's order. Lists are
joined with commas, dates written `dd/mm/yyyy`, decimals with `.`, booleans as 1/0 (like OptIn in
the Customers file), NULL as an empty field.
"""

from __future__ import annotations

import os
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb

from loaders.contract import FileKind
from loaders.publish import PublishedSet, open_set
from loaders.validation import sql_string

# Profile columns that identify the row for the warehouse, not for a campaign tool: the instance
# is the export's own filter, the key is internal, as_of_date is the same on every row.
NOT_EXPORTED = {"customer_key", "instance_id", "as_of_date", "email", "extra_attributes"}
IDENTITY_FIELDS = {"UserId", "Email"}


class ExportError(Exception):
    """A wrong argument (instance, segment, --where): the message says what to fix."""


@dataclass(frozen=True)
class ExportResult:
    rows: int
    columns: list[str]


def export_profile(
    published: PublishedSet,
    instance_id: str,
    out: Path,
    segment: str | None = None,
    where: str | None = None,
) -> ExportResult:
    """Write the instance's profile rows (optionally one segment, optionally filtered) to `out`."""
    with closing(open_set(published)) as con:
        _check_instance(con, instance_id)
        if segment is not None:
            _check_segment(con, segment)
        columns = _columns(con, instance_id)
        _select_rows(con, instance_id, segment, where)
        select_list = ",\n    ".join(
            f'{expression} as "{header}"' for header, expression in columns
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.part")
        try:
            con.execute(
                f"copy (select {select_list} from export_rows) to {sql_string(str(partial))} "
                "(format csv, header true, delimiter ',', quote '\"')"
            )
            rows = con.execute("select count(*) from export_rows").fetchone()[0]
        except duckdb.Error as exc:
            partial.unlink(missing_ok=True)
            raise ExportError(f"--where could not be evaluated: {_first_line(exc)}") from exc
        os.replace(partial, out)
    return ExportResult(rows=rows, columns=[header for header, _ in columns])


def _check_instance(con: duckdb.DuckDBPyConnection, instance_id: str) -> None:
    known = [
        r[0] for r in con.execute("select distinct instance_id from customer_profile").fetchall()
    ]
    if instance_id not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise ExportError(f"unknown instance {instance_id!r}; the profile has: {listed}")


def _check_segment(con: duckdb.DuckDBPyConnection, segment: str) -> None:
    """Segments are those of the RFM seed (every one is in the distribution), not only non-empty."""
    rows = con.execute("select distinct rfm_segment from customer_rfm_distribution").fetchall()
    known = [row[0] for row in rows]
    if segment not in known:
        raise ExportError(f"unknown segment {segment!r}; segments are: {', '.join(sorted(known))}")


def _select_rows(
    con: duckdb.DuckDBPyConnection, instance_id: str, segment: str | None, where: str | None
) -> None:
    """A view of the rows to export. --where must stay one condition of this one statement."""
    conditions = [f"instance_id = {sql_string(instance_id)}"]
    if segment is not None:
        conditions.append(f'"RFM_Segment" = {sql_string(segment)}')
    if where is not None:
        conditions.append(f"({where}\n)")
    statement = (
        "create temporary view export_rows as select * from customer_profile where "
        + " and ".join(conditions)
    )
    try:
        parsed = duckdb.extract_statements(statement)
    except duckdb.Error as exc:
        raise ExportError(f"--where is not a valid SQL condition: {_first_line(exc)}") from exc
    if len(parsed) != 1:
        raise ExportError("--where must be one SQL condition, not several statements")
    try:
        con.execute(statement)
        con.execute("select * from export_rows limit 0").fetchall()
    except duckdb.Error as exc:
        raise ExportError(
            f"--where is not a valid condition on customer_profile: {_first_line(exc)}"
        ) from exc


def _columns(con: duckdb.DuckDBPyConnection, instance_id: str) -> list[tuple[str, str]]:
    """(CSV header, SQL expression) of every exported column, in file order."""
    types = dict(
        con.execute("select column_name, column_type from (describe customer_profile)").fetchall()
    )
    columns = [("Email", "email")]
    for field in FileKind.CUSTOMERS.fields:
        if field.name not in IDENTITY_FIELDS and field.column in types:
            columns.append((field.name, _formatted(field.column, types[field.column])))
    columns.append(("UserIds", _formatted("user_ids", types["user_ids"])))
    taken = {header.lower() for header, _ in columns}
    for key in _extra_attribute_keys(con, instance_id):
        if key.lower() not in taken:
            columns.append((key, f"extra_attributes[{sql_string(key)}]"))
            taken.add(key.lower())
    attributes = {field.column for field in FileKind.CUSTOMERS.fields} | {"user_ids"}
    for name, type_ in types.items():
        if name not in NOT_EXPORTED and name not in attributes:
            columns.append((name, _formatted(f'"{name}"', type_)))
    return [(header.replace('"', ""), expression) for header, expression in columns]


def _extra_attribute_keys(con: duckdb.DuckDBPyConnection, instance_id: str) -> list[str]:
    rows = con.execute(
        """
        select distinct unnest(map_keys(extra_attributes)) as key
        from customer_profile
        where instance_id = ?
        order by key
        """,
        [instance_id],
    ).fetchall()
    return [row[0] for row in rows]


def _formatted(column: str, type_: str) -> str:
    """SQL that renders one profile column the way the CSV carries it."""
    if type_.endswith("[]"):
        return f"array_to_string({column}, ',')"
    if type_ == "DATE":
        return f"strftime({column}, '%d/%m/%Y')"
    if type_ == "BOOLEAN":
        return f"cast({column} as integer)"
    return column


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
