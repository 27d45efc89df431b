"""Write one named section of bench/RESULTS.md, keeping the other sections as they are."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TITLE = (
    "# Benchmark results\n\n"
    "Figures from the reference machine (2 cores, 24 GiB); re-run a script to refresh its part.\n"
)


def record(section: str, body: str) -> None:
    """Replace the section's lead with `body`; its `###` subsections (earlier runs) stay."""
    text = RESULTS.read_text() if RESULTS.exists() else TITLE
    head = text.split("\n## ", 1)[0].strip()
    found = re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    sections = {name: content.strip() for name, content in found}
    sections[section] = "\n\n".join(
        part for part in (body.strip(), _subsections(sections.get(section, ""))) if part
    )
    parts = [head, *(f"## {name}\n\n{content}" for name, content in sections.items())]
    RESULTS.write_text("\n\n".join(parts) + "\n")


def _subsections(content: str) -> str:
    """The `###` subsections of a section's content, from the first one on."""
    start = re.search(r"^### ", content, flags=re.M)
    return content[start.start() :].strip() if start else ""
