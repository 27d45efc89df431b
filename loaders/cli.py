"""`omni`: the command line. Thin on purpose: it parses arguments and calls the package.

Exit codes scripts can rely on: 0 success; 1 a file was refused or failed, or dbt failed;
2 wrong usage.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from loaders import profile_yaml, report
from loaders.export import ExportError, export_profile
from loaders.folder import list_contract_files
from loaders.landing import FileResult, FileStatus
from loaders.pipeline import (
    dbt_build,
    dbt_docs_generate,
    dbt_docs_serve,
    dbt_results_summary,
    load_folder,
)
from loaders.publish import current_set, publish
from loaders.settings import Settings, load_settings
from loaders.sftp_config import CONFIG_ENV, SftpConfigError, is_sftp_url, load_sftp_config
from loaders.sftp_progress import load_sftp_with_progress
from loaders.warehouse import connect
from loaders.watch import run_every

DEMO_END_DATE = date(2026, 6, 30)
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
console = Console()


def _iso_date(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from exc


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"),
        console=console,
        transient=False,
    )


def cmd_generate(args: argparse.Namespace, settings: Settings) -> int:
    from loaders.generator import GeneratorOptions, generate

    out = args.out or settings.inbox
    out.mkdir(parents=True, exist_ok=True)
    options = GeneratorOptions(
        customers=args.customers,
        days=args.days,
        instances=args.instances,
        end_date=args.end_date,
        seed=args.seed,
        orders=args.orders,
        cp1252_share=args.cp1252_share,
        shuffle_headers=args.shuffle_headers,
        extra_customer_columns=args.extra_customer_columns,
        malformed_share=args.malformed_share,
        gzip=args.gzip,
    )
    with _progress() as progress:
        task = progress.add_task("generating", total=4 * args.days * args.instances, current="")
        try:
            summary = generate(
                out,
                options,
                on_file=lambda f: progress.update(task, advance=1, current=f.path.name),
            )
        except ValueError as exc:
            console.print(f"[red]omni generate: {exc}[/]")
            return EXIT_USAGE
    console.print(f"Wrote {len(summary.files)} files to {out}")
    return EXIT_OK


def _load(folder: Path, settings: Settings) -> list[FileResult]:
    listing = list_contract_files(folder)
    for why in listing.ignored:
        console.print(f"[yellow]ignored[/] {why}")
    with _progress() as progress:
        task = progress.add_task("loading", total=len(listing.files), current="")

        def advance(path: Path, result: FileResult) -> None:
            progress.update(task, advance=1, current=f"{path.name}: {result.status.value}")

        results = load_folder(settings, listing, advance)
    console.print(report.kind_totals_table(results))
    console.print(f"Files: {report.status_counts(results) or 'none'}")
    for problem in report.file_problems(results):
        console.print(f"[red]{problem}[/]")
    return results


def _load_source(args: argparse.Namespace, settings: Settings) -> tuple[int, list[FileResult]]:
    """Load the folder or sftp:// URL given (else the config file's URL, else the inbox)."""
    source = args.folder
    if source is None or is_sftp_url(source):
        try:
            config = load_sftp_config(source, args.config)
        except SftpConfigError as exc:
            console.print(f"[red]omni {args.command}: {exc}[/]")
            return EXIT_USAGE, []
        if config is None and args.config is not None:
            console.print(
                f"[red]omni {args.command}: {args.config} has no url and none was given[/]"
            )
            return EXIT_USAGE, []
        if config is not None:
            run = load_sftp_with_progress(settings, config, console)
            if run is None:
                return EXIT_FAILED, []
            return (EXIT_OK if run.ok else EXIT_FAILED), run.results
    folder = Path(source) if source else settings.inbox
    if not folder.is_dir():
        console.print(f"[red]{folder} is not a folder[/]")
        return EXIT_FAILED, []
    results = _load(folder, settings)
    return (EXIT_OK if all(r.ok for r in results) else EXIT_FAILED), results


