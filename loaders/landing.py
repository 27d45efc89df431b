"""Land one contract file into the raw layer atomically, with its manifest row and rejects.

A file is one transaction: its previous delivery's rows (same kind, instance and file date) are
deleted, the new rows and rejects are inserted and the manifest row is written, or nothing is.
An identical re-delivery (same content fingerprint) is a no-op.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import duckdb

from loaders.contract import (
    EXTRA_ATTRIBUTES_COLUMN,
    FileIdentity,
    FileKind,
    parse_file_name,
)
from loaders.prepare import (
    EmptyFileError,
    PreparedFile,
    content_sha256,
    prepare_file,
)
from loaders.validation import FieldCheck, raw_line_sql, reason_sql, sql_string
from loaders.warehouse import MANIFEST_TABLE, REJECTS_TABLE, raw_table_name

LANDED_STATUSES = ("loaded", "replaced")
_VALIDATED = "_landing_validated"
_REJECT_ERRORS = "_landing_reject_errors"
_REJECT_SCANS = "_landing_reject_scans"

# DuckDB's structural error types, said the way a retailer's IT team would understand them.
_STRUCTURAL_REASONS = {
    "MISSING COLUMNS": "the row has fewer fields than the header",
    "TOO MANY COLUMNS": "the row has more fields than the header",
    "UNQUOTED VALUE": "a quote appears inside an unquoted field",
    "LINE SIZE OVER MAXIMUM": "the row is longer than the reader's maximum line size",
    "INVALID ENCODING": "the row is not valid text",
}


class FileStatus(StrEnum):
    LOADED = "loaded"  # first delivery of this file identity
    REPLACED = "replaced"  # a changed re-delivery replaced the previous rows
    UNCHANGED = "unchanged"  # identical re-delivery: nothing written
    REJECTED = "rejected"  # the whole file refused (e.g. a required column is missing)
    FAILED = "failed"  # an unexpected error; the transaction was rolled back


@dataclass(frozen=True)
class FileResult:
    file_name: str
    identity: FileIdentity
    status: FileStatus
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str | None = None
    load_id: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status not in (FileStatus.REJECTED, FileStatus.FAILED)


class FileRejected(Exception):
    """The file as a whole breaks the contract; the message says how."""


@dataclass(frozen=True)
class _ColumnPlan:
    """Which parsed text column feeds which contract field, and which are extra attributes."""

    checks: list[FieldCheck]
    extras: list[tuple[str, str]]  # (header name, parsed column)
    ignored: list[str]
    parsed_columns: list[str]


def plan_columns(kind: FileKind, header: list[str]) -> _ColumnPlan:
    """Match header names to the contract, case-insensitively and in any order (SPEC §2.1)."""
    seen: dict[str, str] = {}
    checks, extras, ignored, parsed = [], [], [], []
    for position, name in enumerate(header, start=1):
        column = f"c{position}"
        parsed.append(column)
        key = name.lower()
        if key in seen:
            raise FileRejected(f"column {name!r} appears twice in the header")
        seen[key] = name
        field = kind.field(name)
        if field:
            checks.append(FieldCheck(field, column))
        elif not name:
            raise FileRejected(f"header column {position} has no name")
        elif kind.keeps_extra_columns:
            extras.append((name, column))
        else:
            ignored.append(name)
    missing = [f.name for f in kind.fields if f.required and f.name.lower() not in seen]
    if missing:
        raise FileRejected(
            f"required column(s) missing from the header: {', '.join(missing)} "
            f"(header has: {', '.join(header)})"
        )
    return _ColumnPlan(checks, extras, ignored, parsed)


def _read_csv_sql(prepared: PreparedFile, plan: _ColumnPlan) -> str:
    columns = ", ".join(f"'{c}': 'VARCHAR'" for c in ["line_number", *plan.parsed_columns])
    return (
        f"read_csv({sql_string(prepared.path.as_posix())}, auto_detect = false, header = true, "
        f"delim = '|', quote = '\"', escape = '\"', new_line = '\\n', "
        f"columns = {{{columns}}}, null_padding = false, store_rejects = true, "
        f"rejects_table = '{_REJECT_ERRORS}', rejects_scan = '{_REJECT_SCANS}', "
        f"max_line_size = 16000000)"
    )


def _extras_sql(plan: _ColumnPlan) -> str:
    if not plan.extras:
        return "cast(map() as map(varchar, varchar))"
    keys = ", ".join(sql_string(name) for name, _ in plan.extras)
    values = ", ".join(f"nullif(trim({column}), '')" for _, column in plan.extras)
    return f"map([{keys}], [{values}])"


def _validated_sql(kind: FileKind, prepared: PreparedFile, plan: _ColumnPlan) -> str:
    by_field = {check.field.name: check for check in plan.checks}
    values = [
        f"{by_field[f.name].value_sql() if f.name in by_field else 'null'} as {f.column}"
        for f in kind.fields
    ]
    if kind.keeps_extra_columns:
        values.append(f"{_extras_sql(plan)} as {EXTRA_ATTRIBUTES_COLUMN}")
    select_list = ",\n    ".join(values)
    return f"""
