"""After `omni demo` (its defaults, as a new user runs it): the README's dashboard numbers, the
profile export round trip, and `omni docs` with the exposures' lineage."""

from __future__ import annotations

import csv
import itertools
import json
import os
import re
from contextlib import closing
from datetime import datetime
from decimal import Decimal

import duckdb
import pytest

from loaders.export import export_profile
from loaders.publish import current_set, open_set
from tests.conftest import PROJECT_DIR, run_omni


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("default-demo")
    env = {
        **os.environ,
        "OMNI_WAREHOUSE": str(folder / "omni.duckdb"),
        "OMNI_INBOX": str(folder / "inbox"),
    }
    completed = run_omni(env, "demo")
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    published = current_set(folder / "published")
    assert published is not None, "omni build should publish the marts"
    return env, published


def readme_cards() -> dict[str, dict[str, str]]:
    """{instance: {card: value}} from the README's table of the dashboard after `omni demo`."""
    readme = (PROJECT_DIR / "README.md").read_text()
    after_marker = readme.split("<!-- demo dashboard numbers -->\n")[1].splitlines()
    lines = [line for line in itertools.takewhile(lambda x: x.startswith("|"), after_marker)]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    header, *body = [row for row in rows if not set(row[0]) <= {"-", ":"}]
    return {
        instance: {row[0]: row[column] for row in body}
        for column, instance in enumerate(header[1:], start=1)
    }


@pytest.mark.slow
def test_readme_states_the_numbers_the_demo_dashboard_shows(demo):
    """Worked out from the published Parquet with plain SQL, over each instance's whole period
    and every store and channel (the dashboard's first view)."""
    _, published = demo
    expected = {}
    with closing(open_set(published)) as con:
        for (instance,) in con.execute("select distinct instance_id from sales_daily").fetchall():
            sales, purchases, items = con.execute(
                "select sum(sales), sum(purchases), sum(items) from sales_daily "
                "where instance_id = ?",
                [instance],
            ).fetchone()
            unique, recurring = con.execute(
                """
                select count(*), count(*) filter (where lifetime >= 2)
                from (
                    select buyer_key, max(cumulative_purchases) as lifetime
                    from sales_by_customer_daily
                    where instance_id = ?
                    group by buyer_key
                    having sum(purchases) > 0
                )
                """,
                [instance],
            ).fetchone()
            expected[instance] = {
                "Total sales": f"{sales:,.2f}",
                "Purchases": f"{purchases:,}",
                "Unique customers": f"{unique:,}",
                "Recurring customers": f"{recurring:,}",
                "RCR": f"{Decimal(recurring * 100) / unique:.2f} %",
                "Average ticket": f"{sales / purchases:,.2f}",
                "Customer value": f"{sales / unique:,.2f}",
                "Items sold": f"{int(items):,}",
            }
    assert readme_cards() == expected


def parse_back(text: str, column_type: str):
    """A CSV field back to the mart's value: the export's formatting undone."""
    if column_type.endswith("[]"):
        return text.split(",") if text else []
    if text == "":
        return None
    if column_type == "DATE":
        return datetime.strptime(text, "%d/%m/%Y").date()
    if column_type == "BOOLEAN":
        return {"1": True, "0": False}[text]
    if column_type.startswith("DECIMAL"):
        assert re.fullmatch(r"-?\d+\.\d+", text), text  # decimal point, no thousands separator
        return Decimal(text)
    if column_type in ("INTEGER", "BIGINT"):
        return int(text)
    return text


@pytest.mark.slow
def test_profile_export_round_trip(demo, tmp_path):
    _, published = demo
    out = tmp_path / "ar.csv"
    result = export_profile(published, "AR", out)
    with out.open(newline="", encoding="utf-8") as file:
        header, *rows = list(csv.reader(file))
    assert header[0] == "Email"
    assert "ICOMMKT_Total_Value" in header and "RFM_Segment" in header
    with closing(duckdb.connect()) as con:
        source = f"read_parquet('{published.files('customer_profile')}')"
        types = dict(
            con.execute(
                f"select column_name, column_type from (describe select * from {source})"
            ).fetchall()
        )
        mart = con.execute(
            f"select * from {source} where instance_id = 'AR' order by email"
        ).fetchall()
        names = [d[0] for d in con.description]
    assert len(rows) == len(mart) == result.rows == 1994  # the README says so
    assert len(header) == 92
    attribute_columns = {
        "Email": "email", "FirstName": "first_name", "LastName": "last_name",
        "Gender": "gender", "BirthDate": "birth_date", "Phone": "phone", "City": "city",
        "Country": "country", "OptIn": "opt_in", "UserIds": "user_ids",
    }  # fmt: skip
    extra_keys = {"LoyaltyTier", "PreferredLanguage"}  # the demo's extra Customers columns
    assert set(header) == set(attribute_columns) | extra_keys | {
        n for n in names if n.startswith(("ICOMMKT_", "RFM_"))
    }
    exported = sorted(rows, key=lambda row: row[0])
    for csv_row, mart_row in zip(exported, mart, strict=True):
        expected = dict(zip(names, mart_row, strict=True))
        for name, text in zip(header, csv_row, strict=True):
            if name in extra_keys:
                assert (text or None) == expected["extra_attributes"].get(name), name
                continue
            column = attribute_columns.get(name, name)
            assert parse_back(text, types[column]) == expected[column], (name, text)


@pytest.mark.slow
def test_omni_docs_describes_everything_and_shows_the_exposures_lineage(demo):
    env, _ = demo
    completed = run_omni(env, "docs", "--no-serve")
    assert completed.returncode == 0, completed.stdout[-3000:]
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    catalog = json.loads((PROJECT_DIR / "target" / "catalog.json").read_text())

    undescribed = []
    own = [n for n in manifest["nodes"].values() if n["package_name"] == "omnichannel"]
    for node in own + list(manifest["sources"].values()):
        if node["resource_type"] not in ("model", "seed", "source", "snapshot"):
            continue
        if not node["description"].strip():
            undescribed.append(node["unique_id"])
        undescribed += [
            f"{node['unique_id']}.{name}"
            for name, column in node["columns"].items()
            if not column["description"].strip()
        ]
    for macro in manifest["macros"].values():
        if macro["package_name"] == "omnichannel" and not macro["description"].strip():
            undescribed.append(macro["unique_id"])
    for exposure in manifest["exposures"].values():
        if not exposure["description"].strip():
            undescribed.append(exposure["unique_id"])
    assert undescribed == []

    exposures = manifest["exposures"]
    assert set(exposures) == {
        "exposure.omnichannel.sales_dashboard",
        "exposure.omnichannel.profile_export",
    }
    # Everything an exposure reads was built and catalogued, and its lineage reaches the raw files.
    for exposure_id, exposure in exposures.items():
        for model in exposure["depends_on"]["nodes"]:
            assert model in catalog["nodes"], model
        ancestors, frontier = set(), [exposure_id]
        while frontier:
            parents = manifest["parent_map"].get(frontier.pop(), [])
            frontier += [p for p in parents if p not in ancestors]
            ancestors.update(parents)
        assert "source.omnichannel.icommkt.orders" in ancestors, exposure_id
        assert "model.omnichannel.stg_icommkt__orders" in ancestors, exposure_id
