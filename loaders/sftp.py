"""An SFTP inbox as a source of contract files: list, wait until stable, download, land, tidy up.

A run can be killed at any point and simply re-run. A download goes to a hidden `.part` name and
is renamed into the local archive only once complete and verified; landing is one transaction
per file through the same `Lander` as folder loads, and an identical file lands as a no-op; the
remote file is moved (or deleted) only after its landing committed. A re-run therefore repeats
at most the step that was cut: nothing is lost and nothing is loaded twice.

Remote names are data, never paths: a name with a separator, `..` or a control character is
refused, and only names matching the contract ever reach the local file system.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import paramiko

from loaders.contract import KIND_ORDER, FileIdentity, FileNameError, parse_file_name
from loaders.landing import FileResult, FileStatus, Lander
from loaders.prepare import content_sha256
from loaders.settings import Settings
from loaders.sftp_config import AfterLoad, HostKeyPolicy, SftpConfig
from loaders.warehouse import MANIFEST_TABLE
from loaders.warehouse import connect as connect_warehouse

CHUNK_BYTES = 1 << 20
SEGMENT_BYTES = 16 << 20
MAX_BACKOFF_SECONDS = 60.0
SUPERSEDED_DIR = "superseded"

T = TypeVar("T")


class SftpError(Exception):
    """The source cannot be used (credentials, host key, unreachable): the run stops."""


class HostKeyError(SftpError):
    """The server's host key is unknown or changed, and the user has not opted in."""


class Deferred(Exception):
    """The file changed or went away while we looked at it: a later run takes it."""


class _Unavailable(Exception):
    """Retries are exhausted: the server is gone for now, so the rest of the run is skipped."""


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int
    mtime: int  # seconds, as SFTP reports it
    identity: FileIdentity

    @property
    def landing_order(self) -> tuple:
        """Same order as a folder load: by file date, then customers first within a batch."""
        identity = self.identity
        return (
            identity.file_date,
            identity.instance_id,
            KIND_ORDER.index(identity.kind),
            self.name,
        )


def _ignore(*_: object) -> None:
    return None


@dataclass
class SftpEvents:
    """Hooks for a progress display; each is optional."""

    download_started: Callable[[RemoteFile], None] = _ignore
    bytes_received: Callable[[RemoteFile, int], None] = _ignore
    file_done: Callable[[RemoteFile, FileResult], None] = _ignore
    retrying: Callable[[str, Exception, float], None] = _ignore


@dataclass
class SftpRun:
    """What one pass over the inbox did; `ok` is False when anything needs a person."""

    source: str
    results: list[FileResult] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # not contract names (reported, harmless)
    deferred: list[str] = field(default_factory=list)  # still being written: next run
    refused: list[str] = field(default_factory=list)  # unsafe names
    problems: list[str] = field(default_factory=list)  # tidy-up failures, run cut short
    files_downloaded: int = 0
    bytes_downloaded: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results) and not self.refused and not self.problems


def unsafe_name_reason(name: str) -> str | None:
    """Why a remote name must not be used, or None: it may only ever name a file in one folder."""
    if not name:
        return "empty name"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if ".." in name:
        return "contains '..'"
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in name):
        return "contains control characters"
    return None


def is_in_progress(name: str) -> bool:
    """Same rule as folder loads: hidden and temporary names are uploads still being written."""
    return name.startswith(".") or name.endswith((".part", ".tmp"))


def is_transient(exc: BaseException) -> bool:
    """Worth retrying after a reconnect: connection drops, timeouts, protocol hiccups."""
    permanent = (
        SftpError,
        Deferred,
        paramiko.AuthenticationException,
        paramiko.BadHostKeyException,
        FileNotFoundError,
        PermissionError,
    )
    if isinstance(exc, permanent):
        return False
    return isinstance(exc, OSError | EOFError | paramiko.SSHException)


# --------------------------------------------------------------------------------------------
# Connecting: credentials and host keys
# --------------------------------------------------------------------------------------------


