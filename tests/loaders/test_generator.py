"""The sample-data generator: contract-shaped, deterministic, realistic, messy only on request."""

from __future__ import annotations

import csv
import gzip
import re
import tracemalloc
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest

from loaders.contract import (
    DATE_FORMAT,
    EMAIL_PATTERN,
    FieldType,
    FileKind,
    parse_file_name,
)
from loaders.generator import (
    EXTRA_CUSTOMER_COLUMNS,
    INSTANCES,
    Customers,
    GenerationSummary,
    GeneratorOptions,
    generate,
    store_channel_rows,
)

ROOT = Path(__file__).resolve().parents[2]
DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]{1,2})?|\.[0-9]{1,2})")
Batch = tuple[str, date]  # (instance, file date)

PLAIN = GeneratorOptions(customers=400, days=14, instances=2, seed=7)
MESSY = GeneratorOptions(
    customers=300,
    days=8,
    instances=2,
    seed=11,
    cp1252_share=0.5,
    shuffle_headers=True,
    extra_customer_columns=True,
    malformed_share=0.05,
)


# -- reading what was written -----------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """The text and encoding, the way a loader must guess it (UTF-8, else Windows-1252)."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "windows-1252"


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def read_file(path: Path) -> tuple[list[str], list[list[str]]]:
    """(header, data rows as field lists), parsed with quotes as the contract allows."""
    text, _ = decode(read_bytes(path))
    assert text.endswith("\n") and "\r" not in text
    header, *rows = csv.reader(text.splitlines(), delimiter="|", quotechar='"')
    return header, rows


def records(path: Path) -> list[dict[str, str]]:
    header, rows = read_file(path)
    return [dict(zip(header, row, strict=True)) for row in rows]


def problems(kind: FileKind, header: list[str], fields: list[str]) -> list[str]:
    """What SPEC §2.3 would reject this row for (a loader-independent reading of the rules)."""
    if len(fields) != len(header):
        return ["field count"]
    found = []
    for name, raw in zip(header, fields, strict=True):
        field = kind.field(name)
        value = raw.strip()
        if field is None:
            continue  # an extra column: kept as text
        if not value:
            if field.required and field.type is not FieldType.DECIMAL:
                found.append("required")
            continue
        if field.type is FieldType.DATE:
            try:
                datetime.strptime(value, DATE_FORMAT)
            except ValueError:
                found.append("date")
        elif field.type is FieldType.DECIMAL and not DECIMAL.fullmatch(value):
            found.append("decimal")
        elif field.type is FieldType.FLAG and value not in ("0", "1"):
            found.append("flag")
        elif field.is_email and not re.fullmatch(EMAIL_PATTERN, value):
            found.append("email")
        if field.max_length and len(value) > field.max_length:
            found.append("length")
    return found


def cents(text: str) -> int:
    return int(Decimal(text) * 100)


def by_batch(summary: GenerationSummary, kind: FileKind) -> dict[Batch, Path]:
    return {(f.instance_id, f.file_date): f.path for f in summary.files if f.kind is kind}


# -- runs shared by the tests (each takes well under a second) --------------------------------


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate(tmp_path_factory.mktemp("plain"), PLAIN)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate(tmp_path_factory.mktemp("messy"), MESSY)


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# -- determinism and layout -------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    options = GeneratorOptions(
        customers=80, days=5, instances=2, gzip=True, cp1252_share=0.3, malformed_share=0.1,
        shuffle_headers=True, extra_customer_columns=True,
    )  # fmt: skip
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(first, options)
    generate(second, options)
    generate(other, GeneratorOptions(**{**options.__dict__, "seed": options.seed + 1}))
    assert contents(first) == contents(second)
    assert contents(first).keys() == contents(other).keys()
    assert contents(first) != contents(other)


