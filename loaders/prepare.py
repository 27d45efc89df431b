"""Turn a delivered file into one DuckDB's CSV reader can take as is, in one streaming pass.

DuckDB reads the `|` layout, quotes and field counts (and records its own rejects), but it cannot
tell the line a row came from, cannot read Windows-1252 here, and fingerprints nothing. So each
file is streamed once: gzip is undone, the encoding is detected (UTF-8, else Windows-1252,
transcoded to UTF-8), a BOM and CR line ends are dropped, blank lines are skipped, and every record
is prefixed with its line number in the original file. Nothing is held in memory beyond a chunk.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

CHUNK_BYTES = 4 << 20
BOM = b"\xef\xbb\xbf"
LINE_NUMBER_COLUMN = "__line_number"
UTF8 = "utf-8"
CP1252 = "windows-1252"


@dataclass(frozen=True)
class UndecodableLine:
    line_number: int
    raw_line: str
    reason: str


@dataclass
class PreparedFile:
    """The normalised copy and what was learnt about the original while writing it."""

    path: Path
    encoding: str
    header: list[str]
    records: int
    undecodable: list[UndecodableLine] = field(default_factory=list)


class EmptyFileError(ValueError):
    """A file without even a header line: nothing can be matched, so the file is rejected."""


def open_delivered(path: Path, gzipped: bool) -> BinaryIO:
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def content_sha256(path: Path, gzipped: bool) -> str:
    """Fingerprint of the content, so a re-delivery with other compression is still identical."""
    digest = hashlib.sha256()
    with open_delivered(path, gzipped) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _line_aligned_blocks(stream: BinaryIO) -> Iterator[bytes]:
    """Yield blocks that end on a line break (the last one may not), each split-ready."""
    rest = b""
    while chunk := stream.read(CHUNK_BYTES):
        data = rest + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        rest = data[cut:]
        yield data[:cut]
    if rest:
        yield rest + b"\n"


def _is_utf8(path: Path, gzipped: bool) -> bool:
    with open_delivered(path, gzipped) as stream:
        for block in _line_aligned_blocks(stream):
            try:
                block.decode(UTF8)
            except UnicodeDecodeError:
                return False
    return True


class _RecordWriter:
    """Writes records prefixed with their original line number; tracks quoted line breaks."""

    def __init__(self, out: BinaryIO, encoding: str) -> None:
        self.out = out
        self.encoding = encoding
        self.line_number = 0
        self.records = 0
        self.inside_quotes = False
        self.undecodable: list[UndecodableLine] = []

    def write_block(self, block: bytes) -> None:
        lines = block.split(b"\n")
        lines.pop()  # blocks end with a line break, so the last piece is empty
        plain = b'"' not in block and b"\r" not in block and not self.inside_quotes
        if plain and self.encoding == UTF8:
            self._write_plain_lines(lines)
        else:
            for line in lines:
                self._write_line(line)

    def _write_plain_lines(self, lines: list[bytes]) -> None:
        """Fast path for the common block: UTF-8, no quotes, no CR."""
        start = self.line_number + 1
        self.line_number += len(lines)
        records = [b"%d|%b\n" % (n, line) for n, line in enumerate(lines, start) if line]
        self.records += len(records)
        self.out.write(b"".join(records))

    def _write_line(self, line: bytes) -> None:
        self.line_number += 1
        line = line.rstrip(b"\r")
        if self.encoding != UTF8:
            try:
                line = line.decode(self.encoding).encode(UTF8)
            except UnicodeDecodeError as exc:
                self._reject_undecodable(line, exc)
                return
        if self.inside_quotes:
            self.out.write(line + b"\n")  # continues a quoted field across a line break
        elif line:
            self.records += 1
            self.out.write(b"%d|%b\n" % (self.line_number, line))
        if line.count(b'"') % 2:
            self.inside_quotes = not self.inside_quotes

    def _reject_undecodable(self, line: bytes, exc: UnicodeDecodeError) -> None:
        self.undecodable.append(
            UndecodableLine(
                self.line_number,
                line.decode(self.encoding, errors="replace"),
                f"byte 0x{line[exc.start]:02x} at column {exc.start + 1} is neither UTF-8 "
                "nor Windows-1252",
            )
        )


def _parse_header(line: bytes, encoding: str) -> list[str]:
    text = line.removeprefix(BOM).rstrip(b"\r").decode(encoding, errors="replace")
    return [name.strip() for name in next(csv.reader([text], delimiter="|", quotechar='"'))]


def prepare_file(path: Path, gzipped: bool, out_path: Path) -> PreparedFile:
    """Write the normalised, line-numbered UTF-8 copy of `path` to `out_path`."""
    encoding = UTF8 if _is_utf8(path, gzipped) else CP1252
    header: list[str] | None = None
    with open_delivered(path, gzipped) as stream, open(out_path, "wb") as out:
        writer = _RecordWriter(out, encoding)
        for block in _line_aligned_blocks(stream):
            if header is None:
                first, _, block = block.partition(b"\n")
                header = _parse_header(first, encoding)
                # DuckDB skips this line (names are given positionally); it is kept for humans.
                out.write("|".join([LINE_NUMBER_COLUMN, *header]).encode(UTF8) + b"\n")
                writer.line_number = 1
            writer.write_block(block)
    if not header or header == [""]:
        raise EmptyFileError("the file is empty: not even a header line")
    return PreparedFile(out_path, encoding, header, writer.records, writer.undecodable)