class _UnknownHostKey(paramiko.MissingHostKeyPolicy):
    """Refuse a host missing from known_hosts, unless the user opted in to trust it once."""

    def __init__(self, config: SftpConfig) -> None:
        self.config = config

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        known_hosts = self.config.known_hosts
        if self.config.host_key_policy is HostKeyPolicy.ACCEPT_NEW:
            _append_known_host(known_hosts, hostname, key)
            return
        raise HostKeyError(
            f"refusing to connect: the host key of {hostname} ({key.get_name()} "
            f"{key.fingerprint}) is not in {known_hosts}. Check that fingerprint with the "
            "server's administrator, then add the key to that file "
            f"(ssh-keyscan -p {self.config.port} {self.config.host} >> {known_hosts}), or opt "
            'in explicitly to trusting a new host on first use with host_key_policy = "accept-new"'
            " (OMNI_SFTP_HOST_KEY_POLICY=accept-new)."
        )


def _append_known_host(path: Path, hostname: str, key: paramiko.PKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    starts_clean = not path.exists() or path.read_bytes()[-1:] in (b"", b"\n")
    with open(path, "a", encoding="ascii") as out:
        line = f"{hostname} {key.get_name()} {key.get_base64()}\n"
        out.write(line if starts_clean else "\n" + line)


def _known_hosts_name(config: SftpConfig) -> str:
    """How known_hosts names the server: `host`, or `[host]:port` off port 22."""
    return config.host if config.port == 22 else f"[{config.host}]:{config.port}"


def _changed_key_message(config: SftpConfig, exc: paramiko.BadHostKeyException) -> str:
    expected, got, name = exc.expected_key, exc.key, _known_hosts_name(config)
    return (
        f"refusing to connect: the host key of {name} has CHANGED. {config.known_hosts} "
        f"expects {expected.get_name()} {expected.fingerprint}, the server sent {got.get_name()} "
        f"{got.fingerprint}. Someone may be intercepting the connection. If the server's key was "
        "really replaced, opt in explicitly: remove the old entry "
        f"(ssh-keygen -R '{name}' -f {config.known_hosts}), then add the new key or run "
        'once with host_key_policy = "accept-new".'
    )


def _load_key(config: SftpConfig) -> paramiko.PKey | None:
    if config.key_file is None:
        return None
    try:
        return paramiko.PKey.from_path(config.key_file, config.key_passphrase)
    except (paramiko.SSHException, OSError, ValueError) as exc:
        raise SftpError(f"cannot use the key file {config.key_file}: {exc}") from exc


def open_sftp(config: SftpConfig) -> tuple[paramiko.SSHClient, paramiko.SFTPClient]:
    """Connect with only the configured credentials, verifying the host key."""
    key = _load_key(config)
    client = paramiko.SSHClient()
    if config.known_hosts.is_file():
        client.load_host_keys(str(config.known_hosts))
    client.set_missing_host_key_policy(_UnknownHostKey(config))
    timeout = config.timeout_seconds
    try:
        client.connect(
            config.host,
            config.port,
            username=config.username,
            password=config.password,
            pkey=key,
            timeout=timeout,
            banner_timeout=timeout,
            auth_timeout=timeout,
            channel_timeout=timeout,
            allow_agent=False,
            look_for_keys=False,
        )
        sftp = client.open_sftp()
    except paramiko.BadHostKeyException as exc:
        client.close()
        raise HostKeyError(_changed_key_message(config, exc)) from exc
    except paramiko.AuthenticationException as exc:
        client.close()
        raise SftpError(
            f"authentication as {config.username} at {config.url} failed: {exc}"
        ) from exc
    except BaseException:
        client.close()
        raise
    # Without it a read from a server that stopped answering would wait forever.
    sftp.get_channel().settimeout(timeout)
    return client, sftp


class _Connection:
    """One SSH connection, opened on first use and dropped after an error so a retry reconnects."""

    def __init__(self, config: SftpConfig) -> None:
        self.config = config
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None

    def sftp(self) -> paramiko.SFTPClient:
        if self._sftp is None:
            self._client, self._sftp = open_sftp(self.config)
        return self._sftp

    def close(self) -> None:
        if self._client is not None:
            with suppress(Exception):  # the connection is being thrown away anyway
                self._client.close()
        self._client = self._sftp = None


# --------------------------------------------------------------------------------------------
# The local archive
# --------------------------------------------------------------------------------------------


class Archive:
    """Downloaded files, kept as delivered: `<root>/<instance>/<YYYY-MM-DD>/<name>`.

    A changed re-delivery under the same name moves the previous copy to
    `<root>/<instance>/<YYYY-MM-DD>/superseded/<its mtime, UTC>/<name>`; downloads in progress
    are hidden `.<name>.part` files, which a folder load of the archive skips.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, remote: RemoteFile) -> Path:
        identity = remote.identity
        path = self.root / identity.instance_id / f"{identity.file_date:%Y-%m-%d}" / remote.name
        # The contract name and instance pattern already exclude separators; check anyway.
        if self.root.resolve() not in path.resolve().parents:
            raise SftpError(f"{remote.name!r} would be written outside the archive")
        return path

    @staticmethod
    def holds(path: Path, remote: RemoteFile) -> bool:
        """The archived copy is this delivery: same size and modification time (rsync's test)."""
        try:
            status = path.stat()
        except FileNotFoundError:
            return False
        return status.st_size == remote.size and int(status.st_mtime) == remote.mtime

    @staticmethod
    def part_path(path: Path) -> Path:
        return path.with_name(f".{path.name}.part")

    def store(self, part: Path, path: Path, sha256: str, mtime: int) -> None:
        """Rename a verified download into place, keeping a different earlier copy."""
        os.utime(part, (mtime, mtime))
        if path.exists() and _file_sha256(path) != sha256:
            stamp = datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
            kept = path.parent / SUPERSEDED_DIR / f"{stamp:%Y%m%dT%H%M%SZ}" / path.name
            kept.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, kept)
        os.replace(part, path)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# One pass over the inbox
# --------------------------------------------------------------------------------------------


@dataclass
class _Listing:
    files: dict[str, RemoteFile] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class _Inbox:
    def __init__(
        self,
        config: SftpConfig,
        connection: _Connection,
        lander: Lander,
        archive: Archive,
        events: SftpEvents,
        sleep: Callable[[float], None],
    ) -> None:
        self.config = config
        self.connection = connection
        self.lander = lander
        self.archive = archive
        self.events = events
        self.sleep = sleep

    def retry(self, what: str, action: Callable[[], T]) -> T:
        """Run `action`, reconnecting and retrying transient failures with exponential backoff."""
        attempt = 0
        while True:
            try:
                return action()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                self.connection.close()
                if attempt >= self.config.retries:
                    raise _Unavailable(
                        f"{what}: {_describe(exc)} (gave up after {attempt} retries)"
                    ) from exc
                delay = min(MAX_BACKOFF_SECONDS, self.config.retry_backoff_seconds * 2**attempt)
                attempt += 1
                self.events.retrying(what, exc, delay)
                self.sleep(delay)

    def run(self, run: SftpRun) -> None:
        try:
            files = self._stable_files(run)
        except _Unavailable as exc:
            raise SftpError(f"{self.config.url} is unreachable: {exc}") from exc
        except FileNotFoundError as exc:
            raise SftpError(
                f"{self.config.url}: the folder {self.config.remote_dir!r} does not exist"
            ) from exc
        for position, remote in enumerate(files):
            try:
                self._process(remote, run)
            except _Unavailable as exc:
                left = len(files) - position - 1
                run.problems.append(
                    f"stopped: {exc}; {left} more file(s) not attempted, the next run takes them"
                )
                return

    def _list(self) -> _Listing:
        listing = _Listing()
        for attributes in self.connection.sftp().listdir_attr(self.config.remote_dir):
            name = attributes.filename
            reason = unsafe_name_reason(name)
            if reason:
                listing.refused.append(f"remote name {name!r} refused: {reason}")
                continue
            mode = attributes.st_mode
            if mode is None or not stat.S_ISREG(mode) or is_in_progress(name):
                continue
            try:
                parsed = parse_file_name(name)
            except FileNameError as exc:
                listing.ignored.append(str(exc))
                continue
            size, mtime = attributes.st_size or 0, int(attributes.st_mtime or 0)
            listing.files[name] = RemoteFile(name, size, mtime, parsed.identity)
        return listing

    def _stable_files(self, run: SftpRun) -> list[RemoteFile]:
        """Files whose size and mtime did not change between two listings a few seconds apart."""
        first = self.retry("list the inbox", self._list)
        second = first
        if self.config.stability_seconds > 0:
            self.sleep(self.config.stability_seconds)
            second = self.retry("list the inbox", self._list)
        run.ignored.extend(second.ignored)
        run.refused.extend(second.refused)
        stable = []
        for name, remote in second.files.items():
            if first.files.get(name) == remote:
                stable.append(remote)
            else:
                run.deferred.append(
                    f"{name}: still being written (size or time changed within "
                    f"{self.config.stability_seconds:g} s); the next run takes it"
                )
        return sorted(stable, key=lambda remote: remote.landing_order)

    def _process(self, remote: RemoteFile, run: SftpRun) -> None:
        path = self.archive.path_for(remote)
        try:
            if not self.archive.holds(path, remote):
                received = self.retry(
                    f"download {remote.name}", lambda: self._download(remote, path)
                )
                run.files_downloaded += 1
                run.bytes_downloaded += received
        except Deferred as exc:
            run.deferred.append(str(exc))
            return
        except _Unavailable as exc:
            self._record(run, remote, _failed(remote, f"download failed: {exc}"))
            raise
        except (FileNotFoundError, PermissionError) as exc:
            self._record(run, remote, _failed(remote, f"download failed: {_describe(exc)}"))
            return
        result = self._land(remote, path)
        self._record(run, remote, result)
        if result.ok:
            try:
                self._tidy(remote)
            except Deferred as exc:
                run.deferred.append(str(exc))
            except (OSError, paramiko.SSHException) as exc:
                run.problems.append(f"{remote.name}: {self.config.after_load} failed: {exc}")

    def _record(self, run: SftpRun, remote: RemoteFile, result: FileResult) -> None:
        run.results.append(result)
        self.events.file_done(remote, result)

    def _download(self, remote: RemoteFile, path: Path) -> int:
        """Stream into `.<name>.part`, verify, then rename: a cut download never looks complete."""
        sftp = self.connection.sftp()
        remote_path = self.config.remote_path(remote.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = self.archive.part_path(path)
        self.events.download_started(remote)
        digest = hashlib.sha256()
        received = 0
        try:
            with open(part, "wb") as out:
                for chunk in _read_remote(sftp, remote_path, remote.size):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    self.events.bytes_received(remote, len(chunk))
                out.flush()
                os.fsync(out.fileno())
            after = sftp.stat(remote_path)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        if (received, after.st_size, int(after.st_mtime or 0)) != (
            remote.size,
            remote.size,
            remote.mtime,
        ):
            part.unlink(missing_ok=True)
            raise Deferred(
                f"{remote.name}: changed during the download ({received:,} bytes received, "
                f"{remote.size:,} listed); the next run takes it"
            )
        self.archive.store(part, path, digest.hexdigest(), remote.mtime)
        return received

    def _land(self, remote: RemoteFile, path: Path) -> FileResult:
        again = _rejected_again(self.lander.con, path, remote.identity)
        if again is not None:
            return again
        return self.lander.land(path, source_uri=self.config.file_url(remote.name))

    def _tidy(self, remote: RemoteFile) -> None:
        if self.config.after_load is AfterLoad.LEAVE:
            return
        self.retry(f"{self.config.after_load} {remote.name}", lambda: self._tidy_once(remote))

    def _tidy_once(self, remote: RemoteFile) -> None:
        sftp = self.connection.sftp()
        source = self.config.remote_path(remote.name)
        try:
            now = sftp.stat(source)
        except FileNotFoundError:
            if self.config.after_load is AfterLoad.DELETE or _exists(sftp, self._processed(remote)):
                return  # done by an attempt whose reply was lost
            raise
        if (now.st_size, int(now.st_mtime or 0)) != (remote.size, remote.mtime):
            raise Deferred(
                f"{remote.name}: re-delivered while it was being loaded; left in the inbox for "
                "the next run"
            )
        if self.config.after_load is AfterLoad.DELETE:
            sftp.remove(source)
            return
        _ensure_folder(sftp, self.config.processed_path)
        target = self._processed(remote)
        try:
            sftp.posix_rename(source, target)  # replaces an earlier delivery of the same name
        except OSError as exc:
            if exc.errno is not None or "unsupported" not in str(exc).lower():
                raise
            if _exists(sftp, target):
                sftp.remove(target)
            sftp.rename(source, target)

    def _processed(self, remote: RemoteFile) -> str:
        return posixpath.join(self.config.processed_path, remote.name)


def _read_remote(sftp: paramiko.SFTPClient, path: str, size: int) -> Iterator[bytes]:
    """The file's first `size` bytes, read in segments, each on its own handle and prefetched
    while the segment before it is read.

    paramiko's prefetch takes itself for finished whenever the reader catches up with its request
    thread (paramiko pull request 2519). It then reads synchronously, while the responses to the
    requests still queued pile up, unread, in the handle until it is closed. One segment per
    handle bounds that pile to a segment. The next segment's handle opens once the current
    segment's reads are answered (one round trip per segment); its thread then queues requests
    while the reader works through the current segment, so the reader rarely catches it up. A
    file shorter or longer than listed shows in the caller's byte count and `stat` afterwards.
    """
    bounds = [(start, min(start + SEGMENT_BYTES, size)) for start in range(0, size, SEGMENT_BYTES)]
    following = _prefetched(sftp, path, *bounds[0]) if bounds else None
    try:
        for index, (offset, end) in enumerate(bounds):
            current, following = following, None
            with current:
                if index + 1 < len(bounds):
                    following = _prefetched(sftp, path, *bounds[index + 1])
                while offset < end and (chunk := current.read(min(CHUNK_BYTES, end - offset))):
                    offset += len(chunk)
                    yield chunk
            if offset < end:
                return
    finally:
        if following is not None:
            following.close()


def _prefetched(sftp: paramiko.SFTPClient, path: str, start: int, end: int) -> paramiko.SFTPFile:
    """A handle on `path` whose bytes from `start` to `end` are being fetched in the background."""
    source = sftp.open(path, "rb")
    source.seek(start)
    source.prefetch(end)
    return source


def _failed(remote: RemoteFile, message: str) -> FileResult:
    return FileResult(remote.name, remote.identity, FileStatus.FAILED, message=message)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _exists(sftp: paramiko.SFTPClient, path: str) -> bool:
    try:
        sftp.stat(path)
    except FileNotFoundError:
        return False
    return True


def _ensure_folder(sftp: paramiko.SFTPClient, path: str) -> None:
    if _exists(sftp, path):
        return
    try:
        sftp.mkdir(path)
    except OSError:
        if not _exists(sftp, path):  # another run may have created it meanwhile
            raise


def _rejected_again(
    con: duckdb.DuckDBPyConnection, path: Path, identity: FileIdentity
) -> FileResult | None:
    """A file refused before and still unchanged: say so again without a manifest row per poll."""
    row = con.execute(
        f"""
        select load_id, status, sha256, message from {MANIFEST_TABLE}
        where kind = ? and instance_id = ? and file_date = ?
        order by finished_at desc limit 1
        """,
        [identity.kind.value, identity.instance_id, identity.file_date],
    ).fetchall()
    if not row or row[0][1] != FileStatus.REJECTED.value:
        return None
    load_id, _, sha256, message = row[0]
    if content_sha256(path, parse_file_name(path.name).gzipped) != sha256:
        return None
    return FileResult(
        path.name,
        identity,
        FileStatus.REJECTED,
        message=f"unchanged since it was refused (load {load_id}): {message}",
        load_id=load_id,
    )


def load_sftp(
    settings: Settings,
    config: SftpConfig,
    events: SftpEvents | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SftpRun:
    """One pass over the SFTP inbox: every stable contract file landed, then moved or deleted.

    Raises SftpError when the source cannot be used at all (credentials, host key, server
    unreachable after the retries); per-file outcomes are in the returned run.
    """
    run = SftpRun(config.url)
    clock = time.monotonic()
    archive = Archive(config.archive_dir or settings.warehouse.parent / "archive")
    # The warehouse first: when another load holds it, fail before touching the server.
    with (
        closing(connect_warehouse(settings.warehouse, settings.memory_limit)) as con,
        closing(_Connection(config)) as connection,
    ):
        settings.landing_directory.mkdir(parents=True, exist_ok=True)
        lander = Lander(con, work_dir=settings.landing_directory)
        _Inbox(config, connection, lander, archive, events or SftpEvents(), sleep).run(run)
    run.seconds = time.monotonic() - clock
    return run
