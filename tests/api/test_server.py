"""A real `omni serve` process: concurrent clients, a load while posts go on, and kill -9."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import duckdb

from tests.api.conftest import Server, bearer, http, order
from tests.conftest import run_omni

CLIENTS = 20
ORDERS_PER_CLIENT = 250


def _post_order(server: Server, headers: dict[str, str], number: str, amount: str) -> float:
    """Seconds the 202 took; raises on any other answer."""
    started = time.monotonic()
    body = json.dumps(order(number, TotalAmount=amount)).encode()
    status, answer = http("POST", f"{server.url}/v1/orders", body, headers)
    assert status == 202, answer
    return time.monotonic() - started


def _raw_orders(env: dict[str, str]) -> list[tuple[str, int]]:
    with closing(duckdb.connect(env["OMNI_WAREHOUSE"], read_only=True)) as con:
        return con.execute(
            "select order_number, count(*) from raw.orders group by 1 order by 1"
        ).fetchall()


def test_concurrent_clients_and_a_load_meanwhile(
    start_server: Callable[[], Server], omni_env: dict[str, str]
) -> None:
    Path(omni_env["OMNI_INBOX"]).mkdir()
    server = start_server()
    headers = bearer(["AR"])
    latencies: list[float] = []

    def client(number: int) -> None:
        for i in range(ORDERS_PER_CLIENT):
            amount = f"{number}.{i % 100:02d}"
            latencies.append(_post_order(server, headers, f"C{number:02d}-{i:04d}", amount))

    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(client, n) for n in range(CLIENTS)]
        time.sleep(1.0)
        # A load while the clients post: it takes what is complete and does not wait for them.
        loaded_meanwhile = run_omni(omni_env, "load", omni_env["OMNI_INBOX"])
        load_finished_while_posting = not all(f.done() for f in futures)
        for future in futures:
            future.result()
    assert loaded_meanwhile.returncode == 0, loaded_meanwhile.stdout + loaded_meanwhile.stderr
    assert "ingested" in loaded_meanwhile.stdout
    assert load_finished_while_posting
    assert max(latencies) < 5.0  # the API never waited for the load

    final = run_omni(omni_env, "load")
    assert final.returncode == 0, final.stdout + final.stderr
    rows = _raw_orders(omni_env)
    assert len(rows) == CLIENTS * ORDERS_PER_CLIENT  # 5,000 distinct orders
    assert {count for _, count in rows} == {1}  # none ingested twice
    assert run_omni(omni_env, "load").returncode == 0  # a third load adds nothing
    assert sum(count for _, count in _raw_orders(omni_env)) == CLIENTS * ORDERS_PER_CLIENT


def test_kill_9_after_a_burst_loses_no_acknowledged_order(
    start_server: Callable[[], Server], omni_env: dict[str, str]
) -> None:
    server = start_server()
    headers = bearer(["AR"])
    acknowledged: list[str] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        for i in range(1000):
            try:
                _post_order(server, headers, f"K{number:02d}-{i:04d}", "1.00")
            except (OSError, AssertionError):
                return  # the server is gone: this request was never acknowledged
            with lock:
                acknowledged.append(f"K{number:02d}-{i:04d}")

    with ThreadPoolExecutor(10) as pool:
        for n in range(10):
            pool.submit(client, n)
        while len(acknowledged) < 300:
            time.sleep(0.01)
        server.kill()  # SIGKILL in the middle of the burst
    assert len(acknowledged) >= 300

    restarted = start_server()
    _post_order(restarted, headers, "after-restart", "2.00")
    Path(omni_env["OMNI_INBOX"]).mkdir(exist_ok=True)
    loaded = run_omni(omni_env, "load")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    landed = dict(_raw_orders(omni_env))
    missing = [number for number in acknowledged if number not in landed]
    assert missing == []
    assert landed["after-restart"] == 1
    assert set(landed.values()) == {1}
