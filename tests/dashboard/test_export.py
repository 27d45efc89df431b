"""`omni export profile` on the hand-made published profile (tests/dashboard/conftest.py)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from loaders.export import ExportError, export_profile
from loaders.publish import PublishedSet
from tests.conftest import run_omni

HEADER = [
    "Email",
    "FirstName",
    "LastName",
    "BirthDate",
    "OptIn",
    "UserIds",
    "LoyaltyTier",  # extra attributes of the instance, sorted by name
    "Store Pref",
    "ICOMMKT_Last_Purchase_Date",
    "ICOMMKT_Total_Value",
    "ICOMMKT_Total_Purchases",
    "ICOMMKT_Total_Brands",
    "ICOMMKT_Total_RFM",
    "ICOMMKT_Is_Omnichannel",
    "ICOMMKT_Avg_Days_Between_Purchases",
    "RFM_Group",
    "RFM_Segment",
]
ANA = [
    "ana@example.com", "Ana", "Peña", "28/02/1990", "1", "U1,W7", "GOLD", "", "12/06/2026",
    "150.00", "2", "Adidas,Nike", "555", "1", "11.0", "LOYAL", "LOYAL_CHAMPIONS",
]  # fmt: skip
BRUNO = [
    "bruno@example.com", "Bruno", "", "", "0", "U2", "SILVER", "BA01", "20/06/2026", "50.00",
    "1", "Puma", "311", "0", "", "BEGINNERS", "BEGINNERS_NEW",
]  # fmt: skip
CARLA = [
    "carla@example.com", "Carla", "Díaz", "01/12/1985", "", "U3", "", "", "", "0.00", "0", "",
    "", "0", "", "PROSPECTS", "PROSPECTS",
]  # fmt: skip


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def test_an_instance_exported_as_a_campaign_tool_reads_it(small_set: PublishedSet, tmp_path):
    out = tmp_path / "ar.csv"
    result = export_profile(small_set, "AR", out)
    assert result.rows == 3
    assert result.columns == HEADER
    assert read(out) == [HEADER, ANA, BRUNO, CARLA]


def test_segment_and_where_narrow_the_rows(small_set: PublishedSet, tmp_path):
    out = tmp_path / "some.csv"
    assert export_profile(small_set, "AR", out, segment="BEGINNERS_NEW").rows == 1
    assert read(out)[1:] == [BRUNO]
    where = "\"ICOMMKT_Total_Value\" >= 50 and list_contains(user_ids, 'W7')"
    assert export_profile(small_set, "AR", out, where=where).rows == 1
    assert read(out)[1:] == [ANA]
    # A segment of the seed with nobody in it is a valid, empty export.
    assert export_profile(small_set, "AR", out, segment="BEGINNERS_LOSE_IT").rows == 0
    assert read(out) == [HEADER]


@pytest.mark.parametrize(
    ("instance", "segment", "where", "message"),
    [
        ("XX", None, None, "unknown instance 'XX'; the profile has: AR, CL"),
        ("AR", "CHAMPIONS", None, "unknown segment 'CHAMPIONS'; segments are: BEGINNERS_LOSE_IT"),
        ("AR", None, "no_such_column > 1", 'Referenced column "no_such_column" not found'),
        ("AR", None, "email =", "--where is not a valid SQL condition"),
        ("AR", None, "true; drop table x", "--where is not a valid SQL condition"),
        ("AR", None, "true)) to '/tmp/elsewhere.csv' --", "--where is not a valid SQL condition"),
        ("AR", None, "cast(email as integer) > 0", "--where could not be evaluated"),
    ],
)
def test_bad_arguments_are_explained(small_set, tmp_path, instance, segment, where, message):
    out = tmp_path / "out.csv"
    out.write_text("previous export\n")
    with pytest.raises(ExportError) as raised:
        export_profile(small_set, instance, out, segment, where)
    assert message in str(raised.value)
    assert out.read_text() == "previous export\n"  # a failed export leaves the old file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_cli_exit_codes(small_set: PublishedSet, tmp_path):
    env = {**os.environ, "OMNI_WAREHOUSE": str(small_set.directory.parents[2] / "omni.duckdb")}
    out = tmp_path / "x.csv"
    done = run_omni(env, "export", "profile", "--instance", "AR", "--segment", "loyal_champions",
                    "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Wrote 1 customers" in done.stdout
    assert read(out)[1:] == [ANA]
    done = run_omni(env, "export", "profile", "--instance", "AR", "--where", "nope(", "--out",
                    str(out))  # fmt: skip
    assert done.returncode == 2
    assert "--where is not a valid SQL condition" in done.stdout
    empty = {**os.environ, "OMNI_WAREHOUSE": str(tmp_path / "none" / "omni.duckdb")}
    done = run_omni(empty, "export", "profile", "--instance", "AR", "--out", str(out))
    assert done.returncode == 1
    assert "No published marts" in done.stdout
