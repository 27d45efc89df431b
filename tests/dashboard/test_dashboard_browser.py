"""`omni dashboard` as a user meets it: a real server process, a real (headless) browser."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from loaders.publish import PublishedSet
from tests.conftest import PROJECT_DIR
from tests.dashboard.cdp import Browser

SCREENSHOT = PROJECT_DIR / "test-artifacts" / "dashboard.png"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"omni dashboard exited: {server.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer ok")


@pytest.fixture
def dashboard(small_set: PublishedSet):
    port = free_port()
    env = {**os.environ, "OMNI_WAREHOUSE": str(small_set.directory.parents[2] / "omni.duckdb")}
    # Its own process group: `omni dashboard` starts Streamlit as a child, and both must stop.
    server = subprocess.Popen(
        [sys.executable, "-m", "loaders.cli", "dashboard", "--port", str(port),
         "--address", "127.0.0.1"],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/_stcore/health", server)
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_the_browser_shows_the_total_sales(dashboard: str, tmp_path: Path):
    browser = Browser(tmp_path / "chromium-profile")
    try:
        browser.navigate(dashboard)
        # 495.00: every AR order of the hand-made set (test_dashboard_metrics).
        text = browser.wait_for_text("Total sales", "495.00", "Customers per RFM segment")
        time.sleep(1.5)  # let the charts draw before the picture
        browser.screenshot(SCREENSHOT)
    finally:
        browser.close()
    assert "Recurring customers" in text
    assert "66.67 %" in text
    assert SCREENSHOT.stat().st_size > 10_000
