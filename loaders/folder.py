"""A local inbox folder as a source of contract files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loaders.contract import KIND_ORDER, FileNameError, parse_file_name


@dataclass
class FolderListing:
    files: list[Path] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # why each name was not loaded


def list_contract_files(folder: Path) -> FolderListing:
    """Contract files of `folder` in landing order: by file date, then customers first.

    Hidden and temporary names (`.part`, `.tmp`) are skipped silently: they are files still being
    written. Any other name that is not a contract name is reported, never loaded.
    """
    listing = FolderListing()
    keyed = []
    for path in folder.iterdir():
        if not path.is_file() or _is_in_progress(path.name):
            continue
        try:
            parsed = parse_file_name(path.name)
        except FileNameError as exc:
            listing.ignored.append(str(exc))
            continue
        identity = parsed.identity
        keyed.append(
            (
                (
                    identity.file_date,
                    identity.instance_id,
                    KIND_ORDER.index(identity.kind),
                    path.name,
                ),
                path,
            )
        )
    listing.files = [path for _, path in sorted(keyed)]
    return listing


def _is_in_progress(name: str) -> bool:
    return name.startswith(".") or name.endswith((".part", ".tmp"))