def _ingest_api(settings: Settings) -> tuple[int, int]:
    """Take the API's accepted records into the raw layer; (exit code, records ingested)."""
    from loaders.api.ingest import ingest_spool

    if not settings.api_spool.is_dir():
        return EXIT_OK, 0
    settings.landing_directory.mkdir(parents=True, exist_ok=True)
    try:
        with closing(connect(settings.warehouse, settings.memory_limit)) as con:
            result = ingest_spool(con, settings.api_spool, settings.landing_directory)
    except (duckdb.Error, OSError) as exc:
        console.print(f"[red]API spool not ingested (it will be retried): {exc}[/]")
        return EXIT_FAILED, 0
    if result.ranges:
        corrupt = result.corrupt_lines
        skipped = f", {corrupt} corrupt line(s) skipped" if corrupt else ""
        console.print(
            f"API: {result.orders:,} order(s) and {result.customers:,} customer(s) ingested "
            f"from {result.ranges} spool segment range(s){skipped}"
        )
    return EXIT_OK, result.records


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    code = _load_source(args, settings)[0]
    return max(code, _ingest_api(settings)[0])


def cmd_build(args: argparse.Namespace, settings: Settings, quiet: bool = False) -> int:
    target = getattr(args, "target", "duckdb")
    if target == "spark" and not settings.raw_parquet.is_dir():
        console.print(
            f"[red]No raw Parquet at {settings.raw_parquet}: run `omni publish-raw` first[/]"
        )
        return EXIT_FAILED
    extra_args = ["--full-refresh"] if getattr(args, "full_refresh", False) else None
    unit_tests = getattr(args, "unit_tests", False)
    built = dbt_build(
        settings, args.as_of, extra_args, quiet=quiet, target=target, unit_tests=unit_tests
    )
    console.print(
        f"dbt build {'passed' if built else '[red]failed[/]'}: {dbt_results_summary(settings)}"
    )
    if built and target == "duckdb":
        console.print(f"Published the dashboard's marts to {settings.published_directory}")
    return EXIT_OK if built else EXIT_FAILED


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    """Publish the warehouse's marts as they stand (e.g. a warehouse built before publishing)."""
    if not settings.warehouse.exists():
        console.print(f"[red]No warehouse at {settings.warehouse}: run `omni build` first.[/]")
        return EXIT_FAILED
    try:
        published = publish(settings.warehouse, settings.published_directory)
    except duckdb.Error as exc:
        console.print(f"[red]omni publish: {exc}[/]")
        return EXIT_FAILED
    console.print(f"Published {published.directory} (profile as of {published.as_of_date})")
    return EXIT_OK


def cmd_dashboard(args: argparse.Namespace, settings: Settings) -> int:
    """Streamlit in a child process, reading the published marts of this warehouse."""
    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]
    console.print(f"Dashboard on http://{args.address}:{args.port} (Ctrl-C stops it)")
    env = {**os.environ, "OMNI_WAREHOUSE": str(settings.warehouse)}
    try:
        return subprocess.run(command, env=env, check=False).returncode
    except KeyboardInterrupt:
        return EXIT_OK


def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    if not dbt_docs_generate(settings):
        console.print("[red]dbt docs generate failed[/]")
        return EXIT_FAILED
    console.print(f"Docs site written to {settings.project_dir / 'target'}")
    if args.no_serve:
        return EXIT_OK
    console.print(f"Serving it on http://localhost:{args.port} (Ctrl-C stops it)")
    try:
        return dbt_docs_serve(settings, args.port)
    except KeyboardInterrupt:
        return EXIT_OK


def cmd_export_profile(args: argparse.Namespace, settings: Settings) -> int:
    published = current_set(settings.published_directory)
    if published is None:
        console.print(
            f"[red]No published marts in {settings.published_directory}: run `omni build`.[/]"
        )
        return EXIT_FAILED
    try:
        result = export_profile(published, args.instance, args.out, args.segment, args.where)
    except ExportError as exc:
        console.print(f"[red]omni export profile: {exc}[/]")
        return EXIT_USAGE
    console.print(
        f"Wrote {result.rows:,} customers, {len(result.columns)} columns, to {args.out} "
        f"(profile as of {published.as_of_date})"
    )
    return EXIT_OK


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if args.watch is None:
        loaded = cmd_load(args, settings)
        built = cmd_build(args, settings)
        return max(loaded, built)

    def load() -> tuple[int, bool]:
        code, results = _load_source(args, settings)
        api_code, api_records = _ingest_api(settings)
        landed = (FileStatus.LOADED, FileStatus.REPLACED)
        return max(code, api_code), api_records > 0 or any(r.status in landed for r in results)

    return run_every(args.watch, load, lambda: cmd_build(args, settings), say=console.print)


