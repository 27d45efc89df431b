"""A private OpenSSH server for tests, and the throwaway user that password logins need.

Each server runs `/usr/sbin/sshd -D` on 127.0.0.1 and a free port, with its own config, host key,
authorized key, PID file and log under a temp folder; it is stopped (or, to simulate a crash,
killed) by PID, together with the session processes it forked. Nothing outside the temp folder
is touched, except `/run/sshd` (sshd's privilege-separation folder, created when missing) and the
password user below.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SSHD = Path("/usr/sbin/sshd")
SSH_KEYGEN = "ssh-keygen"
PASSWORD_USER = "omni-sftp-test"
START_TIMEOUT_SECONDS = 15.0


def require_sshd() -> None:
    """Skip on a developer machine without OpenSSH; never in CI, where `.ci/run` installs it."""
    problem = None
    if not SSHD.exists():
        problem = f"{SSHD} is missing (apt-get install openssh-server)"
    elif os.geteuid() != 0:
        problem = "the test sshd needs root (privilege separation, logins of other users)"
    if problem and os.environ.get("CI"):
        pytest.fail(problem)
    if problem:
        pytest.skip(problem)


def generate_key(path: Path, kind: str = "ed25519") -> Path:
    """A key pair without passphrase: `path` and `path.pub`."""
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", kind, "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
    )
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    """Every process below `pid` (sshd forks one or more per session)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class SshServer:
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.host_key = generate_key(self.root / "host_ed25519")
        self.client_key = generate_key(self.root / "client_ed25519")
        self.authorized_keys = self.root / "authorized_keys"
        shutil.copy(self.client_key.with_suffix(".pub"), self.authorized_keys)
        self.config = self.root / "sshd_config"
        self.log = self.root / "sshd.log"
        self.config.write_text(
            "\n".join(
                [
                    "ListenAddress 127.0.0.1",
                    f"Port {self.port}",
                    f"HostKey {self.host_key}",
                    f"PidFile {self.root / 'sshd.pid'}",
                    f"AuthorizedKeysFile {self.authorized_keys}",
                    "UsePAM no",
                    "StrictModes no",
                    # Root (the test runner) logs in with the key only; passwords are for the
                    # throwaway user.
                    "PermitRootLogin prohibit-password",
                    "PasswordAuthentication yes",
                    "KbdInteractiveAuthentication no",
                    "MaxStartups 100",
                    "Subsystem sftp internal-sftp",
                    "LogLevel VERBOSE",
                    "",
                ]
            )
        )

    @property
    def host_public_key(self) -> str:
        """`ssh-ed25519 AAAA…` as a known_hosts line needs it."""
        kind, base64 = self.host_key.with_suffix(".pub").read_text().split()[:2]
        return f"{kind} {base64}"

    def known_hosts_line(self) -> str:
        return f"[127.0.0.1]:{self.port} {self.host_public_key}\n"

    def url(self, user: str, path: Path | str) -> str:
        return f"sftp://{user}@127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(SSHD), "-f", str(self.config), "-D", "-e"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited: {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    if probe.recv(64).startswith(b"SSH-2.0"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(
            f"sshd did not answer in {START_TIMEOUT_SECONDS} s: {self.log.read_text()}"
        )

    def _signal(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        pids = [*_children(self.process.pid), self.process.pid]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        self.process.wait(timeout=10)
        self.process = None
        # Session processes are not our children: wait until they are gone (or zombies, which
        # only wait for init to reap them).
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.02)

    def freeze_sessions(self) -> list[int]:
        """Stop (SIGSTOP) the open sessions: the server hangs without closing anything."""
        assert self.process is not None
        pids = _children(self.process.pid)
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        return pids

    @staticmethod
    def thaw(pids: list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """What a crash or a reboot does: the listener and every open session die at once."""
        self._signal(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()


class PasswordUser:
    """A throwaway local account (no home, no shell) for password logins to the test sshd.

    Created with useradd when missing, given a random password for this test session, and
    deleted afterwards, so the machine's own accounts (root included) are never changed.
    """

    def __init__(self, password: str) -> None:
        self.name = PASSWORD_USER
        self.password = password

    def __enter__(self) -> PasswordUser:
        try:
            pwd.getpwnam(self.name)
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--home-dir",
                    "/nonexistent",
                    "--shell",
                    "/usr/sbin/nologin",
                    self.name,
                ],
                check=True,
            )
        subprocess.run(["chpasswd"], input=f"{self.name}:{self.password}\n", text=True, check=True)
        return self

    @property
    def uid(self) -> int:
        return pwd.getpwnam(self.name).pw_uid

    def __exit__(self, *_: object) -> None:
        subprocess.run(["userdel", self.name], check=False, capture_output=True)
