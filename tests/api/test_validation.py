"""Every contract rule on the API side (SPEC §2.2 types via §4): 422 names each bad field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from loaders.api.app import ApiSettings, create_app
from loaders.api.spool import list_segments, read_segment
from tests.api.conftest import SECRET, bearer, order

AR = bearer(["AR"])
CUSTOMER: dict[str, Any] = {"instance": "AR", "UserId": "U1", "Email": "ana@example.com"}


def _line(**changes: Any) -> dict[str, Any]:
    return {"Sku": "S1", "Quantity": 1, **changes}


ORDER_CASES = [
    # (change to a valid order, loc of the error under body)
    ({"TotalAmount": "abc"}, ["TotalAmount"]),  # type: not a number
    ({"TotalAmount": "12,50"}, ["TotalAmount"]),  # decimal comma
    ({"TotalAmount": "1.234"}, ["TotalAmount"]),  # 3 decimals
    ({"TotalAmount": 1.234}, ["TotalAmount"]),  # 3 decimals as a JSON number
    ({"TotalAmount": True}, ["TotalAmount"]),
    ({"TotalAmount": "12345678901234567.00"}, ["TotalAmount"]),  # over decimal(18, 2)
    ({"OrderNumber": "x" * 51}, ["OrderNumber"]),  # text(50)
    ({"StoreCode": "x" * 31}, ["StoreCode"]),  # text(30)
    ({"PaymentMethods": "x" * 101}, ["PaymentMethods"]),  # optional text(100)
    ({"OrderNumber": 123}, ["OrderNumber"]),  # text must be a JSON string
    ({"UserId": "   "}, ["UserId"]),  # required, blank after trimming
    ({"UserId": None}, ["UserId"]),
    ({"Date": "27/11/2026"}, ["Date"]),  # the files' format is not the API's
    ({"Date": "2026-02-30"}, ["Date"]),  # no such day
    ({"Date": 1764000000}, ["Date"]),  # timestamps are not dates
    ({"Date": "2026-11-27T10:00:00"}, ["Date"]),
    ({"instance": "A R"}, ["instance"]),
    ({"Unknown": "x"}, ["Unknown"]),  # orders take no extra fields
    ({"lines": [_line(Quantity="1.001")]}, ["lines", 0, "Quantity"]),
    ({"lines": [_line(Sku="")]}, ["lines", 0, "Sku"]),
    ({"lines": [_line(ProductName="x" * 201)]}, ["lines", 0, "ProductName"]),
    ({"lines": [_line(categories=["x" * 101])]}, ["lines", 0, "categories", 0]),
    ({"lines": [_line(categories=[" "])]}, ["lines", 0, "categories", 0]),
    ({"lines": [_line(categories="Shoes")]}, ["lines", 0, "categories"]),
    ({"lines": [_line(StoreCode="OTHER")]}, []),  # a line of another order
]


@pytest.mark.parametrize(("changes", "loc"), ORDER_CASES)
def test_order_rule_violations_name_the_field(
    client: TestClient, changes: dict[str, Any], loc: list
) -> None:
    response = client.post("/v1/orders", json=order("A1", **changes), headers=AR)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert [e["loc"] for e in errors] == [["body", *loc]]
    assert all(set(e) == {"loc", "msg", "type"} for e in errors)  # the input is never echoed


@pytest.mark.parametrize(
    "field", ["OrderNumber", "StoreCode", "UserId", "Date", "TotalItems", "TotalAmount"]
)
def test_missing_required_order_field(client: TestClient, field: str) -> None:
    body = order("A1")
    del body[field]
    response = client.post("/v1/orders", json=body, headers=AR)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", field], "msg": "Field required", "type": "missing"}
    ]


def test_every_bad_field_of_every_item_is_reported(
    client: TestClient, api_settings: ApiSettings
) -> None:
    body = [order("A1"), order("A2", TotalAmount="1.999", Date="2026-13-01"), order("x" * 51)]
    response = client.post("/v1/orders", json=body, headers=AR)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [
        ["body", 1, "Date"],
        ["body", 1, "TotalAmount"],
        ["body", 2, "OrderNumber"],
    ]
    assert list_segments(api_settings.spool_dir) == []  # nothing of the request was stored


def test_boundaries_are_accepted_and_stored_as_the_contract_types(
    client: TestClient, api_settings: ApiSettings
) -> None:
    body = order(
        "x" * 50,
        StoreCode=" " + "s" * 30 + " ",  # trimmed, like file fields
        TotalAmount=12.5,
        DiscountsAmount="-0.10",
        PaymentMethods="",
        lines=[_line(Quantity="2", categories=["c" * 100])],
    )
    response = client.post("/v1/orders", json=body, headers=AR)
    assert response.status_code == 202, response.text
    assert response.json()["keys"] == [
        {"instance": "AR", "storeCode": "s" * 30, "orderNumber": "x" * 50}
    ]
    [segment] = list_segments(api_settings.spool_dir)
    [record] = read_segment(segment).records
    stored = record.data
    assert (stored["StoreCode"], stored["TotalAmount"], stored["DiscountsAmount"]) == (
        "s" * 30,
        "12.50",
        "-0.10",
    )
    assert stored["PaymentMethods"] is None  # empty optional text is absent
    assert stored["lines"][0]["UnitPrice"] == "0.00"  # absent optional decimal is 0
    assert stored["lines"][0]["Quantity"] == "2.00"


CUSTOMER_CASES = [
    ({"Email": "ana.example.com"}, ["Email"]),
    ({"Email": "ana@example"}, ["Email"]),
    ({"Email": "a" * 243 + "@example.com"}, ["Email"]),  # 255 characters, text(254)
    ({"Email": ""}, ["Email"]),
    ({"BirthDate": "12/04/1990"}, ["BirthDate"]),
    ({"OptIn": 2}, ["OptIn"]),
    ({"OptIn": "yes"}, ["OptIn"]),
    ({"Country": "x" * 61}, ["Country"]),
    ({"LoyaltyTier": {"nested": 1}}, []),  # extra attributes are flat values
    ({"email": "x@y.zz"}, []),  # a contract name in the wrong case is not an extra attribute
]


@pytest.mark.parametrize(("changes", "loc"), CUSTOMER_CASES)
def test_customer_rule_violations(client: TestClient, changes: dict[str, Any], loc: list) -> None:
    response = client.post("/v1/customers", json={**CUSTOMER, **changes}, headers=AR)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", *loc]]


def test_missing_customer_email(client: TestClient) -> None:
    body = {"instance": "AR", "UserId": "U1"}
    response = client.post("/v1/customers", json=body, headers=AR)
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "Email"]]


def test_customer_extra_attributes_are_kept_as_text(
    client: TestClient, api_settings: ApiSettings
) -> None:
    body = {**CUSTOMER, "OptIn": True, "LoyaltyTier": " GOLD ", "Points": 120, "Vip": False}
    assert client.post("/v1/customers", json=body, headers=AR).status_code == 202
    [record] = read_segment(list_segments(api_settings.spool_dir)[0]).records
    assert record.data["OptIn"] is True
    assert record.data["extra_attributes"] == {"LoyaltyTier": "GOLD", "Points": "120", "Vip": "0"}


@pytest.mark.parametrize("body", [b"{", b"[]", b'"text"', b"42", b"[1]"])
def test_body_that_is_not_objects_is_422(client: TestClient, body: bytes) -> None:
    response = client.post(
        "/v1/orders", content=body, headers={**AR, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_limits_body_size_items_and_rate(tmp_path) -> None:
    settings = ApiSettings(
        secret=SECRET,
        spool_dir=tmp_path / "spool",
        max_body_bytes=2000,
        max_items=2,
        rate_per_second=0.01,
        rate_burst=4,
    )
    with TestClient(create_app(settings)) as client:
        too_big = client.post("/v1/orders", json=order("A1", PromoCodes="x" * 2000), headers=AR)
        assert too_big.status_code == 413
        too_many = client.post("/v1/orders", json=[order("A1")] * 3, headers=AR)
        assert too_many.status_code == 422
        assert too_many.json()["detail"][0]["type"] == "too_long"
        assert client.post("/v1/orders", json=[order("A1")] * 2, headers=AR).status_code == 202
        assert client.get("/v1/orders", params={"instance": "AR"}, headers=AR).status_code == 200
        limited = client.get("/v1/orders", params={"instance": "AR"}, headers=AR)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        # the bucket is per token: another token still gets through
        assert (
            client.get(
                "/v1/orders", params={"instance": "AR"}, headers=bearer(["AR"], 601)
            ).status_code
            == 200
        )
