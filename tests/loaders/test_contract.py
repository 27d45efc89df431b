from datetime import date

import pytest

from loaders.contract import FileKind, FileNameError, is_contract_file_name, parse_file_name


@pytest.mark.parametrize(
    ("name", "kind", "instance", "file_date", "gzipped"),
    [
        ("ICOMMKT_ORDERS_AR_20260630", FileKind.ORDERS, "AR", date(2026, 6, 30), False),
        (
            "ICOMMKT_ORDERSDETAIL_AR_20260630.txt",
            FileKind.ORDERSDETAIL,
            "AR",
            date(2026, 6, 30),
            False,
        ),
        (
            "ICOMMKT_ORDERSDETAILCATEGORIES_BR_SP_20260101.csv.gz",
            FileKind.ORDERSDETAILCATEGORIES,
            "BR_SP",
            date(2026, 1, 1),
            True,
        ),
        (
            "ICOMMKT_CUSTOMERS_MY_SHOP_2_20251231.gz",
            FileKind.CUSTOMERS,
            "MY_SHOP_2",
            date(2025, 12, 31),
            True,
        ),
    ],
)
def test_file_name_parts(name, kind, instance, file_date, gzipped):
    parsed = parse_file_name(name)
    assert parsed.identity.kind is kind
    assert parsed.identity.instance_id == instance
    assert parsed.identity.file_date == file_date
    assert parsed.gzipped is gzipped


@pytest.mark.parametrize(
    "name",
    [
        "ICOMMKT_ORDER_AR_20260630.txt",  # kind without its S
        "ICOMMKT_ORDERS_AR_2026063.txt",  # seven digits
        "ICOMMKT_ORDERS_AR_20260231.txt",  # no 31 February
        "ICOMMKT_ORDERS_20260630.txt",  # no instance
        "ICOMMKT_ORDERS_AR_20260630.xlsx",
        "orders.txt",
    ],
)
def test_names_outside_the_contract_are_refused(name):
    assert not is_contract_file_name(name)
    with pytest.raises(FileNameError, match=r"ICOMMKT_<KIND>|valid date"):
        parse_file_name(name)


def test_identity_ignores_extension_and_compression():
    plain = parse_file_name("ICOMMKT_ORDERS_AR_20260630.txt").identity
    zipped = parse_file_name("ICOMMKT_ORDERS_AR_20260630.csv.gz").identity
    assert plain == zipped


def test_raw_columns_are_snake_case_of_contract_names():
    columns = [field.column for field in FileKind.ORDERS.fields]
    assert columns[:4] == ["order_number", "store_code", "user_id", "date"]
    assert FileKind.CUSTOMERS.field("  EMAIL ").name == "Email"
