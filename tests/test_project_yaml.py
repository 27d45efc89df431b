"""The dbt project's YAML files have no repeated keys.

YAML keeps the last of two equal keys, so a second `data_tests:` under one model silently drops
the first list: dbt only warns, and the dropped tests never run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT_YAML = [
    *sorted(
        path
        for folder in ("models", "seeds", "macros", "tests", "analyses")
        for path in (ROOT / folder).rglob("*.yml")
    ),
    ROOT / "dbt_project.yml",
]


class RepeatedKeyError(yaml.constructor.ConstructorError):
    pass


class StrictLoader(yaml.SafeLoader):
    """A safe loader that fails on a key repeated within one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise RepeatedKeyError(None, None, f"key {key!r} repeated", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def test_project_yaml_files_are_found():
    names = {path.name for path in PROJECT_YAML}
    assert {"dbt_project.yml", "_reference__seeds.yml", "_customers__models.yml"} <= names


@pytest.mark.parametrize("path", PROJECT_YAML, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_key_is_repeated(path: Path):
    yaml.load(path.read_text(), Loader=StrictLoader)


def test_a_repeated_key_is_caught():
    document = "seeds:\n  - name: a\n    data_tests: [x]\n    columns: []\n    data_tests: [y]\n"
    with pytest.raises(RepeatedKeyError, match="'data_tests' repeated"):
        yaml.load(document, Loader=StrictLoader)
