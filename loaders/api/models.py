"""Request bodies of the API, generated from the file contract (loaders/contract.py).

Field names, types, maximum lengths, required flags and the email rule come from `SCHEMAS`, so a
field added to the contract reaches the files and the API at once. JSON names are the contract's
(`OrderNumber`, `TotalAmount`); dates are ISO `YYYY-MM-DD`; decimals have at most 2 decimals.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    create_model,
    model_validator,
)
from pydantic import Field as PydanticField

from loaders.contract import EMAIL_PATTERN, Field, FieldType, FileKind

INSTANCE_PATTERN = r"^[A-Za-z0-9_\-]+$"
INSTANCE_MAX_LENGTH = 50
MAX_LINES_PER_ORDER = 500
MAX_CATEGORIES_PER_LINE = 50
MAX_EXTRA_ATTRIBUTES = 50
MAX_EXTRA_NAME_LENGTH = 100
MAX_EXTRA_VALUE_LENGTH = 1000
# The order's key fields, given once on the order and implied on its lines and categories.
ORDER_KEY_FIELDS = ("OrderNumber", "StoreCode")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Only `YYYY-MM-DD` strings: pydantic alone would also take timestamps and datetimes."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return date.fromisoformat(value)


def _flag(value: Any) -> Any:
    """0/1 as in the files, or JSON true/false."""
    if value in (0, 1, "0", "1") and not isinstance(value, float):
        return bool(int(value))
    if isinstance(value, bool):
        return value
    raise ValueError("must be 0, 1, true or false")


def _fixed_point(value: Decimal) -> Decimal:
    """`1E+5` -> `100000.00`: the spool keeps plain decimals DuckDB casts to decimal(18, 2)."""
    return value.quantize(Decimal("0.01"))


def _empty_to_none(value: str | None) -> str | None:
    """An empty optional text is absent, as an empty field of a file is."""
    return value or None


def _text_type(field: Field) -> Any:
    constraints = StringConstraints(
        strip_whitespace=True,
        min_length=1 if field.required else None,
        max_length=field.max_length,
        pattern=EMAIL_PATTERN if field.is_email else None,
    )
    text = Annotated[str, constraints]
    if field.required:
        return text
    return Annotated[text | None, AfterValidator(_empty_to_none)]


def _annotation(field: Field) -> Any:
    """The pydantic type of one contract field (SPEC §2.2 types)."""
    if field.type is FieldType.TEXT:
        return _text_type(field)
    if field.type is FieldType.DECIMAL:
        return Annotated[
            Decimal,
            PydanticField(max_digits=18, decimal_places=2, allow_inf_nan=False),
            AfterValidator(_fixed_point),
        ]
    if field.type is FieldType.DATE:
        kind = Annotated[date, BeforeValidator(_iso_date)]
    else:
        kind = Annotated[bool, BeforeValidator(_flag)]
    return kind if field.required else kind | None


def _describe(field: Field) -> str:
    kind = {
        FieldType.TEXT: f"text, at most {field.max_length} characters",
        FieldType.DECIMAL: "decimal, at most 2 decimals",
        FieldType.DATE: "date YYYY-MM-DD",
        FieldType.FLAG: "0/1 or true/false",
    }[field.type]
    email = ", an email address" if field.is_email else ""
    return f"{kind}{email}{' (required)' if field.required else ''}"


def _definition(field: Field) -> tuple[Any, Any]:
    """(type, default) for create_model; optional decimals default to 0 like empty file fields."""
    if field.required:
        default: Any = ...
    elif field.type is FieldType.DECIMAL:
        default = Decimal("0.00")
    else:
        default = None
    return _annotation(field), PydanticField(default, description=_describe(field))


def _fields(kind: FileKind, skip: tuple[str, ...] = ()) -> dict[str, tuple[Any, Any]]:
    return {f.name: _definition(f) for f in kind.fields if f.name not in skip}


Instance = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=INSTANCE_MAX_LENGTH,
        pattern=INSTANCE_PATTERN,
    ),
]
_category_field = FileKind.ORDERSDETAILCATEGORIES.field("Category")
assert _category_field is not None
Category = _text_type(_category_field)
_instance_definition = (
    Instance,
    PydanticField(..., description="business unit the record belongs to; the token must name it"),
)

ORDER_EXAMPLE: dict[str, Any] = {
    "instance": "AR",
    "OrderNumber": "WEB-100234",
    "StoreCode": "WEB01",
    "UserId": "U-000123",
    "Date": "2026-11-27",
    "TotalItems": 2,
    "TotalProducts": 1,
    "TotalAmount": "59.90",
    "ItemsAmount": "49.50",
    "DiscountsAmount": "0",
    "ShippingAmount": "10.40",
    "PaymentMethods": "CREDIT_CARD",
    "ShippingMethod": "HOME_DELIVERY",
    "Channel": "ONLINE",
    "lines": [
        {
            "Sku": "SKU-778",
            "ProductName": "Running socks",
            "Brand": "Yaguar Basics",
            "Quantity": 2,
            "UnitPrice": "24.75",
            "LineAmount": "49.50",
            "categories": ["Sports", "Socks"],
        }
    ],
}
CUSTOMER_EXAMPLE: dict[str, Any] = {
    "instance": "AR",
    "UserId": "U-000123",
    "Email": "ana.perez@example.com",
    "FirstName": "Ana",
    "LastName": "Pérez",
    "BirthDate": "1990-04-12",
    "OptIn": 1,
    "LoyaltyTier": "GOLD",
}


def _optional_key_type(name: str) -> Any:
    field = FileKind.ORDERSDETAIL.field(name)
    assert field is not None
    return _text_type(field) | None


class _OrderLineBase(BaseModel):
    """Line fields of ORDERSDETAIL; the order's key may be repeated but must then match."""

    model_config = ConfigDict(extra="forbid")