def cmd_publish_raw(args: argparse.Namespace, settings: Settings) -> int:
    from loaders.publish_raw import publish_raw

    if not settings.warehouse.exists():
        console.print(f"No warehouse at {settings.warehouse} yet: run `omni load` first.")
        return EXIT_FAILED
    out = args.out or settings.raw_parquet
    for published in publish_raw(settings.warehouse, out):
        console.print(f"{published.table}: {published.rows:,} rows -> {published.folder}")
    return EXIT_OK


def cmd_sync_docs(args: argparse.Namespace, settings: Settings) -> int:
    up_to_date = profile_yaml.sync(settings.project_dir, check_only=args.check)
    if up_to_date:
        console.print("customer_profile YAML matches kpi_windows")
        return EXIT_OK
    if args.check:
        console.print("[red]customer_profile YAML is stale: run `omni sync-docs`[/]")
        return EXIT_FAILED
    console.print(f"Rewrote the windowed columns of {profile_yaml.PROFILE_YAML}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.warehouse.exists():
        console.print(f"No warehouse at {settings.warehouse} yet: run `omni load` first.")
        return EXIT_FAILED
    with closing(duckdb.connect(str(settings.warehouse), read_only=True)) as con:
        report.print_all(
            console,
            report.manifest_table(con),
            report.rejects_table(con),
            report.gaps_table(con),
        )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Generate a sample inbox, land it, build, and show what came out."""
    args.out = settings.inbox
    args.unit_tests = True  # the demo shows the whole project at work, its logic checks included
    generated = cmd_generate(args, settings)
    results = _load(settings.inbox, settings)
    built = cmd_build(args, settings, quiet=True)
    if built == EXIT_OK:
        with closing(duckdb.connect(str(settings.warehouse), read_only=True)) as con:
            report.print_all(
                console,
                report.staging_counts_table(con),
                report.profile_sample_table(con),
                report.segment_distribution_table(con),
            )
    console.print(f"Warehouse: {settings.warehouse}")
    refused = any(not r.ok for r in results)
    return max(generated, built, EXIT_FAILED if refused else EXIT_OK)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from loaders.api.app import ApiSettings, serve
    from loaders.api.auth import SecretError

    try:
        api_settings = ApiSettings.from_env(settings.api_spool)
    except (SecretError, ValueError) as exc:
        console.print(f"[red]omni serve: {exc}[/]")
        return EXIT_USAGE
    console.print(f"Spool: {settings.api_spool}")
    serve(api_settings, args.host, args.port)
    return EXIT_OK


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    from loaders.api.auth import SecretError, issue_token, secret_from_env

    try:
        token = issue_token(secret_from_env(), args.instance, args.expires_in)
    except (SecretError, ValueError) as exc:
        console.print(f"[red]omni token: {exc}[/]")
        return EXIT_USAGE
    print(token)
    return EXIT_OK


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds > 0")
    return seconds


def _add_generate_options(parser: argparse.ArgumentParser, demo: bool) -> None:
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--instances", type=int, default=2 if demo else 1)
    parser.add_argument(
        "--orders",
        type=int,
        default=None,
        help="approximate orders per instance (default: 3 per customer)",
    )
    parser.add_argument(
        "--end-date",
        type=_iso_date,
        # The demo is dated: its figures are the same on every machine and every day.
        default=DEMO_END_DATE if demo else date.today() - timedelta(days=1),
        help=f"last file date (default: {DEMO_END_DATE if demo else 'yesterday'})",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cp1252-share", type=float, default=0.1 if demo else 0.0)
    parser.add_argument("--shuffle-headers", action="store_true", default=demo)
    parser.add_argument("--extra-customer-columns", action="store_true", default=demo)
    parser.add_argument("--malformed-share", type=float, default=0.002 if demo else 0.0)
    parser.add_argument("--gzip", action="store_true")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omni", description="Omnichannel customer analytics: load ICOMMKT files, build KPIs."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write sample ICOMMKT daily files")
    generate.add_argument("--out", type=Path, help="folder (default: the inbox)")
    _add_generate_options(generate, demo=False)
    generate.set_defaults(handler=cmd_generate)

    for name, handler, help_text in (
        ("load", cmd_load, "land every contract file of a folder or SFTP inbox"),
        ("run", cmd_run, "load, then build"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument(
            "folder",
            nargs="?",
            metavar="SOURCE",
            help="a folder or sftp://USER@HOST[:PORT]/PATH (default: the config file's url, "
            "else the inbox)",
        )
        command.add_argument(
            "--config",
            type=Path,
            default=Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None,
            help=f"SFTP settings file, TOML with an [sftp] table (default: ${CONFIG_ENV})",
        )
        if name == "run":
            command.add_argument("--as-of", type=_iso_date)
            command.add_argument(
                "--watch",
                type=_seconds,
                metavar="SECONDS",
                help="poll the inbox every SECONDS until interrupted; build when files landed",
            )
        command.set_defaults(handler=handler)

    build = commands.add_parser("build", help="dbt build of every model and test")
    build.add_argument("--as-of", type=_iso_date, help="rebuild as of this date (YYYY-MM-DD)")
    build.add_argument(
        "--target",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="profiles.yml target: the DuckDB warehouse (default) or Spark, which reads the "
        "raw Parquet of `omni publish-raw`",
    )
    build.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental models from the whole raw layer instead of the new loads",
    )
    build.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run dbt's unit tests (DuckDB only); daily builds leave them to development "
        "and CI",
    )
    build.set_defaults(handler=cmd_build)

    publish = commands.add_parser(
        "publish-raw", help="write the raw layer as Parquet partitioned by instance and day"
    )
    publish.add_argument(
        "--out",
        type=Path,
        help="folder (default: $OMNI_RAW_PARQUET, else raw_parquet/ beside the warehouse)",
    )
    publish.set_defaults(handler=cmd_publish_raw)

    sync_docs = commands.add_parser(
        "sync-docs", help="write customer_profile's windowed columns into its YAML"
    )
    sync_docs.add_argument("--check", action="store_true", help="only fail when stale")
    sync_docs.set_defaults(handler=cmd_sync_docs)

    status = commands.add_parser("status", help="manifest, rejects and gaps")
    status.set_defaults(handler=cmd_status)

    serve = commands.add_parser("serve", help="start the real-time API (needs OMNI_API_SECRET)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=cmd_serve)

    token = commands.add_parser("token", help="print an API token (signed with OMNI_API_SECRET)")
    token.add_argument(
        "--instance", action="append", required=True, help="instance it may use (repeatable)"
    )
    token.add_argument("--expires-in", type=int, default=3600, metavar="SECONDS")
    token.set_defaults(handler=cmd_token)

    publish_command = commands.add_parser(
        "publish", help="copy the marts the dashboard and export read to Parquet"
    )
    publish_command.set_defaults(handler=cmd_publish)

    dashboard = commands.add_parser("dashboard", help="serve the sales dashboard (Streamlit)")
    dashboard.add_argument("--port", type=int, default=8501)
    dashboard.add_argument(
        "--address", default="0.0.0.0", help="interface to listen on (default: every one)"
    )
    dashboard.set_defaults(handler=cmd_dashboard)

    docs = commands.add_parser("docs", help="generate the dbt docs site and serve it")
    docs.add_argument("--port", type=int, default=8080)
    docs.add_argument("--no-serve", action="store_true", help="only generate target/")
    docs.set_defaults(handler=cmd_docs)

    export = commands.add_parser("export", help="export a mart for another tool")
    export_kinds = export.add_subparsers(dest="what", required=True)
    profile = export_kinds.add_parser(
        "profile", help="the customer profile as a CSV for a campaign tool"
    )
    profile.add_argument("--instance", required=True)
    profile.add_argument("--segment", type=str.upper, help="one RFM_Segment, e.g. LOYAL_CHAMPIONS")
    profile.add_argument(
        "--where",
        metavar="SQL",
        help="a SQL condition on customer_profile's columns, e.g. '\"ICOMMKT_Total_Value\" > 500'",
    )
    profile.add_argument("--out", type=Path, required=True, help="CSV file to write")
    profile.set_defaults(handler=cmd_export_profile)

    demo = commands.add_parser("demo", help="generate sample data, load it, build, summarise")
    _add_generate_options(demo, demo=True)
    demo.add_argument("--as-of", type=_iso_date)
    demo.set_defaults(handler=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args, load_settings())


if __name__ == "__main__":
    sys.exit(main())
