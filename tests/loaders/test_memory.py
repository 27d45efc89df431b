"""The buffer pool a build asks DuckDB for (loaders/memory.py)."""

from __future__ import annotations

import os

import duckdb
import pytest

from loaders import memory
from loaders.memory import block_allocator_memory, machine_memory, size_in_bytes
from loaders.settings import load_settings

GIB = 1024**3


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("7GB", 7_000_000_000),
        ("7 GB", 7_000_000_000),
        ("2gb", 2_000_000_000),
        ("6.5 GiB", 6_979_321_856),  # 6.5 x 1024^3
        ("512MiB", 536_870_912),
        ("7000000000B", 7_000_000_000),
        ("80%", None),
        ("lots", None),
    ],
)
def test_size_in_bytes_reads_duckdb_sizes(size: str, expected: int | None):
    assert size_in_bytes(size) == expected


def test_the_pool_is_the_memory_limit_on_a_large_machine():
    assert block_allocator_memory("7GB", 24 * GIB) == "7000000000B"


def test_the_pool_stays_within_three_quarters_of_a_small_machine():
    # DuckDB refuses a pool over 80 % of the machine: 8 GB x 0.75 = 6 GB
    assert block_allocator_memory("7GB", 8_000_000_000) == "6000000000B"


def test_no_pool_when_the_limit_is_not_a_size():
    assert block_allocator_memory("80%", 24 * GIB) == "0B"


@pytest.mark.parametrize("memory_limit", ["7GB", "2GB", "100GB"])
def test_duckdb_accepts_the_pool_on_this_machine(memory_limit: str):
    pool = block_allocator_memory(memory_limit, machine_memory())
    with duckdb.connect() as con:
        con.execute(f"set block_allocator_memory = '{pool}'")
        [(setting,)] = con.execute("select current_setting('block_allocator_memory')").fetchall()
    assert setting != "0 bytes"


def test_dbt_gets_the_pool_unless_the_environment_sets_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OMNI_MEMORY_LIMIT", "3GB")
    monkeypatch.delenv("OMNI_BLOCK_ALLOCATOR_MEMORY", raising=False)
    assert load_settings().dbt_environment()["OMNI_BLOCK_ALLOCATOR_MEMORY"] == "3000000000B"
    monkeypatch.setenv("OMNI_BLOCK_ALLOCATOR_MEMORY", "1GB")
    assert load_settings().dbt_environment()["OMNI_BLOCK_ALLOCATOR_MEMORY"] == "1GB"


def test_a_container_limit_below_the_machine_wins(tmp_path, monkeypatch: pytest.MonkeyPatch):
    unlimited_v2, limited_v1 = tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes"
    unlimited_v2.write_text("max\n")
    limited_v1.write_text("4000000000\n")
    monkeypatch.setattr(memory, "CGROUP_MEMORY_LIMITS", (unlimited_v2, limited_v1))
    assert machine_memory() == 4_000_000_000
    assert block_allocator_memory("7GB", machine_memory()) == "3000000000B"


def test_without_a_container_limit_the_machine_counts(tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(memory, "CGROUP_MEMORY_LIMITS", (tmp_path / "absent",))
    assert machine_memory() == os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
