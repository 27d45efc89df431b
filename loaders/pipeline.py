"""The jobs the CLI runs: land a folder, build the dbt project, read back what happened."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path

from loaders.folder import FolderListing
from loaders.landing import FileResult, Lander
from loaders.settings import Settings
from loaders.warehouse import connect

OnFile = Callable[[Path, FileResult], None]


def load_folder(
    settings: Settings, listing: FolderListing, on_file: OnFile | None = None
) -> list[FileResult]:
    """Land every listed file, one transaction each, in landing order."""
    results = []
    with closing(connect(settings.warehouse, settings.memory_limit)) as con:
        lander = Lander(con, work_dir=settings.temp_directory)
        settings.temp_directory.mkdir(parents=True, exist_ok=True)
        for path in listing.files:
            result = lander.land(path)
            results.append(result)
            if on_file:
                on_file(path, result)
    return results


def dbt_build(
    settings: Settings, as_of: date | None = None, extra_args: list[str] | None = None
) -> bool:
    """Run `dbt build` in-process against the settings' warehouse; True when it succeeded."""
    from dbt.cli.main import dbtRunner  # imported late: dbt takes a second to import

    os.environ.update(settings.dbt_environment())
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with closing(connect(settings.warehouse, settings.memory_limit)):
        pass  # the raw layer must exist before dbt's sources are read
    args = [
        "build",
        "--project-dir",
        str(settings.project_dir),
        "--profiles-dir",
        str(settings.project_dir),
    ]
    if as_of:
        args += ["--vars", json.dumps({"as_of_date": as_of.isoformat()})]
    result = dbtRunner().invoke(args + (extra_args or []))
    return bool(result.success)
