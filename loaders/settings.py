"""Where things live: project folder, warehouse file, inbox. Environment variables win.

The CLI resolves every path to an absolute one before calling dbt, so `profiles.yml` and the
loader always agree on the warehouse whatever the working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from loaders.memory import block_allocator_memory, machine_memory

PACKAGE_PARENT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    project_dir: Path
    warehouse: Path
    inbox: Path
    memory_limit: str
    api_spool_dir: Path | None = None
    raw_parquet_override: Path | None = None
    spark_dir_override: Path | None = None

    @property
    def api_spool(self) -> Path:
        """The API's spool of accepted records (SPEC §4), beside the warehouse by default."""
        return self.api_spool_dir or self.warehouse.parent / "api-spool"

    @property
    def raw_parquet(self) -> Path:
        """Where `omni publish-raw` writes the raw layer as Parquet, for Spark to read."""
        return self.raw_parquet_override or self.warehouse.parent / "raw_parquet"

    @property
    def spark_dir(self) -> Path:
        """The local Spark session's tables and metastore (`--target spark`)."""
        return self.spark_dir_override or self.warehouse.parent / "spark"

    @property
    def landing_directory(self) -> Path:
        """Scratch space for files being landed (DuckDB itself spills to `<file>.tmp/`)."""
        return self.warehouse.parent / f"{self.warehouse.name}.landing"

    @property
    def published_directory(self) -> Path:
        """Parquet copies of the marts readers use, replaced whole after each build."""
        return self.warehouse.parent / "published"

    def dbt_environment(self) -> dict[str, str]:
        """Variables `profiles.yml` reads, so dbt opens the same file the loader wrote."""
        return {
            "OMNI_WAREHOUSE": str(self.warehouse),
            "OMNI_MEMORY_LIMIT": self.memory_limit,
            "OMNI_BLOCK_ALLOCATOR_MEMORY": os.environ.get(
                "OMNI_BLOCK_ALLOCATOR_MEMORY",
                block_allocator_memory(self.memory_limit, machine_memory()),
            ),
            "OMNI_RAW_PARQUET": str(self.raw_parquet),
            "OMNI_SPARK_DIR": str(self.spark_dir),
        }


def load_settings() -> Settings:
    project_dir = Path(os.environ.get("OMNI_PROJECT_DIR", PACKAGE_PARENT)).resolve()
    warehouse = Path(os.environ.get("OMNI_WAREHOUSE", project_dir / "warehouse" / "omni.duckdb"))
    inbox = Path(os.environ.get("OMNI_INBOX", project_dir / "inbox"))
    spool = os.environ.get("OMNI_API_SPOOL")
    # Spark's input (raw Parquet) and output sit beside the DuckDB file unless told otherwise.
    raw_parquet = os.environ.get("OMNI_RAW_PARQUET")
    spark_dir = os.environ.get("OMNI_SPARK_DIR")
    return Settings(
        project_dir=project_dir,
        warehouse=_absolute(warehouse, project_dir),
        inbox=_absolute(inbox, project_dir),
        memory_limit=os.environ.get("OMNI_MEMORY_LIMIT", "7GB"),
        api_spool_dir=_absolute(Path(spool), project_dir) if spool else None,
        raw_parquet_override=_absolute(Path(raw_parquet), project_dir) if raw_parquet else None,
        spark_dir_override=_absolute(Path(spark_dir), project_dir) if spark_dir else None,
    )


def _absolute(path: Path, project_dir: Path) -> Path:
    """Relative paths in variables are taken from the working directory, like any CLI path."""
    return path if path.is_absolute() else (Path.cwd() / path).resolve()
