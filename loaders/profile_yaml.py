"""Keep the windowed columns of `customer_profile`'s YAML in step with the `kpi_windows` var.

dbt YAML cannot loop, so the per-window column entries (name, description, type, tests) are
written here from the family list below, between two marker comments of the hand-written YAML.
`omni build` refreshes them before dbt runs, so adding a window to `dbt_project.yml` stays a
one-line change; `omni sync-docs --check` (run by the tests) fails when the file is stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

PROFILE_YAML = Path("models/marts/customers/_customers__models.yml")
BEGIN = "      # BEGIN windowed columns: generated from var kpi_windows by `omni sync-docs`"
END = "      # END windowed columns"


@dataclass(frozen=True)
class Family:
    name: str  # the <Family> of ICOMMKT_<Family>_<N>_Days / ICOMMKT_Total_<Family>
    doc: str
    data_type: str
    not_null: bool


FAMILIES = (
    Family("Items", "kpi_items", "decimal(18,2)", True),
    Family("Brands", "kpi_brands", "varchar[]", True),
    Family("Categories", "kpi_categories", "varchar[]", True),
    Family("Purchases", "kpi_purchases", "integer", True),
    Family("Value", "kpi_value", "decimal(18,2)", True),
    Family("Average_Value", "kpi_average_value", "decimal(18,2)", False),
    Family("RFM", "kpi_rfm", "varchar", False),
    Family("Promo_Codes", "kpi_promo_codes", "varchar[]", True),
    Family("Stores", "kpi_stores", "varchar[]", True),
)


def kpi_windows(project_dir: Path) -> list[int]:
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text())
    return [int(days) for days in project["vars"]["kpi_windows"]]


def _column_entry(family: Family, days: int | None) -> list[str]:
    if days is None:
        name = f"ICOMMKT_Total_{family.name}"
        scope = "Lifetime: every order up to `as_of_date`."
    else:
        name = f"ICOMMKT_{family.name}_{days}_Days"
        scope = (
            f"Window: orders dated in the {days} days ending on `as_of_date` "
            f"(as_of_date - {days} < date <= as_of_date)."
        )
    lines = [
        f"      - name: {name}",
        f"        description: '{{{{ doc(\"{family.doc}\") }}}} {scope}'",
        f"        data_type: {family.data_type}",
        "        quote: true",
    ]
    if family.not_null:
        lines += ["        data_tests:", "          - not_null"]
    return lines


def windowed_columns_block(windows: list[int]) -> str:
    lines = [BEGIN]
    for days in [*windows, None]:
        for family in FAMILIES:
            lines += _column_entry(family, days)
    lines.append(END)
    return "\n".join(lines)


def render(current: str, windows: list[int]) -> str:
    """The YAML text with its generated block replaced; the rest is left as written."""
    start = current.index(BEGIN)
    stop = current.index(END) + len(END)
    return current[:start] + windowed_columns_block(windows) + current[stop:]


def sync(project_dir: Path, check_only: bool = False) -> bool:
    """Rewrite the block when stale; returns True when the file was already up to date."""
    path = project_dir / PROFILE_YAML
    current = path.read_text()
    wanted = render(current, kpi_windows(project_dir))
    if wanted == current:
        return True
    if not check_only:
        path.write_text(wanted)
    return False
