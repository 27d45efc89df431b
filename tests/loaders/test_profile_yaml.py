"""The customer_profile YAML's windowed columns follow the `kpi_windows` var."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from loaders import profile_yaml

ROOT = Path(__file__).resolve().parents[2]


def profile_columns(project: Path) -> list[str]:
    document = yaml.safe_load((project / profile_yaml.PROFILE_YAML).read_text())
    [model] = [m for m in document["models"] if m["name"] == "customer_profile"]
    return [column["name"] for column in model["columns"]]


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

    assert not profile_yaml.sync(project)
    new_columns = profile_columns(project)
    added = [name for name in new_columns if name not in old_columns]
    assert added == [
        f"ICOMMKT_{family}_720_Days"
        for family in (
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
    ]
    # the 720-day columns come right after the 360-day ones, before the lifetime (Total) ones
    assert (
        new_columns.index("ICOMMKT_Items_720_Days")
        == new_columns.index("ICOMMKT_Stores_360_Days") + 1
    )
    assert profile_yaml.sync(project, check_only=True)
