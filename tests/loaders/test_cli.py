"""Exit codes and messages scripts rely on (no dbt involved)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from loaders.contract import FileKind
from tests.conftest import header, run_omni


def omni(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMNI_WAREHOUSE": str(tmp_path / "w.duckdb"), "COLUMNS": "200"}
    return run_omni(env, *args)


def test_wrong_usage_exits_2(tmp_path):
    completed = omni(tmp_path, "build", "--as-of", "31/03/2026")
    assert completed.returncode == 2
    assert "'31/03/2026' is not a date YYYY-MM-DD" in completed.stderr


def test_missing_folder_exits_1(tmp_path):
    completed = omni(tmp_path, "load", str(tmp_path / "nowhere"))
    assert completed.returncode == 1
    assert "is not a folder" in completed.stdout


def test_a_refused_file_exits_1_and_says_why_while_others_load(write_file, inbox, tmp_path):
    write_file("ICOMMKT_ORDERS_AR_20260601.txt", ["OrderNumber|StoreCode", "O1|BA01"])
    write_file(
        "ICOMMKT_ORDERSDETAILCATEGORIES_AR_20260601.txt",
        [header(FileKind.ORDERSDETAILCATEGORIES), "O1|BA01|SKU1|Shoes"],
    )
    write_file("notes.txt", ["not a contract file"])
    completed = omni(tmp_path, "load", str(inbox))
    assert completed.returncode == 1
    assert "ICOMMKT_ORDERS_AR_20260601.txt: rejected: required column(s) missing" in (
        completed.stdout.replace("\n", " ")
    )
    assert "'notes.txt' is not a contract file name" in completed.stdout
    assert "1 loaded, 1 rejected" in completed.stdout

    status = omni(tmp_path, "status")
    assert status.returncode == 0
    assert "Files in the manifest" in status.stdout
    assert "Gaps: not built yet" in status.stdout


def test_status_without_a_warehouse_exits_1(tmp_path):
    completed = omni(tmp_path, "status")
    assert completed.returncode == 1
    assert "No warehouse" in completed.stdout
