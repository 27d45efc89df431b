"""The jobs the CLI runs: land a folder, build the dbt project, read back what happened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path

from loaders import profile_yaml
from loaders.folder import FolderListing
from loaders.landing import FileResult, Lander
from loaders.publish import publish
from loaders.settings import Settings
from loaders.warehouse import connect

OnFile = Callable[[Path, FileResult], None]


def load_folder(
    settings: Settings, listing: FolderListing, on_file: OnFile | None = None
) -> list[FileResult]:
    """Land every listed file, one transaction each, in landing order."""
    results = []
    with closing(connect(settings.warehouse, settings.memory_limit)) as con:
        lander = Lander(con, work_dir=settings.landing_directory)
        settings.landing_directory.mkdir(parents=True, exist_ok=True)
        for path in listing.files:
            result = lander.land(path)
            results.append(result)
            if on_file:
                on_file(path, result)
    return results


def dbt_build(
    settings: Settings,
    as_of: date | None = None,
    extra_args: list[str] | None = None,
    quiet: bool = False,
    target: str = "duckdb",
    unit_tests: bool = False,
) -> bool:
    """Run `dbt build` on the warehouse (or on Spark), then publish the marts readers use.

    True when both succeeded. A failed build publishes nothing, so the dashboard and the export
    keep reading the previous build's marts. A Spark build publishes nothing either: the
    dashboard and the export read the DuckDB warehouse's marts.

    dbt's unit tests run only when asked (`unit_tests`), and only on DuckDB. They check the SQL on
    fixed inputs, so they belong in development and CI, as dbt advises, not in every daily build;
    four of their fixtures are DuckDB list and map literals.

    dbt runs in a child process: in-process, dbt-duckdb keeps its connection open after the
    build, which would lock the warehouse for the rest of this process.
    """
    profile_yaml.sync(settings.project_dir)
    if target == "duckdb":
        settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
        with closing(connect(settings.warehouse, settings.memory_limit)):
            pass  # the raw layer must exist before dbt's sources are read
    else:
        # Spark reads the raw layer from `omni publish-raw`'s Parquet, keeps its own tables
        settings.spark_dir.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        "-c",
        "import sys; from dbt.cli.main import cli; sys.exit(cli())",
        *(["--quiet"] if quiet else []),
        "build",
        "--project-dir",
        str(settings.project_dir),
        "--profiles-dir",
        str(settings.project_dir),
        "--target",
        target,
    ]
    if not (unit_tests and target == "duckdb"):
        args += ["--exclude-resource-type", "unit_test"]
    if as_of:
        args += ["--vars", json.dumps({"as_of_date": as_of.isoformat()})]
    # a build that fails before running anything must not report the previous build's results
    (settings.project_dir / "target" / "run_results.json").unlink(missing_ok=True)
    completed = subprocess.run(
        args + (extra_args or []),
        cwd=settings.project_dir,
        env={**os.environ, **settings.dbt_environment()},
        check=False,
    )
    if completed.returncode != 0:
        return False  # readers keep the last good set
    if target == "duckdb":
        publish(settings.warehouse, settings.published_directory)
    return True


def dbt_docs_generate(settings: Settings) -> bool:
    """`dbt docs generate` into the project's target/: the site's manifest and catalog."""
    profile_yaml.sync(settings.project_dir)
    completed = subprocess.run(
        [*_dbt_command(), "docs", "generate", *_project_args(settings)],
        cwd=settings.project_dir,
        env={**os.environ, **settings.dbt_environment()},
        check=False,
    )
    return completed.returncode == 0


def dbt_docs_serve(settings: Settings, port: int) -> int:
    """Serve the generated site until interrupted; returns dbt's exit code."""
    completed = subprocess.run(
        [
            *_dbt_command(),
            "docs",
            "serve",
            "--port",
            str(port),
            "--no-browser",
            *_project_args(settings),
        ],
        cwd=settings.project_dir,
        env={**os.environ, **settings.dbt_environment()},
        check=False,
    )
    return completed.returncode


def _dbt_command() -> list[str]:
    """dbt in a child process, so this process never holds the warehouse open."""
    return [sys.executable, "-c", "import sys; from dbt.cli.main import cli; sys.exit(cli())"]


def _project_args(settings: Settings) -> list[str]:
    return [
        "--project-dir",
        str(settings.project_dir),
        "--profiles-dir",
        str(settings.project_dir),
    ]


def dbt_results_summary(settings: Settings) -> str:
    """'PASS=128 SUCCESS=40 … in 12.3 s, unit tests: 27 run' from the last run's results file."""
    path = settings.project_dir / "target" / "run_results.json"
    if not path.exists():
        return "no results written (see dbt's output above)"
    results = json.loads(path.read_text())
    statuses = Counter(result["status"] for result in results["results"])
    elapsed = results.get("elapsed_time", 0.0)
    counted = " ".join(f"{status.upper()}={n}" for status, n in sorted(statuses.items()))
    unit_tests = sum(result["unique_id"].startswith("unit_test.") for result in results["results"])
    ran = f"{unit_tests} run" if unit_tests else "not run"
    return f"{counted} in {elapsed:.1f} s, unit tests: {ran}"
