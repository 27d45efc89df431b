"""Every contract rule and bad-input case of SPEC §2, landed into a real DuckDB file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loaders.contract import FileKind
from loaders.landing import FileStatus
from tests.conftest import header

ORDERS = "ICOMMKT_ORDERS_AR_20260630.txt"
CUSTOMERS = "ICOMMKT_CUSTOMERS_AR_20260630.txt"
ORDERS_HEADER = header(FileKind.ORDERS)
CUSTOMERS_HEADER = header(FileKind.CUSTOMERS)


def order_row(
    number: str = "O1",
    amount: str = "100.00",
    order_date: str = "30/06/2026",
    user: str = "U1",
    promo: str = "VERANO10",
) -> str:
    return (
        f"{number}|BA01|{user}|{order_date}|2|1|{amount}|82.64|0|0|CREDIT_CARD|PICKUP|{promo}|S1|"
    )


def rows(con, table: str, columns: str = "*") -> list[tuple]:
    return con.execute(f"select {columns} from raw.{table} order by line_number").fetchall()


def rejects(con) -> list[tuple]:
    return con.execute(
        "select line_number, raw_line, reason from raw.rejected_rows order by line_number"
    ).fetchall()


def test_valid_orders_land_typed_with_lineage(write_file, lander, warehouse):
    path = write_file(ORDERS, [ORDERS_HEADER, order_row("O1"), order_row("O2", "-50.00")])
    result = lander.land(path)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        FileStatus.LOADED,
        2,
        2,
        0,
    )
    landed = rows(
        warehouse,
        "orders",
        "order_number, date, total_amount, promo_codes, channel, "
        "instance_id, file_date, file_name, line_number, load_id",
    )
    assert landed == [
        (
            "O1",
            date(2026, 6, 30),
            Decimal("100.00"),
            "VERANO10",
            None,
            "AR",
            date(2026, 6, 30),
            ORDERS,
            2,
            result.load_id,
        ),
        (
            "O2",
            date(2026, 6, 30),
            Decimal("-50.00"),
            "VERANO10",
            None,
            "AR",
            date(2026, 6, 30),
            ORDERS,
            3,
            result.load_id,
        ),
    ]


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        (order_row(order_date="31/02/2026"), "Date: '31/02/2026' is not a date in dd/mm/yyyy"),
        (order_row(order_date="2026-03-05"), "Date: '2026-03-05' is not a date in dd/mm/yyyy"),
        (order_row(amount="12,50"), "TotalAmount: '12,50' is not a number with '.' decimals"),
        (order_row(amount="12.555"), "TotalAmount: '12.555' is not a number with '.' decimals"),
        (order_row(number="X" * 51), "OrderNumber: 51 characters, at most 50 allowed"),
        (order_row(user=""), "UserId: required value is empty"),
        (order_row().rsplit("|", 1)[0], "the row has fewer fields than the header"),
        (order_row() + "|extra", "the row has more fields than the header"),
    ],
)
def test_a_bad_row_is_rejected_with_its_reason_and_the_rest_loads(
    write_file, lander, warehouse, bad_row, reason
):
    path = write_file(ORDERS, [ORDERS_HEADER, order_row("O1"), bad_row, order_row("O3")])
    result = lander.land(path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    assert rows(warehouse, "orders", "order_number") == [("O1",), ("O3",)]
    [(line, raw_line, stored_reason)] = rejects(warehouse)
    assert line == 3
    assert raw_line == bad_row
    assert stored_reason.startswith(reason)


def test_every_broken_rule_of_a_row_is_listed(write_file, lander, warehouse):
    bad = order_row(order_date="2026-01-01", amount="1.000,00", number="")
    lander.land(write_file(ORDERS, [ORDERS_HEADER, bad]))
    [(_, _, reason)] = rejects(warehouse)
    assert reason.split("; ") == [
        "OrderNumber: required value is empty",
        "Date: '2026-01-01' is not a date in dd/mm/yyyy",
        "TotalAmount: '1.000,00' is not a number with '.' decimals (at most 2) and no thousands "
        "separator",
    ]


def test_empty_numeric_fields_are_zero_and_empty_texts_null(write_file, lander, warehouse):
    lander.land(write_file(ORDERS, [ORDERS_HEADER, "O1|BA01|U1|30/06/2026||||||||||  ||"]))
    assert rows(warehouse, "orders", "total_items, total_amount, shipping_amount, promo_codes") == [
        (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), None)
    ]


def test_invalid_email_is_rejected(write_file, lander, warehouse):
    path = write_file(
        CUSTOMERS,
        [
            CUSTOMERS_HEADER,
            "U1|maria@example.com|María|Peña|F|01/02/1990|+54 11 5555|Buenos Aires|AR|1",
            "U2|maria.example.com|Ana||||||AR|0",
        ],
    )
    result = lander.land(path)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert rejects(warehouse) == [
        (
            3,
            "U2|maria.example.com|Ana||||||AR|0",
            "Email: 'maria.example.com' is not a valid email address",
        ),
    ]
    assert rows(warehouse, "customers", "user_id, first_name, last_name, birth_date, opt_in") == [
        ("U1", "María", "Peña", date(1990, 2, 1), True)
    ]


def test_windows_1252_accents_come_out_right(write_file, lander, warehouse):
    path = write_file(
        CUSTOMERS,
        [
            CUSTOMERS_HEADER,
            "U1|jose@example.com|José|Peña Muñoz||||São Paulo|BR|1",
            "U2|ana@example.com|Ana|O\u2019Brien \u2013 \u20ac||||Córdoba|AR|0",
        ],
        encoding="cp1252",
    )
    assert b"Jos\xe9" in path.read_bytes()  # really not UTF-8
    lander.land(path)
    assert rows(warehouse, "customers", "first_name, last_name, city") == [
        ("José", "Peña Muñoz", "São Paulo"),
        ("Ana", "O\u2019Brien \u2013 \u20ac", "Córdoba"),
    ]
    encoding = warehouse.execute("select encoding from raw.load_manifest").fetchone()[0]
    assert encoding == "windows-1252"


def test_bom_crlf_and_quoted_delimiter(write_file, lander, warehouse):
    path = write_file(
        "ICOMMKT_ORDERSDETAIL_AR_20260630.txt",
        [
            header(FileKind.ORDERSDETAIL),
            'O1|BA01|SKU1|"Camiseta | Edición ""Especial"""|Nike|2|10.00|20.00|S1',
            "O1|BA01|SKU2|Zapatilla|Puma|1|5.5|5.50|",
        ],
        bom=True,
        crlf=True,
    )
    result = lander.land(path)
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    assert rows(warehouse, "order_lines", "sku, product_name, brand, quantity, seller_code") == [
        ("SKU1", 'Camiseta | Edición "Especial"', "Nike", Decimal("2.00"), "S1"),
        ("SKU2", "Zapatilla", "Puma", Decimal("1.00"), None),
    ]