def test_four_contract_files_per_instance_and_day(plain: GenerationSummary) -> None:
    start = PLAIN.end_date - timedelta(days=PLAIN.days - 1)
    expected = {
        (kind, profile.instance_id, start + timedelta(days=d))
        for kind in FileKind
        for profile in INSTANCES[: PLAIN.instances]
        for d in range(PLAIN.days)
    }
    written = set()
    for summary in plain.files:
        parsed = parse_file_name(summary.path.name)
        identity = parsed.identity
        assert summary.path.name == identity.canonical_name(".txt")
        assert (identity.kind, identity.instance_id, identity.file_date) == (
            summary.kind,
            summary.instance_id,
            summary.file_date,
        )
        written.add((identity.kind, identity.instance_id, identity.file_date))
    assert written == expected
    assert len(plain.files) == 4 * PLAIN.days * PLAIN.instances
    assert {"AR", "BR_SP"} == {instance for _, instance, _ in written}  # an id with "_"


def test_on_file_reports_each_file_once_it_is_written(tmp_path: Path) -> None:
    seen = []

    def on_file(summary):
        assert summary.path.exists()
        seen.append(summary)

    summary = generate(tmp_path, GeneratorOptions(customers=50, days=3), on_file=on_file)
    assert seen == summary.files
    assert len(seen) == 12


def test_plain_headers_are_the_contract_fields(plain: GenerationSummary) -> None:
    for summary in plain.files:
        header, _ = read_file(summary.path)
        assert header == [f.name for f in summary.kind.fields]


def test_shuffled_headers_permute_the_contract_and_extras_only_in_customers(
    messy: GenerationSummary,
) -> None:
    reordered = 0
    for summary in messy.files:
        header, _ = read_file(summary.path)
        names = [f.name for f in summary.kind.fields]
        if summary.kind is FileKind.CUSTOMERS:
            extras = set(header) - set(names)
            assert 1 <= len(extras) <= 2
            assert extras <= set(EXTRA_CUSTOMER_COLUMNS)
            names += [c for c in EXTRA_CUSTOMER_COLUMNS if c in extras]
        assert sorted(header) == sorted(names)
        reordered += header != names
    assert reordered == len(messy.files)  # the seed never leaves a header in contract order


def test_some_days_are_header_only_in_all_four_files(plain: GenerationSummary) -> None:
    rows = defaultdict(int)
    for summary in plain.files:
        assert summary.path.read_text(encoding="utf-8").count("\n") == 1 + summary.valid_rows
        rows[(summary.instance_id, summary.file_date)] += summary.valid_rows
    empty = [batch for batch, count in rows.items() if count == 0]
    assert empty, "every batch has data"
    assert len(empty) < len(rows) / 2


def test_every_valid_row_passes_the_contract_rules(plain: GenerationSummary) -> None:
    assert plain.malformed_rows() == 0
    for summary in plain.files:
        header, rows = read_file(summary.path)
        assert len(rows) == summary.valid_rows
        for row in rows:
            assert problems(summary.kind, header, row) == [], (summary.path.name, row)


# -- orders, lines and categories --------------------------------------------------------------


def test_orders_lines_and_categories_agree_within_each_batch(plain: GenerationSummary) -> None:
    details = by_batch(plain, FileKind.ORDERSDETAIL)
    categories = by_batch(plain, FileKind.ORDERSDETAILCATEGORIES)
    checked = 0
    for batch, orders_path in by_batch(plain, FileKind.ORDERS).items():
        orders = {(o["OrderNumber"], o["StoreCode"]): o for o in records(orders_path)}
        assert len(orders) == len(records(orders_path))  # one row per order key in a file
        lines = defaultdict(list)
        for line in records(details[batch]):
            lines[(line["OrderNumber"], line["StoreCode"])].append(line)
        line_keys = {(*key, line["Sku"]) for key, group in lines.items() for line in group}
        category_keys = Counter(
            (c["OrderNumber"], c["StoreCode"], c["Sku"]) for c in records(categories[batch])
        )
        assert set(lines) == set(orders)
        assert set(category_keys) == line_keys  # every line has 1+ categories, none orphaned
        assert max(category_keys.values(), default=1) <= 3
        for key, order in orders.items():
            group = lines[key]
            amounts = [cents(line["LineAmount"]) for line in group]
            for line, amount in zip(group, amounts, strict=True):
                assert amount == cents(line["Quantity"]) * cents(line["UnitPrice"]) // 100
            assert Decimal(order["TotalItems"]) == sum(Decimal(x["Quantity"]) for x in group)
            assert Decimal(order["TotalProducts"]) == len({line["Sku"] for line in group})
            assert cents(order["TotalAmount"]) == (
                sum(amounts) - cents(order["DiscountsAmount"]) + cents(order["ShippingAmount"])
            )
            assert abs(cents(order["ItemsAmount"])) <= abs(sum(amounts))
            checked += 1
    assert checked == plain.valid_rows(FileKind.ORDERS)


