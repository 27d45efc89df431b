"""The API's append-only spool: what was acknowledged, on disk, until the warehouse ingests it.

A spool is a folder of segment files `segment-<UTC start>-<server id>.jsonl`, one per server
process (so processes never write to the same file), each line one accepted record:

    <crc32 of the JSON, 8 hex digits> <JSON>\\n

A request is answered 202 only after its lines are written and `fsync`ed. Concurrent requests
share one write and one fsync (group commit): a single writer thread takes every line waiting in
its queue, appends them, syncs, then wakes the requests. A reader only ever takes bytes up to
the last newline, so a line being written — or torn by a crash, and so never acknowledged — is
ignored until complete.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import threading
import zlib
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SPOOL_ENV = "OMNI_API_SPOOL"
SEGMENT_GLOB = "segment-*.jsonl"
SEGMENT_MAX_BYTES = 64 * 1024 * 1024
RECORD_VERSION = 1


@dataclass(frozen=True)
class SpoolRecord:
    """One accepted order or customer, as read back from a segment."""

    kind: str  # "order" | "customer"
    instance: str
    received_at: datetime
    name: str  # sortable version name, the raw layer's file_name
    data: dict[str, Any]

    @property
    def order_key(self) -> tuple[str, str, str]:
        return (self.instance, self.data["StoreCode"], self.data["OrderNumber"])


def encode_line(record: dict[str, Any]) -> bytes:
    body = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()
    return b"%08x %s\n" % (zlib.crc32(body), body)


def decode_line(line: bytes) -> SpoolRecord:
    """ValueError when the checksum or the JSON is wrong."""
    checksum, _, body = line.partition(b" ")
    if len(checksum) != 8 or int(checksum, 16) != zlib.crc32(body):
        raise ValueError("checksum mismatch")
    record = json.loads(body)
    return SpoolRecord(
        kind=record["kind"],
        instance=record["instance"],
        received_at=datetime.fromisoformat(record["received_at"]),
        name=record["name"],
        data=record["data"],
    )


@dataclass(frozen=True)
class SegmentRead:
    """Complete lines of a segment from `start` to `end` (just after the last newline)."""

    start: int
    end: int
    records: list[SpoolRecord]
    corrupt_lines: int
    data: bytes


def read_segment(path: Path, start: int = 0) -> SegmentRead:
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read()
    complete = data[: data.rfind(b"\n") + 1]
    records, corrupt = [], 0
    for line in complete.splitlines():
        try:
            records.append(decode_line(line))
        except (ValueError, KeyError, json.JSONDecodeError):
            corrupt += 1
    return SegmentRead(start, start + len(complete), records, corrupt, complete)


def list_segments(spool_dir: Path) -> list[Path]:
    """Segments in creation order (the name starts with the UTC creation time)."""
    if not spool_dir.is_dir():
        return []
    return sorted(spool_dir.glob(SEGMENT_GLOB))


def iter_records(spool_dir: Path) -> Iterator[SpoolRecord]:
    for segment in list_segments(spool_dir):
        yield from read_segment(segment).records


def pending_api_orders(spool_dir: Path, since: datetime, instance_id: str | None = None) -> int:
    """Distinct order keys (instance, StoreCode, OrderNumber) the API accepted after `since`.

    For the dashboard's "live" card: `since` is typically the last build's time; a naive
    datetime is taken as UTC. Re-posts of one order count once. With `instance_id`, only that
    instance's orders count.
    """
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    keys = {
        record.order_key
        for record in iter_records(spool_dir)
        if record.kind == "order"
        and record.received_at > since
        and instance_id in (None, record.order_key[0])
    }
    return len(keys)


class SpoolWriter:
    """Appends records to this process's segment; `submit` resolves once they are fsynced."""

    def __init__(self, spool_dir: Path, segment_max_bytes: int = SEGMENT_MAX_BYTES) -> None:
        self.spool_dir = spool_dir
        self.segment_max_bytes = segment_max_bytes
        self.server_id = secrets.token_hex(4)
        self._queue: queue.SimpleQueue[tuple[bytes, Future[None]] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._sequence = 0
        self._last_received = datetime.min.replace(tzinfo=UTC)
        self._fd: int | None = None
        self._segment_size = 0
        self._thread = threading.Thread(target=self._run, name="spool-writer", daemon=True)
        spool_dir.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def stamp(self) -> tuple[datetime, str]:
        """(receive time, version name) for the next record, strictly increasing per process.

        The wall clock may step back; a later post must still sort after an earlier one.
        """
        with self._lock:
            now = max(datetime.now(UTC), self._last_received)
            self._last_received = now
            self._sequence += 1
            name = f"API_{now:%Y%m%dT%H%M%S%f}Z_{self.server_id}_{self._sequence:010d}"
            return now, name

    def record(self, kind: str, instance: str, data: dict[str, Any]) -> tuple[bytes, str]:
        received_at, name = self.stamp()
        line = encode_line(
            {
                "v": RECORD_VERSION,
                "kind": kind,
                "instance": instance,
                "received_at": received_at.isoformat(),
                "name": name,
                "data": data,
            }
        )
        return line, name

    def submit(self, lines: list[bytes]) -> Future[None]:
        """Queue one request's lines (written together); the future ends after fsync."""
        future: Future[None] = Future()
        self._queue.put((b"".join(lines), future))
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._close_segment()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            while True:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._commit(batch)
                    return
                batch.append(more)
            self._commit(batch)

    def _commit(self, batch: list[tuple[bytes, Future[None]]]) -> None:
        data = b"".join(lines for lines, _ in batch)
        try:
            fd = self._segment_fd(len(data))
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
            self._segment_size += len(data)
        except OSError as exc:
            # Whatever reached the file is a torn tail nobody was told about: leave it behind
            # and continue in a fresh segment.
            self._close_segment()
            for _, future in batch:
                future.set_exception(exc)
            return
        for _, future in batch:
            future.set_result(None)

    def _segment_fd(self, incoming: int) -> int:
        if self._fd is not None and self._segment_size + incoming > self.segment_max_bytes:
            self._close_segment()
        if self._fd is None:
            started = datetime.now(UTC)
            path = self.spool_dir / f"segment-{started:%Y%m%dT%H%M%S%f}Z-{self.server_id}.jsonl"
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o640)
            self._segment_size = 0
            _fsync_dir(self.spool_dir)  # the new name itself must survive a power cut
        return self._fd

    def _close_segment(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            finally:
                self._fd = None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
