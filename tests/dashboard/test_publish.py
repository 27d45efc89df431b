"""Publishing: readers get whole sets, never the warehouse; a failed publication changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from loaders.publish import PUBLISHED_MARTS, current_set, open_set, publish
from tests.dashboard.conftest import write_small_warehouse


def at(minute: int) -> datetime:
    return datetime(2026, 7, 6, 3, minute, tzinfo=UTC)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return write_small_warehouse(tmp_path / "omni.duckdb")


def test_manifest_names_a_complete_set(warehouse: Path):
    published_dir = warehouse.parent / "published"
    assert current_set(published_dir) is None
    published = publish(warehouse, published_dir, at(0))

    manifest = json.loads((published_dir / "manifest.json").read_text())
    assert manifest["build_id"] == "20260706T030000000000Z"
    assert manifest["as_of_date"] == "2026-06-30"
    assert manifest["row_counts"]["sales_daily"] == 12
    assert manifest["row_counts"]["customer_profile"] == 4
    assert current_set(published_dir) == published
    assert sorted(p.name for p in published.directory.iterdir()) == sorted(PUBLISHED_MARTS)
    # Daily marts one file per month (the fixture's AR sales run from June 1 to July 5).
    assert sorted(p.name for p in (published.directory / "sales_daily").iterdir()) == [
        "2026-06.parquet",
        "2026-07.parquet",
    ]
    assert [p.name for p in (published.directory / "customer_profile").iterdir()] == ["all.parquet"]
    with closing(open_set(published)) as con:
        total = con.execute("select sum(sales) from sales_daily").fetchone()[0]
    assert total == 1494  # 495.00 of AR + 999.00 of CL


def test_readers_never_need_the_warehouse(warehouse: Path):
    """A build holds the DuckDB file read-write; the published set stays readable meanwhile."""
    published = publish(warehouse, warehouse.parent / "published", at(0))
    holder = (
        f"import duckdb, sys; con = duckdb.connect({str(warehouse)!r}); "
        "print('open', flush=True); sys.stdin.read()"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(warehouse), read_only=True)  # what a direct reader would hit
        with closing(open_set(current_set(published.directory.parents[1]))) as con:
            assert con.execute("select count(*) from sales_daily").fetchone()[0] == 12
    finally:
        writer.communicate("", timeout=30)


def test_a_new_build_replaces_the_set_and_old_sets_are_pruned(warehouse: Path):
    published_dir = warehouse.parent / "published"
    first = publish(warehouse, published_dir, at(0))
    with closing(duckdb.connect(str(warehouse))) as con:
        con.execute("delete from marts.sales_daily where instance_id = 'CL'")
    sets = [publish(warehouse, published_dir, at(minute)) for minute in (1, 2, 3)]

    latest = current_set(published_dir)
    assert latest == sets[-1]
    assert latest.row_counts["sales_daily"] == 11
    # The current set and the two before it stay for readers still on them.
    kept = sorted(p.name for p in (published_dir / "sets").iterdir())
    assert kept == [s.build_id for s in sets]
    assert not first.directory.exists()


def test_a_failed_publication_keeps_the_previous_set(warehouse: Path):
    published_dir = warehouse.parent / "published"
    before = publish(warehouse, published_dir, at(0))
    with closing(duckdb.connect(str(warehouse))) as con:
        con.execute("drop table marts.customer_profile")
    with pytest.raises(duckdb.CatalogException):
        publish(warehouse, published_dir, at(1))
    assert current_set(published_dir) == before
    assert current_set(published_dir).as_of_date == date(2026, 6, 30)
    with closing(open_set(before)) as con:
        assert con.execute("select count(*) from customer_profile").fetchone()[0] == 4


def test_unchanged_months_are_linked_from_the_previous_set(warehouse: Path):
    """A build that changed only July rewrites July's file and links June's."""
    published_dir = warehouse.parent / "published"
    first = publish(warehouse, published_dir, at(0))
    with closing(duckdb.connect(str(warehouse))) as con:
        # Same row count, one amount changed: the fingerprint must still see it.
        con.execute("update marts.sales_daily set sales = 71.00 where order_date = '2026-07-05'")
    second = publish(warehouse, published_dir, at(1))

    def inode(published, part: str) -> int:
        return published.part_path("sales_daily", part).stat().st_ino

    assert inode(second, "2026-06") == inode(first, "2026-06")
    assert inode(second, "2026-07") != inode(first, "2026-07")
    assert second.row_counts["sales_daily"] == 12
    with closing(open_set(second)) as con:
        assert con.execute("select sum(sales) from sales_daily").fetchone()[0] == 1495
    with closing(open_set(first)) as con:  # a reader still on the first set sees it unchanged
        assert con.execute("select sum(sales) from sales_daily").fetchone()[0] == 1494


def test_the_profile_is_rewritten_when_as_of_date_moves_and_linked_when_unchanged(warehouse: Path):
    """Every profile row holds as_of_date: a new date rewrites the profile without hashing it.
    At the same date, a profile whose rows' hash matches the previous set's is linked."""
    published_dir = warehouse.parent / "published"

    def publish_profile(minute: int) -> tuple[int, dict[str, str]]:
        published = publish(warehouse, published_dir, at(minute))
        inode = published.part_path("customer_profile", "all").stat().st_ino
        return inode, published.fingerprints["customer_profile"]

    first, first_fingerprint = publish_profile(0)
    hashed, hashed_fingerprint = publish_profile(1)
    linked, _ = publish_profile(2)
    with closing(duckdb.connect(str(warehouse))) as con:
        con.execute("update marts.customer_profile set as_of_date = date '2026-07-01'")
    moved, moved_fingerprint = publish_profile(3)
    with closing(duckdb.connect(str(warehouse))) as con:
        con.execute("update marts.customer_profile set email = upper(email)")
    upper, _ = publish_profile(4)  # hashes the July rows
    with closing(duckdb.connect(str(warehouse))) as con:
        con.execute("update marts.customer_profile set email = lower(email)")
    changed, _ = publish_profile(5)

    assert first_fingerprint == {"all": "4:as of 2026-06-30"}  # no previous set
    assert hashed != first and hashed_fingerprint != first_fingerprint
    assert linked == hashed
    assert moved != linked and moved_fingerprint == {"all": "4:as of 2026-07-01"}
    assert current_set(published_dir).row_counts["customer_profile"] == 4
    assert changed != upper  # same as_of_date, other rows: the rows' hash sees the change
    with closing(open_set(current_set(published_dir))) as con:
        lower = "select count(*) from customer_profile where email = lower(email)"
        assert con.execute(lower).fetchone()[0] == 4


def test_built_at_is_not_published_and_does_not_change_a_fingerprint(warehouse: Path):
    """A build that rewrote rows with the same values changes only their built_at: the months
    are linked, and no published file has the column."""
    published_dir = warehouse.parent / "published"
    with closing(duckdb.connect(str(warehouse))) as con:
        con.execute(
            "alter table marts.sales_daily "
            "add column built_at timestamp default timestamp '2026-07-06 03:00:00'"
        )
    first = publish(warehouse, published_dir, at(0))
    june = first.part_path("sales_daily", "2026-06").stat().st_ino
    with closing(duckdb.connect(str(warehouse))) as con:
        con.execute("update marts.sales_daily set built_at = timestamp '2026-07-07 03:00:00'")
    second = publish(warehouse, published_dir, at(1))

    assert second.part_path("sales_daily", "2026-06").stat().st_ino == june
    with closing(open_set(second)) as con:
        columns = [row[0] for row in con.execute("describe sales_daily").fetchall()]
    assert "built_at" not in columns
    assert "order_date" in columns
