"""The README's "Real-time API" walkthrough, as a user runs it: load and build a small inbox,
`omni serve`, `omni token`, post orders over HTTP, `omni run`, read the profile."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.api.conftest import Server, http, order
from tests.conftest import run_omni

END_DATE = "2026-06-30"


def _profile(warehouse: str, user_id: str) -> tuple[int, Decimal]:
    with closing(duckdb.connect(warehouse, read_only=True)) as con:
        return con.execute(
            """select "ICOMMKT_Total_Purchases", "ICOMMKT_Total_Value"
               from marts.customer_profile where list_contains(user_ids, ?)""",
            [user_id],
        ).fetchone()


@pytest.mark.slow
def test_posted_orders_reach_the_customer_profile(
    start_server: Callable[[], Server], omni_env: dict[str, str]
) -> None:
    env = {**omni_env, "COLUMNS": "200"}
    generated = run_omni(
        env, "generate", "--customers", "120", "--days", "10", "--end-date", END_DATE
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    first = run_omni(env, "run")
    assert first.returncode == 0, first.stdout + first.stderr
    warehouse = env["OMNI_WAREHOUSE"]
    with closing(duckdb.connect(warehouse, read_only=True)) as con:
        instance, buyer, other = con.execute(
            """select instance_id, user_ids[1], lead(user_ids[1]) over (order by email)
               from marts.customer_profile where "ICOMMKT_Total_Purchases" > 0
               order by email limit 1"""
        ).fetchone()
        staged_before = con.execute("select count(*) from staging.stg_icommkt__orders").fetchone()[
            0
        ]
    buyer_before = _profile(warehouse, buyer)
    other_before = _profile(warehouse, other)

    server = start_server()
    token = run_omni(env, "token", "--instance", instance)
    assert token.returncode == 0
    headers = {"Authorization": f"Bearer {token.stdout.strip()}"}

    def post(body: dict) -> None:
        status, answer = http("POST", f"{server.url}/v1/orders", json.dumps(body).encode(), headers)
        assert status == 202, answer
        assert json.loads(answer)["keys"] == [
            {"instance": instance, "storeCode": "WEB01", "orderNumber": body["OrderNumber"]}
        ]

    mine = order("API-0001", instance=instance, UserId=buyer, Date=END_DATE, TotalAmount="123.45")
    post(mine)
    post(mine)  # the same payload again: still one order
    post(order("API-0002", instance=instance, UserId=other, Date=END_DATE, TotalAmount="10.00"))
    post(order("API-0002", instance=instance, UserId=other, Date=END_DATE, TotalAmount="25.50"))

    second = run_omni(env, "run")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "4 order(s)" in second.stdout
    assert _profile(warehouse, buyer) == (buyer_before[0] + 1, buyer_before[1] + Decimal("123.45"))
    assert _profile(warehouse, other) == (other_before[0] + 1, other_before[1] + Decimal("25.50"))
    with closing(duckdb.connect(warehouse, read_only=True)) as con:
        staged = con.execute(
            """select order_number, total_amount, count(*) over () from staging.stg_icommkt__orders
               where order_number like 'API-%' order by 1"""
        ).fetchall()
        staged_after = con.execute("select count(*) from staging.stg_icommkt__orders").fetchone()[0]
        lines = con.execute(
            """select order_number, count(*) from staging.stg_icommkt__order_lines
               where order_number like 'API-%' group by 1 order by 1"""
        ).fetchall()
    assert staged == [("API-0001", Decimal("123.45"), 2), ("API-0002", Decimal("25.50"), 2)]
    assert staged_after == staged_before + 2
    assert lines == [("API-0001", 1), ("API-0002", 1)]  # re-posts replace lines, never add
    assert Path(env["OMNI_WAREHOUSE"]).parent.joinpath("api-spool").is_dir()
