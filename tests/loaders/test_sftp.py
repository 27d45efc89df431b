"""SFTP source against a real OpenSSH server (tests/sshd.py): auth, host keys, stability checks,
crashes and retries, re-deliveries, after-load policies, hostile names and streaming memory."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import paramiko
import pytest

from loaders.cli import build_parser
from loaders.contract import FileKind
from loaders.folder import list_contract_files
from loaders.generator import GeneratorOptions, generate
from loaders.landing import FileStatus
from loaders.pipeline import load_folder
from loaders.settings import PACKAGE_PARENT, Settings
from loaders.sftp import (
    HostKeyError,
    SftpError,
    SftpEvents,
    SftpRun,
    load_sftp,
    unsafe_name_reason,
)
from loaders.sftp_config import (
    AfterLoad,
    HostKeyPolicy,
    SftpConfig,
    SftpConfigError,
    load_sftp_config,
)
from loaders.watch import run_every
from tests.conftest import header
from tests.sshd import PasswordUser, SshServer, generate_key, require_sshd

DAY1, DAY2, DAY3 = "20260601", "20260602", "20260603"
BIG_ROWS = 60_000  # an orders file of about 4 MB: several download chunks
RAW_TABLES = ("customers", "orders", "order_lines", "order_line_categories")


def orders_lines(day: str, numbers: list[str]) -> list[str]:
    when = f"{day[6:]}/{day[4:6]}/{day[:4]}"
    rows = [f"{n}|BA01|U1|{when}|1|1|10.00|8.26|0|0|CASH|PICKUP||S1|" for n in numbers]
    return [header(FileKind.ORDERS), *rows]


def write_orders(folder: Path, day: str, numbers: list[str]) -> Path:
    path = folder / f"ICOMMKT_ORDERS_AR_{day}.txt"
    path.write_text("".join(line + "\n" for line in orders_lines(day, numbers)))
    return path


def query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def table_counts(settings: Settings) -> dict[str, int]:
    return {t: query(settings, f"select count(*) from raw.{t}")[0][0] for t in RAW_TABLES}


def statuses(run: SftpRun) -> list[tuple[str, FileStatus]]:
    return [(r.file_name, r.status) for r in run.results]


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    require_sshd()
    server = SshServer(tmp_path / "sshd")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """The server-side inbox (the test writes into it as the retailer would)."""
    folder = tmp_path / "server" / "inbox"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def known_hosts(tmp_path: Path, sshd: SshServer) -> Path:
    path = tmp_path / "known_hosts"
    path.write_text(sshd.known_hosts_line())
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        project_dir=PACKAGE_PARENT,
        warehouse=tmp_path / "warehouse" / "omni.duckdb",
        inbox=tmp_path / "no-local-inbox",
        memory_limit="2GB",
    )


@pytest.fixture
def config(sshd: SshServer, remote: Path, known_hosts: Path, tmp_path: Path) -> SftpConfig:
    """Key login as root with short intervals, so faults are quick to provoke."""
    return SftpConfig(
        host="127.0.0.1",
        port=sshd.port,
        username="root",
        remote_dir=str(remote),
        key_file=sshd.client_key,
        known_hosts=known_hosts,
        stability_seconds=0.0,
        archive_dir=tmp_path / "archive",
        retries=2,
        retry_backoff_seconds=0.01,
        timeout_seconds=10.0,
    )


# --------------------------------------------------------------------------------------------
# Settings and names (no server needed)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ICOMMKT_ORDERS_AR_20260630.txt", None),
        ("../ICOMMKT_ORDERS_AR_20260630.txt", "contains a path separator"),
        ("inbox/ICOMMKT_ORDERS_AR_20260630.txt", "contains a path separator"),
        ("..\\ICOMMKT_ORDERS_AR_20260630.txt", "contains a path separator"),
        ("..", "contains '..'"),
        ("ICOMMKT_ORDERS_AR_20260630..txt", "contains '..'"),
        ("ICOMMKT_ORDERS_AR_20260630.txt\n", "contains control characters"),
        ("ICOMMKT_ORDERS_\x1b[2JAR_20260630.txt", "contains control characters"),
        ("ICOMMKT_ORDERS_AR_20260630\u202etxt.exe", "contains control characters"),
        ("", "empty name"),
    ],
)
def test_remote_names_that_could_act_as_paths_are_unsafe(name, reason):
    assert unsafe_name_reason(name) == reason


def test_settings_from_file_environment_and_url(tmp_path: Path):
    key = tmp_path / "keys" / "id_ed25519"
    key.parent.mkdir()
    key.write_text("not read here")
    config_file = tmp_path / "sftp.toml"
    config_file.write_text(
        textwrap.dedent(
            """
            [sftp]
            url = "sftp://other@ignored.example.com/elsewhere"
            key_file = "keys/id_ed25519"
            password = "from-the-file"
            after_load = "leave"
            retries = 7
            """
        )
    )
    config_file.chmod(0o600)
    environ = {"OMNI_SFTP_AFTER_LOAD": "delete", "OMNI_SFTP_STABILITY_SECONDS": "0.5"}

    config = load_sftp_config("sftp://omni@files.example.com:2222/srv/inbox", config_file, environ)

    assert (config.host, config.port, config.username, config.remote_dir) == (
        "files.example.com",
        2222,
        "omni",
        "/srv/inbox",
    )
    assert config.key_file == key  # relative to the config file's folder
    assert config.password == "from-the-file"
    assert "from-the-file" not in repr(config)
    assert (config.after_load, config.stability_seconds, config.retries) == (
        AfterLoad.DELETE,
        0.5,
        7,
    )
    assert config.processed_path == "/srv/inbox/processed"
    assert config.file_url("ICOMMKT_ORDERS_AR_20260630.txt") == (
        "sftp://omni@files.example.com:2222/srv/inbox/ICOMMKT_ORDERS_AR_20260630.txt"
    )
    # Without a URL on the command line, the file's URL is used; `/~/` is the login folder.
    home = load_sftp_config(
        None, None, {"OMNI_SFTP_URL": "sftp://u@h/~/in", "OMNI_SFTP_PASSWORD": "p"}
    )
    assert (home.remote_dir, home.url) == ("in", "sftp://u@h:22/~/in")
    assert load_sftp_config(None, None, {}) is None


@pytest.mark.parametrize(
    ("url", "environ", "message"),
    [
        ("sftp://omni:secret@h/in", {"OMNI_SFTP_PASSWORD": "p"}, "not in the URL"),
        ("sftp://h/in", {"OMNI_SFTP_PASSWORD": "p"}, "has no user"),
        ("sftp://omni@h/in", {}, "no SFTP credentials"),
        (
            "sftp://omni@h/in",
            {"OMNI_SFTP_PASSWORD": "p", "OMNI_SFTP_AFTER_LOAD": "archive"},
            "one of: move, delete, leave",
        ),
        (
            "sftp://omni@h/in",
            {"OMNI_SFTP_PASSWORD": "p", "OMNI_SFTP_PROCESSED_DIR": "."},
            "other than the inbox",
        ),
    ],
)
def test_unusable_settings_are_refused_with_the_reason(url, environ, message):
    with pytest.raises(SftpConfigError, match=message):
        load_sftp_config(url, None, environ)


def test_a_config_file_with_a_password_must_not_be_readable_by_others(tmp_path: Path):
    config_file = tmp_path / "sftp.toml"
    config_file.write_text('[sftp]\nurl = "sftp://omni@h/in"\npassword = "p"\n')
    config_file.chmod(0o644)
    with pytest.raises(SftpConfigError, match="chmod 600"):
        load_sftp_config(None, config_file, {})


def test_watch_builds_first_then_only_after_new_files_or_a_failed_build():
    loads = iter([(0, False), (0, True), (0, False), (1, False)])
    builds = iter([1, 0])
    build_calls, sleeps = [], []

    def build() -> int:
        build_calls.append(len(sleeps) + 1)
        return next(builds)

    code = run_every(
        300, lambda: next(loads), build, sleep=sleeps.append, say=lambda _: None, cycles=4
    )
    assert build_calls == [1, 2]  # cycle 1: always; cycle 2: new files (and the failed build)
    assert sleeps == [300, 300, 300]
    assert code == 1  # the last cycle's load failed


def test_watch_stops_cleanly_on_ctrl_c():
    said = []

    def interrupted(_: float) -> None:
        raise KeyboardInterrupt

    assert run_every(60, lambda: (0, False), lambda: 0, sleep=interrupted, say=said.append) == 0
    assert said == ["next poll in 60 s (Ctrl-C to stop)", "stopped"]


def test_run_accepts_an_sftp_url_and_a_watch_interval():
    args = build_parser().parse_args(["run", "sftp://omni@h:2222/in", "--watch", "300"])
    assert (args.folder, args.watch) == ("sftp://omni@h:2222/in", 300.0)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--watch", "0"])


# --------------------------------------------------------------------------------------------
# Against the test sshd
# --------------------------------------------------------------------------------------------


def run_cli(settings: Settings, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "loaders.cli", *args],
        cwd=PACKAGE_PARENT,
        env={**os.environ, "OMNI_WAREHOUSE": str(settings.warehouse), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def cli_env(config: SftpConfig) -> dict[str, str]:
    return {
        "OMNI_SFTP_KEY_FILE": str(config.key_file),
        "OMNI_SFTP_KNOWN_HOSTS": str(config.known_hosts),
        "OMNI_SFTP_ARCHIVE_DIR": str(config.archive_dir),
        "OMNI_SFTP_STABILITY_SECONDS": "0.2",
        "COLUMNS": "200",
    }


def test_omni_load_sftp_lands_a_month_like_a_folder_load(sshd, remote, config, settings, tmp_path):
    generated = generate(
        remote, GeneratorOptions(customers=300, days=30, end_date=date(2026, 6, 30))
    )
    local_copy = tmp_path / "local-copy"
    shutil.copytree(remote, local_copy)
    url = sshd.url("root", remote)

    loaded = run_cli(settings, "load", url, env=cli_env(config))

    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "120 loaded" in loaded.stdout
    folder_settings = replace(settings, warehouse=tmp_path / "folder" / "omni.duckdb")
    folder_results = load_folder(folder_settings, list_contract_files(local_copy))
    assert [r.status for r in folder_results] == [FileStatus.LOADED] * 120
    by_kind = generated.valid_by_kind
    expected = {
        "customers": by_kind[FileKind.CUSTOMERS],
        "orders": by_kind[FileKind.ORDERS],
        "order_lines": by_kind[FileKind.ORDERSDETAIL],
        "order_line_categories": by_kind[FileKind.ORDERSDETAILCATEGORIES],
    }
    assert expected == {
        "customers": 1045,
        "orders": 900,
        "order_lines": 1764,
        "order_line_categories": 2878,
    }
    assert table_counts(settings) == table_counts(folder_settings) == expected
    per_file = (
        "select file_name, size_bytes, sha256, rows_read, rows_loaded, rows_rejected, status "
        "from raw.load_manifest order by file_name"
    )
    assert query(settings, per_file) == query(folder_settings, per_file)
    [(source_uri,)] = query(
        settings,
        "select source_uri from raw.load_manifest "
        "where file_name = 'ICOMMKT_ORDERS_AR_20260615.txt'",
    )
    assert source_uri == f"{url}/ICOMMKT_ORDERS_AR_20260615.txt"
    # Remote files moved to processed/, local copies archived per instance and file date.
    assert [p.name for p in remote.iterdir()] == ["processed"]
    assert len(list((remote / "processed").iterdir())) == 120
    archived = config.archive_dir / "AR" / "2026-06-15" / "ICOMMKT_ORDERS_AR_20260615.txt"
    assert archived.read_bytes() == (local_copy / archived.name).read_bytes()
    assert len(list(config.archive_dir.glob("*/*/*"))) == 120

    # Nothing left: a second run lists an empty inbox and succeeds.
    again = run_cli(settings, "load", url, env=cli_env(config))
    assert again.returncode == 0, again.stdout + again.stderr
    assert query(settings, "select count(*) from raw.load_manifest") == [(120,)]


def test_password_login_with_a_throwaway_user(sshd, config, settings, tmp_path):
    served = Path(tempfile.mkdtemp(prefix="omni-sftp-test-"))  # outside root's private tmp
    try:
        with PasswordUser(password=os.urandom(12).hex()) as user:
            write_orders(served, DAY1, ["A1", "A2"])
            for path in (served, *served.iterdir()):
                os.chown(path, user.uid, -1)
            by_password = replace(
                config,
                username=user.name,
                password=user.password,
                key_file=None,
                remote_dir=str(served),
            )
            run = load_sftp(settings, by_password)
            assert statuses(run) == [("ICOMMKT_ORDERS_AR_20260601.txt", FileStatus.LOADED)]
            assert (served / "processed" / "ICOMMKT_ORDERS_AR_20260601.txt").exists()

            with pytest.raises(SftpError, match=f"authentication as {user.name} .* failed"):
                load_sftp(settings, replace(by_password, password="wrong"))
    finally:
        shutil.rmtree(served)
    assert table_counts(settings)["orders"] == 2


def test_key_login_by_the_cli_with_a_config_file(sshd, remote, config, settings, tmp_path):
    write_orders(remote, DAY1, ["A1"])
    config_file = tmp_path / "omni-sftp.toml"
    config_file.write_text(
        textwrap.dedent(
            f"""
            [sftp]
            url = "{sshd.url("root", remote)}"
            key_file = "{config.key_file}"
            known_hosts = "{config.known_hosts}"
            archive_dir = "{config.archive_dir}"
            stability_seconds = 0.1
            after_load = "delete"
            """
        )
    )
    loaded = run_cli(settings, "load", "--config", str(config_file), env={"COLUMNS": "200"})
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "ICOMMKT_ORDERS_AR_20260601.txt: loaded" in loaded.stdout
    assert list(remote.iterdir()) == []


def test_an_unknown_host_key_is_refused_unless_the_user_opts_in(sshd, remote, config, settings):
    write_orders(remote, DAY1, ["A1"])
    config.known_hosts.unlink()
    fingerprint = paramiko.Ed25519Key.from_private_key_file(str(sshd.host_key)).fingerprint

    with pytest.raises(HostKeyError) as refused:
        load_sftp(settings, config)
    message = str(refused.value)
    assert f"the host key of [127.0.0.1]:{sshd.port} (ssh-ed25519 {fingerprint})" in message
    assert "is not in" in message
    assert 'host_key_policy = "accept-new"' in message
    assert query(settings, "select count(*) from raw.load_manifest") == [(0,)]

    run = load_sftp(settings, replace(config, host_key_policy=HostKeyPolicy.ACCEPT_NEW))
    assert statuses(run) == [("ICOMMKT_ORDERS_AR_20260601.txt", FileStatus.LOADED)]
    assert config.known_hosts.read_text() == sshd.known_hosts_line()
    assert load_sftp(settings, config).ok  # now known: strict mode connects


@pytest.mark.parametrize("policy", [HostKeyPolicy.STRICT, HostKeyPolicy.ACCEPT_NEW])
@pytest.mark.parametrize(
    ("known_kind", "message"),
    [
        ("ed25519", "has CHANGED. .* expects ssh-ed25519 SHA256:"),
        ("ecdsa", "has CHANGED. .* expects ecdsa-sha2-nistp256 SHA256:"),  # known by another type
    ],
)
def test_a_changed_host_key_is_refused_even_with_accept_new(
    sshd, remote, config, settings, tmp_path, policy, known_kind, message
):
    write_orders(remote, DAY1, ["A1"])
    other = generate_key(tmp_path / "other_host_key", known_kind).with_suffix(".pub").read_text()
    config.known_hosts.write_text(f"[127.0.0.1]:{sshd.port} {' '.join(other.split()[:2])}\n")

    with pytest.raises(HostKeyError, match=message) as refused:
        load_sftp(settings, replace(config, host_key_policy=policy))
    assert f"ssh-keygen -R '[127.0.0.1]:{sshd.port}'" in str(refused.value)
    assert query(settings, "select count(*) from raw.load_manifest") == [(0,)]
    assert [p.name for p in remote.iterdir()] == ["ICOMMKT_ORDERS_AR_20260601.txt"]


def test_the_cli_exits_non_zero_when_the_host_is_unknown(sshd, remote, config, settings):
    write_orders(remote, DAY1, ["A1"])
    config.known_hosts.write_text("")
    loaded = run_cli(settings, "load", sshd.url("root", remote), env=cli_env(config))
    assert loaded.returncode == 1
    assert "refusing to connect" in loaded.stdout


@pytest.mark.parametrize("second_write", ["append the rest", "rewrite, same size"])
def test_a_file_still_being_uploaded_waits_for_the_next_run(remote, config, settings, second_write):
    lines = orders_lines(DAY1, ["A1", "A2", "A3", "A4"])
    path = remote / "ICOMMKT_ORDERS_AR_20260601.txt"
    path.write_text("\n".join(lines[:3]) + "\n")  # header and two orders so far
    uploads = []

    def between_listings(seconds: float) -> None:
        """The uploader writes its second chunk while the loader waits between listings."""
        uploads.append(seconds)
        if second_write == "append the rest":
            with open(path, "a") as out:
                out.write("\n".join(lines[3:]) + "\n")
        else:
            status = path.stat()
            path.write_text(path.read_text().replace("A2", "B2"))
            os.utime(path, (status.st_atime, status.st_mtime + 5))

    slow = replace(config, stability_seconds=0.5)
    run = load_sftp(settings, slow, sleep=between_listings)

    assert uploads == [0.5]
    assert run.results == []
    assert run.ok
    assert run.deferred == [
        "ICOMMKT_ORDERS_AR_20260601.txt: still being written (size or time changed within "
        "0.5 s); the next run takes it"
    ]
    assert not config.archive_dir.exists() or not any(config.archive_dir.rglob("*.txt"))

    run = load_sftp(settings, slow)
    expected = ["A1", "A2", "A3", "A4"] if second_write == "append the rest" else ["A1", "B2"]
    assert statuses(run) == [("ICOMMKT_ORDERS_AR_20260601.txt", FileStatus.LOADED)]
    numbers = query(settings, "select order_number from raw.orders order by line_number")
    assert [n for (n,) in numbers] == expected


def big_orders(remote: Path, day: str, count: int) -> Path:
    return write_orders(remote, day, [f"BIG{n:07d}" for n in range(count)])


def test_a_file_cut_short_during_its_download_waits_for_the_next_run(remote, config, settings):
    big = big_orders(remote, DAY1, 300_000)  # about 20 MB: more than one download segment
    listed = big.stat().st_size
    numbers = [f"CUT{n:07d}" for n in range(120_000)]

    def rewrite_shorter(_remote) -> None:
        """The retailer re-uploads a shorter file just as the download starts."""
        write_orders(remote, DAY1, numbers)

    run = load_sftp(settings, config, events=SftpEvents(download_started=rewrite_shorter))

    shorter = big.stat().st_size
    assert 0 < shorter < listed
    assert run.ok and run.results == []
    assert run.deferred == [
        f"{big.name}: changed during the download ({shorter:,} bytes received, {listed:,} "
        "listed); the next run takes it"
    ]
    run = load_sftp(settings, config)
    assert statuses(run) == [(big.name, FileStatus.LOADED)]
    assert table_counts(settings)["orders"] == len(numbers)


def test_server_killed_mid_download_then_a_rerun_loads_everything_once(
    sshd, remote, config, settings
):
    write_orders(remote, DAY1, ["A1", "A2"])
    big = big_orders(remote, DAY2, BIG_ROWS)
    write_orders(remote, DAY3, ["C1", "C2", "C3"])
    assert big.stat().st_size > 3 * (1 << 20)
    killed = []

    def kill_after_first_chunk(remote_file, size: int) -> None:
        if remote_file.name == big.name and not killed:
            killed.append(size)
            sshd.kill()

    run = load_sftp(settings, config, SftpEvents(bytes_received=kill_after_first_chunk))

    assert killed == [1 << 20]
    assert not run.ok
    assert statuses(run) == [
        ("ICOMMKT_ORDERS_AR_20260601.txt", FileStatus.LOADED),
        ("ICOMMKT_ORDERS_AR_20260602.txt", FileStatus.FAILED),
    ]
    assert run.results[1].message.startswith("download failed: download ICOMMKT_ORDERS_AR_2026")
    assert len(run.problems) == 1
    assert "1 more file(s) not attempted" in run.problems[0]
    day2 = config.archive_dir / "AR" / "2026-06-02"
    assert list(day2.iterdir()) == []  # the cut download left no partial file
    assert table_counts(settings)["orders"] == 2

    sshd.start()
    rerun = load_sftp(settings, config)

    assert rerun.ok
    assert statuses(rerun) == [
        ("ICOMMKT_ORDERS_AR_20260602.txt", FileStatus.LOADED),
        ("ICOMMKT_ORDERS_AR_20260603.txt", FileStatus.LOADED),
    ]
    assert table_counts(settings)["orders"] == 2 + BIG_ROWS + 3
    assert query(
        settings,
        "select file_name, rows_loaded from raw.load_manifest where status = 'loaded' "
        "order by file_name",
    ) == [
        ("ICOMMKT_ORDERS_AR_20260601.txt", 2),
        ("ICOMMKT_ORDERS_AR_20260602.txt", BIG_ROWS),
        ("ICOMMKT_ORDERS_AR_20260603.txt", 3),
    ]
    assert (day2 / big.name).stat().st_size == (remote / "processed" / big.name).stat().st_size
    assert sorted(p.name for p in remote.iterdir()) == ["processed"]


# Runs load_sftp in a child process that dies (os._exit: no cleanup) at a chosen point.
CRASHING_RUN = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from loaders import sftp
    from loaders.settings import Settings
    from loaders.sftp_config import SftpConfig

    point, arguments = sys.argv[1], json.loads(sys.argv[2])
    settings = Settings(Path.cwd(), Path(arguments.pop("warehouse")), Path.cwd(), "1GB")
    for key in ("key_file", "known_hosts", "archive_dir"):
        arguments[key] = Path(arguments[key])
    events = sftp.SftpEvents()
    if point == "mid-download":
        events.bytes_received = lambda remote, size: os._exit(9)
    else:  # right after the first file's landing committed, before it is moved
        sftp._Inbox._tidy = lambda self, remote: os._exit(9)
    sftp.load_sftp(settings, SftpConfig(**arguments), events)
    """
)


