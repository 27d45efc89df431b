"""Keep the windowed columns of `customer_profile`'s YAML in step with the `kpi_windows` var.

dbt YAML cannot loop, so the per-window column entries (name, description, type) and the test
that they hold no NULLs are written here from the family list below, each between two marker
comments of the hand-written YAML.
`omni build` refreshes them before dbt runs, so adding a window to `dbt_project.yml` stays a
one-line change; `omni sync-docs --check` (run by the tests) fails when the file is stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

PROFILE_YAML = Path("models/marts/customers/_customers__models.yml")
COLUMNS_BLOCK = (
    "      # BEGIN windowed columns: generated from var kpi_windows by `omni sync-docs`",
    "      # END windowed columns",
)
NOT_NULL_BLOCK = (
    "      # BEGIN windowed not-null columns: generated from var kpi_windows by `omni sync-docs`",
    "      # END windowed not-null columns",
)


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


def _column_name(family: Family, days: int | None) -> str:
    return f"ICOMMKT_Total_{family.name}" if days is None else f"ICOMMKT_{family.name}_{days}_Days"


def _column_entry(family: Family, days: int | None) -> list[str]:
    if days is None:
        scope = "Lifetime: every order up to `as_of_date`."
    else:
        scope = (
            f"Window: orders dated in the {days} days ending on `as_of_date` "
            f"(as_of_date - {days} < date <= as_of_date)."
        )
    return [
        f"      - name: {_column_name(family, days)}",
        f"        description: '{{{{ doc(\"{family.doc}\") }}}} {scope}'",
        f"        data_type: {family.data_type}",
        "        quote: true",
    ]


def _windowed(windows: list[int]) -> list[tuple[Family, int | None]]:
    """(family, days) of every windowed column in the profile's order; days None is Total."""
    return [(family, days) for days in [*windows, None] for family in FAMILIES]


def windowed_columns_block(windows: list[int]) -> list[str]:
    return [line for family, days in _windowed(windows) for line in _column_entry(family, days)]


def windowed_not_null_block(windows: list[int]) -> list[str]:
    """One model-level test for every windowed column that is never NULL."""
    names = [_column_name(family, days) for family, days in _windowed(windows) if family.not_null]
    return [
        "      - not_null_columns:",
        "          name: not_null_columns_customer_profile_windowed",
        "          arguments:",
        "            column_names:",
        *(f"              - {name}" for name in names),
    ]


def _replace_block(current: str, markers: tuple[str, str], lines: list[str]) -> str:
    begin, end = markers
    start = current.index(begin)
    stop = current.index(end) + len(end)
    return current[:start] + "\n".join([begin, *lines, end]) + current[stop:]


def render(current: str, windows: list[int]) -> str:
    """The YAML text with its generated blocks replaced; the rest is left as written."""
    rendered = _replace_block(current, COLUMNS_BLOCK, windowed_columns_block(windows))
    return _replace_block(rendered, NOT_NULL_BLOCK, windowed_not_null_block(windows))


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