def test_shuffled_header_is_matched_by_name_case_insensitively(write_file, lander, warehouse):
    path = write_file(
        "ICOMMKT_ORDERSDETAILCATEGORIES_AR_20260630.txt",
        ["category|SKU|storecode|ORDERNUMBER", "Shoes|SKU1|BA01|O1", "Running|SKU1|BA01|O1"],
    )
    lander.land(path)
    assert rows(warehouse, "order_line_categories", "order_number, store_code, sku, category") == [
        ("O1", "BA01", "SKU1", "Shoes"),
        ("O1", "BA01", "SKU1", "Running"),
    ]


def test_missing_required_column_rejects_the_whole_file(write_file, lander, warehouse):
    without_date = ORDERS_HEADER.replace("|Date|", "|")
    result = lander.land(write_file(ORDERS, [without_date, "O1|BA01|U1|2|1|100|82|0|0||||S1|"]))
    assert result.status is FileStatus.REJECTED
    assert result.message.startswith("required column(s) missing from the header: Date")
    assert rows(warehouse, "orders") == []
    manifest = warehouse.execute("select status, message, rows_loaded from raw.load_manifest")
    assert manifest.fetchall() == [("rejected", result.message, 0)]


def test_a_file_with_no_header_at_all_is_rejected(write_file, lander):
    result = lander.land(write_file(ORDERS, []))
    assert result.status is FileStatus.REJECTED
    assert "not even a header line" in result.message