OrderLineIn = create_model(
    "OrderLineIn",
    __base__=_OrderLineBase,
    **{name: (_optional_key_type(name), None) for name in ORDER_KEY_FIELDS},
    **_fields(FileKind.ORDERSDETAIL, skip=ORDER_KEY_FIELDS),
    categories=(
        list[Category],
        PydanticField(
            default_factory=list,
            max_length=MAX_CATEGORIES_PER_LINE,
            description="categories of the line's product (ORDERSDETAILCATEGORIES.Category)",
        ),
    ),
)


class _OrderBase(BaseModel):
    """ORDERS fields, the instance and the nested lines."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ORDER_EXAMPLE]})

    @model_validator(mode="after")
    def _lines_belong_to_order(self) -> _OrderBase:
        for position, line in enumerate(getattr(self, "lines", [])):
            for name in ORDER_KEY_FIELDS:
                given = getattr(line, name)
                if given is not None and given != getattr(self, name):
                    raise ValueError(f"lines[{position}].{name} differs from the order's {name}")
        return self


OrderIn = create_model(
    "OrderIn",
    __base__=_OrderBase,
    instance=_instance_definition,
    **_fields(FileKind.ORDERS),
    lines=(
        list[OrderLineIn],  # type: ignore[valid-type]
        PydanticField(default_factory=list, max_length=MAX_LINES_PER_ORDER),
    ),
)


class _CustomerBase(BaseModel):
    """CUSTOMERS fields and the instance; any other member is kept as an extra attribute."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [CUSTOMER_EXAMPLE]})

    @model_validator(mode="after")
    def _extra_attributes_are_text(self) -> _CustomerBase:
        extras = self.model_extra or {}
        if len(extras) > MAX_EXTRA_ATTRIBUTES:
            raise ValueError(f"at most {MAX_EXTRA_ATTRIBUTES} extra attributes")
        for name, value in extras.items():
            contract_field = FileKind.CUSTOMERS.field(name)
            if contract_field is not None:
                raise ValueError(f"{name!r}: write the contract name {contract_field.name!r}")
            if not name.strip() or len(name) > MAX_EXTRA_NAME_LENGTH:
                raise ValueError(
                    f"extra attribute names have 1 to {MAX_EXTRA_NAME_LENGTH} characters"
                )
            if isinstance(value, dict | list):
                raise ValueError(f"extra attribute {name!r} must be text, a number, a flag or null")
            if isinstance(value, str) and len(value) > MAX_EXTRA_VALUE_LENGTH:
                raise ValueError(
                    f"extra attribute {name!r}: at most {MAX_EXTRA_VALUE_LENGTH} characters"
                )
        return self

    def extra_attributes(self) -> dict[str, str | None]:
        """Extra members as text, the way a Customers file's unknown columns are kept."""
        return {
            name.strip(): _attribute_text(value) for name, value in (self.model_extra or {}).items()
        }


def _attribute_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value).strip()
    return text or None


CustomerIn = create_model(
    "CustomerIn",
    __base__=_CustomerBase,
    instance=_instance_definition,
    **_fields(FileKind.CUSTOMERS),
)


def order_record(order: BaseModel) -> dict[str, Any]:
    """The JSON kept in the spool: contract names, ISO dates, decimals as exact strings."""
    return order.model_dump(mode="json")


def customer_record(customer: _CustomerBase) -> dict[str, Any]:
    data = customer.model_dump(mode="json", include=set(type(customer).model_fields))
    data["extra_attributes"] = customer.extra_attributes()
    return data