def test_product_names_with_the_delimiter_are_quoted(plain: GenerationSummary) -> None:
    raw = "".join(
        f.path.read_text(encoding="utf-8") for f in plain.files if f.kind is FileKind.ORDERSDETAIL
    )
    assert re.search(r'\|"[^"|]+ \| [^"]+"\|', raw)  # "Camiseta ... | Edición Especial"
    assert '""Outlet""' in raw  # a quote inside a quoted field is doubled
    names = {
        line["ProductName"]
        for f in plain.files
        if f.kind is FileKind.ORDERSDETAIL
        for line in records(f.path)
    }
    assert any('"Outlet" | 2x1' in name for name in names)


def test_returns_are_negative_orders_of_earlier_buyers(plain: GenerationSummary) -> None:
    first_purchase: dict[tuple[str, str], date] = {}
    returns = []
    for summary in sorted(plain.files, key=lambda f: f.file_date):
        if summary.kind is not FileKind.ORDERS:
            continue
        for order in records(summary.path):
            key = (summary.instance_id, order["UserId"])
            if cents(order["TotalAmount"]) >= 0:
                first_purchase.setdefault(key, summary.file_date)
            else:
                assert Decimal(order["TotalItems"]) < 0
                assert first_purchase.get(key, summary.file_date) < summary.file_date
                returns.append(order)
    assert len(returns) == plain.returns > 0
    return_keys = {(r["OrderNumber"], r["StoreCode"]) for r in returns}
    for summary in plain.files:
        if summary.kind is FileKind.ORDERSDETAIL:
            for line in records(summary.path):
                if (line["OrderNumber"], line["StoreCode"]) in return_keys:
                    assert cents(line["Quantity"]) < 0 and cents(line["LineAmount"]) < 0


def test_resent_orders_keep_their_key_and_date_but_change(plain: GenerationSummary) -> None:
    versions: dict[tuple[str, str, str], list[tuple[date, dict[str, str]]]] = defaultdict(list)
    for summary in plain.files:
        if summary.kind is FileKind.ORDERS:
            for order in records(summary.path):
                key = (summary.instance_id, order["StoreCode"], order["OrderNumber"])
                versions[key].append((summary.file_date, order))
    resent = {key: sorted(v, key=lambda x: x[0]) for key, v in versions.items() if len(v) > 1}
    assert len(resent) > 0 and plain.resent_orders >= len(resent)
    for (first_date, first), *later in resent.values():
        for file_date, order in later:
            assert file_date > first_date
            assert order["Date"] == first["Date"] == first_date.strftime(DATE_FORMAT)
            assert order["UserId"] == first["UserId"]
            assert (order["TotalItems"], order["TotalProducts"]) != (
                first["TotalItems"],
                first["TotalProducts"],
            )


def test_channel_is_sometimes_empty_and_the_store_seed_covers_every_store(
    plain: GenerationSummary,
) -> None:
    with open(ROOT / "seeds" / "store_channels.csv", newline="", encoding="utf-8") as seed:
        seed_rows = [tuple(row) for row in csv.reader(seed)]
    assert seed_rows[0] == ("instance_id", "store_code", "channel")
    assert seed_rows[1:] == store_channel_rows()
    channel_of = {(i, s): c for i, s, c in seed_rows[1:]}
    assert set(channel_of.values()) == {"ONLINE", "STORE", "APP"}
    empty = 0
    for summary in plain.files:
        if summary.kind is FileKind.ORDERS:
            for order in records(summary.path):
                expected = channel_of[(summary.instance_id, order["StoreCode"])]
                assert order["Channel"] in ("", expected)
                empty += order["Channel"] == ""
    assert empty > 0


# -- customers ---------------------------------------------------------------------------------


