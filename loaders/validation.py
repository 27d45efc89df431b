"""SQL that checks each field of a parsed row against the contract and explains every failure.

DuckDB's CSV reader (all columns as text) handles the structure — quotes, field counts — and
records those rejects itself; this module turns the text columns into typed values and builds,
per row, a human-readable reason listing every rule the row breaks (SPEC §2.3).
"""

from __future__ import annotations

from dataclasses import dataclass

from loaders.contract import DATE_FORMAT, EMAIL_PATTERN, Field, FieldType

DECIMAL_PATTERN = r"[+-]?([0-9]+(\.[0-9]{1,2})?|\.[0-9]{1,2})"


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _trimmed(column: str) -> str:
    return f"nullif(trim({column}), '')"


def _quoted_value(column: str) -> str:
    """`'value'` inside a reason, so a reader sees exactly what was sent."""
    return f"'''' || {_trimmed(column)} || ''''"


@dataclass(frozen=True)
class FieldCheck:
    """How one contract field is read from the text column `column` of the parsed file."""

    field: Field
    column: str

    def value_sql(self) -> str:
        value = _trimmed(self.column)
        kind = self.field.type
        if kind is FieldType.DECIMAL:
            # SPEC §2.1: an empty numeric field means 0.
            return f"try_cast(coalesce({value}, '0') as decimal(18, 2))"
        if kind is FieldType.DATE:
            return f"cast(try_strptime({value}, '{DATE_FORMAT}') as date)"
        if kind is FieldType.FLAG:
            return f"case {value} when '1' then true when '0' then false end"
        return value

    def problem_sql(self) -> list[str]:
        """SQL expressions, each NULL or a message naming the field and the broken rule."""
        name = self.field.name
        value = _trimmed(self.column)
        shown = _quoted_value(self.column)
        problems = []
        if self.field.required and self.field.type is not FieldType.DECIMAL:
            problems.append(
                f"case when {value} is null then {sql_string(name + ': required value is empty')}"
                " end"
            )
        rule = self._format_rule()
        if rule:
            test, explanation = rule
            problems.append(
                f"case when {value} is not null and not ({test}) "
                f"then {sql_string(name + ': ')} || {shown} || {sql_string(' ' + explanation)} end"
            )
        if self.field.max_length:
            limit = self.field.max_length
            problems.append(
                f"case when length({value}) > {limit} then {sql_string(name + ': ')} || "
                f"length({value}) || {sql_string(f' characters, at most {limit} allowed')} end"
            )
        return problems

    def _format_rule(self) -> tuple[str, str] | None:
        value = _trimmed(self.column)
        kind = self.field.type
        if kind is FieldType.DECIMAL:
            return (
                f"regexp_full_match({value}, '{DECIMAL_PATTERN}')",
                "is not a number with '.' decimals (at most 2) and no thousands separator",
            )
        if kind is FieldType.DATE:
            return (
                f"try_strptime({value}, '{DATE_FORMAT}') is not null",
                "is not a date in dd/mm/yyyy",
            )
        if kind is FieldType.FLAG:
            return (f"{value} in ('0', '1')", "must be 0 or 1")
        if self.field.is_email:
            return (f"regexp_matches({value}, '{EMAIL_PATTERN}')", "is not a valid email address")
        return None


def reason_sql(checks: list[FieldCheck]) -> str:
    """One expression: NULL for a valid row, else every problem joined with '; '."""
    problems = [problem for check in checks for problem in check.problem_sql()]
    if not problems:
        return "cast(null as varchar)"
    joined = ",\n        ".join(problems)
    return f"nullif(concat_ws('; ',\n        {joined}), '')"


def raw_line_sql(columns: list[str]) -> str:
    """Rebuild the row's text from its fields (re-quoting where needed) for the rejects table."""
    parts = [
        f"""case when {c} like '%|%' or {c} like '%"%' """
        f"""then '"' || replace({c}, '"', '""') || '"' else coalesce({c}, '') end"""
        for c in columns
    ]
    return "concat_ws('|', " + ", ".join(parts) + ")"
