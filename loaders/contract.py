"""The ICOMMKT file contract (SPEC §2) as data: file names, the four schemas, raw table layout.

Everything else — the loader's validation SQL, the generator, the API models — reads these
definitions, so a field added here reaches every consumer at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum


class FieldType(Enum):
    TEXT = "text"
    DECIMAL = "dec"
    DATE = "date"
    FLAG = "0/1"


@dataclass(frozen=True)
class Field:
    """One column of a contract file, as published (name) and as landed (column)."""

    name: str
    type: FieldType
    required: bool = False
    max_length: int | None = None
    is_email: bool = False

    @property
    def column(self) -> str:
        """snake_case name of the raw-table column (OrderNumber -> order_number)."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.name).lower()

    @property
    def duckdb_type(self) -> str:
        return {
            FieldType.TEXT: "varchar",
            FieldType.DECIMAL: "decimal(18, 2)",
            FieldType.DATE: "date",
            FieldType.FLAG: "boolean",
        }[self.type]


def _text(name: str, length: int, required: bool = False, is_email: bool = False) -> Field:
    return Field(name, FieldType.TEXT, required, length, is_email)


def _dec(name: str, required: bool = False) -> Field:
    return Field(name, FieldType.DECIMAL, required)


class FileKind(Enum):
    """The four daily files; the value is the KIND part of the file name."""

    CUSTOMERS = "CUSTOMERS"
    ORDERS = "ORDERS"
    ORDERSDETAIL = "ORDERSDETAIL"
    ORDERSDETAILCATEGORIES = "ORDERSDETAILCATEGORIES"

    @property
    def fields(self) -> tuple[Field, ...]:
        return SCHEMAS[self]

    @property
    def raw_table(self) -> str:
        return RAW_TABLES[self]

    @property
    def keeps_extra_columns(self) -> bool:
        """Only Customers turns unknown columns into attributes (SPEC §2.1)."""
        return self is FileKind.CUSTOMERS

    def field(self, name: str) -> Field | None:
        """Case-insensitive lookup, because headers are matched that way."""
        return _FIELDS_BY_LOWER_NAME[self].get(name.strip().lower())


SCHEMAS: dict[FileKind, tuple[Field, ...]] = {
    FileKind.ORDERS: (
        _text("OrderNumber", 50, required=True),
        _text("StoreCode", 30, required=True),
        _text("UserId", 50, required=True),
        Field("Date", FieldType.DATE, required=True),
        _dec("TotalItems", required=True),
        _dec("TotalProducts", required=True),
        _dec("TotalAmount", required=True),
        _dec("ItemsAmount", required=True),
        _dec("DiscountsAmount", required=True),
        _dec("ShippingAmount", required=True),
        _text("PaymentMethods", 100),
        _text("ShippingMethod", 50),
        _text("PromoCodes", 100),
        _text("SellerCode", 30),
        _text("Channel", 30),
    ),
    FileKind.ORDERSDETAIL: (
        _text("OrderNumber", 50, required=True),
        _text("StoreCode", 30, required=True),
        _text("Sku", 50, required=True),
        _text("ProductName", 200),
        _text("Brand", 100),
        _dec("Quantity", required=True),
        _dec("UnitPrice"),
        _dec("LineAmount"),
        _text("SellerCode", 30),
    ),
    FileKind.ORDERSDETAILCATEGORIES: (
        _text("OrderNumber", 50, required=True),
        _text("StoreCode", 30, required=True),
        _text("Sku", 50, required=True),
        _text("Category", 100, required=True),
    ),
    FileKind.CUSTOMERS: (
        _text("UserId", 50, required=True),
        _text("Email", 254, required=True, is_email=True),
        _text("FirstName", 100),
        _text("LastName", 100),
        _text("Gender", 20),
        Field("BirthDate", FieldType.DATE),
        _text("Phone", 30),
        _text("City", 100),
        _text("Country", 60),
        Field("OptIn", FieldType.FLAG),
    ),
}

_FIELDS_BY_LOWER_NAME = {
    kind: {f.name.lower(): f for f in fields} for kind, fields in SCHEMAS.items()
}

RAW_SCHEMA = "raw"
RAW_TABLES: dict[FileKind, str] = {
    FileKind.CUSTOMERS: "customers",
    FileKind.ORDERS: "orders",
    FileKind.ORDERSDETAIL: "order_lines",
    FileKind.ORDERSDETAILCATEGORIES: "order_line_categories",
}

# Lineage carried by every raw row: which file (identity and name), which line, which load.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("instance_id", "varchar"),
    ("file_date", "date"),
    ("file_name", "varchar"),
    ("line_number", "bigint"),
    ("load_id", "varchar"),
)
EXTRA_ATTRIBUTES_COLUMN = "extra_attributes"

# Processing order inside one batch: customers first so a reader of a half-loaded batch never
# sees orders whose customers are still missing.
KIND_ORDER = (
    FileKind.CUSTOMERS,
    FileKind.ORDERS,
    FileKind.ORDERSDETAIL,
    FileKind.ORDERSDETAILCATEGORIES,
)

DELIMITER = "|"
QUOTE = '"'
DATE_FORMAT = "%d/%m/%Y"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

_FILE_NAME = re.compile(
    r"^ICOMMKT_(?P<kind>CUSTOMERS|ORDERSDETAILCATEGORIES|ORDERSDETAIL|ORDERS)"
    r"_(?P<instance>[A-Za-z0-9_\-]+?)_(?P<date>\d{8})"
    r"(?P<ext>\.txt|\.csv)?(?P<gz>\.gz)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FileIdentity:
    """What makes two deliveries 'the same file' (SPEC §2.4): not the extension or compression."""

    kind: FileKind
    instance_id: str
    file_date: date

    def canonical_name(self, extension: str = ".txt") -> str:
        return f"ICOMMKT_{self.kind.value}_{self.instance_id}_{self.file_date:%Y%m%d}{extension}"


@dataclass(frozen=True)
class ContractFileName:
    identity: FileIdentity
    gzipped: bool


class FileNameError(ValueError):
    """A name that is not a contract file name (reported, never loaded)."""


def parse_file_name(name: str) -> ContractFileName:
    """Split `ICOMMKT_<KIND>_<INSTANCE>_<YYYYMMDD>[.txt|.csv][.gz]` into its parts."""
    match = _FILE_NAME.match(name)
    if not match:
        raise FileNameError(
            f"{name!r} is not a contract file name "
            "(expected ICOMMKT_<KIND>_<INSTANCE>_<YYYYMMDD>[.txt|.csv][.gz])"
        )
    try:
        file_date = datetime.strptime(match["date"], "%Y%m%d").date()
    except ValueError as exc:
        raise FileNameError(f"{name!r}: {match['date']} is not a valid date") from exc
    identity = FileIdentity(FileKind(match["kind"].upper()), match["instance"], file_date)
    return ContractFileName(identity, gzipped=bool(match["gz"]))


def is_contract_file_name(name: str) -> bool:
    try:
        parse_file_name(name)
    except FileNameError:
        return False
    return True
