"""GET /v1/orders: ICOMMKT's filters and paging over the latest version of each posted order."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import bearer, order

AR = bearer(["AR"])


def _numbers(client: TestClient, **params: object) -> list[str]:
    response = client.get("/v1/orders", params={"instance": "AR", **params}, headers=AR)
    assert response.status_code == 200, response.text
    return [o["OrderNumber"] for o in response.json()["items"]]


def test_filters_paging_and_latest_version(client: TestClient) -> None:
    posted = [
        order("A1", Date="2026-11-01", UserId="U1", StoreCode="BA01"),
        order("A2", Date="2026-11-02", UserId="U2", StoreCode="BA01"),
        order("A3", Date="2026-11-03", UserId="U1", StoreCode="WEB01"),
        order("A4", Date="2026-11-04", UserId="U3", StoreCode="WEB01"),
        order("C1", instance="CL", Date="2026-11-02"),
    ]
    assert client.post("/v1/orders", json=posted, headers=bearer(["AR", "CL"])).status_code == 202
    customers = [
        {"instance": "AR", "UserId": "U1", "Email": "old@example.com"},
        {"instance": "AR", "UserId": "U1", "Email": " Ana@Example.com "},  # latest email wins
        {"instance": "AR", "UserId": "U3", "Email": "ana@example.com"},  # same person, POS id
    ]
    assert client.post("/v1/customers", json=customers, headers=AR).status_code == 202

    assert _numbers(client) == ["A1", "A2", "A3", "A4"]  # CL is another instance
    assert _numbers(client, email="ANA@example.com") == ["A1", "A3", "A4"]
    assert _numbers(client, email="old@example.com") == []
    assert _numbers(client, sourceUserId="U1") == ["A1", "A3"]
    assert _numbers(client, storeCode="BA01") == ["A1", "A2"]
    assert _numbers(client, orderNumber="A3") == ["A3"]
    assert _numbers(client, date="2026-11-02") == ["A2"]
    assert _numbers(client, dateStart="2026-11-02", dateEnd="2026-11-03") == ["A2", "A3"]
    assert _numbers(client, dateStart="2026-11-02", storeCode="WEB01") == ["A3", "A4"]
    page = client.get(
        "/v1/orders", params={"instance": "AR", "offset": 1, "limit": 2}, headers=AR
    ).json()
    assert (page["total"], page["offset"], page["limit"]) == (4, 1, 2)
    assert [o["OrderNumber"] for o in page["items"]] == ["A2", "A3"]

    # a re-post of A2 is an update: still 4 orders, A2 with its new amount
    assert (
        client.post(
            "/v1/orders",
            json=order("A2", Date="2026-11-02", StoreCode="BA01", TotalAmount="99.99"),
            headers=AR,
        ).status_code
        == 202
    )
    latest = client.get("/v1/orders", params={"instance": "AR", "orderNumber": "A2"}, headers=AR)
    assert [o["TotalAmount"] for o in latest.json()["items"]] == ["99.99"]
    assert client.get("/v1/orders", params={"instance": "AR"}, headers=AR).json()["total"] == 4


def test_paging_bounds(client: TestClient) -> None:
    for params in ({"limit": 1001}, {"limit": 0}, {"offset": -1}, {"date": "02/11/2026"}):
        response = client.get("/v1/orders", params={"instance": "AR", **params}, headers=AR)
        assert response.status_code == 422, params
    assert (
        client.get("/v1/orders", params={"instance": "AR", "limit": 1000}, headers=AR).json()[
            "limit"
        ]
        == 1000
    )
    missing_instance = client.get("/v1/orders", headers=AR)
    assert missing_instance.status_code == 422
