"""The comparison the parity test relies on must be able to fail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.spark.profile_parity import differences


def profile(**cells) -> dict[str, dict]:
    row = {
        "customer_key": "k1",
        "brands": ["Nike", "Adidas"],
        "value": Decimal("10.50"),
        "first_purchase": date(2026, 6, 1),
        "extra_attributes": {"segment": "VIP"},
    }
    row.update(cells)
    return {row["customer_key"]: row}


def test_list_order_and_sub_cent_digits_are_not_differences():
    spark = profile(brands=["Adidas", "Nike"], value=Decimal("10.5000"))
    assert differences(profile(), spark) == []


def test_a_different_cell_list_element_date_or_customer_is_reported():
    assert differences(profile(), profile(value=Decimal("10.51"))) == [
        "k1 value: DuckDB Decimal('10.50') != Spark Decimal('10.51')"
    ]
    assert len(differences(profile(), profile(brands=["Nike"]))) == 1
    assert len(differences(profile(), profile(first_purchase=date(2026, 6, 2)))) == 1
    assert len(differences(profile(), profile(extra_attributes={"segment": None}))) == 1
    assert differences(profile(), profile(customer_key="k2")) == [
        "customer only in DuckDB: k1",
        "customer only in Spark: k2",
    ]