@pytest.mark.parametrize(
    ("point", "first_rerun_status"),
    [("mid-download", FileStatus.LOADED), ("before-move", FileStatus.UNCHANGED)],
)
def test_a_run_killed_at_any_point_is_finished_by_a_rerun(
    remote, config, settings, point, first_rerun_status
):
    big = big_orders(remote, DAY1, BIG_ROWS)
    write_orders(remote, DAY2, ["B1", "B2"])
    arguments = {
        "warehouse": str(settings.warehouse),
        **{key: getattr(config, key) for key in ("host", "port", "username", "remote_dir")},
        **{key: str(getattr(config, key)) for key in ("key_file", "known_hosts", "archive_dir")},
        "stability_seconds": 0.0,
    }
    child = subprocess.run(
        [sys.executable, "-c", CRASHING_RUN, point, json.dumps(arguments)],
        cwd=PACKAGE_PARENT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 9, child.stderr
    day1 = config.archive_dir / "AR" / "2026-06-01"
    if point == "mid-download":
        assert [p.name for p in day1.iterdir()] == [f".{big.name}.part"]
        assert not settings.warehouse.exists() or table_counts(settings)["orders"] == 0
    else:
        assert table_counts(settings)["orders"] == BIG_ROWS
        assert big.exists()  # landed, not moved yet

    rerun = load_sftp(settings, config)

    assert rerun.ok
    assert statuses(rerun) == [
        (big.name, first_rerun_status),
        ("ICOMMKT_ORDERS_AR_20260602.txt", FileStatus.LOADED),
    ]
    assert table_counts(settings)["orders"] == BIG_ROWS + 2
    assert [p.name for p in day1.iterdir()] == [big.name]
    assert sorted(p.name for p in remote.iterdir()) == ["processed"]
    assert query(settings, "select count(*) from raw.load_manifest") == [(2,)]


def test_a_dropped_connection_is_retried_in_the_same_run(sshd, remote, config, settings):
    write_orders(remote, DAY1, ["A1", "A2"])
    big = big_orders(remote, DAY2, BIG_ROWS)
    retries, waits = [], []

    def drop_once(remote_file, size: int) -> None:
        if remote_file.name == big.name and not retries:
            retries.append("dropped")
            sshd.kill()

    def server_back_during_backoff(seconds: float) -> None:
        waits.append(seconds)
        if sshd.process is None:
            sshd.start()

    events = SftpEvents(
        bytes_received=drop_once, retrying=lambda what, exc, delay: retries.append(what)
    )
    run = load_sftp(
        settings,
        replace(config, retry_backoff_seconds=0.25),
        events,
        sleep=server_back_during_backoff,
    )

    assert run.ok, run
    assert retries == ["dropped", f"download {big.name}"]
    assert waits == [0.25]
    assert statuses(run) == [
        ("ICOMMKT_ORDERS_AR_20260601.txt", FileStatus.LOADED),
        ("ICOMMKT_ORDERS_AR_20260602.txt", FileStatus.LOADED),
    ]
    assert table_counts(settings)["orders"] == BIG_ROWS + 2


def test_a_stalled_server_times_out_and_the_download_is_retried(sshd, remote, config, settings):
    big = big_orders(remote, DAY2, BIG_ROWS)
    frozen, retried = [], []

    def stall_once(remote_file, size: int) -> None:
        if not frozen:
            frozen.extend(sshd.freeze_sessions())

    events = SftpEvents(
        bytes_received=stall_once, retrying=lambda what, exc, delay: retried.append((what, exc))
    )
    try:
        run = load_sftp(settings, replace(config, timeout_seconds=2.0), events)
    finally:
        sshd.thaw(frozen)

    assert run.ok, run
    [(what, error)] = retried
    assert what == f"download {big.name}"
    assert isinstance(error, TimeoutError)
    assert statuses(run) == [(big.name, FileStatus.LOADED)]
    assert table_counts(settings)["orders"] == BIG_ROWS


def test_identical_redelivery_is_a_no_op_and_is_moved_again(remote, config, settings):
    original = write_orders(remote, DAY1, ["A1", "A2"])
    content = original.read_bytes()
    assert load_sftp(settings, config).ok

    (remote / original.name).write_bytes(content)  # the retailer sends the same file again
    os.utime(remote / original.name, (1_900_000_000, 1_900_000_000))
    run = load_sftp(settings, config)

    assert run.ok
    assert statuses(run) == [(original.name, FileStatus.UNCHANGED)]
    assert run.files_downloaded == 1
    assert sorted(p.name for p in remote.iterdir()) == ["processed"]
    assert (remote / "processed" / original.name).read_bytes() == content
    assert table_counts(settings)["orders"] == 2
    assert query(settings, "select status from raw.load_manifest") == [("loaded",)]


@pytest.mark.parametrize(
    ("after_load", "inbox_after", "processed_after"),
    [
        (AfterLoad.MOVE, ["processed"], ["ICOMMKT_ORDERS_AR_20260601.txt"]),
        (AfterLoad.DELETE, [], None),
        (AfterLoad.LEAVE, ["ICOMMKT_ORDERS_AR_20260601.txt"], None),
    ],
)
def test_after_load_policy(remote, config, settings, after_load, inbox_after, processed_after):
    write_orders(remote, DAY1, ["A1"])
    policy = replace(config, after_load=after_load)

    run = load_sftp(settings, policy)
    assert statuses(run) == [("ICOMMKT_ORDERS_AR_20260601.txt", FileStatus.LOADED)]
    assert sorted(p.name for p in remote.iterdir()) == inbox_after
    if processed_after is not None:
        assert sorted(p.name for p in (remote / "processed").iterdir()) == processed_after

    # A second run: with "leave" the manifest makes it a no-op, without even downloading.
    again = load_sftp(settings, policy)
    assert again.ok
    if after_load is AfterLoad.LEAVE:
        assert statuses(again) == [("ICOMMKT_ORDERS_AR_20260601.txt", FileStatus.UNCHANGED)]
        assert again.files_downloaded == 0
    else:
        assert again.results == []
    assert table_counts(settings)["orders"] == 1


def test_a_changed_redelivery_replaces_rows_and_keeps_the_previous_copy(remote, config, settings):
    path = write_orders(remote, DAY1, ["A1", "A2"])
    os.utime(path, (1_800_000_000, 1_800_000_000))
    leave = replace(config, after_load=AfterLoad.LEAVE)
    load_sftp(settings, leave)

    write_orders(remote, DAY1, ["A1", "A2", "A3"])
    run = load_sftp(settings, leave)

    assert statuses(run) == [(path.name, FileStatus.REPLACED)]
    assert table_counts(settings)["orders"] == 3
    day = config.archive_dir / "AR" / "2026-06-01"
    kept = day / "superseded" / "20270115T080000Z" / path.name
    assert kept.read_text().count("\n") == 3  # header and the first delivery's two orders
    assert (day / path.name).read_text().count("\n") == 4


def test_a_refused_file_stays_in_the_inbox_and_fails_every_run_without_new_rows(
    sshd, remote, config, settings
):
    bad = remote / "ICOMMKT_ORDERS_AR_20260601.txt"
    bad.write_text("OrderNumber|StoreCode\nA1|BA01\n")  # required columns missing
    url = sshd.url("root", remote)

    first = run_cli(settings, "load", url, env=cli_env(config))
    second = run_cli(settings, "load", url, env=cli_env(config))

    assert (first.returncode, second.returncode) == (1, 1)
    assert "required column(s) missing" in first.stdout
    assert "unchanged since it was refused" in second.stdout
    assert [p.name for p in remote.iterdir()] == [bad.name]
    assert query(settings, "select status from raw.load_manifest") == [("rejected",)]


def test_hostile_remote_names_are_refused_and_reported(remote, config, settings, monkeypatch):
    write_orders(remote, DAY1, ["A1"])
    escape = "ICOMMKT_ORDERS_AR_\x1b[2J20260602.txt"
    newline = "ICOMMKT_ORDERS_AR_20260603.txt\n"
    for name in (escape, newline):
        (remote / name).write_text("\n".join(orders_lines(DAY1, ["EVIL"])) + "\n")
    # Names no POSIX server can store, but a hostile or broken one can still send.
    listdir_attr = paramiko.SFTPClient.listdir_attr

    def with_forged_names(self, path="."):
        entries = listdir_attr(self, path)
        for forged in ("../ICOMMKT_ORDERS_AR_20260604.txt", "sub/ICOMMKT_ORDERS_AR_20260605.txt"):
            attributes = paramiko.SFTPAttributes()
            attributes.filename, attributes.st_mode = forged, stat.S_IFREG | 0o644
            attributes.st_size, attributes.st_mtime = 100, 1_800_000_000
            entries.append(attributes)
        return entries

    monkeypatch.setattr(paramiko.SFTPClient, "listdir_attr", with_forged_names)
    run = load_sftp(settings, config)

    assert not run.ok
    assert sorted(run.refused) == sorted(
        [
            f"remote name {escape!r} refused: contains control characters",
            f"remote name {newline!r} refused: contains control characters",
            "remote name '../ICOMMKT_ORDERS_AR_20260604.txt' refused: contains a path separator",
            "remote name 'sub/ICOMMKT_ORDERS_AR_20260605.txt' refused: contains a path separator",
        ]
    )
    assert statuses(run) == [("ICOMMKT_ORDERS_AR_20260601.txt", FileStatus.LOADED)]
    assert query(settings, "select order_number from raw.orders") == [("A1",)]
    archived = sorted(p.relative_to(config.archive_dir) for p in config.archive_dir.rglob("*"))
    assert archived == [
        Path("AR"),
        Path("AR/2026-06-01"),
        Path("AR/2026-06-01/ICOMMKT_ORDERS_AR_20260601.txt"),
    ]
    assert sorted(p.name for p in remote.iterdir()) == sorted([escape, newline, "processed"])


# Downloads a big file through load_sftp in a fresh process, with landing stubbed out (DuckDB's
# own memory is not what is measured), and reports RSS before and the peak RSS during the run.
MEASURE_DOWNLOAD = textwrap.dedent(
    """
    import json, sys
    from contextlib import closing
    from pathlib import Path
    from loaders import landing, sftp
    from loaders.contract import parse_file_name
    from loaders.settings import Settings
    from loaders.sftp_config import AfterLoad, SftpConfig
    from loaders.warehouse import connect

    def skip_landing(self, path, source_uri=None):
        identity = parse_file_name(path.name).identity
        return landing.FileResult(path.name, identity, landing.FileStatus.UNCHANGED)

    landing.Lander.land = skip_landing
    arguments = json.loads(sys.argv[1])
    if arguments.pop("stall_prefetch"):
        # The scheduler leaves paramiko's request thread behind once, early: the reader drains
        # every request sent so far, which paramiko takes for the end of the prefetch.
        import itertools, threading, time, paramiko
        send, calls = paramiko.SFTPClient._async_request, itertools.count()
        def stalled_send(self, *request):
            if threading.current_thread() is not threading.main_thread():
                if next(calls) == 127:
                    time.sleep(0.2)
            return send(self, *request)
        paramiko.SFTPClient._async_request = stalled_send
    settings = Settings(Path.cwd(), Path(arguments.pop("warehouse")), Path.cwd(), "1GB")
    for key in ("key_file", "known_hosts", "archive_dir"):
        arguments[key] = Path(arguments[key])
    config = SftpConfig(**arguments, after_load=AfterLoad.LEAVE)

    def kib(field):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])

    with closing(connect(settings.warehouse)):  # warm up DuckDB and paramiko first
        pass
    client, _ = sftp.open_sftp(config)
    client.close()
    Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current RSS
    before = kib("VmRSS")
    run = sftp.load_sftp(settings, config)
    print(json.dumps({"rss_before_kib": before, "peak_kib": kib("VmHWM"),
                      "bytes": run.bytes_downloaded, "ok": run.ok, "seconds": run.seconds}))
    """
)


@pytest.mark.parametrize("stall_prefetch", [False, True], ids=["steady", "stalled-prefetch"])
def test_a_200_mb_file_streams_with_bounded_memory(remote, config, settings, stall_prefetch):
    size = 200_000_000
    path = remote / "ICOMMKT_ORDERSDETAIL_AR_20260601.txt"
    block = ("O1|BA01|SKU1|Producto|Marca|1|10.00|10.00|S1\n" * 25_000).encode()
    with open(path, "wb") as out:
        out.write(header(FileKind.ORDERSDETAIL).encode() + b"\n")
        while out.tell() < size:
            out.write(block[: size - out.tell()])
    arguments = {
        "warehouse": str(settings.warehouse),
        "host": config.host,
        "port": config.port,
        "username": config.username,
        "remote_dir": config.remote_dir,
        "key_file": str(config.key_file),
        "known_hosts": str(config.known_hosts),
        "archive_dir": str(config.archive_dir),
        "stability_seconds": 0.0,
        "stall_prefetch": stall_prefetch,
    }

    child = subprocess.run(
        [sys.executable, "-c", MEASURE_DOWNLOAD, json.dumps(arguments)],
        cwd=PACKAGE_PARENT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert child.returncode == 0, child.stderr
    measured = json.loads(child.stdout)
    print(f"200 MB download: {measured}")  # shown with -s; the figures go in the report
    assert (measured["ok"], measured["bytes"]) == (True, size)
    growth_mib = (measured["peak_kib"] - measured["rss_before_kib"]) / 1024
    assert growth_mib < 64, f"peak RSS grew by {growth_mib:.0f} MiB while streaming 200 MB"
    archived = config.archive_dir / "AR" / "2026-06-01" / path.name
    assert archived.stat().st_size == size
    assert _same_content(archived, path)


def _same_content(left: Path, right: Path) -> bool:
    with open(left, "rb") as a, open(right, "rb") as b:
        while True:
            chunk_a, chunk_b = a.read(1 << 22), b.read(1 << 22)
            if chunk_a != chunk_b:
                return False
            if not chunk_a:
                return True