def customers_by_batch(summary: GenerationSummary) -> dict[Batch, list[dict[str, str]]]:
    return {batch: records(path) for batch, path in by_batch(summary, FileKind.CUSTOMERS).items()}


def test_every_buyer_of_a_batch_is_in_its_customers_file(plain: GenerationSummary) -> None:
    customers = customers_by_batch(plain)
    for batch, path in by_batch(plain, FileKind.ORDERS).items():
        in_file = {c["UserId"] for c in customers[batch]}
        assert {o["UserId"] for o in records(path)} <= in_file


def test_purchase_frequency_is_skewed_and_prospects_exist(plain: GenerationSummary) -> None:
    purchases: Counter[tuple[str, str]] = Counter()
    for summary in plain.files:
        if summary.kind is FileKind.ORDERS:
            for order in records(summary.path):
                if cents(order["TotalAmount"]) >= 0:
                    purchases[(summary.instance_id, order["UserId"])] += 1
    known = {
        (instance, c["UserId"])
        for (instance, _), rows in customers_by_batch(plain).items()
        for c in rows
    }
    buyers_per_count = Counter(purchases.values())
    assert buyers_per_count[1] > len(purchases) / 2  # most buyers buy once
    assert max(purchases.values()) >= 8  # a few buy often
    prospects = known - set(purchases)
    assert len(prospects) >= 0.1 * PLAIN.customers * PLAIN.instances


def test_two_user_ids_share_one_email_written_differently(plain: GenerationSummary) -> None:
    ids_by_email: dict[tuple[str, str], set[str]] = defaultdict(set)
    spellings: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (instance, _), rows in customers_by_batch(plain).items():
        for c in rows:
            key = (instance, c["Email"].strip().lower())
            ids_by_email[key].add(c["UserId"])
            spellings[key].add(c["Email"])
    shared = [key for key, ids in ids_by_email.items() if len(ids) == 2]
    assert len(shared) >= 0.02 * PLAIN.customers * PLAIN.instances
    assert all(len(ids) <= 2 for ids in ids_by_email.values())
    assert all(len(spellings[key]) == 2 for key in shared)
    assert any(s != s.strip() for key in shared for s in spellings[key])  # padded variant


def test_customer_attributes_change_and_sometimes_arrive_empty(plain: GenerationSummary) -> None:
    history: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for (instance, _), rows in sorted(customers_by_batch(plain).items(), key=lambda b: b[0][1]):
        for c in rows:
            history[(instance, c["UserId"])].append(c)
    changed = blanked = 0
    for rows in history.values():
        for column in ("City", "Phone"):
            values = {r[column] for r in rows if r[column]}
            changed += len(values) > 1
        for earlier, later in pairwise(rows):
            blanked += any(earlier[c] and not later[c] for c in ("City", "Phone", "BirthDate"))
    assert changed > 0
    assert blanked > 0


def test_spanish_and_portuguese_names_keep_their_accents(plain: GenerationSummary) -> None:
    text = {
        f.instance_id: f.path.read_text(encoding="utf-8")
        for f in plain.files
        if f.kind is FileKind.CUSTOMERS and f.valid_rows > 50
    }
    assert re.search("[ñáéíóú]", text["AR"])
    assert re.search("[ãçõ]", text["BR_SP"]) and "São Paulo" in text["BR_SP"]


def test_signup_ranges_cover_every_customer_exactly_once() -> None:
    for n, days in ((1, 1), (7, 30), (1000, 60), (997, 7)):
        customers = Customers(INSTANCES[0], 12345, n, days)
        indexes = [i for d in range(days) for i in customers.signups(d)]
        assert indexes == list(range(n))
        assert all(customers.signup_day(i) == d for d in range(days) for i in customers.signups(d))


# -- messy variants ----------------------------------------------------------------------------


