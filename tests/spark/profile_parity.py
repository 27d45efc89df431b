"""Cell-by-cell comparison of two exports of `customer_profile` (DuckDB and Spark).

Lists compare as sorted lists (engines may order an aggregate differently), maps as dicts,
decimals to the cent, keys as text (a UUID on DuckDB, the same UUID's text on Spark), everything
else (dates, integers, booleans, text) exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

import duckdb

CENT = Decimal("0.01")


def normalise(value: Any) -> Any:
    """The comparable form of one cell."""
    if isinstance(value, list):
        return sorted((normalise(v) for v in value), key=lambda v: (v is None, str(v)))
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    if isinstance(value, UUID):
        return str(value)
    return value


# Every column but when a build wrote the row: each engine has its own build time.
COMPARED_COLUMNS = "columns(lambda c: c <> 'built_at')"


def read_profile(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, dict[str, Any]]:
    """Rows of `relation` keyed by customer_key, columns by lower-case name, bar built_at."""
    cursor = con.execute(f"select {COMPARED_COLUMNS} from {relation}")
    names = [d[0].lower() for d in cursor.description]
    rows = {}
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        rows[str(record["customer_key"])] = record
    return rows


def differences(
    left: dict[str, dict[str, Any]], right: dict[str, dict[str, Any]], limit: int = 20
) -> list[str]:
    """Human-readable differences: missing columns or keys, then differing cells."""
    found: list[str] = []
    left_columns = set(next(iter(left.values()), {}))
    right_columns = set(next(iter(right.values()), {}))
    found += [f"column only in DuckDB: {c}" for c in sorted(left_columns - right_columns)]
    found += [f"column only in Spark: {c}" for c in sorted(right_columns - left_columns)]
    found += [f"customer only in DuckDB: {k}" for k in sorted(set(left) - set(right))[:limit]]
    found += [f"customer only in Spark: {k}" for k in sorted(set(right) - set(left))[:limit]]
    for key in sorted(set(left) & set(right)):
        for column in sorted(left_columns & right_columns):
            a, b = normalise(left[key][column]), normalise(right[key][column])
            if a != b:
                found.append(f"{key} {column}: DuckDB {a!r} != Spark {b!r}")
                if len(found) >= limit:
                    return found
    return found
