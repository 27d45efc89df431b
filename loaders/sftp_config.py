"""Settings of an SFTP source: the inbox URL, credentials, host keys and the after-load policy.

They come from three places, later ones winning: a TOML config file (`[sftp]` table, kept out of
the repository because it may hold a password), `OMNI_SFTP_*` environment variables (one per
key), and the `sftp://` URL given on the command line. Secrets never travel in the URL: it ends
up in shell history and, per file, in the load manifest.
"""

from __future__ import annotations

import os
import posixpath
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

CONFIG_ENV = "OMNI_SFTP_CONFIG"
ENV_PREFIX = "OMNI_SFTP_"
DEFAULT_PORT = 22


class HostKeyPolicy(StrEnum):
    STRICT = "strict"  # the key must already be in known_hosts
    ACCEPT_NEW = "accept-new"  # an unknown host's key is trusted and saved; never a changed one


class AfterLoad(StrEnum):
    MOVE = "move"  # into the processed folder on the server
    DELETE = "delete"
    LEAVE = "leave"  # the manifest makes the next run's landing a no-op


class SftpConfigError(ValueError):
    """Settings that cannot work; the message says which key and why."""


@dataclass(frozen=True)
class SftpConfig:
    host: str
    username: str
    remote_dir: str
    port: int = DEFAULT_PORT
    password: str | None = field(default=None, repr=False)
    key_file: Path | None = None
    key_passphrase: str | None = field(default=None, repr=False)
    known_hosts: Path = field(default_factory=lambda: Path("~/.ssh/known_hosts").expanduser())
    host_key_policy: HostKeyPolicy = HostKeyPolicy.STRICT
    after_load: AfterLoad = AfterLoad.MOVE
    processed_dir: str = "processed"
    stability_seconds: float = 5.0
    archive_dir: Path | None = None  # default: `archive/` beside the warehouse
    retries: int = 4
    retry_backoff_seconds: float = 2.0
    timeout_seconds: float = 30.0

    @property
    def url(self) -> str:
        """The inbox as a URL, without any secret (what reports and the manifest show)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = quote(self.username, safe="")
        return f"sftp://{user}@{host}:{self.port}{_url_path(self.remote_dir)}"

    def file_url(self, name: str) -> str:
        return f"{self.url.rstrip('/')}/{quote(name)}"

    def remote_path(self, name: str) -> str:
        return posixpath.join(self.remote_dir, name)

    @property
    def processed_path(self) -> str:
        return posixpath.join(self.remote_dir, self.processed_dir)


def is_sftp_url(text: str | None) -> bool:
    return text is not None and text.lower().startswith("sftp://")


def parse_sftp_url(url: str) -> dict[str, object]:
    """`sftp://user@host:port/path` -> host, port, username, remote_dir.

    The path is absolute on the server; `/~/inbox` is `inbox` under the login folder.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "sftp":
        raise SftpConfigError(f"{url!r} is not an sftp:// URL")
    if parts.password is not None:
        raise SftpConfigError(
            "put the password in OMNI_SFTP_PASSWORD or the config file, not in the URL "
            "(URLs end up in shell history and in the load manifest)"
        )
    if not parts.hostname:
        raise SftpConfigError(f"{url!r} has no host")
    if not parts.username:
        raise SftpConfigError(f"{url!r} has no user: write sftp://USER@{parts.hostname}/…")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError as exc:
        raise SftpConfigError(f"{url!r}: {exc}") from exc
    path = unquote(parts.path)
    if path in ("", "/~", "/~/"):
        remote_dir = "."
    elif path.startswith("/~/"):
        remote_dir = path[3:]
    else:
        remote_dir = path
    return {
        "host": parts.hostname,
        "port": port,
        "username": unquote(parts.username),
        "remote_dir": remote_dir.rstrip("/") or "/",
    }


def load_sftp_config(
    url: str | None = None,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> SftpConfig | None:
    """The SFTP settings, or None when no URL is given anywhere (the source is then a folder)."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    if config_file is None and environ.get(CONFIG_ENV):
        config_file = Path(environ[CONFIG_ENV])
    if config_file is not None:
        values.update(_read_config_file(config_file))
    for key in _KEYS:
        env_name = ENV_PREFIX + key.upper()
        if environ.get(env_name):
            values[key] = _coerce(key, environ[env_name], Path.cwd(), env_name)
    if url:
        values["url"] = url
    if not values.get("url"):
        return None
    values.update(parse_sftp_url(str(values.pop("url"))))
    config = SftpConfig(**values)
    _check(config)
    return config


# Keys a config file or the environment may set, and how to read each.
_KEYS: dict[str, type] = {
    "url": str,
    "password": str,
    "key_file": Path,
    "key_passphrase": str,
    "known_hosts": Path,
    "host_key_policy": HostKeyPolicy,
    "after_load": AfterLoad,
    "processed_dir": str,
    "stability_seconds": float,
    "archive_dir": Path,
    "retries": int,
    "retry_backoff_seconds": float,
    "timeout_seconds": float,
}
_SECRETS = ("password", "key_passphrase")


def _read_config_file(path: Path) -> dict[str, object]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SftpConfigError(f"cannot read the SFTP config file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SftpConfigError(f"{path} is not valid TOML: {exc}") from exc
    table = document.get("sftp")
    if not isinstance(table, dict):
        raise SftpConfigError(f"{path} has no [sftp] table")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise SftpConfigError(
            f"{path}: unknown key(s) {', '.join(unknown)} (known: {', '.join(_KEYS)})"
        )
    readable_by_others = path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    if readable_by_others and any(key in table for key in _SECRETS):
        raise SftpConfigError(
            f"{path} holds a secret and other users can read it: run `chmod 600 {path}`"
        )
    base = path.resolve().parent
    return {key: _coerce(key, value, base, f"{path}: {key}") for key, value in table.items()}


def _coerce(key: str, value: object, base: Path, where: str) -> object:
    """Type one setting; relative paths are taken from `base` (the config file's folder)."""
    kind = _KEYS[key]
    try:
        if kind is Path:
            path = Path(str(value)).expanduser()
            return path if path.is_absolute() else base / path
        if kind in (int, float) and isinstance(value, bool):
            raise ValueError("not a number")
        return kind(value)
    except ValueError as exc:
        members = getattr(kind, "__members__", {})
        choices = f" (one of: {', '.join(m.value for m in members.values())})" if members else ""
        raise SftpConfigError(f"{where}: {value!r} is not valid{choices}") from exc


def _check(config: SftpConfig) -> None:
    if config.password is None and config.key_file is None:
        raise SftpConfigError(
            "no SFTP credentials: set OMNI_SFTP_KEY_FILE (a private key) or OMNI_SFTP_PASSWORD, "
            "or key_file / password in the config file"
        )
    if config.key_file is not None and not config.key_file.is_file():
        raise SftpConfigError(f"key file {config.key_file} does not exist")
    if config.retries < 0 or config.retry_backoff_seconds < 0 or config.stability_seconds < 0:
        raise SftpConfigError("retries, retry_backoff_seconds and stability_seconds must be >= 0")
    if config.timeout_seconds <= 0:
        raise SftpConfigError("timeout_seconds must be > 0")
    processed = posixpath.normpath(config.processed_dir)
    if config.after_load is AfterLoad.MOVE and processed in (".", ""):
        raise SftpConfigError("processed_dir must be a folder other than the inbox itself")


def _url_path(remote_dir: str) -> str:
    if remote_dir == ".":
        return "/~"
    path = remote_dir if remote_dir.startswith("/") else f"/~/{remote_dir}"
    return quote(path)
