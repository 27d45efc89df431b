"""Shared fixtures: contract files written byte for byte, and a fresh warehouse per test."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from loaders.contract import FileKind
from loaders.landing import Lander
from loaders.warehouse import connect

WriteFile = Callable[..., Path]


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
