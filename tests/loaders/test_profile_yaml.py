"""The customer_profile YAML's windowed columns follow the `kpi_windows` var."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from loaders import profile_yaml

ROOT = Path(__file__).resolve().parents[2]
# SPEC §3.3's windowed families, in the profile's column order
WINDOWED_FAMILIES = (
    "Items",
    "Brands",
    "Categories",
    "Purchases",
    "Value",
    "Average_Value",
    "RFM",
    "Promo_Codes",
    "Stores",
)


def profile_model(project: Path) -> dict:
    document = yaml.safe_load((project / profile_yaml.PROFILE_YAML).read_text())
    [model] = [m for m in document["models"] if m["name"] == "customer_profile"]
    return model


def profile_columns(project: Path) -> list[str]:
    return [column["name"] for column in profile_model(project)["columns"]]


def not_null_columns(project: Path) -> list[str]:
    """Every column a not_null_columns test of the profile requires."""
    return [
        name
        for test in profile_model(project)["data_tests"]
        if isinstance(test, dict) and "not_null_columns" in test
        for name in test["not_null_columns"]["arguments"]["column_names"]
    ]


def test_committed_yaml_matches_the_var():
    assert profile_yaml.sync(ROOT, check_only=True)


def test_adding_a_window_is_one_line(tmp_path: Path):
    project = tmp_path / "project"
    (project / profile_yaml.PROFILE_YAML).parent.mkdir(parents=True)
    shutil.copy(ROOT / "dbt_project.yml", project / "dbt_project.yml")
    shutil.copy(ROOT / profile_yaml.PROFILE_YAML, project / profile_yaml.PROFILE_YAML)
    settings = project / "dbt_project.yml"
    before = settings.read_text()
    settings.write_text(
        before.replace(
            "kpi_windows: [30, 60, 90, 180, 360]", "kpi_windows: [30, 60, 90, 180, 360, 720]"
        )
    )
    old_columns = profile_columns(project)
    old_not_null = not_null_columns(project)

    assert not profile_yaml.sync(project)
    new_columns = profile_columns(project)
    added = [name for name in new_columns if name not in old_columns]
    assert added == [f"ICOMMKT_{family}_720_Days" for family in WINDOWED_FAMILIES]
    # the 720-day columns come right after the 360-day ones, before the lifetime (Total) ones
    assert (
        new_columns.index("ICOMMKT_Items_720_Days")
        == new_columns.index("ICOMMKT_Stores_360_Days") + 1
    )
    # every family but Average_Value and RFM (NULL without purchases) is required in the new window
    assert [name for name in not_null_columns(project) if name not in old_not_null] == [
        f"ICOMMKT_{family}_720_Days"
        for family in WINDOWED_FAMILIES
        if family not in ("Average_Value", "RFM")
    ]
    assert profile_yaml.sync(project, check_only=True)
