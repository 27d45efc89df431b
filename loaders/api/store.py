"""What `GET /v1/orders` serves: the latest version of every order the API accepted.

Read from the spool (every server process's segments), never from the warehouse: DuckDB lets a
running load or build hold the file exclusively, and the API must answer meanwhile. Each query
first reads only the bytes appended since the previous one, so it costs the new records.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from loaders.api.spool import SpoolRecord, list_segments, read_segment


@dataclass(frozen=True)
class OrderFilter:
    instance: str
    email: str | None = None
    source_user_id: str | None = None
    store_code: str | None = None
    order_number: str | None = None
    date: date | None = None
    date_start: date | None = None
    date_end: date | None = None


class OrderStore:
    """Latest version per order key and latest email per (instance, UserId), from the spool."""

    def __init__(self, spool_dir: Path) -> None:
        self.spool_dir = spool_dir
        self._offsets: dict[Path, int] = {}
        self._orders: dict[tuple[str, str, str], SpoolRecord] = {}
        self._emails: dict[tuple[str, str], tuple[str, str]] = {}  # -> (version name, email)
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._lock:
            for segment in list_segments(self.spool_dir):
                read = read_segment(segment, self._offsets.get(segment, 0))
                self._offsets[segment] = read.end
                for record in read.records:
                    self._add(record)

    def _add(self, record: SpoolRecord) -> None:
        # Versions compare by name, the raw layer's file_name: the order staging uses.
        if record.kind == "order":
            current = self._orders.get(record.order_key)
            if current is None or record.name > current.name:
                self._orders[record.order_key] = record
        elif record.kind == "customer" and record.data.get("Email"):
            key = (record.instance, record.data["UserId"])
            current_email = self._emails.get(key)
            if current_email is None or record.name > current_email[0]:
                self._emails[key] = (record.name, record.data["Email"].strip().lower())

    def query(
        self, where: OrderFilter, offset: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """(total matches, one page of orders) sorted by date, store and order number."""
        self.refresh()
        with self._lock:
            user_ids = None
            if where.email is not None:
                wanted = where.email.strip().lower()
                user_ids = {
                    user_id
                    for (instance, user_id), (_, email) in self._emails.items()
                    if instance == where.instance and email == wanted
                }
            matches = [
                record.data
                for record in self._orders.values()
                if record.instance == where.instance and _matches(record.data, where, user_ids)
            ]
        matches.sort(key=lambda o: (o["Date"], o["StoreCode"], o["OrderNumber"]))
        return len(matches), matches[offset : offset + limit]


def _matches(order: dict[str, Any], where: OrderFilter, user_ids: set[str] | None) -> bool:
    order_date = date.fromisoformat(order["Date"])
    return (
        (user_ids is None or order["UserId"] in user_ids)
        and (where.source_user_id is None or order["UserId"] == where.source_user_id)
        and (where.store_code is None or order["StoreCode"] == where.store_code)
        and (where.order_number is None or order["OrderNumber"] == where.order_number)
        and (where.date is None or order_date == where.date)
        and (where.date_start is None or order_date >= where.date_start)
        and (where.date_end is None or order_date <= where.date_end)
    )
