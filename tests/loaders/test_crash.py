"""A process killed in the middle of a file leaves earlier files loaded and that file absent."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

from loaders.contract import FileKind
from loaders.folder import list_contract_files
from loaders.landing import FileStatus, Lander
from loaders.warehouse import connect
from tests.conftest import header

# Runs the real loader in a child process and kills it (os._exit: no cleanup, no commit) right
# after the second file's rows were inserted, inside that file's open transaction.
CRASHING_LOAD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from loaders import landing
    from loaders.folder import list_contract_files
    from loaders.warehouse import connect

    insert_accepted = landing.Lander._insert_accepted
    calls = []

    def insert_then_die(self, manifest):
        inserted = insert_accepted(self, manifest)
        calls.append(inserted)
        if len(calls) == 2:
            os._exit(9)
        return inserted

    landing.Lander._insert_accepted = insert_then_die
    con = connect(Path(sys.argv[1]))
    lander = landing.Lander(con, work_dir=Path(sys.argv[3]))
    for path in list_contract_files(Path(sys.argv[2])).files:
        lander.land(path)
    """
)


def orders_file(write_file, day: str, numbers: list[str]) -> Path:
    rows = [f"{n}|BA01|U1|{day[6:]}/{day[4:6]}/{day[:4]}|1|1|10.00|8|0|0|||||" for n in numbers]
    return write_file(f"ICOMMKT_ORDERS_AR_{day}.txt", [header(FileKind.ORDERS), *rows])


def test_crash_between_two_files(write_file, inbox: Path, tmp_path: Path):
    orders_file(write_file, "20260601", ["A1", "A2"])
    orders_file(write_file, "20260602", ["B1", "B2", "B3"])
    database = tmp_path / "crash.duckdb"
    child = subprocess.run(
        [sys.executable, "-c", CRASHING_LOAD, str(database), str(inbox), str(tmp_path)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
    )
    assert child.returncode == 9, child.stderr

    with duckdb.connect(str(database)) as con:
        landed = con.execute("select order_number from raw.orders order by 1").fetchall()
        manifest = con.execute("select file_name, status from raw.load_manifest").fetchall()
    assert landed == [("A1",), ("A2",)]
    assert manifest == [("ICOMMKT_ORDERS_AR_20260601.txt", "loaded")]

    # Re-running the same folder completes the job: the first file is not loaded twice.
    con = connect(database)
    results = [Lander(con, tmp_path).land(p) for p in list_contract_files(inbox).files]
    assert [r.status for r in results] == [FileStatus.UNCHANGED, FileStatus.LOADED]
    assert con.execute("select count(*) from raw.orders").fetchone() == (5,)
    con.close()
