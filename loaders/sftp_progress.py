"""What `omni load sftp://…` shows: a bar per download (bytes, speed), then a run summary."""

from __future__ import annotations

import time

from rich.console import Console
from rich.filesize import decimal as human_bytes
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from loaders import report
from loaders.landing import FileResult
from loaders.settings import Settings
from loaders.sftp import RemoteFile, SftpError, SftpEvents, SftpRun, load_sftp
from loaders.sftp_config import SftpConfig


def load_sftp_with_progress(
    settings: Settings, config: SftpConfig, console: Console
) -> SftpRun | None:
    """One pass over the inbox, a bar per download, then the summary; None: could not connect."""
    console.print(f"Inbox {config.url} (after load: {config.after_load})")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        tasks: dict[str, list] = {}  # name -> [task id, start time, bytes received]

        def started(remote: RemoteFile) -> None:
            if remote.name in tasks:  # a retry restarts the download from the beginning
                progress.remove_task(tasks[remote.name][0])
            task = progress.add_task(remote.name, total=remote.size)
            tasks[remote.name] = [task, time.monotonic(), 0]

        def received(remote: RemoteFile, size: int) -> None:
            progress.update(tasks[remote.name][0], advance=size)
            tasks[remote.name][2] += size

        def done(remote: RemoteFile, result: FileResult) -> None:
            how = "archived copy"
            if remote.name in tasks:
                task, start, received = tasks.pop(remote.name)
                progress.remove_task(task)
                seconds = max(time.monotonic() - start, 1e-6)
                how = f"{human_bytes(received)} in {seconds:.1f} s"
                how += f", {human_bytes(int(received / seconds))}/s"
            colour = "red" if not result.ok else "default"
            progress.console.print(
                f"[{colour}]{remote.name}: {result.status.value}[/] ({how}; "
                f"{result.rows_loaded:,} rows loaded, {result.rows_rejected:,} rejected)"
            )

        def retrying(what: str, exc: Exception, delay: float) -> None:
            progress.console.print(
                f"[yellow]{escape(f'{what}: {exc!r}')}; retrying in {delay:g} s[/]"
            )

        try:
            run = load_sftp(settings, config, SftpEvents(started, received, done, retrying))
        except SftpError as exc:
            console.print(f"[red]SFTP source: {escape(str(exc))}[/]")
            return None
        finally:
            for task, *_ in tasks.values():  # downloads deferred or cut short
                progress.remove_task(task)
    if run.results:
        console.print(report.kind_totals_table(run.results))
    console.print(
        f"Files: {report.status_counts(run.results) or 'none'}; downloaded "
        f"{run.files_downloaded} ({human_bytes(run.bytes_downloaded)}) in {run.seconds:.1f} s"
    )
    for line in run.ignored:
        console.print(f"[yellow]ignored[/] {escape(line)}")
    for line in run.deferred:
        console.print(f"[yellow]deferred[/] {escape(line)}")
    for line in [*run.refused, *report.file_problems(run.results), *run.problems]:
        console.print(f"[red]{escape(line)}[/]")
    return run