create or replace temp table {_VALIDATED} as
select
    cast(line_number as bigint) as line_number,
    {select_list},
    {reason_sql(plan.checks)} as reject_reason,
    {raw_line_sql(plan.parsed_columns)} as raw_line
from {_read_csv_sql(prepared, plan)}
"""


def _previous_load(con: duckdb.DuckDBPyConnection, identity: FileIdentity) -> tuple | None:
    return con.execute(
        f"""
        select load_id, sha256 from {MANIFEST_TABLE}
        where kind = ? and instance_id = ? and file_date = ? and status in {LANDED_STATUSES}
        order by finished_at desc limit 1
        """,
        [identity.kind.value, identity.instance_id, identity.file_date],
    ).fetchone()


class Lander:
    """Lands files into one open warehouse connection (the only writer while it runs)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, work_dir: Path | None = None) -> None:
        self.con = con
        self.work_dir = work_dir

    def land(self, path: Path, source_uri: str | None = None) -> FileResult:
        """Land one file; never raises for bad input — the result says what happened."""
        started = datetime.now()
        clock = time.monotonic()
        parsed = parse_file_name(path.name)
        identity = parsed.identity
        source_uri = source_uri or path.resolve().as_uri()
        sha256 = content_sha256(path, parsed.gzipped)
        previous = _previous_load(self.con, identity)
        if previous and previous[1] == sha256:
            return FileResult(path.name, identity, FileStatus.UNCHANGED, load_id=previous[0])
        load_id = f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}"
        manifest = _ManifestRow(load_id, identity, path, source_uri, sha256, started)
        with tempfile.TemporaryDirectory(dir=self.work_dir, prefix="omni-landing-") as tmp:
            try:
                prepared = prepare_file(path, parsed.gzipped, Path(tmp) / "records.csv")
                plan = plan_columns(identity.kind, prepared.header)
            except (FileRejected, EmptyFileError) as exc:
                return self._record_rejected_file(manifest, str(exc), clock)
            try:
                return self._land_prepared(
                    manifest, prepared, plan, previous[0] if previous else None, clock
                )
            except duckdb.Error as exc:
                self.con.execute("rollback")
                return self._record_failure(
                    manifest, f"load failed and was rolled back: {exc}", clock
                )

    def _land_prepared(
        self,
        manifest: _ManifestRow,
        prepared: PreparedFile,
        plan: _ColumnPlan,
        previous_load_id: str | None,
        clock: float,
    ) -> FileResult:
        identity = manifest.identity
        con = self.con
        con.execute("begin transaction")
        con.execute(f"drop table if exists {_REJECT_ERRORS}")
        con.execute(f"drop table if exists {_REJECT_SCANS}")
        con.execute(_validated_sql(identity.kind, prepared, plan))
        if previous_load_id:
            # Only the latest landed delivery of a file has rows: replace exactly those.
            for table in (raw_table_name(identity.kind), REJECTS_TABLE):
                con.execute(f"delete from {table} where load_id = ?", [previous_load_id])
        loaded = self._insert_accepted(manifest)
        rejected = self._insert_rejects(manifest, prepared)
        read = loaded + rejected
        status = FileStatus.REPLACED if previous_load_id else FileStatus.LOADED
        message = f"ignored unknown columns: {', '.join(plan.ignored)}" if plan.ignored else None
        result = FileResult(
            manifest.path.name,
            identity,
            status,
            read,
            loaded,
            rejected,
            message,
            manifest.load_id,
            time.monotonic() - clock,
        )
        manifest.insert(con, result, prepared.encoding)
        con.execute(f"drop table {_VALIDATED}")
        con.execute("commit")
        return result

    def _insert_accepted(self, manifest: _ManifestRow) -> int:
        kind = manifest.identity.kind
        table = raw_table_name(kind)
        columns = [f.column for f in kind.fields]
        if kind.keeps_extra_columns:
            columns.append(EXTRA_ATTRIBUTES_COLUMN)
        column_list = ", ".join(columns)
        identity = manifest.identity
        return self.con.execute(
            f"""
            insert into {table} ({column_list}, instance_id, file_date, file_name,
                                 line_number, load_id)
            select {column_list}, ?, ?, ?, line_number, ?
            from {_VALIDATED}
            where reject_reason is null
            order by line_number
            """,
            [identity.instance_id, identity.file_date, manifest.path.name, manifest.load_id],
        ).fetchone()[0]

    def _insert_rejects(self, manifest: _ManifestRow, prepared: PreparedFile) -> int:
        identity = manifest.identity
        lineage = [
            manifest.load_id,
            identity.kind.value,
            identity.instance_id,
            identity.file_date,
            manifest.path.name,
        ]
        insert = f"insert into {REJECTS_TABLE} select ?, ?, ?, ?, ?, line_number, raw_line, reason"
        validation = self.con.execute(
            f"""{insert} from (
                select line_number, raw_line, reject_reason as reason from {_VALIDATED}
                where reject_reason is not null
            )""",
            lineage,
        ).fetchone()[0]
        structural = self.con.execute(
            f"""{insert} from (
                select
                    try_cast(split_part(csv_line, '|', 1) as bigint) as line_number,
                    substr(csv_line, strpos(csv_line, '|') + 1) as raw_line,
                    string_agg(distinct case error_type {_structural_cases()}
                        else error_message end, '; ') as reason
                from {_REJECT_ERRORS}
                group by csv_line
            )""",
            lineage,
        ).fetchone()[0]
        for line in prepared.undecodable:
            self.con.execute(
                f"insert into {REJECTS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)",
                [*lineage, line.line_number, line.raw_line, line.reason],
            )
        return validation + structural + len(prepared.undecodable)

    def _record_rejected_file(
        self, manifest: _ManifestRow, message: str, clock: float
    ) -> FileResult:
        result = FileResult(
            manifest.path.name,
            manifest.identity,
            FileStatus.REJECTED,
            message=message,
            load_id=manifest.load_id,
            seconds=time.monotonic() - clock,
        )
        manifest.insert(self.con, result, None)
        return result

    def _record_failure(self, manifest: _ManifestRow, message: str, clock: float) -> FileResult:
        result = FileResult(
            manifest.path.name,
            manifest.identity,
            FileStatus.FAILED,
            message=message,
            load_id=manifest.load_id,
            seconds=time.monotonic() - clock,
        )
        manifest.insert(self.con, result, None)
        return result


def _structural_cases() -> str:
    return " ".join(
        f"when {sql_string(kind)} then {sql_string(reason)}"
        for kind, reason in _STRUCTURAL_REASONS.items()
    )


@dataclass(frozen=True)
class _ManifestRow:
    load_id: str
    identity: FileIdentity
    path: Path
    source_uri: str
    sha256: str
    started_at: datetime

    def insert(
        self, con: duckdb.DuckDBPyConnection, result: FileResult, encoding: str | None
    ) -> None:
        con.execute(
            f"insert into {MANIFEST_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.load_id,
                self.identity.kind.value,
                self.identity.instance_id,
                self.identity.file_date,
                self.path.name,
                self.source_uri,
                self.path.stat().st_size,
                self.sha256,
                encoding,
                result.rows_read,
                result.rows_loaded,
                result.rows_rejected,
                result.status.value,
                result.message,
                self.started_at,
                datetime.now(),
            ],
        )