def test_header_only_file_loads_zero_rows(write_file, lander, warehouse):
    result = lander.land(write_file(ORDERS, [ORDERS_HEADER]))
    assert (result.status, result.rows_read, result.rows_loaded) == (FileStatus.LOADED, 0, 0)
    assert warehouse.execute("select count(*) from raw.load_manifest").fetchone() == (1,)


def test_unknown_customer_columns_become_extra_attributes(write_file, lander, warehouse):
    path = write_file(
        CUSTOMERS,
        [
            CUSTOMERS_HEADER + "|LoyaltyTier|PreferredStore",
            "U1|a@example.com|||||||||Gold|BA01",
            "U2|b@example.com||||||||||",
        ],
    )
    lander.land(path)
    assert rows(warehouse, "customers", "user_id, extra_attributes") == [
        ("U1", {"LoyaltyTier": "Gold", "PreferredStore": "BA01"}),
        ("U2", {"LoyaltyTier": None, "PreferredStore": None}),
    ]


def test_unknown_order_columns_are_reported_not_loaded(write_file, lander):
    result = lander.land(write_file(ORDERS, [ORDERS_HEADER + "|Notes", order_row() + "|hello"]))
    assert result.rows_loaded == 1
    assert result.message == "ignored unknown columns: Notes"


def test_gzip_file_loads_like_the_plain_one(write_file, lander, warehouse):
    path = write_file(ORDERS + ".gz", [ORDERS_HEADER, order_row("O1")], compress=True)
    assert lander.land(path).rows_loaded == 1
    assert rows(warehouse, "orders", "order_number, file_name") == [("O1", ORDERS + ".gz")]


def test_identical_redelivery_is_a_no_op_even_recompressed(write_file, lander, warehouse):
    lines = [ORDERS_HEADER, order_row("O1"), order_row("O2")]
    first = lander.land(write_file(ORDERS, lines))
    before = warehouse.execute("select * from raw.orders").fetchall()
    again = lander.land(write_file(ORDERS, lines))
    zipped = lander.land(write_file(ORDERS + ".gz", lines, compress=True))
    assert again.status is FileStatus.UNCHANGED and zipped.status is FileStatus.UNCHANGED
    assert warehouse.execute("select * from raw.orders").fetchall() == before
    assert warehouse.execute("select load_id from raw.load_manifest").fetchall() == [
        (first.load_id,)
    ]


def test_changed_redelivery_replaces_that_files_rows_and_rejects(write_file, lander, warehouse):
    lander.land(write_file(ORDERS, [ORDERS_HEADER, order_row("O1"), order_row("O2", "1,0")]))
    lander.land(write_file("ICOMMKT_ORDERS_AR_20260701.txt", [ORDERS_HEADER, order_row("O9")]))
    second = lander.land(write_file(ORDERS, [ORDERS_HEADER, order_row("O3"), order_row("O4")]))
    assert second.status is FileStatus.REPLACED
    remaining = warehouse.execute(
        "select file_date, order_number from raw.orders order by 1, 2"
    ).fetchall()
    assert remaining == [
        (date(2026, 6, 30), "O3"),
        (date(2026, 6, 30), "O4"),
        (date(2026, 7, 1), "O9"),
    ]
    assert rejects(warehouse) == []  # the replaced delivery's reject went with it
    statuses = warehouse.execute(
        "select file_date, status from raw.load_manifest order by started_at"
    ).fetchall()
    assert statuses == [
        (date(2026, 6, 30), "loaded"),
        (date(2026, 7, 1), "loaded"),
        (date(2026, 6, 30), "replaced"),
    ]


def test_bytes_that_are_neither_utf8_nor_cp1252_reject_only_their_line(
    write_file, lander, warehouse, inbox
):
    path = inbox / CUSTOMERS
    path.write_bytes(
        (CUSTOMERS_HEADER + "\nU1|a@example.com|Peña||||||AR|1\n").encode("cp1252")
        + b"U2|b@example.com|X\x81Y||||||AR|1\n"
    )
    result = lander.land(path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)
    [(line, _, reason)] = rejects(warehouse)
    assert (line, reason) == (3, "byte 0x81 at column 19 is neither UTF-8 nor Windows-1252")