def test_malformed_rows_are_counted_and_broken_in_exactly_one_way(
    messy: GenerationSummary,
) -> None:
    kinds_of_problem: Counter[str] = Counter()
    for summary in messy.files:
        header, rows = read_file(summary.path)
        assert len(rows) == summary.valid_rows + summary.malformed_rows
        failing = [found for row in rows if (found := problems(summary.kind, header, row))]
        assert len(failing) == summary.malformed_rows, summary.path.name
        assert all(len(found) == 1 for found in failing)
        kinds_of_problem.update(found[0] for found in failing)
    total = messy.malformed_rows()
    share = total / (total + messy.valid_rows())
    assert 0.03 < share < 0.07
    assert set(kinds_of_problem) == {"field count", "date", "decimal", "length", "email"}


def test_cp1252_files_hold_accented_names_in_that_encoding(messy: GenerationSummary) -> None:
    assert {f.encoding for f in messy.files} == {"utf-8", "windows-1252"}
    letter = {"AR": "ñ", "BR_SP": "ã"}  # Peña, Muñoz ... / João, São Paulo ...
    assert "ñ".encode("cp1252") == b"\xf1" and "ã".encode("cp1252") == b"\xe3"
    checked = Counter()
    for summary in messy.files:
        if summary.kind is not FileKind.CUSTOMERS or summary.valid_rows < 20:
            continue
        data = summary.path.read_bytes()
        wanted = letter[summary.instance_id]
        if summary.encoding == "windows-1252":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            assert wanted.encode("cp1252") in data
            assert wanted.encode("utf-8") not in data
            assert wanted in data.decode("cp1252")
        else:
            assert wanted.encode("utf-8") in data
        checked[summary.encoding] += 1
    assert checked["windows-1252"] > 0 and checked["utf-8"] > 0


def test_gzip_files_hold_the_same_content(tmp_path: Path) -> None:
    options = GeneratorOptions(customers=60, days=4, instances=2, cp1252_share=0.5)
    plain_summary = generate(tmp_path / "plain", options)
    gz_summary = generate(tmp_path / "gz", GeneratorOptions(**{**options.__dict__, "gzip": True}))
    for text_file, gz_file in zip(plain_summary.files, gz_summary.files, strict=True):
        assert gz_file.path.name == text_file.path.name + ".gz"
        assert parse_file_name(gz_file.path.name).gzipped
        assert gz_file.path.read_bytes()[:2] == b"\x1f\x8b"
        assert gzip.decompress(gz_file.path.read_bytes()) == text_file.path.read_bytes()


# -- options and scale -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        GeneratorOptions(customers=0),
        GeneratorOptions(days=0),
        GeneratorOptions(instances=len(INSTANCES) + 1),
        GeneratorOptions(malformed_share=1.5),
        GeneratorOptions(orders=-1),
    ],
)
def test_impossible_options_are_refused(tmp_path: Path, options: GeneratorOptions) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, options)


def test_orders_option_sets_the_volume(tmp_path: Path) -> None:
    summary = generate(tmp_path, GeneratorOptions(customers=100, days=10, orders=1234))
    assert summary.valid_rows(FileKind.ORDERS) == 1234


def peak_bytes(folder: Path, options: GeneratorOptions) -> int:
    tracemalloc.start()
    try:
        generate(folder, options)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_days(tmp_path: Path) -> None:
    small = GeneratorOptions(customers=300, days=3, orders=900)
    large = GeneratorOptions(customers=300, days=30, orders=9000)  # 10x the orders
    small_peak = peak_bytes(tmp_path / "small", small)
    large_peak = peak_bytes(tmp_path / "large", large)
    assert large_peak < 1.5 * small_peak


def test_the_loader_rejects_exactly_the_malformed_rows(tmp_path: Path) -> None:
    """End to end with the real landing code: what the summary promises is what gets loaded."""
    from loaders.landing import Lander
    from loaders.warehouse import connect

    options = GeneratorOptions(**{**MESSY.__dict__, "customers": 120, "days": 3, "gzip": True})
    summary = generate(tmp_path / "inbox", options)
    con = connect(tmp_path / "warehouse.duckdb")
    try:
        lander = Lander(con, work_dir=tmp_path)
        for written in summary.files:
            result = lander.land(written.path)
            assert result.ok, result.message
            assert (result.rows_loaded, result.rows_rejected) == (
                written.valid_rows,
                written.malformed_rows,
            ), written.path.name
    finally:
        con.close()
    assert summary.malformed_rows() > 0
