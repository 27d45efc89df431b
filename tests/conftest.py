"""Shared fixtures: contract files written byte for byte, and a fresh warehouse per test."""

from __future__ import annotations

import gzip
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from loaders.contract import FileKind
from loaders.landing import Lander
from loaders.warehouse import connect

WriteFile = Callable[..., Path]
PROJECT_DIR = Path(__file__).resolve().parent.parent


def run_omni(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """The `omni` CLI as a user runs it: a separate process, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "loaders.cli", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_dbt(env: dict[str, str], *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """dbt on this project in a separate process, output captured."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from dbt.cli.main import cli; sys.exit(cli())",
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def header(kind: FileKind) -> str:
    return "|".join(field.name for field in kind.fields)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def write_file(inbox: Path) -> WriteFile:
    """Write `lines` as a delivered file: encoding, BOM, CRLF and gzip as the test asks."""

    def write(
        name: str,
        lines: list[str],
        *,
        encoding: str = "utf-8",
        bom: bool = False,
        crlf: bool = False,
        compress: bool = False,
    ) -> Path:
        newline = "\r\n" if crlf else "\n"
        data = "".join(line + newline for line in lines).encode(encoding)
        if bom:
            data = b"\xef\xbb\xbf" + data
        path = inbox / name
        path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
        return path

    return write


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path / "warehouse" / "omni.duckdb")
    yield con
    con.close()


@pytest.fixture
def lander(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> Lander:
    return Lander(warehouse, work_dir=tmp_path)
