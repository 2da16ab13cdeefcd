"""Time is timezone-aware UTC everywhere. Columns use sqlmodel's own `UTCDateTime` type
(impl/db/tables.py): a `timestamptz` on PostgreSQL; on SQLite, which keeps no offset, values
are stored as UTC and come back with their UTC offset."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
