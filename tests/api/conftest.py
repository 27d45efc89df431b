"""API fixtures: an app on a temp spool (TestClient) and a real `omni serve` process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loaders.api.app import ApiSettings, create_app
from loaders.api.auth import issue_token

SECRET = "test-secret-0123456789-abcdefghijklmnop"
PROJECT_DIR = Path(__file__).resolve().parents[2]


def bearer(instances: list[str], expires_in: int = 600, secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(secret, instances, expires_in)}"}


def order(number: str, **changes: Any) -> dict[str, Any]:
    """A valid order of instance AR (SPEC §2.2 fields), changed as the test says."""
    body: dict[str, Any] = {
        "instance": "AR",
        "OrderNumber": number,
        "StoreCode": "WEB01",
        "UserId": "U1",
        "Date": "2026-11-20",
        "TotalItems": 1,
        "TotalProducts": 1,
        "TotalAmount": "10.00",
        "ItemsAmount": "10.00",
        "DiscountsAmount": 0,
        "ShippingAmount": 0,
        "lines": [{"Sku": "S1", "Quantity": 1, "LineAmount": "10.00", "categories": ["C1"]}],
    }
    body.update(changes)
    return body


@pytest.fixture
def api_settings(tmp_path: Path) -> ApiSettings:
    return ApiSettings(secret=SECRET, spool_dir=tmp_path / "api-spool")


@pytest.fixture
def client(api_settings: ApiSettings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One request the way curl sends it: urllib, no client library."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Server:
    """`omni serve` in its own process on a free port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "loaders.cli", "serve", "--port", str(self.port)],
                cwd=PROJECT_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"omni serve exited: {log.read_text()}")
            try:
                if http("GET", f"{self.url}/openapi.json")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("omni serve did not start in 30 s")

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no shutdown, no flush
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def omni_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OMNI_WAREHOUSE": str(tmp_path / "warehouse" / "omni.duckdb"),
        "OMNI_INBOX": str(tmp_path / "inbox"),
        "OMNI_API_SECRET": SECRET,
        "OMNI_API_RATE_PER_SECOND": "100000",
        "OMNI_API_RATE_BURST": "100000",
        "OMNI_MEMORY_LIMIT": "1GB",
    }


@pytest.fixture
def start_server(omni_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[], Server]]:
    servers: list[Server] = []

    def start() -> Server:
        server = Server(omni_env, tmp_path / "serve.log")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
